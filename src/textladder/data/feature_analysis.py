"""Which other columns of a table could help a model, for `inspect`: evidence, not a fit.

For every column that is neither the text nor a label, `analyse_columns` says its kind (as
`--features` would read it, `data/features.py`), how many distinct values it has and what share
of cells is missing, and one verdict with its reason:

- constant or empty: nothing to learn from;
- identifier: (nearly) every value distinct, numbers that count rows or one-word codes: a model
  can only memorise it;
- free text: a second text column; `--features NAME:text` joins it to the text;
- leaks the label: the label can be read off the column on rows it was not looked up on (a
  lookup of the majority label per value, fitted on half of the rows, is right on at least
  `LEAK_ACCURACY` of the other half and removes at least 90 % of the errors of always guessing
  the majority; for a score, a rank correlation of at least `LEAK_ACCURACY`), so a model trained
  with it learns nothing from the text and fails where the column is not known in advance;
- useful: the mutual information between the column (numbers in `BINS` quantile bins) and the
  label on the training rows is more than chance explains: the G-test (2 x rows x the mutual
  information in nats, against a chi-squared distribution) gives p below `P_USEFUL`, strict
  because a table has many columns; the adjusted mutual information (0 for chance, 1 for a
  perfect match) says how strong;
- no signal: otherwise.

Labels are compared as classes (a label set as one class; a score in deciles). It reads at most
`SAMPLE_ROWS` rows (a seeded sample), and trains nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from textladder.data.features import _numbers, infer_kind, is_absent, present_values
from textladder.data.labels import label_key
from textladder.errors import TextladderError

SAMPLE_ROWS = 20_000
BINS = 10
MAX_VALUES = 50  # the most frequent values kept apart; the rest compared as one
P_USEFUL = 0.001
LEAK_ACCURACY = 0.98
IDENTIFIER_DISTINCT = 0.95


def _label_codes(task: str, prepared: list) -> np.ndarray:
    if task == "regression":
        return _bins(np.asarray(prepared, dtype=float))
    if task == "multilabel":
        return np.array(["|".join(sorted(map(str, row))) for row in prepared], dtype=object)
    return np.array([label_key(v) for v in prepared], dtype=object)


def _bins(values: np.ndarray) -> np.ndarray:
    """Quantile bins of numbers (missing: bin -1)."""
    codes = pd.qcut(pd.Series(values), BINS, labels=False, duplicates="drop")
    return codes.fillna(-1).astype(int).to_numpy()


def _value_codes(kind: str, series: pd.Series) -> np.ndarray:
    if kind == "numeric":
        return _bins(_numbers(series.tolist()))
    keys = pd.Series(["(missing)" if is_absent(v) else label_key(v) for v in series.tolist()])
    top = set(keys.value_counts().index[:MAX_VALUES])
    return keys.where(keys.isin(top), "(other)").to_numpy(dtype=object)


def _entropy_bits(codes: np.ndarray) -> float:
    counts = pd.Series(codes).value_counts().to_numpy(dtype=float)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def _lookup_accuracy(values: np.ndarray, labels: np.ndarray, seed: int) -> tuple[float, float]:
    """Accuracy on one half of the rows of the majority label per value of the other half
    (both ways, pooled), and that of always guessing the majority label."""
    halves = np.random.default_rng(seed).permutation(len(labels)) % 2 == 0
    right = base = 0
    for fit, score in ((halves, ~halves), (~halves, halves)):
        table = pd.DataFrame({"v": values[fit], "y": labels[fit]})
        majority = table["y"].value_counts().index[0]
        lookup = table.groupby("v")["y"].agg(lambda y: y.value_counts().index[0]).to_dict()
        guessed = np.array([lookup.get(v, majority) for v in values[score]], dtype=object)
        right += int((guessed == labels[score]).sum())
        base += int((labels[score] == majority).sum())
    return right / len(labels), base / len(labels)


def _association(kind: str, series: pd.Series, labels: np.ndarray, task: str,
                 scores: np.ndarray | None, seed: int) -> dict[str, Any]:
    from scipy.stats import chi2
    from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score

    codes = pd.factorize(_value_codes(kind, series))[0]  # integers: fast to compare
    nats = mutual_info_score(labels, codes)
    freedom = max(1, (len(np.unique(codes)) - 1) * (len(np.unique(labels)) - 1))
    p_value = float(chi2.sf(2 * len(labels) * nats, freedom))
    accuracy, base = _lookup_accuracy(codes, labels, seed)
    record = {
        "mutual_information_bits": round(nats / np.log(2), 5),
        "label_entropy_share": round(nats / np.log(2) / max(_entropy_bits(labels), 1e-12), 4),
        "adjusted_mutual_information": round(float(adjusted_mutual_info_score(labels, codes)), 5),
        "p_value": float(f"{p_value:.3g}"),
        "lookup_accuracy": round(accuracy, 4),
        "majority_accuracy": round(base, 4),
    }
    leak = accuracy >= LEAK_ACCURACY and (1 - accuracy) <= 0.1 * (1 - base)
    if scores is not None and kind == "numeric":
        numbers = pd.Series(_numbers(series.tolist()))
        rho = numbers.corr(pd.Series(scores), method="spearman")
        record["rank_correlation"] = None if np.isnan(rho) else round(float(rho), 4)
        leak = leak or (not np.isnan(rho) and abs(rho) >= LEAK_ACCURACY)
    if leak:
        how = (f"the majority label of its value is right on {accuracy:.1%} of rows it was not "
               f"looked up on (always the majority: {base:.1%})"
               if "rank_correlation" not in record or abs(record["rank_correlation"] or 0)
               < LEAK_ACCURACY else f"rank correlation {record['rank_correlation']:+.3f} with "
                                    f"the score")
        record.update(verdict="leaks the label",
                      reason=f"{how}: a model would read the label off it and not learn from "
                             f"the text; leave it out unless it is known when predicting")
    elif p_value < P_USEFUL and record["adjusted_mutual_information"] > 0:
        record.update(verdict="useful",
                      reason=f"mutual information {record['mutual_information_bits']:.4f} bits "
                             f"({record['label_entropy_share']:.1%} of the label's entropy), "
                             f"more than chance explains (p = {p_value:.2g}); adjusted "
                             f"{record['adjusted_mutual_information']:.4f}: try --features "
                             f"{series.name}")
    else:
        record.update(verdict="no signal",
                      reason=f"mutual information {record['mutual_information_bits']:.4f} bits, "
                             f"no more than chance explains (p = {p_value:.2g})")
    return record


def analyse_column(name: str, series: pd.Series, labels: np.ndarray, task: str,
                   scores: np.ndarray | None = None, seed: int = 0) -> dict[str, Any]:
    """Kind, cardinality, missing share and verdict of one column beside the text."""
    values = present_values(series)
    distinct = len({label_key(v) for v in values})
    record: dict[str, Any] = {"name": str(name), "distinct": distinct,
                              "missing_share": round(1 - len(values) / max(1, len(series)), 4)}
    if distinct < 2:
        return {**record, "kind": None, "verdict": "constant",
                "reason": "empty" if not values else "one value in every row"}
    try:
        kind, evidence = infer_kind(str(name), series)
    except TextladderError:
        return {**record, "kind": None, "verdict": "constant", "reason": "empty"}
    record.update(kind=kind, kind_evidence=evidence)
    share = distinct / len(values)
    integers = kind == "numeric" and np.all(np.mod(_numbers(values), 1) == 0)
    if share >= IDENTIFIER_DISTINCT and len(values) >= 20 and (kind == "category" or integers):
        return {**record, "verdict": "identifier",
                "reason": f"{share:.0%} of its values are distinct: it names rows, and a model "
                          f"can only memorise it"}
    if kind == "text":
        return {**record, "verdict": "free text",
                "reason": f"a second text ({evidence}); --features {name}:text joins it to the "
                          f"text every model reads"}
    return {**record, **_association(kind, series, labels, task, scores, seed)}


def analyse_columns(frame: pd.DataFrame, text: str, label_columns: tuple[str, ...], task: str,
                    prepared: list, seed: int = 0) -> list[dict[str, Any]]:
    """One record per column of `frame` other than the text and labels; `prepared` holds the
    labels of `frame`'s rows in their task's form."""
    others = [c for c in frame.columns if c != text and c not in label_columns]
    if not others:
        return []
    rows = np.arange(len(frame))
    if len(rows) > SAMPLE_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), SAMPLE_ROWS, replace=False))
    frame = frame.iloc[rows].reset_index(drop=True)
    prepared = [prepared[i] for i in rows]
    labels = pd.factorize(_label_codes(task, prepared))[0]
    scores = np.asarray(prepared, dtype=float) if task == "regression" else None
    return [analyse_column(c, frame[c], labels, task, scores, seed) for c in others]
