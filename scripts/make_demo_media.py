"""Write the demo's PDF report and WebVTT interview (illustrative material, like every demo
document): ``python scripts/make_demo_media.py`` from the repository root rebuilds them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from minipdf import write_pdf

ROOT = Path(__file__).resolve().parents[1]
WIDTH = 78  # characters per PDF line

PDF_TITLE = "Swiss-Kosovo migration partnership - progress report (illustrative)"
PDF_PARAGRAPHS = [
    "This report reviews the first years of the migration partnership between Switzerland "
    "and Kosovo. It was written for the qcoder demo and is not an official text.",
    "The partnership rests on a memorandum of understanding signed in 2010. Both sides "
    "describe it as a partnership of equals, in which migration is managed jointly rather "
    "than imposed by the country of destination.",
    "Return and reintegration remain the most visible strand. Swiss return assistance "
    "combines a travel grant with support for a small business or for vocational training; "
    "the Kosovar authorities register returnees and refer them to municipal offices.",
    "Visa questions weigh on every meeting. Kosovar officials present the readmission "
    "agreement as a step towards visa-free travel in the Schengen area, while Swiss officials "
    "insist that the two files are handled separately.",
    "Development cooperation is the third strand. Projects for youth employment and for the "
    "registration of civil status were financed from the Swiss development budget, and the "
    "diaspora in Switzerland was invited to invest in their home municipalities.",
    "The report recommends a joint annual review, with migrants' associations invited to "
    "take part, and clearer indicators for the reintegration of returnees.",
]

VTT_META = """\
title: Interview with a consular officer on mobile consulates (illustrative)
kind: interview
date: 2019-05-22
illustrative: true
respondent: consular officer, Consulate General of Mexico
"""

VTT_TURNS = [
    ("Interviewer", ["How do the mobile consulates work?"]),
    ("Officer", ["We travel with a small team to towns far from the consulate.",
                 "In one weekend we issue passports and consular identity cards,",
                 "and we answer questions about remittances and about schools."]),
    ("Interviewer", ["Who asks for these visits?"]),
    ("Officer", ["Mostly the hometown associations. They find the hall, they tell people,",
                 "and for many migrants it is the first contact with their own state",
                 "in years. The state comes to them instead of the other way round."]),
    ("Interviewer", ["Does the United States government take part?"]),
    ("Officer", ["Not formally. Some local police departments accept the consular card as",
                 "identification, and we tell people where it is accepted."]),
]


def pdf_pages() -> list[list[str]]:
    """The report's lines, paragraphs separated by a blank row, about 40 lines a page,
    with a running header and a page number on every page."""
    body: list[str] = []
    for paragraph in PDF_PARAGRAPHS:
        body += textwrap.wrap(paragraph, WIDTH) + [""]
    per_page = 12
    chunks = [body[i:i + per_page] for i in range(0, len(body), per_page)]
    return [[PDF_TITLE, "", *chunk, "", f"Page {n} of {len(chunks)}"]
            for n, chunk in enumerate(chunks, 1)]


def vtt_text() -> str:
    lines = ["WEBVTT", ""]
    seconds = 2.0
    for speaker, cues in VTT_TURNS:
        for cue in cues:
            end = seconds + 1.0 + len(cue) / 15
            lines += [f"{_stamp(seconds)} --> {_stamp(end)}", f"<v {speaker}>{cue}", ""]
            seconds = end + 0.4
    return "\n".join(lines)


def _stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def main() -> None:
    swiss = ROOT / "cases" / "switzerland-balkans"
    write_pdf(swiss / "progress-report-kosovo.pdf", pdf_pages())
    (swiss / "progress-report-kosovo.meta.yaml").write_text(
        f"title: {PDF_TITLE}\nkind: report\ndate: 2014-11-01\nillustrative: true\n",
        encoding="utf-8")
    mexico = ROOT / "cases" / "mexico-diaspora"
    (mexico / "interview-consular-officer.vtt").write_text(vtt_text(), encoding="utf-8")
    (mexico / "interview-consular-officer.meta.yaml").write_text(VTT_META, encoding="utf-8")


if __name__ == "__main__":
    main()
