"""Class imbalance: one option (`imbalance=`, `--imbalance`) that means the same in every rung.

- `counts.py`: class counts and the class weights made from them (the one place);
- `sampling.py`: random over- and undersampling, label-aware oversampling, SMOTE;
- `plan.py`: the plan of one fit (strategy, reason, effect) and the refusals;
- `auto.py`: the rule that `auto` follows, and the evidence it rests on.

Strategies apply to the training rows only; validation, test and prediction never see them.
"""

from textladder.imbalance.counts import (balanced_weights, imbalance_ratio, label_counts,
                                         parse_class_weight)
from textladder.imbalance.plan import (STRATEGIES, Imbalance, check_options, check_rung,
                                       plan_imbalance, rungs_that_take)

NO_IMBALANCE = Imbalance()

__all__ = ["NO_IMBALANCE", "STRATEGIES", "Imbalance", "balanced_weights", "check_options",
           "check_rung", "imbalance_ratio", "label_counts", "parse_class_weight", "plan_imbalance",
           "rungs_that_take"]
