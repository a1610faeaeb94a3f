"""The methods statement: the reliability paragraph a reviewer asks for, from the database.

Every number comes from the store: the round (coders, sample, strata, seed, dates, codebook
version), the agreement on it (Krippendorff's alpha per code with its bootstrap interval and
q), the disagreements among its coders and the adjudication log on its excerpts. A sentence
is written only when the data supports it (no claim of blind coding without a round).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..project.codebook import Codebook
from ..rounds import Round, get_round, rounds
from ..store import rounds as sql
from ..store.database import Store
from .agreement import RELIABLE, TENTATIVE, CodeAgreement, disagreement_pairs
from .data import DEFAULT_SEED, ProjectAgreement, load_agreement_data, project_agreement

DEFAULT_RESAMPLES = 1000


@dataclass(frozen=True)
class MethodsStatement:
    """The facts of the statement (``to_dict``) and its plain-words paragraphs."""

    facts: dict[str, Any]
    paragraphs: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]  # alpha per code and group, report order

    def to_dict(self) -> dict[str, Any]:
        return {**self.facts, "codes": list(self.rows), "text": list(self.paragraphs)}

    def markdown(self) -> str:
        """The paragraphs, then a table of alpha per code with interval and q."""
        lines = ["## Intercoder reliability", ""]
        for paragraph in self.paragraphs:
            lines += [paragraph, ""]
        header, rows = cells(self)
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"


def cells(statement: MethodsStatement) -> tuple[list[str], list[list[str]]]:
    """The table of alpha per code as text cells: header and rows."""
    header = ["code", "kind", "alpha", "95% interval", "q(alpha < .667)", "q(alpha < .800)",
              "units", "flag"]
    rows = [[f"{r['label']} ({r['id']})", r["kind"], fmt(r["alpha"]), interval(r["ci"]),
             fmt(r["q_667"], 2), fmt(r["q_800"], 2), str(r["units"]), r["flag"]]
            for r in statement.rows]
    return header, rows


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def fmt(value: float | None, digits: int = 3) -> str:
    """A statistic as reviewers write it: ``.812``, ``-.100``, ``1.000``; ``–`` if undefined."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return text.replace("0.", ".", 1) if abs(value) < 1 else text


def interval(ci: list[float] | tuple[float, float] | None) -> str:
    return "–" if ci is None else f"{fmt(ci[0])} to {fmt(ci[1])}"


def _names(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _row(r: CodeAgreement, kind: str, codebook: Codebook) -> dict[str, Any]:
    q = r.q or {}
    return {"id": r.id, "label": codebook[r.id].label if r.id in codebook else r.id,
            "kind": kind, "alpha": r.alpha, "ci": list(r.ci) if r.ci else None,
            "q_667": q.get("0.667"), "q_800": q.get("0.800"), "units": r.units,
            "flag": r.flag}


def pick_round(store: Store, name: str | None) -> Round | None:
    """The round named, else the latest closed round, else the latest round, else None."""
    if name is not None:
        return get_round(store, name)
    every = rounds(store)
    closed = [r for r in every if not r.is_open]
    return (closed or every or [None])[-1]


def methods_statement(store: Store, codebook: Codebook | None = None, *,
                      round_name: str | None = None, bootstrap: int = DEFAULT_RESAMPLES,
                      seed: int = DEFAULT_SEED) -> MethodsStatement:
    """The statement for a round (see :func:`pick_round`), or for the whole project."""
    codebook = codebook or store.codebook()
    found = pick_round(store, round_name)
    scope: dict[str, Any] = {}
    if found is not None:
        scope = {"coders": found.coders, "excerpts": found.excerpt_ids,
                 "frozen_round": None if found.is_open else found.id}
    result = project_agreement(store, codebook, bootstrap=bootstrap, seed=seed, **scope)
    rows = ([_row(r, "code", codebook) for r in result.report.codes]
            + [_row(r, "group", codebook) for r in result.report.groups])
    facts = _facts(store, codebook, found, result, scope)
    return MethodsStatement(facts, tuple(_paragraphs(facts, rows)), tuple(rows))


def _facts(store: Store, codebook: Codebook, found: Round | None, result: ProjectAgreement,
           scope: dict[str, Any]) -> dict[str, Any]:
    data = load_agreement_data(store, result.coders, codebook=codebook,
                               excerpts=scope.get("excerpts"),
                               frozen_round=scope.get("frozen_round"))
    code_ids = [c.id for c in codebook if not c.exclusive]
    pairs, _ = disagreement_pairs(data, [c for c in code_ids if c in data.code_ids] or [],
                                  list(result.coders))
    facts: dict[str, Any] = {
        "round": found.to_dict() if found is not None else None,
        "coders": list(result.coders),
        "unit": "excerpt: a paragraph (or speaker turn) of a document, or a selection quoted "
                "in its front matter",
        "excerpts": result.excerpts,
        "index": "Krippendorff's alpha, nominal: binary (applied or not) per code, nominal "
                 "per exclusive group",
        "bootstrap": result.to_dict()["bootstrap"],
        "thresholds": {"reliable": RELIABLE, "tentative": TENTATIVE},
        "codebook": {"name": result.codebook_name,
                     "version": found.codebook_version if found else result.codebook_version},
        "disagreements": {"pairs": int(pairs.size),
                          "excerpts": int(np.unique(pairs).size)},
    }
    if found is not None:
        end = found.closed
        peeks = sql.unblinding_entries(store.conn, found.coders, found.started, end)
        before = sql.reviews_before_start(store.conn, found.id, frozen=not found.is_open)
        facts["independent"] = {"blind_round": True, "unblinded_views": peeks,
                                "reviews_before_round": before}
        facts["adjudications"] = sql.adjudication_counts(store.conn, found.id)
    else:
        facts["independent"] = None
        facts["adjudications"] = sql.adjudication_counts(store.conn, None)
    return facts


def _paragraphs(facts: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    found, coders = facts["round"], facts["coders"]
    version = facts["codebook"]["version"] or "unknown"
    book = facts["codebook"]["name"] or "the codebook"
    if found is not None:
        if found["kind"] == "sample":
            strata = found["strata"]["sizes"]
            how = ({"case": "stratified by case", "document": "stratified by document",
                    "none": "not stratified"}[found["strata"]["by"]])
            sample = (f"For round '{found['name']}', a reliability sample of {found['excerpts']} "
                      f"of the {found['pool']} excerpts ({found['share']:g} %) was drawn at "
                      f"random, {how}")
            if found["strata"]["by"] != "none":
                sample += (" (" + "; ".join(f"{s['stratum']}: {s['excerpts']} of {s['of']}"
                                            for s in strata) + ")")
            sample += (f", with seed {found['seed']}, so that the same draw can be repeated"
                       + (", from excerpts no coder had reviewed" if found["from_unreviewed"]
                          else "") + ".")
        else:
            sample = (f"For round '{found['name']}', {found['excerpts']} excerpts of "
                      f"{len(found['strata']['sizes'])} whole documents were assigned.")
        out.append(sample)
        peeks = facts["independent"]["unblinded_views"]
        before = facts["independent"]["reviews_before_round"]
        blind = (f"{len(coders)} coders ({_names(coders)}) coded them"
                 + (" independently" if not before else "")
                 + ": while the round was open, qcoder showed each coder only their own "
                 "codings and "
                 "kept other coders' codings on these excerpts out of every copy, comparison "
                 "and disagreement list given to them")
        blind += ("; the audit log records no coder of the round viewing other coders' "
                  "codings during the round." if not peeks else
                  f"; the audit log records {peeks} time(s) a coder of the round chose to view "
                  "other coders' codings during the round.")
        if before:
            blind += (f" {before} of the coders' reviews of these excerpts were made before "
                      "the round was opened, outside its blind conditions.")
        out.append(blind)
        dates = f"The round was opened on {found['started'][:10]}" + (
            f" and closed on {found['closed'][:10]}; codings made after the close are not "
            "part of it." if found["closed"] else " and is still open; the figures below "
            "may change.")
        out.append(dates + f" Coders used {book}, version {version}.")
    else:
        out.append(f"{len(coders)} coders ({_names(coders)}) coded the excerpts with {book}, "
                   f"version {version}; no reliability round was recorded, so the statement "
                   "covers every excerpt reviewed by two or more of them.")
    out.append(f"The unit of coding was the {facts['unit']}. {facts['excerpts']} excerpts "
               "were reviewed by two or more coders.")
    boot = facts["bootstrap"]
    index = (f"Agreement was measured with {facts['index']} (an excerpt a coder did not "
             "review counts as missing).")
    if boot:
        index += (f" The 95 % interval and q, the share of {boot['resamples']} bootstrap "
                  f"resamples (seed {boot['seed']}; {boot['description']}) in which alpha "
                  "falls below a threshold, are given per code.")
    out.append(index)
    defined = [r for r in rows if r["alpha"] is not None]
    reliable = [r for r in defined if r["alpha"] >= RELIABLE]
    tentative = [r for r in defined if TENTATIVE <= r["alpha"] < RELIABLE]
    low = [r for r in defined if r["alpha"] < TENTATIVE]
    summary = (f"Following Krippendorff, alpha of at least {fmt(RELIABLE)} was taken as "
               f"reliable and at least {fmt(TENTATIVE)} as acceptable for tentative "
               f"conclusions. Of {len(rows)} codes and groups, {len(reliable)} reached "
               f"{fmt(RELIABLE)}, {len(tentative)} reached only {fmt(TENTATIVE)}, "
               f"{len(low)} stayed below")
    undefined = len(rows) - len(defined)
    summary += (f" and {undefined} could not be estimated (too few units or no variation)."
                if undefined else ".")
    if defined:
        worst = min(defined, key=lambda r: r["alpha"])
        summary += (f" The lowest was {worst['label']} (alpha = {fmt(worst['alpha'])}"
                    + (f", 95 % interval {interval(worst['ci'])}" if worst["ci"] else "")
                    + ").")
    out.append(summary)
    dis, adj = facts["disagreements"], facts["adjudications"]
    settle = (f"The coders disagreed on {dis['pairs']} code applications across "
              f"{dis['excerpts']} excerpts.")
    if adj["decisions"]:
        kinds = [f"{n} {word}" for word, n in (("kept", adj["keep"]), ("dropped", adj["drop"]),
                                               ("taken from one coder's version", adj["pick"]))
                 if n]
        settle += (f" {adj['decisions']} decisions on them are in the adjudication log ("
                   f"{_names(kinds)}), each with its reason, made by {_names(adj['by'])}.")
    else:
        settle += " The adjudication log records no decision on them yet."
    out.append(settle)
    return out
