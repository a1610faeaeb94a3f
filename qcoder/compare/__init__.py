"""Cross-case tables: codes x cases, exclusive-group shares, co-occurrence, framework matrices
and distinctive codes.

Whose codings count (the *basis*) is always explicit: one coder, the ``consensus`` coder, or
several coders pooled. Pooled means: an excerpt counts as coded with a code when any of the
selected coders applied it, and as reviewed when any of them reviewed it. A coding counts as
a review (a coder who applied a code has read the excerpt). Orphaned excerpts and codes that
left the codebook are left out.

A parent code rolls up its children: an excerpt counts once for the parent, however many of
its codes below that parent were applied, by however many coders. Percentages are of the
column's *reviewed* excerpts, 0-100.

Columns are cases, documents, or the values of a case or document attribute. Each document
falls in exactly one column, so a row's total is the sum over its columns.

How it is computed: :func:`load_codings` asks SQLite for each (code, coder) pair's excerpt
ids through the covering index ``codings (code_id, coder, excerpt_id)``, one packed row per
pair; the set unions (rollups, pooling) and counts are then numpy operations on those
arrays. Letting SQLite group the codings by document and code instead sorts every coding and
was several times slower on the benchmark project (benchmarks/bench_compare.py).
"""

from .basis import Basis, resolve_basis
from .cooccurrence import Cooccurrence, Pair, cooccurrence, cooccurrence_from_matrix, jaccard
from .data import CodingData, load_codings
from .distinctive import (
    METHOD,
    Distinction,
    Distinctive,
    benjamini_hochberg,
    distinctive_codes,
    log_odds_test,
)
from .framework import (
    Exemplar,
    Framework,
    FrameworkCell,
    excerpt_texts,
    framework_matrix,
    trim_quote,
)
from .matrix import (
    Cell,
    GroupDistribution,
    Matrix,
    code_case_matrix,
    distribution,
    exclusive_distribution,
    shares_to_100,
    tabulate,
)
from .scope import MEASURES, CodeRow, Column, Scope, column_scope, select_rows
from .text import TextTable, percent

__all__ = [
    "MEASURES", "METHOD", "Basis", "Cell", "CodeRow", "CodingData", "Column", "Cooccurrence",
    "Distinction", "Distinctive", "Exemplar", "Framework", "FrameworkCell", "GroupDistribution",
    "Matrix", "Pair", "Scope", "TextTable", "benjamini_hochberg", "code_case_matrix",
    "column_scope", "cooccurrence", "cooccurrence_from_matrix", "distinctive_codes",
    "distribution", "excerpt_texts", "exclusive_distribution", "framework_matrix", "jaccard",
    "load_codings", "log_odds_test", "percent", "resolve_basis", "select_rows", "shares_to_100",
    "tabulate", "trim_quote",
]
