"""Time the reading of a long PDF: ``qcoder import`` of a project whose one document is a
300-page report (about 40 lines a page, running header and page number on each page).

Prints the time to read and segment the PDF (pypdf's text extraction plus qcoder's
paragraph rebuilding) and the wall time of the whole ``qcoder import`` in a child process.
Target: under 10 s for 300 pages.

Run: python benchmarks/bench_pdf.py [PAGES]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from minipdf import write_pdf  # noqa: E402

from qcoder.project.corpus import load_document  # noqa: E402

CODEBOOK = "name: Bench\nversion: 1\ncodes:\n  - id: a\n    label: A\n    definition: A.\n"
SENTENCES = ["The partnership links mobility offers with cooperation on readmission. ",
             "Border management projects are reviewed every year by both sides. ",
             "Diaspora associations take part in the annual meeting in the capital. ",
             "Visa facilitation remains the question every delegation raises first. ",
             "Funding for reintegration comes from the development budget this year. ",
             "Training for officials continues in three regions of the country. ",
             "Labour mobility schemes are small and their evaluation is pending. "]


def pages(count: int) -> list[list[str]]:
    """Pages of wrapped paragraphs, a header and a page number on each."""
    import textwrap

    out = []
    for n in range(1, count + 1):
        lines = ["Annual review of the migration partnership", ""]
        for p in range(5):
            text = "".join(SENTENCES[(n * 5 + p + k) % len(SENTENCES)] for k in range(3))
            lines += textwrap.wrap(text, 80) + [""]
        lines.append(f"Page {n} of {count}")
        out.append(lines)
    return out


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "codebooks").mkdir()
        (root / "codebooks" / "bench.yaml").write_text(CODEBOOK, encoding="utf-8")
        case = root / "cases" / "alpha"
        case.mkdir(parents=True)
        pdf = write_pdf(case / "report.pdf", pages(count))
        started = time.perf_counter()
        doc = load_document("alpha", pdf)
        read = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from qcoder.cli import main; main()",
                        "--project", str(root), "import"], check=True, capture_output=True)
        total = time.perf_counter() - started
        print(f"{count} pages, {pdf.stat().st_size / 1e6:.1f} MB, {len(doc.excerpts)} excerpts")
        print(f"read and segment the PDF: {read:.2f} s ({read / count * 1000:.1f} ms a page)")
        print(f"qcoder import (child process, Python start included): {total:.2f} s "
              f"(target < 10 s)")


if __name__ == "__main__":
    main()
