"""Reads for the appendices and the tabular exports: the bulk carries of the consensus,
sources and cases, memos, reviews without a code, excerpt offsets."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..project.corpus import format_ref

if TYPE_CHECKING:
    from .database import Store

CONSENSUS = "consensus"


def reviewed_by(store: Store, coder: str) -> set[int]:
    """The ids of the excerpts ``coder`` has reviewed."""
    return {e for e, in store.query("SELECT excerpt_id FROM reviews WHERE coder = ?", (coder,))}


def carry_log(store: Store) -> list[dict[str, Any]]:
    """Each bulk carry of the agreed codings into consensus still in effect: who, when, how
    many codings on how many excerpts (oldest first)."""
    rows = store.query("""SELECT after FROM events WHERE coder = ? AND kind = 'carry'
        AND state = 'done' ORDER BY id""", (CONSENSUS,))
    return [json.loads(r[0]) for r in rows if r[0]]


def excerpt_counts(store: Store, coders: list[str] | None) -> dict[int, int]:
    """Per document id: its active excerpts coded by ``coders`` (None: by anyone)."""
    where, params = "", []
    if coders is not None:
        where = f" AND c.coder IN ({','.join('?' * len(coders))})"
        params = list(coders)
    return dict(store.query(f"""SELECT e.document_id, COUNT(DISTINCT e.id) FROM excerpts e
        JOIN codings c ON c.excerpt_id = e.id JOIN codes k ON k.id = c.code_id
        WHERE e.active = 1 AND k.active = 1{where} GROUP BY e.document_id""", params))


def excerpt_memos(store: Store, coders: list[str] | None) -> list[dict[str, Any]]:
    """Memos on active excerpts (by ``coders``, None: everyone), in project order."""
    where, params = "", []
    if coders is not None:
        where = f" AND m.coder IN ({','.join('?' * len(coders))})"
        params = list(coders)
    rows = store.query(f"""SELECT d.case_id, d.stem, e.n, m.coder, m.text FROM memos m
        JOIN excerpts e ON e.id = m.excerpt_id JOIN documents d ON d.id = e.document_id
        JOIN cases s ON s.id = d.case_id
        WHERE e.active = 1 AND m.text != ''{where}
        ORDER BY s.position, d.case_id, d.stem, e.n, m.coder""", params)
    return [{"excerpt": format_ref(r[0], r[1], r[2]), "case": r[0], "coder": r[3],
             "text": r[4]} for r in rows]


def coding_memos(store: Store, coders: list[str] | None) -> list[dict[str, Any]]:
    """Memos on codings of active excerpts and codes, in project then codebook order."""
    where, params = "", []
    if coders is not None:
        where = f" AND c.coder IN ({','.join('?' * len(coders))})"
        params = list(coders)
    rows = store.query(f"""SELECT d.case_id, d.stem, e.n, c.code_id, c.coder, c.memo
        FROM codings c JOIN excerpts e ON e.id = c.excerpt_id
        JOIN documents d ON d.id = e.document_id JOIN cases s ON s.id = d.case_id
        JOIN codes k ON k.id = c.code_id
        WHERE e.active = 1 AND k.active = 1 AND c.memo IS NOT NULL AND c.memo != ''{where}
        ORDER BY s.position, d.case_id, d.stem, e.n, k.position, c.coder""", params)
    return [{"excerpt": format_ref(r[0], r[1], r[2]), "case": r[0], "code": r[3],
             "coder": r[4], "text": r[5]} for r in rows]


def document_details(store: Store) -> dict[tuple[str, str], tuple[str, str]]:
    """(case id, document stem) of every active document mapped to its kind and date."""
    return {(r[0], r[1]): (r[2], r[3]) for r in store.query(
        "SELECT case_id, stem, kind, date FROM documents WHERE active = 1")}


def reviews_without_code(store: Store, coders: list[str] | None) -> list[dict[str, Any]]:
    """Reviews of active excerpts by a coder who applied no active code to them, with the
    excerpt's text, offsets, page, media times, speaker, section, document and time, in
    project order (case, document, paragraph, coder)."""
    from ..project.formats.model import timecode

    where, params = "", []
    if coders is not None:
        where = f" AND r.coder IN ({','.join('?' * len(coders))})"
        params = list(coders)
    rows = store.query(f"""SELECT r.coder, r.reviewed_at, d.case_id, d.stem, e.n, e.speaker,
            e.section, e.text, d.title, e.start, e."end", e.page, e.media_start, e.media_end,
            m.text
        FROM reviews r JOIN excerpts e ON e.id = r.excerpt_id
        LEFT JOIN memos m ON m.excerpt_id = r.excerpt_id AND m.coder = r.coder
        JOIN documents d ON d.id = e.document_id JOIN cases s ON s.id = d.case_id
        WHERE e.active = 1{where} AND NOT EXISTS (SELECT 1 FROM codings c
            JOIN codes k ON k.id = c.code_id
            WHERE c.excerpt_id = r.excerpt_id AND c.coder = r.coder AND k.active = 1)
        ORDER BY s.position, d.stem, e.start, e.selection IS NOT NULL, e.n, r.coder""",
                       params)
    return [{"coder": r[0], "time": r[1], "case": r[2], "document": r[3], "n": r[4],
             "excerpt": format_ref(r[2], r[3], r[4]), "speaker": r[5] or "",
             "section": r[6] or "", "text": r[7], "title": r[8] or "", "start": r[9],
             "end": r[10], "page": r[11] if r[11] is not None else "",
             "media_start": timecode(r[12]), "media_end": timecode(r[13]), "memo": "",
             "excerpt_memo": r[14] or "", "code": ""} for r in rows]
