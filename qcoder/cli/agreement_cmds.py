"""Agreement commands: ``qcoder agreement`` and ``qcoder disagreements``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from ..errors import QcoderError
from .base import State, cell, echo, emit_json, pass_state, print_table, split_ids
from .root import cli

if TYPE_CHECKING:
    from ..project.codebook import Codebook
    from ..reliability.agreement import CodeAgreement
    from ..reliability.data import ProjectAgreement
    from ..store.database import Store

DEFAULT_SEED = 1  # keep equal to qcoder.reliability.data.DEFAULT_SEED (not imported: fast --help)


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


STATS = ("alpha", "kappa", "fleiss", "pi", "ac1", "bp", "specific")  # = data.STATISTICS
HEADERS = {"alpha": ["alpha"], "kappa": ["kappa", "SE", "kappa CI"],
           "fleiss": ["Fleiss"], "pi": ["pi"], "ac1": ["AC1"], "bp": ["BP"],
           "specific": ["pos. agree"]}
LEGEND = {
    "alpha": "alpha: Krippendorff's alpha (nominal); reliable >= .800, tentative >= .667; "
             "fewer than 10 excerpts reviewed by two coders: too few units.",
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
    from ..errors import QcoderError

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
            rows.append([" & ".join(pair.coders), str(pair.units), flags_text(pair.flags),
                         f"{worst_code.id} {_num(worst_code.alpha)}" if worst_code else "–",
                         *[v for g in pair.groups
                           for v in (_num(g.alpha), _num(g.kappa), _num(g.kappa_se))]])
        print_wide("Pairs of coders (group columns: alpha, Cohen's kappa and its SE)",
                   ["coders", "units", tally, "worst code", *group_columns], rows,
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

    echo(f"Krippendorff's alpha-U (unitizing) per code, coders "
         f"{', '.join(report.coders)};"
         f" continuum: the characters of the {len(report.documents)} documents every "
         "coder reviewed")
    print_table(None, ["code", "alpha-U", "D_o", "D_e", "units", "documents"],
                [[r["code"], fmt(r["alpha"]), f"{r['observed']:.3g}", f"{r['expected']:.3g}",
                  r["units"], r["documents"]] for r in report.codes])
    for title, parts, key in (("per case", report.cases, "case"),
                              ("per document", report.documents, "document")):
        rows = [[p[key], r["code"], fmt(r["alpha"]), r["units"]]
                for p in parts for r in p["codes"] if r["alpha"] is not None]
        if rows:
            print_table(f"alpha-U {title}", [key, "code", "alpha-U", "units"], rows)


def _every_result(report: object) -> list[CodeAgreement]:
    """Every code and group result of a report: overall, per case and per pair."""
    out = [*report.codes, *report.groups]  # type: ignore[attr-defined]
    for part in (*report.cases, *report.pairwise):  # type: ignore[attr-defined]
        out += [*part.codes, *part.groups]
    return out


@cli.command()
@click.option("--coders", metavar="A,B,...",
              help="Coders to compare (default: every coder except consensus).")
@click.option("--case", "case", metavar="ID", help="Only the excerpts of this case.")
@click.option("--codes", metavar="ID,...", help="Only these codes or exclusive groups.")
@click.option("--with-suggestions", metavar="SOURCE",
              help="Count a suggestion source as one more coder (on the excerpts and codes it "
                   "examined), to see its agreement with each coder before trusting it.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=0, metavar="N",
              help="Add a 95% interval and q (chance that alpha < .667 and < .800) from N "
                   "bootstrap resamples, e.g. 1000.")
@click.option("--bootstrap-method", type=click.Choice(["hayes-krippendorff", "units"]),
              default="hayes-krippendorff", show_default=True,
              help="hayes-krippendorff: pairs of values drawn from the coincidence matrix "
                   "(Hayes & Krippendorff 2007, the KALPHA macro); units: excerpts resampled.")
@click.option("--seed", type=click.IntRange(min=0), default=None, metavar="S",
              help=f"Seed of the bootstrap (default {DEFAULT_SEED}: the same intervals every "
                   "run; give another seed to draw other resamples).")
@click.option("--round", "round_name", metavar="NAME",
              help="Only this reliability round's excerpts and coders (a closed round as "
                   "it was frozen).")
@click.option("--stats", metavar="LIST",
              help="Columns of the table, some of alpha,kappa,fleiss,pi,ac1,bp,specific "
                   "(default: alpha, then kappa for two coders, specific for more); --json "
                   "has them all.")
@click.option("--unitizing", is_flag=True,
              help="Agreement on where each code applies, character by character: "
                   "Krippendorff's alpha-U per code, case and document.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def agreement(state: State, coders: str | None, case: str | None, codes: str | None,
              bootstrap: int, bootstrap_method: str, seed: int | None,
              round_name: str | None, stats: str | None, with_suggestions: str | None,
              unitizing: bool, as_json: bool) -> None:
    """Agreement between coders: Krippendorff's alpha per code, exclusive group, case and
    pair of coders, with percent agreement, positive specific agreement and (for two coders)
    Cohen's kappa with its standard error; --stats adds Fleiss' kappa, Scott's pi, Gwet's
    AC1 and Brennan & Prediger's kappa.

    An excerpt counts for a coder once they reviewed it; only excerpts reviewed by two or
    more of the coders count. A parent code counts as applied when a code below it is.
    """
    from ..reliability.data import project_agreement

    store = state.store()
    codebook = store.codebook()
    if unitizing:
        if round_name is not None or bootstrap or stats is not None or with_suggestions:
            raise QcoderError("--unitizing takes --coders, --case, --codes and --json only")
        print_unitizing(store, codebook, split_ids(coders), case, split_ids(codes), as_json)
        return
    if stats is not None:
        parse_stats(stats, False)  # a bad name fails before any work
    if round_name is not None:
        from .round_cmds import print_round_agreement

        if coders is not None:
            raise QcoderError("--round sets the coders (the round's); drop --coders")
        print_round_agreement(store, codebook, round_name, case=case, codes=split_ids(codes),
                              bootstrap=bootstrap, seed=DEFAULT_SEED if seed is None else seed,
                              bootstrap_method=bootstrap_method, as_json=as_json)
        return
    chosen, code_ids = split_ids(coders), split_ids(codes)
    if with_suggestions is not None:
        from ..reliability.data import with_source

        chosen, code_ids = with_source(store, with_suggestions, chosen, code_ids)
    result = project_agreement(store, codebook, coders=chosen, case=case,
                               codes=code_ids, bootstrap=bootstrap,
                               seed=DEFAULT_SEED if seed is None else seed,
                               bootstrap_method=bootstrap_method)
    if as_json:
        emit_json(result.to_dict())
    else:
        print_agreement(result, codebook, parse_stats(stats, len(result.coders) == 2))


@cli.command()
@click.option("--code", metavar="ID", help="Only this code (or the codes of this group).")
@click.option("--case", "case", metavar="ID", help="Only the excerpts of this case.")
@click.option("--coders", metavar="A,B,...",
              help="Coders to compare (default: every coder except consensus).")
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="Show at most N excerpts (the total is still counted).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def disagreements(state: State, code: str | None, case: str | None, coders: str | None,
                  limit: int | None, as_json: bool) -> None:
    """Each excerpt on which the coders differ: its reference, a quote, the codes in
    dispute and what each coder applied."""
    from ..reliability.data import project_disagreements
    from ..rounds import refuse_if_blind

    store = state.store()
    refuse_if_blind(store, state.coder, "disagreements")
    codebook = store.codebook()
    result = project_disagreements(store, codebook, coders=split_ids(coders), case=case,
                                   code=code, limit=limit)
    chosen, shown = result.coders, result.excerpts
    if as_json:
        emit_json({
            "codebook": {"name": codebook.name, "version": str(codebook.version)},
            "coders": list(chosen), "case": case, "code": code, "total": result.total,
            "excerpts": [d.to_dict() for d in shown],
        })
        return
    echo(f"{result.total} excerpts on which {', '.join(chosen)} differ"
               + (f" about {code}" if code else "") + (f" in case {case}" if case else "")
               + f" ({codebook.name} version {codebook.version})")
    width = max((len(c) for c in chosen), default=0)
    for d in shown:
        echo()
        echo(f"{d.ref}  {d.quote}")
        echo(f"  in dispute: {', '.join(d.codes)}")
        for coder in chosen:
            if coder in d.applied:
                echo(f"  {coder:<{width}}  {_codes_text(d.applied[coder], d.codes)}")
            else:
                echo(f"  {coder:<{width}}  (not reviewed)")
    if shown:
        echo("\n* marks the codes in dispute")
    if len(shown) < result.total:
        echo(f"\n… {result.total - len(shown)} more; raise --limit to see them")


def _codes_text(codes: Sequence[str], disputed: Sequence[str]) -> str:
    if not codes:
        return "(no code)"
    return ", ".join(f"*{c}" if c in disputed else c for c in codes)
