"""Constants shared by the core and the command line (no imports: ``qcoder --help`` stays fast).

Define a value here once and import it; never copy it.
"""

from __future__ import annotations

#: The coder whose codings are the lead's settled decisions.
CONSENSUS = "consensus"

#: Bootstrap seed used unless the user gives one, so a report can be reproduced.
DEFAULT_SEED = 1

#: Krippendorff's (2004, p. 241) thresholds for alpha: rely on data at .800 and above,
#: draw tentative conclusions from .667 on.
RELIABLE = 0.800
TENTATIVE = 0.667

#: The agreement statistics ``qcoder agreement --stats`` can report, in report order.
STATISTICS = ("alpha", "kappa", "fleiss", "pi", "ac1", "bp", "specific")
