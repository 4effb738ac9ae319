"""What a rung would cost on this data, from two timed probes on small samples of it.

A rung's time is modelled as `fixed + per_epoch * epochs`, where `fixed` holds what is done once
(loading an encoder, building features, encoding texts, predicting validation and test texts,
saving) and `per_epoch` one training epoch with its validation scoring (torch rungs; 0 for the
others). Two probes fit the rung with its own settings but one epoch, on `s` and `2 s` training
rows and validation rows in the data's own proportion, each with a fresh embedding cache (so the
encoder rungs pay for every text, as on new data); the second one's epoch time comes from the
training history. Then, per training row: the epoch cost is the second probe's epoch seconds
over its rows; the once-per-row cost is what the doubling added beyond one more epoch's worth;
the fixed cost is what is left of the first probe. Prediction is timed on `s` rows neither probe
saw. Everything is measured on this machine at this moment, on the device the rung would use (a
GPU when there is one), with the data's own texts, so it needs no table of rates; it is noisy on
a busy machine, and the climb corrects its later estimates by how far the earlier ones were off.

Rungs with a fast runtime to check at their first save (the ONNX export of the encoder rungs) add
`EXPORT_SECONDS` and three more passes over the validation texts. Probes sample at least one row
of every class (every label), so the label space is whole. Nothing here sees test texts; only
their number.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from textladder.data.labels import label_key
from textladder.families import get_family
from textladder.ladder.rungs import DEFAULT_PROBE_ROWS, PROBE_ROWS

MIN_PROBE_ROWS = 16  # with fewer rows per probe, the data is small enough to need no estimate
EXPORT_SECONDS = 15.0  # exporting an encoder to ONNX (int8 and float32) at the first save
EXPORT_PASSES = 3  # passes over the validation texts that checking the export costs


@dataclass(frozen=True)
class Estimate:
    """Seconds a rung is expected to take: `fixed + per_epoch * epochs`."""

    fixed: float
    per_epoch: float = 0.0
    epochs: int = 1
    how: str = ""
    known: bool = True  # False when no probe could measure it

    def seconds(self, epochs: int | None = None) -> float:
        return self.fixed + self.per_epoch * (self.epochs if epochs is None else epochs)

    def epochs_within(self, seconds: float) -> int:
        """The most epochs (up to `epochs`) that fit in `seconds`."""
        if self.per_epoch <= 0:
            return self.epochs
        return max(0, min(self.epochs, math.floor((seconds - self.fixed) / self.per_epoch)))

    def scaled(self, factor: float) -> "Estimate":
        return Estimate(self.fixed * factor, self.per_epoch * factor, self.epochs, self.how,
                        self.known)

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": round(self.seconds(), 1), "fixed": round(self.fixed, 1),
                "per_epoch": round(self.per_epoch, 2), "epochs": self.epochs, "how": self.how}


def probe_rows(name: str, n_train: int) -> int:
    """Rows of the first probe: the rung's own size, at most an eighth of the data."""
    return min(PROBE_ROWS.get(name, DEFAULT_PROBE_ROWS), n_train // 8)


def covering_sample(prepared: list, task: str, size: int, rng: np.random.Generator,
                    taken: np.ndarray) -> np.ndarray:
    """`size` rows not in `taken`, including one row of each class (or label) where it can."""
    free = np.flatnonzero(~taken)
    picks: list[int] = []
    if task != "regression":
        groups: dict[str, list[int]] = {}
        for row in free:
            labels = prepared[row] if task == "multilabel" else [prepared[row]]
            for label in labels:
                groups.setdefault(label_key(label), []).append(int(row))
        picks = sorted({int(rng.choice(rows)) for rows in groups.values()})
    rest = np.setdiff1d(free, picks)
    more = rng.choice(rest, size=max(0, min(size - len(picks), len(rest))), replace=False)
    chosen = np.concatenate([np.asarray(picks, dtype=np.int64), more.astype(np.int64)])
    taken[chosen] = True
    return chosen


def probe(name: str, settings: dict[str, Any], options: dict[str, Any],
          train: tuple[list[str], list], valid: tuple[list[str], list], n_test: int,
          seed: int = 0) -> Estimate:
    """Estimate rung `name` with `settings` on this data (`options` are the TextClassifier's
    other arguments: task, metric, order, label_map, seed)."""
    from textladder.classifier import TextClassifier, scratch_cache

    family = get_family(name)
    resolved = family(**settings).resolved_settings()
    epochs = int(resolved.get("epochs", 1)) if "epochs" in resolved else 1
    texts, labels = train
    n, n_valid = len(texts), len(valid[0])
    s = probe_rows(name, n)
    if s < MIN_PROBE_ROWS:
        return Estimate(0.0, 0.0, epochs, f"{n:,} training rows: too few to need an estimate")
    clf = TextClassifier(model=name, model_params=settings, **options)
    detection, prepared = clf.resolve_labels(labels)
    rng = np.random.default_rng(seed)
    taken = np.zeros(n, dtype=bool)
    samples = [covering_sample(prepared, detection.task, size, rng, taken)
               for size in (s, 2 * s, s)]
    share = n_valid / n

    def fit(rows: np.ndarray):
        v = rng.choice(n_valid, size=max(8, min(n_valid, round(len(rows) * share))),
                       replace=False)
        probe_settings = {**settings, **({"epochs": 1} if "epochs" in resolved else {})}
        model = TextClassifier(model=name, model_params=probe_settings, **options)
        with scratch_cache():
            start = time.perf_counter()
            model.fit([texts[i] for i in rows], [labels[i] for i in rows],
                      valid=([valid[0][i] for i in v], [valid[1][i] for i in v]))
            return model, time.perf_counter() - start

    _, first = fit(samples[0])
    model, second = fit(samples[1])
    with scratch_cache():
        start = time.perf_counter()
        model.predict_output([texts[i] for i in samples[2]])
        predict = (time.perf_counter() - start) / len(samples[2])
    history = model.family_.to_config()["chosen"].get("history") or []
    epoch = history[-1].get("seconds", 0.0) / (2 * s) if history and "epochs" in resolved else 0.0
    once = max(0.0, (second - first) / s - epoch)  # per row, beyond its epoch
    fixed_part = max(0.0, first - (once + epoch) * s)
    if once + epoch < 0.1 * first / s:  # noise swallowed the growth: assume a tenth per row
        once = 0.1 * first / s
    fixed = fixed_part + once * n + predict * (2 * n_valid + n_test) + 1.0
    if len(family.runtimes) > 1 and resolved.get("onnx", True):
        fixed += EXPORT_SECONDS + EXPORT_PASSES * predict * n_valid
    how = f"probes on {s:,} and {2 * s:,} rows took {first:.1f} s and {second:.1f} s"
    if epoch:
        how += f" (an epoch of the second {history[-1]['seconds']:.2f} s)"
    return Estimate(fixed, epoch * n, epochs, how)
