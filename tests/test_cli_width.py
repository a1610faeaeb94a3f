"""CLI tables on an 80-column terminal (``COLUMNS=80``), on the demo project: no number is
cut, words are not broken, and a column left out is named under its table."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import Cli

from qcoder.cli.render import fit, looks_numeric


def narrow(cli: Cli, *args: str, columns: int = 80) -> list[str]:
    lines = cli.ok(*args, env={"COLUMNS": str(columns)}).output.splitlines()
    return lines


def test_agreement_keeps_every_number_at_80_columns(demo: Cli) -> None:
    report = json.loads(demo.ok("agreement", "--json").output)
    lines = narrow(demo, "agreement")
    table = [line for line in lines if "   " in line]  # the tables' rows and headers
    assert all(len(line) <= 80 for line in table), max(table, key=len)
    assert not any("…" in line for line in lines)
    for code in report["codes"]:
        row = next(line for line in lines if line.split()[:1] == [code["id"]])
        assert f"{code['alpha']:.3f}" in row.split()
        assert f"{code['percent_agreement']:.1f}" in row.split()
        assert f"{code['kappa']:.3f}" in row.split() and code["flag"] in row
    assert "not shown at 80 columns: label (a wider terminal, or --json, shows them)" in lines


def test_compare_shows_every_case_and_the_total_at_80_columns(demo: Cli) -> None:
    text = demo.ok("compare", "--format", "csv", "--measure", "count").output
    rows = list(csv.reader(io.StringIO("".join(
        line for line in text.splitlines(keepends=True) if not line.startswith("#")))))
    header = rows[0]
    lines = narrow(demo, "compare", "--measure", "count")
    assert all(len(line) <= 80 for line in lines if "│" in line or "┃" in line)
    heading = "\n".join(lines[:4])
    for case in ("countries", "diaspora", "usa", "balkans", "total"):
        assert case in heading
    for row in rows[1:]:
        if not row[0]:
            continue
        line = next(line for line in lines if line.split()[:1] == [row[0]])
        numbers = [v for name, v in zip(header, row, strict=True) if name not in
                   ("code", "label")]
        assert [c.strip() for c in line.split("│")[1:]] == numbers
    footer = [line for line in lines if line.startswith("not shown")]
    assert footer == ["not shown at 80 columns: label (a wider terminal, or --format csv, "
                      "shows them)"]


def test_a_column_that_cannot_fit_is_named_in_the_footer(demo: Cli) -> None:
    lines = narrow(demo, "compare", columns=40)
    footer = next(line for line in lines if line.startswith("not shown"))
    assert "total" in footer and "label" in footer
    assert all(len(line) <= 40 for line in lines if "│" in line)


def test_status_never_breaks_a_word_at_80_columns(demo: Cli) -> None:
    lines = narrow(demo, "status")
    table = "\n".join(lines[2:])
    for case in ("eu-third-countries", "mexico-diaspora", "mexico-usa",
                 "switzerland-balkans"):
        assert case in table
    assert "79/79" in table and all(len(line) <= 80 for line in lines[2:])


def test_fit_wraps_text_and_never_narrows_a_number() -> None:
    header = ["id", "label", "alpha"]
    rows = [["framing-security", "Security or control framing of migration", "0.775"]]
    layout = fit(header, rows, [False, False, True], 40)
    assert layout.dropped == []
    assert layout.widths[2] == 5 and layout.widths[0] == len("framing-security")
    assert sum(layout.widths) + 3 * 2 <= 40
    assert looks_numeric(["12/79", "0.863", "96.9", "–"]) and not looks_numeric(["a1"])


def test_init_creates_a_project_that_checks_clean_and_refuses_a_second_time(
        tmp_path: Path) -> None:
    from click.testing import CliRunner

    from qcoder.cli import cli

    folder = tmp_path / "study"
    made = CliRunner().invoke(cli, ["init", str(folder)])
    assert made.exit_code == 0, made.output
    assert (folder / "cases").is_dir()
    book = folder / "codebooks" / "codebook.yaml"
    assert book.read_text(encoding="utf-8").startswith("# The codebook")
    checked = CliRunner().invoke(cli, ["--project", str(folder), "codebook", "check"])
    assert checked.exit_code == 0, checked.output
    again = CliRunner().invoke(cli, ["init", str(folder)])
    assert again.exit_code != 0 and "already a qcoder project" in again.output
    assert "Traceback" not in again.output
