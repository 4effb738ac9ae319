"""The systems a benchmark compares, behind one small interface.

Every textladder model family that `available_families()` lists becomes a system of the same
name, driven through the public `TextClassifier` with no per-family code, so a family registered
later is benchmarked automatically. The peers (`peer:*`, see `peers.py` and `fasttext_peer.py`)
follow the same interface. A system only fits, predicts and evaluates; timing, memory and
processes belong to `measure.py`.
"""

from __future__ import annotations

import os
import tempfile
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

from textladder import TextClassifier
from textladder.errors import TextladderError
from textladder.families import available_families, get_family

from benchmarks.datasets import SEED, BenchData, Split

TIMING_ROUNDS = 3  # runtimes compared take turns this many times; each one's median counts


class System(ABC):
    """Fit on a dataset's train split (choosing settings on valid), then predict and evaluate."""

    name: str

    @classmethod
    def unavailable(cls) -> str | None:
        """Why the system cannot run in this installation, or None when it can."""
        return None

    @abstractmethod
    def fit(self, data: BenchData, quick: bool) -> None:
        """Train on `data.train`; every choice is made on `data.valid`."""

    @abstractmethod
    def predict(self, texts: list[str]) -> list:
        """Labels for a batch of texts."""

    def predict_one(self, text: str):
        """The label of one text, as a user predicting one request at a time would ask."""
        return self.predict([text])[0]

    @abstractmethod
    def evaluate(self, split: Split) -> dict[str, Any]:
        """The task's full metric dict on a labelled split."""

    @abstractmethod
    def valid_metrics(self) -> dict[str, Any]:
        """The task's metric dict on the validation split, as measured during fitting."""

    @abstractmethod
    def settings(self) -> dict[str, Any]:
        """What the system was run with and what it chose on validation."""

    def runtime_comparison(self, split: Split, rounds: int = 1,
                           export_texts: list[str] | None = None) -> dict[str, Any] | None:
        """Speed and agreement of other prediction runtimes (ONNX) on `split`, if any, with
        their choices made on `export_texts` (the validation texts)."""
        return None

    def keep(self, directory: Path) -> None:
        """Save the fitted model into `directory`, if the system can (textladder's can)."""

    def close(self) -> None:
        """Remove what the system wrote for itself (a scratch folder); called when measured."""


def quick_params(family: str) -> dict[str, Any]:
    """The family's own settings for a smoke run: a check of the harness, not a measurement."""
    return get_family(family).quick_settings()


class ClassifierSystem(System):
    """A system whose `fit` leaves a fitted `TextClassifier` in `self.clf`, which predicts,
    evaluates and reports its validation metrics."""

    clf: TextClassifier

    def predict(self, texts: list[str]) -> list:
        return self.clf.predict(texts)

    def predict_one(self, text: str):
        return self.clf.predict(text)

    def evaluate(self, split: Split) -> dict[str, Any]:
        return self.clf.evaluate(split.texts, split.labels)

    def valid_metrics(self) -> dict[str, Any]:
        return self.clf.valid_metrics_


class TextladderSystem(ClassifierSystem):
    """A textladder family through `TextClassifier`, with the dataset's metric and task."""

    def __init__(self, family: str):
        self.name = family

    def fit(self, data: BenchData, quick: bool) -> None:
        self.params = quick_params(self.name) if quick else {}
        self.clf = TextClassifier(model=self.name, task=data.spec.task, metric=data.spec.metric,
                                  model_params=self.params or None, seed=SEED)
        self.clf.fit(data.train.texts, data.train.labels,
                     valid=(data.valid.texts, data.valid.labels))

    def keep(self, directory: Path) -> None:
        self.clf.save(directory)

    def settings(self) -> dict[str, Any]:
        family = self.clf.family_
        task = self.clf.task_.to_config()
        task.pop("classes", None)
        return {"textladder_model": self.name, "metric": self.clf.metric, "seed": SEED,
                "model_params": self.params, "chosen": family.to_config()["chosen"],
                "settings": family.resolved_settings(), "task": task}


    def runtime_comparison(self, split: Split, rounds: int = TIMING_ROUNDS,
                           export_texts: list[str] | None = None) -> dict[str, Any] | None:
        """The saved model exported to ONNX on `export_texts` (`textladder export --texts`:
        the validation texts choose what stays in float and the re-check margin), then loaded
        with each runtime and timed on `split` with no cache to read; None for a family with no
        ONNX export.

        The ONNX runtime runs twice: as users get it (borderline texts re-checked with the
        float32 export at the export's margin, `onnx.recheck`) and alone (`onnx-alone`, no
        re-check). The runtimes take turns, `rounds` times over, and each one's median time
        counts: a machine that slows down for a while then slows every runtime, not just the one
        that ran at that moment.
        """
        import functools

        import textladder.onnx
        from textladder.onnx.families import ADAPTERS

        if self.clf.family_.name not in ADAPTERS:
            return None
        loaders = {"default": TextClassifier.load,
                   "onnx": functools.partial(textladder.onnx.load, recheck_margin=None),
                   "onnx-alone": functools.partial(textladder.onnx.load, recheck_margin=0)}
        saved_cache = os.environ.get("TEXTLADDER_CACHE_DIR")
        result: dict[str, Any] = {}
        predictions, seconds = {}, {name: [] for name in loaders}
        try:
            with tempfile.TemporaryDirectory() as scratch:
                model = Path(scratch) / "model"
                self.clf.save(model)
                os.environ["TEXTLADDER_CACHE_DIR"] = tempfile.mkdtemp(dir=scratch)
                start = time.perf_counter()
                try:
                    record = textladder.onnx.export(model, export_texts)
                except TextladderError as error:  # e.g. onnxruntime missing, an unusual encoder
                    result["onnx"] = {"error": str(error)}
                    loaders = {"default": loaders["default"]}
                else:
                    export = {key: record[key] for key in EXPORT_KEYS if key in record}
                    export["export_seconds"] = time.perf_counter() - start
                for round_ in range(rounds):
                    for name, load in loaders.items():
                        os.environ["TEXTLADDER_CACHE_DIR"] = tempfile.mkdtemp(dir=scratch)
                        clf = load(model)
                        recheck = getattr(clf.family_, "recheck", None)
                        predicted, took, rechecked = _timed_predict(clf, split.texts, recheck)
                        seconds[name].append(took)
                        if round_ == 0:
                            predictions[name] = predicted
                            result[name] = {}
                            if name == "onnx":
                                result[name].update(
                                    recheck_margin=recheck.margin if recheck else 0.0,
                                    rechecked=rechecked, valid=export)
                                if recheck is not None:
                                    result[name]["rechecked_with"] = "onnx-float"
                            metrics = clf.evaluate(split.texts, split.labels)  # from its cache
                            result[name]["test"] = {self.clf.metric: metrics[self.clf.metric]}
        finally:
            if saved_cache is None:
                os.environ.pop("TEXTLADDER_CACHE_DIR", None)
            else:
                os.environ["TEXTLADDER_CACHE_DIR"] = saved_cache
        for name, times in seconds.items():
            if times:
                result[name]["texts_per_second"] = len(split.texts) / float(np.median(times))
                result[name]["texts_per_second_each_round"] = [len(split.texts) / t
                                                               for t in times]
        base = predictions.pop("default", None)
        for runtime, predicted in predictions.items() if base is not None else ():
            result[runtime]["agreement"] = float(np.mean([a == b for a, b in zip(base, predicted)]))
            result[runtime]["speedup"] = (result[runtime]["texts_per_second"]
                                          / result["default"]["texts_per_second"])
        return result


# What a benchmark record keeps of the export's record (`export.json`), as the onnx row's "valid"
EXPORT_KEYS = ("float_ffn_out", "recheck_margin", "agreement", "rechecked", "target", "texts",
               "options", "chosen_by", "smoothed")


def _timed_predict(clf: TextClassifier, texts: list[str],
                   recheck=None) -> tuple[list, float, float]:
    """Predictions, seconds and the share of texts re-checked (by `recheck`, the ONNX
    runtime's), with lazy parts loaded first."""
    clf.predict([WARM_UP])
    checked_before = 0
    if recheck is not None:
        recheck.exact_family().predict_output([WARM_UP])
        checked_before = recheck.rechecked
    start = time.perf_counter()
    predicted = [_comparable(p) for p in clf.predict(texts)]
    took = time.perf_counter() - start
    rechecked = (recheck.rechecked - checked_before) / len(texts) if recheck is not None else 0.0
    return predicted, took, rechecked


WARM_UP = "a text to load the model's lazily loaded parts before timing"


def _comparable(prediction):
    return sorted(prediction) if isinstance(prediction, (list, tuple)) else prediction


def peer_classes() -> dict[str, type[System]]:
    """The peer systems by name (imported here so that their modules stay optional)."""
    from benchmarks.fasttext_peer import FastTextPeer
    from benchmarks.peers import MiniLMPeer, SklearnPeer

    return {cls.name: cls for cls in (SklearnPeer, FastTextPeer, MiniLMPeer)}


def all_system_names() -> list[str]:
    """Every textladder family, the climb (`ladder`), then every peer, in display order."""
    from benchmarks.ladder import NAME

    return list(available_families()) + [NAME] + list(peer_classes())


def make_system(name: str) -> System:
    from benchmarks.ladder import LadderSystem, is_ladder

    peers = peer_classes()
    if is_ladder(name):
        return LadderSystem(name)
    return peers[name]() if name in peers else TextladderSystem(name)


def resolve_systems(requested: list[str] | None) -> tuple[list[str], list[str]]:
    """(names to run, notes on skipped ones); unknown names raise ValueError."""
    from benchmarks.ladder import is_ladder

    known = all_system_names()
    names = requested or known
    unknown = [n for n in names if n not in known and not is_ladder(n)]
    if unknown:
        raise ValueError(f"unknown system {unknown[0]!r}; known: {', '.join(known)} (and "
                         f"ladder:<minutes> for a climb with another budget)")
    runnable, notes = [], []
    peers = peer_classes()
    for name in names:
        why = peers[name].unavailable() if name in peers else None
        if why is None:
            runnable.append(name)
        else:
            notes.append(f"{name} skipped: {why}")
    return runnable, notes
