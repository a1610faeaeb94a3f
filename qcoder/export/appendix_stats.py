"""Agreement and comparison tables for the Word appendices.

The numbers come from the same functions the ``agreement`` and ``compare`` commands call,
with the same defaults (bootstrap seed included), and are formatted as those commands print
them, so an appendix and the terminal never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..compare import Basis, Matrix, code_case_matrix, distribution
from ..project.codebook import Codebook
from ..reliability.agreement import MIN_UNITS
from ..reliability.data import (
    DEFAULT_SEED,
    ProjectAgreement,
    case_summary,
    flags_text,
    pair_worst,
    project_agreement,
)
from ..store.database import CONSENSUS, Store
from .appendix_parts import Table, describe_basis, relative_depths


def num(value: float | None, digits: int = 3) -> str:
    """A number as the commands print it; "–" when undefined."""
    return "–" if value is None else f"{value:.{digits}f}"


def interval(ci: tuple[float, float] | None) -> str:
    return f"{ci[0]:.3f} – {ci[1]:.3f}" if ci else "–"


# --- agreement ----------------------------------------------------------------------------


def agreement_tables(store: Store, codebook: Codebook, code_ids: Sequence[str],
                     cases: dict[str, str], basis: Basis, bootstrap: int = 1000,
                     figures: bool = False) -> tuple[list[Table] | None, str]:
    """Agreement per code (alpha, interval, flag; then % agree, kappa and how often each coder
    applied it in a second table, so that each fits a portrait page), per exclusive group,
    per case (and per pair of coders when there are more than two), with a note saying how
    it was computed; (None, why) when fewer than two coders reviewed the same excerpts.
    ``figures``: the alpha chart follows the first table."""
    coders = list(basis.coders) if basis.kind == "pooled" and len(basis.coders) > 1 else None
    if coders is None and len([c for c in store.coders() if c != CONSENSUS]) < 2:
        return None, "codings of at least two coders are needed"
    every_case = [c["id"] for c in store.cases()]
    case = next(iter(cases)) if len(cases) == 1 and len(every_case) > 1 else None
    result = project_agreement(store, codebook, coders=coders, case=case, codes=list(code_ids),
                               bootstrap=bootstrap, seed=DEFAULT_SEED)
    if not result.excerpts:
        return None, "no excerpt was reviewed by two or more of the coders"
    prevalence = _prevalence(store, codebook, result)
    groups = {g.id: g for g in result.report.groups}
    by_id = {r.id: r for r in result.report.codes}
    in_order = [by_id.get(c) or groups.get(c) for c in code_ids]
    listed = [r for r in in_order if r is not None]
    codes_table = _results_table("Agreement per code", result, listed, codebook, code_ids)
    codes_table.note = _columns_note(result, prevalence)
    more = _more_table("Agreement per code: % agree, kappa and use", result, listed,
                       codebook, code_ids, prevalence)
    more.note = ("The codes of the table above, in its order: the other statistics and how "
                 "often each coder applied the code (columns defined above).")
    if figures:
        from ..figures.data import alpha_chart
        from ..figures.images import figure_image

        codes_table.figures.append(figure_image(alpha_chart(result, codebook)))
    tables = [codes_table, more]
    if result.report.groups:
        group_table_ = _results_table("Agreement per exclusive group", result,
                                      result.report.groups, codebook, code_ids)
        group_table_.note = ("One row per exclusive group: its codes as the values of one "
                             "nominal variable (no code of the group is a value too); "
                             "columns as in the table of agreement per code.")
        tables.append(group_table_)
    tables.append(_cases_table(result, cases))
    if len(result.coders) > 2:
        tables.append(_pairs_table(result))
    tables += _unitizing_tables(store, codebook, code_ids, coders, case)
    note = (f"{result.stamp()}. Krippendorff's alpha (nominal) per code (applied or not, a "
            "parent counting as applied when a code below it is) and per exclusive group; "
            "reliable ≥ .800, tentative ≥ .667; fewer than 10 excerpts reviewed by two coders: "
            "too few units. Units: excerpts reviewed by two or more coders. % agree: share of "
            "agreeing pairs of coders, pairs that both left the code off included. Kappa: "
            "Cohen's kappa, its asymptotic standard error (Fleiss, Cohen & Everitt 1969) and "
            "95% interval kappa ± 1.96 SE. Codes R/T/U/–: codes reliable / tentative / "
            "unreliable / undefined or with too few units."
            + (f" The interval is the 95% percentile interval of the {result.bootstrap_text()}."
               if bootstrap else ""))
    return tables, note


def _unitizing_tables(store: Store, codebook: Codebook, code_ids: Sequence[str],
                      coders: list[str] | None, case: str | None) -> list[Table]:
    """alpha-U as ``agreement --unitizing`` gives it, when spans were coded in qcoder: one
    row per code (cu-alpha) and per exclusive group (Cu-alpha), each row naming its
    statistic; then the alphas of Krippendorff et al. (2016) for the same codes and groups.
    Codes no coder used on the compared documents are left out."""
    from ..errors import QcoderError
    from ..reliability.unitizing_data import CONTINUUM, project_unitizing

    if not store.counts()["spans"]:
        return []
    try:
        report = project_unitizing(store, codebook, coders, case, list(code_ids))
    except QcoderError:
        return []
    rows = [r for r in (*report.codes, *report.groups) if r["units"]]
    if not rows:
        return []
    table = Table("Agreement on spans (alpha-U)",
                  ["Code or group", "Id", "Statistic", "Alpha", "D_o", "D_e", "Units"],
                  [[_code_label(codebook, r.get("code") or r["group"]),
                    r.get("code") or r["group"], r["statistic"], num(r["alpha"]),
                    f"{r['observed']:.3g}", f"{r['expected']:.3g}", str(r["units"])]
                   for r in rows])
    table.note = (f"Krippendorff's alpha for unitizing (Krippendorff 1995; 2004, ch. 12.4) "
                  f"over the {CONTINUUM} ({len(report.documents)}); coders "
                  f"{', '.join(report.coders)}. cu-alpha: agreement on which characters a "
                  "code covers (its units against the rest); Cu-alpha: the same for all "
                  "codes of an exclusive group at once, 1 - the sum of D_o / the sum of D_e "
                  "over its codes. D_o, D_e: observed and expected disagreement; Units: the "
                  "coders' spans.")
    return [table, _family_table(codebook, rows, len(report.documents))]


def _family_table(codebook: Codebook, rows: Sequence[dict], documents: int) -> Table:
    """The 2016 alphas of the rows of the alpha-U table: u-alpha per code; u-alpha,
    |u-alpha, cu-alpha and each code's (k)u-alpha per exclusive group."""
    from ..reliability.unitizing_data import CONTINUUM

    def line(label: str, ident: str, value: dict, coverage: bool = False) -> list[str]:
        return [label, ident, f"{value['statistic']} (2016)", num(value["alpha"]),
                f"{value['observed']:.3g}", f"{value['expected']:.3g}",
                num(value["coverage"], 1) if coverage else "100.0"]

    body: list[list[str]] = []
    indents: list[int] = []
    for r in rows:
        ident = r.get("code") or r["group"]
        label, family = _code_label(codebook, ident), r["alpha_2016"]
        if "code" in r:
            body.append(line(label, ident, family["u_alpha"]))
            indents.append(0)
            continue
        body += [line(label, ident, family["u_alpha"]),
                 line(label, ident, family["binary_u_alpha"]),
                 line(label, ident, family["cu_alpha"], True)]
        body += [line(_code_label(codebook, k["code"]), k["code"], k, True)
                 for k in family["codes"]]
        indents += [0, 0, 0] + [1] * len(family["codes"])
    overlap = sum(r["alpha_2016"].get("overlap", 0) for r in rows)
    table = Table("Agreement on spans: the alphas of Krippendorff et al. (2016)",
                  ["Code or group", "Id", "Statistic", "Alpha", "D_o", "D_e", "Coverage %"],
                  body, indents=indents)
    table.note = ("Krippendorff, Mathet, Bouvry & Widlöcher (2016), 'On the reliability of "
                  "unitizing textual continua', Quality & Quantity 50(6), 2347-2364, over the "
                  f"same continuum ({CONTINUUM}, {documents}): each coder's continuum cut into "
                  "units valued by their code and gaps; observed coincidences: the lengths of "
                  "the intersections of two coders' sections; expected: every stretch paired "
                  "with every other but itself; nominal difference. u-alpha: where units are "
                  "and which code each has (for a code: that code against the rest, equal to "
                  "its |u-alpha); |u-alpha: any code of the group against the gaps; cu-alpha: "
                  "which code, where the coders' units intersect; (k)u-alpha: cu-alpha's "
                  "disagreement on one code. D_o, D_e: observed and expected disagreement as "
                  "shares of the coincidences the coefficient rests on; Coverage: those "
                  "coincidences as a percentage of all (of the code's, for (k)u-alpha). Where "
                  "a coder's spans of two codes of a group overlap, the inner one counts"
                  + (f" ({overlap} characters)." if overlap else "."))
    return table


def _prevalence(store: Store, codebook: Codebook, result: ProjectAgreement
                ) -> dict[str, list[tuple[int, float | None]]]:
    """Per code and exclusive group: for each coder, the units (excerpts reviewed by two or
    more of the coders) to which that coder applied it (a parent: it or a code below it; a
    group: any of its codes), and their percentage of the units the coder reviewed."""
    from ..reliability.data import load_agreement_data

    data = load_agreement_data(store, result.coders, result.case, codebook=codebook)
    units = data.reviewed.sum(axis=0) >= 2
    seen = (data.reviewed & units).sum(axis=1)
    out: dict[str, list[tuple[int, float | None]]] = {}
    for item in [*result.report.codes, *result.report.groups]:
        if item.id in codebook and codebook[item.id].exclusive:
            applied = np.zeros(data.reviewed.shape, dtype=bool)
            for child in codebook[item.id].children:
                applied |= data.rolled_up(child)
        else:
            applied = data.rolled_up(item.id)
        n = (applied & data.reviewed & units).sum(axis=1)
        out[item.id] = [(int(k), 100.0 * k / s if s else None)
                        for k, s in zip(n.tolist(), seen.tolist(), strict=True)]
    return out


def _columns_note(result: ProjectAgreement, prevalence: dict) -> str:
    """What every column of the agreement tables means."""
    parts = ["Alpha: Krippendorff's alpha (nominal), 1 = perfect agreement, 0 = agreement "
             "at chance level"]
    if result.bootstrap:
        parts.append("95% interval: the bootstrap percentile interval of alpha")
    parts += ["% agree: the share of agreeing pairs of coders over all pairs on all units",
              "Units: excerpts reviewed by two or more coders (n)"]
    if len(result.coders) == 2:
        parts.append("Kappa: Cohen's kappa for the two coders, with its asymptotic standard "
                     "error (Kappa SE; Fleiss, Cohen & Everitt 1969) and 95% interval "
                     "(kappa ± 1.96 SE)")
    if prevalence:
        parts.append("CODER %: the percentage of the units that coder reviewed to which they "
                     "applied the code (how often it was used; alpha is unstable when a code "
                     "is rare)")
    parts.append("Flag: reliable (alpha ≥ .800), tentative (≥ .667), unreliable, or too few "
                 "units (< 10)" + ("; after the bootstrap, q(α<t): the share of resamples with "
                                   "alpha below the flag's threshold t" if result.bootstrap
                                   else ""))
    parts.append("an exclusive group's row treats its codes as one variable")
    return "; ".join(parts) + "."


def _results_table(title: str, result: ProjectAgreement, items: Sequence, codebook: Codebook,
                   code_ids: Sequence[str]) -> Table:
    """Code, id, alpha, its interval (after a bootstrap), units and flag."""
    boot = bool(result.bootstrap)
    columns = ["Code", "Id", "Alpha"] + (["95% interval"] if boot else []) + ["Units", "Flag"]
    rows = []
    for r in items:
        row = [_code_label(codebook, r.id), r.id, num(r.alpha)]
        if boot:
            row.append(interval(r.ci))
        rows.append([*row, str(r.units), r.flag_note])
    return Table(title, columns, rows, indents=_indents(codebook, code_ids, items))


def _more_table(title: str, result: ProjectAgreement, items: Sequence, codebook: Codebook,
                code_ids: Sequence[str],
                prevalence: dict[str, list[tuple[int, float | None]]]) -> Table:
    """Id, % agree, Cohen's kappa with its SE and interval (two coders) and each coder's
    percentage of units coded with it."""
    two = len(result.coders) == 2
    columns = ["Id", "% agree"] + (["Kappa", "Kappa SE", "Kappa 95% interval"] if two else [])
    columns += [f"{c} %" for c in result.coders] if prevalence else []
    rows = []
    for r in items:
        row = [r.id, num(r.percent_agreement, 1)]
        if two:
            row += [num(r.kappa), num(r.kappa_se), interval(r.kappa_ci)]
        if prevalence:
            row += [num(p, 1) for _, p in prevalence.get(r.id, [(0, None)] * len(result.coders))]
        rows.append(row)
    return Table(title, columns, rows, indents=_indents(codebook, code_ids, items))


def _code_label(codebook: Codebook, code_id: str) -> str:
    label = codebook[code_id].label if code_id in codebook else code_id
    if code_id in codebook and codebook[code_id].exclusive:
        label += " (exclusive group)"
    return label


def _indents(codebook: Codebook, code_ids: Sequence[str], items: Sequence) -> list[int]:
    depth = relative_depths(codebook, [c for c in code_ids if c in codebook])
    return [depth.get(r.id, 0) for r in items]


def _cases_table(result: ProjectAgreement, cases: dict[str, str]) -> Table:
    groups = [g.id for g in result.report.groups]
    rows = []
    for case in result.report.cases:
        if case.id not in cases:
            continue
        summary = case_summary(case.codes)
        worst = summary["worst"]
        rows.append([cases[case.id], str(summary["units"]), flags_text(summary["flags"]),
                     f"{worst['id']} {num(worst['alpha'])}" if worst else "–",
                     *[num(g.alpha) for g in case.groups]])
    columns = ["Case", "Units", "Codes R/T/U/–", "Lowest code", *groups]
    return Table("Agreement per case", columns, rows,
                 note="Units: the case's excerpts reviewed by two or more coders; Codes "
                      "R/T/U/–: how many codes are reliable / tentative / unreliable / "
                      "undefined or with too few units there (no mean alpha: it would average "
                      "parents with their own codes and leave out the undefined ones); Lowest "
                      "code: the code with the lowest alpha there; a column per exclusive "
                      "group: that group's alpha.")


def _pairs_table(result: ProjectAgreement) -> Table:
    groups = [g.id for g in result.report.groups]
    rows = []
    for pair in result.report.pairwise:
        worst = pair_worst(pair)
        units = f"{pair.units} (too few)" if pair.flag else str(pair.units)
        rows.append([" & ".join(pair.coders), units, flags_text(pair.flags),
                     f"{worst.id} {num(worst.alpha)}" if worst else "–",
                     *[v for g in pair.groups for v in (num(g.alpha), num(g.kappa),
                                                         num(g.kappa_se))]])
    columns = ["Coders", "Units", "Codes R/T/U/–", "Lowest code",
               *[c for g in groups for c in (g, f"{g} kappa", f"{g} kappa SE")]]
    return Table("Agreement per pair of coders", columns, rows,
                 note=f"Units: excerpts both coders reviewed (fewer than {MIN_UNITS}: too few "
                      "to read the pair's alphas as evidence); per exclusive group its alpha, "
                      "Cohen's kappa and the kappa's standard error; the other columns as in "
                      "the table per case.")


# --- comparison ---------------------------------------------------------------------------


def comparison_tables(store: Store, codebook: Codebook, code_ids: Sequence[str],
                      cases: dict[str, str], basis: Basis, figures: bool = False
                      ) -> tuple[list[Table] | None, str]:
    """The code × case matrix and each exclusive group's distribution over the cases;
    ``figures``: each followed by its figure (the heat map, the stacked bars)."""
    if not basis.coders:
        return None, "there are no codings yet"
    matrix = code_case_matrix(store, basis, "case", codes=list(code_ids), cases=list(cases))
    tables = [matrix_table(matrix, codebook, code_ids)]
    for group in codebook.exclusive_groups():
        if group.id in code_ids:
            tables.append(group_table(matrix, group.id))
    if figures:
        from ..figures.data import group_shares, heat_map
        from ..figures.images import figure_image

        tables[0].figures.append(figure_image(heat_map(matrix)))
        groups = [g.id for g in codebook.exclusive_groups() if g.id in code_ids]
        for table, group_id in zip(tables[1:], groups, strict=True):
            table.figures.append(figure_image(group_shares(distribution(matrix, group_id))))
    note = (f"Basis: {describe_basis(basis)}. A cell gives the excerpts coded with the code or "
            "a code below it (each excerpt once) and, in brackets, their percentage of the "
            "case's reviewed excerpts. Group tables give each code's share of the group's "
            "codings in a case.")
    return tables, note


def matrix_table(matrix: Matrix, codebook: Codebook, code_ids: Sequence[str]) -> Table:
    """Codes × cases: "n (percent)" per cell, then the total over the cases."""
    depth = relative_depths(codebook, [c for c in code_ids if c in codebook])

    def cell(excerpts: int, percent: float | None) -> str:
        return f"{excerpts} ({percent:.1f})" if percent is not None else str(excerpts)

    rows, indents = [], []
    for row in matrix.rows:
        cells = [matrix.cell(row.id, c.id) for c in matrix.columns]
        total = matrix.total(row.id)
        rows.append([row.label, *[cell(c.excerpts, c.percent) for c in cells],
                     cell(total.excerpts, total.percent)])
        indents.append(depth.get(row.id, 0))
    rows.append(["Reviewed excerpts", *[str(c.reviewed) for c in matrix.columns],
                 str(matrix.reviewed)])
    indents.append(0)
    columns = ["Code", *[c.label for c in matrix.columns], "All cases"]
    return Table("Codes by case", columns, rows, indents=indents)


def group_table(matrix: Matrix, group: str) -> Table:
    """Each child's share (%) of an exclusive group's codings per case, and the excerpts."""
    dist = distribution(matrix, group)
    rows = []
    for col in dist.columns:
        counts = [dist.counts[(ch.id, col.id)] for ch in dist.children]
        total = sum(counts)
        rows.append([col.label, *[num(100.0 * c / total if total else None, 1) for c in counts],
                     str(dist.excerpts[col.id])])
    note = (f"Basis: {matrix.basis.describe()}. Each code's share of the group's codings in "
            "the case; each share is rounded on its own, so a row may sum to 99.9 or 100.1. "
            "Excerpts: those with any code of the group (n).")
    conflicting = sum(dist.conflicting.values())
    if conflicting:
        note += (f" {conflicting} excerpts carry more than one of these codes from different "
                 "pooled coders; each counts once per code.")
    columns = ["Case", *[ch.label for ch in dist.children], "Excerpts"]
    return Table(f"{dist.group.label}: share of each code by case (%)", columns, rows,
                 note=note)
