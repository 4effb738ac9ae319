"""What a rung would cost on this data, from one timed probe on a small sample of it.

A rung's time is modelled as `fixed + per_epoch * epochs`: `per_epoch` is one training epoch
with its validation scoring (torch rungs; 0 for the others), `fixed` everything done once
(loading an encoder, building features, encoding texts, predicting the validation and test
texts, saving). The probe fits the rung with its own settings, but one epoch, on `s` training rows
and validation rows in the data's own proportion, with a fresh embedding cache (so that encoder
rungs pay for every text, as on new data); then times its prediction of `s` rows it has not seen.
The epoch's seconds come from the training history, so that loading and setting up do not count
as per-row work; the rest of the fit grows with the rows as the rung's `SCALING` says
(`rungs.py`). Measured on this machine at this moment, on the device the rung would use (a GPU
where there is one), with the data's own texts: no table of rates to go stale. It is rough on a
busy machine, and the climb corrects its later estimates by how far the earlier ones were off.

Training exports nothing (ONNX is a step of its own), so no export is counted. The probe samples
two rows of every class (every label) where there are two, so that its label space is whole and
SMOTE has a pair to work between. Nothing here sees test texts, only their number.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from textladder.data.labels import label_key
from textladder.families import get_family
from textladder.ladder.rungs import (DEFAULT_PROBE_ROWS, DEFAULT_SCALING, PROBE_ROWS, SCALING,
                                     fits)

PER_CLASS = 2  # rows of each class (label) in a probe's sample, where the data has them
MIN_PROBE_ROWS = 16  # with fewer rows per probe, the data is small enough to need no estimate
# A probe that took longer than this is run once more, and the lower estimate kept: a spell of
# load from elsewhere only ever adds time (one tfidf probe on goemotions took 124 s on a busy
# machine, where it takes 2-11 s, and the climb skipped the rung as 5,393 s long).
RETRY_AFTER = 5.0
SAVE_SECONDS = 1.0  # writing any other model
# "rows" scaling: in proportion to the rows. Solver time per row is not steady at small sizes
# (tfidf on goemotions, 28 labels: 3.4 s on 1,000 rows, 54 s on 4,000, about 150 s on all 43,410),
# and a steeper power of 1.1 put the whole at 708 s, so that the plan skipped tfidf.
GROWTH = 1.0


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


def device() -> str:
    """Where the torch rungs would train, in words (the estimates hold for it)."""
    import importlib.util
    import os

    if importlib.util.find_spec("torch") is not None:
        import torch  # imported here, once, so that no probe counts the import as its own time

        if torch.cuda.is_available():
            return f"a GPU ({torch.cuda.get_device_name(0)})"
    return f"the CPU ({os.cpu_count()} cores)"


def probe_rows(name: str, n_train: int) -> int:
    """Rows of the probe: the rung's own size, at most a quarter of the data."""
    return min(PROBE_ROWS.get(name, DEFAULT_PROBE_ROWS), n_train // 4)


def covering_sample(prepared: list, task: str, size: int, rng: np.random.Generator,
                    taken: np.ndarray) -> np.ndarray:
    """`size` rows not in `taken`, including `PER_CLASS` rows of each class (or label) where
    it has them: SMOTE, for one, needs two rows of a class to make one between them."""
    free = np.flatnonzero(~taken)
    picks: list[int] = []
    if task != "regression":
        groups: dict[str, list[int]] = {}
        for row in free:
            labels = prepared[row] if task == "multilabel" else [prepared[row]]
            for label in labels:
                groups.setdefault(label_key(label), []).append(int(row))
        picks = sorted({int(row) for rows in groups.values()
                        for row in rng.choice(rows, min(PER_CLASS, len(rows)), replace=False)})
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
    from textladder.classifier import TextClassifier
    from textladder.encoders.cache import scratch_cache

    family = get_family(name)
    resolved = family(**settings).resolved_settings()
    torch_rung = "epochs" in resolved
    from textladder.data.inputs import take_rows

    texts, labels = train  # texts, or a table of them and the feature columns
    n, n_valid = len(texts), len(valid[0])
    epochs = family.planned_epochs(resolved, n) if torch_rung else 1
    s = probe_rows(name, n)
    if s < MIN_PROBE_ROWS:
        return Estimate(0.0, 0.0, epochs, f"{n:,} training rows: too few to need an estimate")
    model = TextClassifier(model=name, model_params={**settings, **(
        {"epochs": 1} if torch_rung else {})}, **options)
    detection, prepared = model.resolve_labels(labels)
    rng = np.random.default_rng(seed)
    taken = np.zeros(n, dtype=bool)
    rows = covering_sample(prepared, detection.task, s, rng, taken)
    unseen = rng.choice(np.flatnonzero(~taken), size=min(s, int((~taken).sum())), replace=False)
    v = rng.choice(n_valid, size=max(8, min(n_valid, round(s * n_valid / n))), replace=False)
    with scratch_cache():
        start = time.perf_counter()
        model.fit(take_rows(texts, rows), [labels[i] for i in rows],
                  valid=(take_rows(valid[0], v), [valid[1][i] for i in v]))
        took = time.perf_counter() - start
    with scratch_cache():
        start = time.perf_counter()
        model.predict_output(take_rows(texts, unseen))
        predict = (time.perf_counter() - start) / max(1, len(unseen))
    chosen = model.family_.to_config()["chosen"]
    history = chosen.get("history") or []
    epoch = float(history[-1].get("seconds", 0.0) if history
                  else chosen.get("mlp_epoch_seconds", 0.0)) if torch_rung else 0.0
    rest = max(0.0, took - epoch * fits(name, resolved))  # each fit ran one epoch
    scaling = SCALING.get(name, DEFAULT_SCALING if torch_rung else "rows")
    if scaling == "rows":
        outside = rest * (n / s) ** GROWTH
    elif scaling == "encode":
        outside = max(0.0, rest - predict * (s + len(v))) + 1.25 * predict * (n + n_valid)
    else:
        outside = rest
    fixed = outside + predict * (2 * n_valid + n_test) + SAVE_SECONDS
    per_epoch = epoch / s * n * fits(name, resolved)
    how = (f"a probe on {s:,} rows took {took:.1f} s" + (f", {epoch:.2f} s of it one epoch"
                                                         if epoch else "")
           + f"; predicting {1 / max(predict, 1e-9):,.0f} texts/s")
    return Estimate(fixed, per_epoch, epochs, how)


def steady_probe(name: str, settings: dict[str, Any], options: dict[str, Any],
                 train: tuple[list[str], list], valid: tuple[list[str], list], n_test: int,
                 seed: int = 0, clock=time.perf_counter, measure=None) -> Estimate:
    """`probe`, run a second time when the first took longer than `RETRY_AFTER` seconds; the
    lower of the two estimates is kept, and its `how` says so. `measure` stands in for `probe`
    (tests)."""
    measure = measure or probe
    start = clock()
    first = measure(name, settings, options, train, valid, n_test, seed)
    took = clock() - start
    if took <= RETRY_AFTER or not first.known:
        return first
    second = measure(name, settings, options, train, valid, n_test, seed)
    best = min((first, second), key=lambda e: e.seconds())
    return replace(best, how=f"{best.how} (the lower of two probes: the first took {took:.0f} s, "
                             f"estimating {first.seconds():.0f} s; the second "
                             f"{second.seconds():.0f} s)")
