"""A mastery (or probability) as the percentage a learner or teacher reads, one rule for every place that
shows one: the plan's reasons, the report's summary, and the web page's `pct` (dom.js), which
tests/unit/ui/test_percent_rule.py runs against this function."""

from __future__ import annotations

import math


def mastery_percent(p: float) -> str:
    """Rounded down, so that a value just under a bar never reads as the bar: 0.8496 under "faded below 85%"
    read "85% now", and 0.6996 beside "review due" (below 0.70) read "70%" (a review, 1 December 2026).
    1e-4: a float32 0.57 (0.5699999928) and a float64 0.57 (x100 = 56.99999999999999) still read 57%; its
    price, a value within 1e-6 under a whole percent reads as it (0.8499999: 85%)."""
    return f"{math.floor(p * 100 + 1e-4)}%"
