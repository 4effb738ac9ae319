"""Make nested results strict-JSON safe: NaN and infinities become null, keys become strings.

Metrics can be undefined (roc_auc on one class, r2 on one row); Python's json writes those as NaN,
which strict readers reject. Every JSON textladder writes goes through `finite` first.
"""

from __future__ import annotations

import math
from typing import Any


def finite(value: Any) -> Any:
    """`value` with every non-finite float replaced by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value
