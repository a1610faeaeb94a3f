"""Suggestions: codes proposed by a text search or a language model, never codings until a
coder accepts one (then it is an ordinary coding of that coder, and the suggestion records
who accepted it and when).

A coder of an open reliability round never sees suggestions on the round's excerpts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .coding import Coding
from .errors import QcoderError
from .project.codebook import Codebook
from .project.corpus import format_ref
from .rounds import blind_excerpts, in_open_round
from .search import search
from .store import suggestions as sql
from .store.connection import now
from .store.database import Store

AI_INSTALL = "pip install 'qcoder[ai]'"
SOURCE = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
PROMPT_VERSION = "qcoder-suggest-1"


@dataclass(frozen=True)
class RunReport:
    """What one suggestion run did."""

    source: str
    examined: int
    suggested: int
    new: int
    failed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "excerpts": self.examined, "suggestions": self.suggested,
                "new": self.new, "unreadable_answers": self.failed}


def check_source(name: str) -> str:
    if not SOURCE.match(name):
        raise QcoderError(f"--source {name!r}: use lowercase letters, digits and . _ : - "
                          "(at most 64), e.g. 'dictionary' or 'ai-gpt4o'")
    return name


def _code(codebook: Codebook, code_id: str) -> str:
    if code_id not in codebook:
        raise QcoderError(f"unknown code '{code_id}'; see 'qcoder codebook check' for ids")
    if codebook[code_id].exclusive:
        raise QcoderError(f"'{code_id}' is an exclusive group; suggest one of its codes")
    return code_id


def suggest_from_search(store: Store, query: str, code_id: str, source: str = "search",
                        case_ids: Sequence[str] = (), made_by: str | None = None) -> RunReport:
    """Record every excerpt matching ``query`` as a suggestion of ``code_id``; the run
    examined every active excerpt (of ``case_ids``) for that code."""
    check_source(source)
    _code(store.codebook(), code_id)
    result = search(store, query, case_ids, limit=None)
    examined = sql.excerpt_texts(store, case_ids)
    at = now()
    with store.transaction() as conn:
        run = sql.insert_run(conn, {"source": source, "kind": "search", "detail": query,
                                    "model": None, "prompt_hash": None, "created": at,
                                    "made_by": made_by})
        sql.add_scope(conn, run, ((row[0], code_id) for row in examined))
        new = sql.add_suggestions(conn, run, source, at, (
            (hit.excerpt_id, code_id, f"search: {query}") for hit in result.hits))
    return RunReport(source, len(examined), len(result.hits), new)


# -- language models --------------------------------------------------------------------
def _load_llm() -> Any:
    try:
        import llm
    except ImportError:
        raise QcoderError(f"AI suggestions need the optional 'llm' library: {AI_INSTALL}, "
                          "then set up a model with llm ('llm keys set openai', or a plugin "
                          "such as llm-ollama)") from None
    return llm


def prompt_for(codebook: Codebook, code_ids: Sequence[str]) -> str:
    """The instructions a model gets: the codes with their definitions, rules and examples."""
    lines = ["You code excerpts of qualitative research material against a codebook.",
             "Apply a code only when its definition and rules fit the excerpt.", "", "Codes:"]
    for code_id in code_ids:
        code = codebook[code_id]
        lines.append(f"- id: {code.id}\n  label: {code.label}")
        for name in ("definition", "include", "exclude"):
            value = getattr(code, name, "") or ""
            if value:
                lines.append(f"  {name}: {' '.join(str(value).split())}")
        for example in getattr(code, "examples", None) or []:
            lines.append(f"  example: {' '.join(str(example).split())}")
    lines += ["", 'Answer with JSON only: {"codes": [ids that apply], "reason": "one short '
              'sentence"}. Use only the ids above; an empty list when none applies.']
    return "\n".join(lines)


def parse_answer(text: str, allowed: Sequence[str]) -> tuple[list[str], str] | None:
    """The codes and reason of a model's answer (None when it is not the JSON asked for)."""
    match = re.search(r"\{.*\}", text, re.S)
    if not match:
        return None
    try:
        data = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("codes"), list):
        return None
    codes = [c for c in data["codes"] if isinstance(c, str) and c in allowed]
    reason = data.get("reason")
    return codes, " ".join(str(reason).split())[:300] if reason else ""


def suggest_with_model(store: Store, code_ids: Sequence[str], model_name: str | None = None,
                       case_ids: Sequence[str] = (), limit: int | None = None,
                       source: str | None = None, made_by: str | None = None,
                       progress: Callable[[int, int], None] | None = None) -> RunReport:
    """Ask a language model (through the ``llm`` library: the user's own model and key)
    which of ``code_ids`` apply to each excerpt; its answers become suggestions."""
    llm = _load_llm()
    book = store.codebook()
    codes = [_code(book, c) for c in code_ids]
    if not codes:
        raise QcoderError("--code: give the codes to suggest, e.g. --code framing-security")
    try:
        model = llm.get_model(model_name) if model_name else llm.get_model()
    except llm.UnknownModelError as exc:
        raise QcoderError(f"model {model_name!r}: {exc}; see 'llm models' for the models "
                          "you have") from None
    default = "ai-" + re.sub(r"[^a-z0-9_.:-]", "-", model.model_id.lower())
    source = check_source(source or default[:64])
    system = prompt_for(book, codes)
    prompt_hash = hashlib.sha256(f"{PROMPT_VERSION}\n{system}".encode()).hexdigest()[:16]
    excerpts = sql.excerpt_texts(store, case_ids, limit)
    answers: list[tuple[int, str, str]] = []
    failed = 0
    for k, (excerpt_id, case_id, stem, speaker, n, text) in enumerate(excerpts):
        ref = format_ref(case_id, stem, n)
        question = f"Excerpt {ref}" + (f" (speaker: {speaker})" if speaker else "") + f":\n{text}"
        try:
            reply = model.prompt(question, system=system).text()
        except Exception as exc:  # noqa: BLE001 - any model or network failure
            raise QcoderError(f"model {model.model_id}: {type(exc).__name__}: {exc}; "
                              f"nothing recorded for this run") from None
        parsed = parse_answer(reply, codes)
        if parsed is None:
            failed += 1
        else:
            answers += [(excerpt_id, c, parsed[1]) for c in parsed[0]]
        if progress:
            progress(k + 1, len(excerpts))
    at = now()
    with store.transaction() as conn:
        run = sql.insert_run(conn, {"source": source, "kind": "ai", "detail": ",".join(codes),
                                    "model": model.model_id, "prompt_hash": prompt_hash,
                                    "created": at, "made_by": made_by})
        sql.add_scope(conn, run, ((e[0], c) for e in excerpts for c in codes))
        new = sql.add_suggestions(conn, run, source, at, answers)
    return RunReport(source, len(excerpts), len(answers), new, failed)


# -- reading and deciding ---------------------------------------------------------------
def listing(store: Store, coder: str | None, source: str | None = None,
            code_ids: Sequence[str] = (), status: str | None = "open") -> list[dict[str, Any]]:
    """Suggestions a coder may see (none on the excerpts of their open rounds)."""
    hidden = blind_excerpts(store, coder) if coder else []
    rows = sql.suggestion_rows(store, source=source, code_ids=code_ids, status=status,
                               hidden=hidden)
    for row in rows:
        row["excerpt"] = format_ref(row.pop("case_id"), row.pop("stem"), row.pop("n"))
    return rows


def decide(store: Store, coder: str, ids: Sequence[int], accept: bool,
           coding: Coding | None = None) -> list[dict[str, Any]]:
    """Accept (a coding by ``coder``) or reject suggestions: one undoable action each, in
    one transaction with its decision and its entry in the audit trail (undo reopens the
    suggestion and, for an accepted one, removes the coding)."""
    hidden = set(blind_excerpts(store, coder))
    rows = {r["id"]: r for r in sql.suggestion_rows(store, ids=ids)}
    for suggestion_id in ids:
        row = rows.get(suggestion_id)
        if row is None:
            raise QcoderError(f"no suggestion {suggestion_id} on an active excerpt; see "
                              "'qcoder suggest list'")
        if row["excerpt_id"] in hidden:
            raise QcoderError(f"suggestion {suggestion_id} is on an excerpt of your open round; "
                              "it stays hidden until the round is closed")
        if row["status"] != "open":
            raise QcoderError(f"suggestion {suggestion_id} was already {row['status']} by "
                              f"{row['decided_by']}")
    if coding is None or coding.coder != coder:
        coding = Coding(store, store.codebook(), coder)
    for suggestion_id in ids:
        row = rows[suggestion_id]
        step = _decision(coding, row, "accepted" if accept else "rejected")
        if accept:
            coding.apply(row["excerpt_id"], row["code_id"], then=step)
        else:
            coding.record(row["excerpt_id"], step)
    return [rows[i] for i in ids]


def _decision(coding: Coding, row: dict[str, Any], decision: str
              ) -> Callable[[Any, int], None]:
    """The step that records a decision on ``row`` inside the action's transaction."""
    def step(conn: Any, action: int) -> None:
        status = sql.status_of(conn, row["id"])
        if status != "open":  # decided by someone else since it was read
            raise QcoderError(f"suggestion {row['id']} was already {status}")
        sql.decide(conn, row["id"], decision, coding.coder, now())
        coding.event(conn, action, "suggestion", row["excerpt_id"], row["code_id"],
                     before={"status": "open"}, after={
                         "suggestion": row["id"], "source": row["source"],
                         "decision": decision,
                         "excerpt": format_ref(row["case_id"], row["stem"], row["n"]),
                         "code": row["code_id"], "reason": row["reason"]})
    return step


def for_excerpt(store: Store, coder: str, excerpt_id: int, reviewed: bool,
                mode: str = "after-review") -> list[dict[str, Any]]:
    """The open suggestions the workbench shows ``coder`` on an excerpt: none unless the
    coder has reviewed it (``mode`` ``after-review``), none ever with ``never``, and none on
    an excerpt of an open round the coder codes in."""
    if mode == "never" or not reviewed or in_open_round(store, coder, excerpt_id):
        return []
    return sql.suggestion_rows(store, status="open", excerpt_id=excerpt_id)


def sources(store: Store) -> list[dict[str, Any]]:
    return sql.sources(store)
