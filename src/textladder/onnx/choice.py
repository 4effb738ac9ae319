"""What an int8 export keeps in float, and the margin it re-checks at: chosen from agreement.

The feed-forward output projections, where int8 loses most, stay in float in every layer, in the
first only, or in none (`graph.FLOAT_FFN_OUT`). Keeping them costs time in every text; int8
costs time in the borderline texts that the float32 export re-checks (`recheck.py`), and an
export that moves outputs further needs a wider margin, so it re-checks more texts.
`choose_export` weighs the two on the texts the export is given: each option's margin and the
share of texts it re-checks come from agreement with the default runtime there
(`recheck.choose_margin`); its cost is a fixed per-text cost of its int8 pass plus that share of
the float32 pass (`RELATIVE_COST`, `FLOAT32_COST`). Nothing is timed at export, so the same
model and texts always give the same choice, whatever the machine's load.

Without texts nothing can be measured: `FIXED_RULE` keeps every feed-forward output in float,
the int8 copy closest to float32, and re-checks at `recheck.RECHECK_MARGIN`.
"""

from __future__ import annotations

from typing import Any

from textladder.onnx.recheck import RECHECK_MARGIN

# The cost of a text's int8 pass with each option, relative to all int8, and of its float32
# pass, for MiniLM-sized encoders: every layer's feed-forward outputs in float 1.18 and float32
# 1.57 (per-token exports in padded batches, the mean throughput over the four benchmark
# datasets, `benchmarks/int8-study.md` at d95701d); the first layer's 1.05 (the median of what
# the timed choice at 7af66ca measured on the eight benchmark models, whose median for every
# layer was 1.16). With them, the recorded checks of those eight pick what their timings picked,
# or, twice, an export those timings put within 4 % of it.
RELATIVE_COST = {"all": 1.18, "first": 1.05, "none": 1.0}
FLOAT32_COST = 1.57
FIXED_RULE = {"float_ffn_out": "all", "recheck_margin": RECHECK_MARGIN}


def expected_cost(option: str, check: dict[str, Any]) -> float:
    """A text's expected cost with `option` and its re-check (`check`: `choose_margin`'s)."""
    return RELATIVE_COST[option] + check["rechecked"] * FLOAT32_COST


def choose_export(checks: dict[str, dict[str, Any]]) -> str:
    """Of the options checked ({option: `choose_margin`'s check}), the cheapest with its
    re-check (`expected_cost`) among those whose agreement reached its target (all of them if
    none did); the first listed where costs tie."""
    reached = [o for o, check in checks.items() if check["agreement"] >= check["target"]]
    return min(reached or list(checks), key=lambda o: expected_cost(o, checks[o]))
