"""How the agreement report is printed: by ``qcoder agreement`` and ``qcoder round``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..constants import STATISTICS
from ..errors import QcoderError
from .base import cell, echo, emit_json, print_table, split_ids

if TYPE_CHECKING:
    from ..project.codebook import Codebook
    from ..reliability.agreement import CodeAgreement
    from ..reliability.data import ProjectAgreement
    from ..store.database import Store


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def print_wide(title: str | None, columns: Sequence[str], rows: list[list[str]],
               right: set[str]) -> None:
    """A table fitted to the terminal; columns named in ``right`` are numbers (never cut).
    A ``label`` column is the first to go when even wrapped it does not fit (the ids stay)."""
    from .render import print_fitted

    print_fitted(None if title is None else cell(title), columns, rows, sys.stdout,
                 numeric=[name in right for name in columns],
                 droppable=[i for i, name in enumerate(columns) if name == "label"],
                 show=lambda v: cell(v, multiline=False), heavy=False)
    echo()


STATS = STATISTICS
HEADERS = {"alpha": ["alpha"], "kappa": ["kappa", "SE", "kappa CI"],
           "fleiss": ["Fleiss"], "pi": ["pi"], "ac1": ["AC1"], "bp": ["BP"],
           "specific": ["pos. agree"]}
LEGEND = {
    "alpha": "alpha: Krippendorff's alpha (nominal); reliable >= .800, tentative >= .667; "
             "fewer than 10 excerpts reviewed by two coders (for a pair: by both): too few "
             "units, its alpha not to be read as evidence (Krippendorff 2004, ch. 11).",
    "kappa": "kappa: Cohen's kappa (two coders); SE: its asymptotic standard error (Fleiss, "
             "Cohen & Everitt 1969); kappa CI: 95% interval kappa +- 1.96 SE.",
    "fleiss": "Fleiss: Fleiss' kappa (1971) over the excerpts every coder reviewed.",
    "pi": "pi: Scott's pi (two coders).",
    "ac1": "AC1: Gwet's AC1 (2008).",
    "bp": "BP: Brennan & Prediger's free-marginal kappa (1981), chance = 1 / values.",
    "specific": "pos. agree: positive specific agreement, the share of coders' pairs agreeing "
                "where one of them applied the code (2a / (2a + b + c) for two coders).",
}


def parse_stats(value: str | None, two: bool) -> list[str]:
    """The statistics asked for (default: alpha and, for two coders, kappa with its SE and
    interval, for more coders positive specific agreement)."""

    if value is None:
        return ["alpha", "kappa"] if two else ["alpha", "specific"]
    asked = split_ids(value) or []
    for stat in asked:
        if stat not in STATS:
            raise QcoderError(f"--stats: unknown statistic '{stat}'; use some of "
                              f"{','.join(STATS)}")
    return [s for s in STATS if s in asked]


def _result_columns(stats: Sequence[str], boot: bool, two: bool) -> list[str]:
    # With two coders the coders column would say 2 on every row: it is left out.
    columns = [h for s in stats for h in HEADERS[s]] + ["% agree", "units"]
    columns += [] if two else ["coders"]
    if boot:
        return [*columns, "95% CI", "q<.667", "q<.800", "flag", "interval flag"]
    return [*columns, "flag"]


def _stat_cells(r: CodeAgreement, stat: str) -> list[str]:
    if stat == "kappa":
        ci = f"{r.kappa_ci[0]:.2f}–{r.kappa_ci[1]:.2f}" if r.kappa_ci else "–"
        return [_num(r.kappa), _num(r.kappa_se), ci]
    return [_num(getattr(r, stat))]


def _result_cells(r: CodeAgreement, stats: Sequence[str], boot: bool, two: bool) -> list[str]:
    cells = [c for s in stats for c in _stat_cells(r, s)]
    cells += [_num(r.percent_agreement, 1), str(r.units)] + ([] if two else [str(r.coders)])
    if boot:
        ci = f"{r.ci[0]:.3f} – {r.ci[1]:.3f}" if r.ci else "–"
        q = r.q or {}
        cells += [ci, _num(q.get("0.667"), 2), _num(q.get("0.800"), 2)]
        return [*cells, r.flag_note, r.interval_flag or "–"]
    return [*cells, r.flag]


def print_agreement(result: ProjectAgreement, codebook: Codebook,
                    stats: Sequence[str] | None = None) -> None:
    """The report as tables: codes and groups worst first, then cases and pairs."""
    from ..reliability.data import case_summary, flags_text, pair_worst, worst_first

    report = result.report
    two, boot = len(result.coders) == 2, bool(result.bootstrap)
    stats = list(stats) if stats is not None else parse_stats(None, two)
    echo(result.stamp())
    echo()
    columns = ["id", "label", *_result_columns(stats, boot, two)]
    right = {"alpha", "% agree", "units", "coders", "kappa", "SE", "kappa CI", "Fleiss", "pi",
             "AC1", "BP", "pos. agree", "q<.667", "q<.800"}
    for title, items in (("Codes (binary), worst first", report.codes),
                         ("Exclusive groups (nominal), worst first", report.groups)):
        if items:
            rows = [[r.id, codebook[r.id].label if r.id in codebook else "",
                     *_result_cells(r, stats, boot, two)] for r in worst_first(items)]
            print_wide(title, columns, rows, right)
    print_alpha_bars(result)
    group_ids = [g.id for g in report.groups]
    tally = "codes R/T/U/–"
    if report.cases:
        rows = []
        for case in report.cases:
            summary = case_summary(case.codes)
            worst = summary["worst"]
            rows.append([case.id, str(summary["units"]), flags_text(summary["flags"]),
                         f"{worst['id']} {_num(worst['alpha'])}" if worst else "–",
                         *[_num(g.alpha) for g in case.groups]])
        print_wide("Per case (group columns: the group's alpha)",
                   ["case", "units", tally, "worst code", *group_ids], rows,
                   {"units", tally, *group_ids})
    if report.pairwise:
        rows = []
        group_columns = [c for g in group_ids for c in (g, f"{g} kappa", f"{g} SE")]
        for pair in report.pairwise:
            worst_code = pair_worst(pair)
            rows.append([" & ".join(pair.coders), str(pair.units), pair.flag or "",
                         flags_text(pair.flags),
                         f"{worst_code.id} {_num(worst_code.alpha)}" if worst_code else "–",
                         *[v for g in pair.groups
                           for v in (_num(g.alpha), _num(g.kappa), _num(g.kappa_se))]])
        print_wide("Pairs of coders (group columns: alpha, Cohen's kappa and its SE)",
                   ["coders", "units", "flag", tally, "worst code", *group_columns], rows,
                   {"units", tally, *group_columns})
    if report.cases or report.pairwise:
        echo("codes R/T/U/–: how many codes are reliable / tentative / unreliable / undefined "
             "or with too few units (no mean alpha: it would average parents with their own "
             "codes and leave out the undefined ones).")
    conflicts = sum(g.conflicts for g in report.groups)
    if conflicts:
        per_group = ", ".join(f"{g.id} {g.conflicts}" for g in report.groups if g.conflicts)
        echo(f"warning: {conflicts} times a coder applied two or more codes of one exclusive "
             f"group to one excerpt ({per_group}); those values are missing for the group's "
             "alpha and count for each code on its own.")
    for stat in ("alpha", *[s for s in stats if s != "alpha"]):
        echo(LEGEND[stat])
    echo("% agree: share of agreeing pairs of coders on the excerpts both reviewed, pairs "
         "that both left the code off included; with a rare code it is high whatever the "
         "coders do, while alpha corrects for chance: an alpha of 0.000 next to "
         "97% agreement means the coders never agree on where the code applies (prevalence), "
         "which pos. agree shows directly.")
    if boot:
        undefined = sum(r.undefined_resamples or 0 for r in _every_result(report))
        echo(f"95% CI and q: {result.bootstrap_text()}. q<.667: share of resamples with alpha "
             "below .667; the flag adds the q of its own threshold; interval flag: the flag "
             f"the lower end of the interval reaches. Resamples with undefined alpha: "
             f"{undefined} in all.")


def print_unitizing(store: Store, codebook: Codebook, coders: list[str] | None,
                    case: str | None, codes: list[str] | None, as_json: bool) -> None:
    """``agreement --unitizing``: alpha-U per code, then per case and per document."""
    from ..reliability.unitizing_data import project_unitizing

    report = project_unitizing(store, codebook, coders, case, codes)
    if as_json:
        emit_json(report.to_dict())
        return

    def fmt(value: float | None) -> str:
        return "–" if value is None else f"{value:.3f}"

    def a16(row: dict[str, Any], key: str) -> str:
        return fmt(row["alpha_2016"][key]["alpha"])

    echo(f"Krippendorff's alpha for unitizing (alpha-U): cu-alpha per code, Cu-alpha per "
         f"exclusive group; and the alphas of Krippendorff, Mathet et al. (2016); coders "
         f"{', '.join(report.coders)}; continuum: the characters "
         f"of the {len(report.documents)} documents every coder reviewed, end to end")
    print_table(None, ["code", "cu-alpha", "D_o", "D_e", "u-alpha (2016)", "units",
                       "documents"],
                [[r["code"], fmt(r["alpha"]), f"{r['observed']:.3g}", f"{r['expected']:.3g}",
                  a16(r, "u_alpha"), r["units"], r["documents"]] for r in report.codes])
    if report.groups:
        print_table("Cu-alpha per exclusive group (over its codes)",
                    ["group", "Cu-alpha", "D_o", "D_e", "units", "documents"],
                    [[r["group"], fmt(r["alpha"]), f"{r['observed']:.3g}",
                      f"{r['expected']:.3g}", r["units"], r["documents"]]
                     for r in report.groups])
        print_table("Krippendorff et al. (2016) per exclusive group",
                    ["group", "u-alpha", "|u-alpha", "cu-alpha", "cu coverage %",
                     "overlap"],
                    [[r["group"], a16(r, "u_alpha"), a16(r, "binary_u_alpha"),
                      a16(r, "cu_alpha"), f"{r['alpha_2016']['cu_alpha']['coverage']:.1f}",
                      r["alpha_2016"]["overlap"]] for r in report.groups])
        print_table("(k)u-alpha (2016) per code of an exclusive group",
                    ["group", "code", "(k)u-alpha", "coverage %"],
                    [[r["group"], k["code"], fmt(k["alpha"]), f"{k['coverage']:.1f}"]
                     for r in report.groups for k in r["alpha_2016"]["codes"]])
    for title, parts, key in (("per case", report.cases, "case"),
                              ("per document", report.documents, "document")):
        rows = []
        for p in parts:
            rows += [[p[key], r["code"], "cu-alpha", fmt(r["alpha"]), r["units"]]
                     for r in p["codes"] if r["alpha"] is not None]
            rows += [[p[key], r["code"], "u-alpha (2016)", a16(r, "u_alpha"), r["units"]]
                     for r in p["codes"] if r["alpha_2016"]["u_alpha"]["alpha"] is not None]
            rows += [[p[key], r["group"], "Cu-alpha", fmt(r["alpha"]), r["units"]]
                     for r in p["groups"] if r["alpha"] is not None]
            rows += [[p[key], r["group"], f"{name} (2016)", a16(r, part), r["units"]]
                     for r in p["groups"]
                     for part, name in (("u_alpha", "u-alpha"), ("binary_u_alpha", "|u-alpha"),
                                        ("cu_alpha", "cu-alpha"))
                     if r["alpha_2016"][part]["alpha"] is not None]
        if rows:
            print_table(f"alpha-U {title}", [key, "code or group", "statistic", "alpha",
                                              "units"], rows)
    echo("cu-alpha: agreement on which characters the code covers; Cu-alpha: the same for "
         "all codes of an exclusive group at once, 1 - sum of D_o / sum of D_e over its codes "
         "(Krippendorff 1995; 2004, ch. 12.4).")
    echo("Krippendorff, Mathet, Bouvry & Widlöcher (2016), from the lengths of intersecting "
         "units and gaps: u-alpha: where units are and which code each has (per code: that "
         "code against the rest, equal to its |u-alpha); |u-alpha: any code of the group "
         "against the gaps; cu-alpha: which code, where the coders' units intersect (cu "
         "coverage: the share of the coincidences it rests on); (k)u-alpha: the same for one "
         "code; overlap: characters where a coder's spans of two codes of the group overlap "
         "(the inner span counts).")


def _every_result(report: object) -> list[CodeAgreement]:
    """Every code and group result of a report: overall, per case and per pair."""
    out = [*report.codes, *report.groups]  # type: ignore[attr-defined]
    for part in (*report.cases, *report.pairwise):  # type: ignore[attr-defined]
        out += [*part.codes, *part.groups]
    return out


def print_alpha_bars(result: ProjectAgreement, console: Any = None) -> None:
    """Each code's and group's alpha (and 95% interval) as a one-line bar against .667 and
    .800, worst first, fitted to the terminal (80 columns at least keep the bar whole);
    the same characters with or without colour (NO_COLOR is honoured)."""
    from rich.console import Console
    from rich.text import Text

    from ..figures.bars import BAR_WIDTH, LEGEND, bar_text, scale
    from ..reliability.data import worst_first
    from .render import output_width

    if console is None:
        width = output_width(sys.stdout) or 100
        console = Console(file=sys.stdout, highlight=False, width=width, soft_wrap=False)
    width = min(console.width, 100)
    items = [*result.report.codes, *result.report.groups]
    if not items:
        return
    longest = max(len(r.id) for r in items)
    flag_width = max(len(r.flag) for r in items)
    bar_width = max(12, min(BAR_WIDTH, width - 12 - flag_width - 9))
    id_width = max(8, min(longest, width - bar_width - flag_width - 9))

    def line(code_id: str, alpha: str, bar: Any, flag: str) -> Text:
        shown = code_id if len(code_id) <= id_width else code_id[:id_width - 1] + "…"
        text = Text(f"{shown:<{id_width}} {alpha:>6} ", no_wrap=True)
        text.append(bar)
        text.append(f" {flag}")
        return text

    for title, group in (("Codes", result.report.codes),
                         ("Exclusive groups", result.report.groups)):
        if not group:
            continue
        console.print(Text(f"{title}: alpha and its 95% interval, worst first"
                           if result.bootstrap else f"{title}: alpha, worst first"))
        console.print(line("", "", Text(scale(bar_width)), ""))
        for r in worst_first(group):
            alpha = "–" if r.alpha is None else f"{r.alpha:.3f}"
            console.print(line(r.id, alpha, bar_text(r.alpha, r.ci, r.flag, bar_width),
                               r.flag))
        console.print()
    console.print(Text(LEGEND))
    console.print()
