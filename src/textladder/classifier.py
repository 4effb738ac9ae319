"""`TextClassifier`: the Python face of textladder, in the scikit-learn style.

    clf = TextClassifier(model="tfidf").fit(texts, labels)
    clf.predict("what a lovely day")          # one label
    clf.predict_proba(["great", "awful"])     # (2, n_classes)
    clf.save("model/"); TextClassifier.load("model/")

`fit` detects the task from the labels (or takes `task=`), holds out a validation set when none is
given, fits the model family, tunes the task's decision thresholds on validation and keeps the
validation metrics. `__init__` only stores its arguments. Reading files and printing belong to the
workflows and the command line, not here.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textladder.data.labels import is_missing, parse_label_map, parse_order
from textladder.data.split import split_holdout
from textladder.errors import TextladderError
from textladder.families import get_family
from textladder.model_dir import (CONFIG_NAME, read_config, resolve_model_dir, save_model_dir,
                                  write_config)
from textladder.progress import Progress
from textladder.recheck import RECHECK_MARGIN, Recheck, check_margin, choose_margin
from textladder.tasks import Detection, make_task, prepare_labels, resolve_task, task_from_config
from textladder.tasks.base import scalar_metrics


def _as_list(texts: str | Sequence[str]) -> tuple[list[str], bool]:
    if isinstance(texts, str):
        return [texts], True
    texts = list(texts)
    bad = next((t for t in texts if not isinstance(t, str)), None)
    if bad is not None:
        raise TextladderError(f"texts must be strings; got {type(bad).__name__} ({bad!r}).")
    return texts, False


class TextClassifier:
    """Detects the task, fits a model family, decides with tuned thresholds, saves safely."""

    def __init__(
        self,
        model: str = "tfidf",
        task: str = "auto",
        metric: str | None = None,
        order: str | Sequence[str] | None = None,
        label_map: str | dict[str, float] | None = None,
        model_params: dict[str, Any] | None = None,
        valid_size: float = 0.1,
        seed: int = 0,
    ):
        self.model = model
        self.task = task
        self.metric = metric
        self.order = order
        self.label_map = label_map
        self.model_params = model_params
        self.valid_size = valid_size
        self.seed = seed

    # ----- fitting ------------------------------------------------------------------------------
    def resolve_labels(self, labels: Sequence) -> tuple[Detection, list]:
        """The task these raw labels describe under this classifier's options, and the labels
        in that task's form. `fit` starts with this; callers use it to split data by task."""
        detection, prepared, _, _ = self._resolve(labels)
        return detection, prepared

    def _resolve(self, labels: Sequence) -> tuple[Detection, list, list | None, dict | None]:
        order, label_map = self._label_options()
        detection = resolve_task(list(labels), self.task, order, label_map)
        return detection, prepare_labels(list(labels), detection, label_map), order, label_map

    def _label_options(self) -> tuple[list[str] | None, dict[str, float] | None]:
        order = parse_order(self.order) if self.order is not None else None
        label_map = self.label_map
        if isinstance(label_map, str):
            label_map = parse_label_map(label_map)
        return order, label_map

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence,
        valid: tuple[Sequence[str], Sequence] | None = None,
        progress: Progress | None = None,
    ) -> "TextClassifier":
        """Fit on texts and raw labels; `valid` is (texts, labels), else split from the data."""
        texts, _ = _as_list(texts)
        labels = list(labels)
        if len(texts) != len(labels):
            raise TextladderError(f"got {len(texts)} texts and {len(labels)} labels; give one "
                                  f"label per text.")
        missing = [i for i, label in enumerate(labels)
                   if not isinstance(label, (tuple, list)) and is_missing(label)]
        if missing:
            raise TextladderError(f"{len(missing)} labels are missing (first at position "
                                  f"{missing[0]}); drop those rows or give them labels.")
        self.detection_, prepared, order, self.label_map_ = self._resolve(labels)
        task = make_task(self.detection_.task, self.metric, order).fit(prepared)
        _check_label_space(task, prepared)
        targets = task.encode(prepared, "the training data")
        if valid is None:
            kept, held = split_holdout(prepared, task.name, self.valid_size, self.seed)
            valid_texts, valid_targets = [texts[i] for i in held], targets[held]
            texts, targets = [texts[i] for i in kept], targets[kept]
        else:
            valid_texts, _ = _as_list(valid[0])
            valid_targets = task.encode(self._prepare(list(valid[1])), "the validation data")
        family = get_family(self.model)(**(self.model_params or {}))
        family.fit(texts, targets, task, (valid_texts, valid_targets), seed=self.seed,
                   progress=progress)
        valid_output = family.validation_output()  # an ensemble's: cross-fitted
        if valid_output is None:
            valid_output = family.predict_output(valid_texts)
        task.tune(valid_targets, valid_output)
        self.task_, self.family_, self.recheck_ = task, family, None
        self.n_train_, self.n_valid_ = len(texts), len(valid_texts)
        self.valid_metrics_ = task.evaluate(valid_targets, valid_output)
        self.runtime_checks_ = {}
        self._validation = ((valid_texts, valid_output)  # for `_check_runtimes` at the first save
                            if len(type(family).runtimes) > 1 else None)
        return self

    def _prepare(self, labels: list) -> list:
        return prepare_labels(labels, self.detection_, self.label_map_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "family_"):
            raise TextladderError("this TextClassifier is not fitted; call fit() or load() first.")

    # ----- predicting ---------------------------------------------------------------------------
    @property
    def labels_(self) -> list:
        """The classes (or labels) that probability columns stand for."""
        self._check_fitted()
        return self.task_.labels

    def predict_output(self, texts: str | Sequence[str]) -> np.ndarray:
        """Raw model outputs in the task's shape (probabilities, or values for regression)."""
        self._check_fitted()
        batch, _ = _as_list(texts)
        if not batch:  # families need not handle it: some (scikit-learn) refuse no rows
            return self.task_.empty_output()
        output = self.task_.check_output(self.family_.predict_output(batch))
        return self.recheck_(batch, output) if self.recheck_ is not None else output

    def predict_proba(self, texts: str | Sequence[str]) -> np.ndarray:
        """Class (or label) probabilities, one column per entry of `labels_`."""
        self._check_fitted()
        if self.task_.name == "regression":
            raise TextladderError("a regression predicts values, not probabilities; use predict().")
        batch, single = _as_list(texts)
        output = self.predict_output(batch)
        return output[0] if single else output

    def predict(self, texts: str | Sequence[str]):
        """Labels (label tuples for multilabel, floats for regression); one text gives one."""
        self._check_fitted()
        batch, single = _as_list(texts)
        decided = self.task_.decide(self.predict_output(batch))
        labels = self.task_.decode(decided)
        return labels[0] if single else labels

    def evaluate(self, texts: Sequence[str], labels: Sequence, source: str = "the data") -> dict:
        """All metrics of the task on labelled texts."""
        self._check_fitted()
        targets = self.task_.encode(self._prepare(list(labels)), source)
        return self.task_.evaluate(targets, self.predict_output(list(texts)))

    def encode_labels(self, labels: Sequence, source: str = "the data") -> np.ndarray:
        """Targets for raw labels, parsed the way training parsed them."""
        self._check_fitted()
        return self.task_.encode(self._prepare(list(labels)), source)

    # ----- persistence --------------------------------------------------------------------------
    def to_config(self) -> dict[str, Any]:
        self._check_fitted()
        return {
            "task": self.task_.to_config(),
            "detection": {"task": self.detection_.task, "reason": self.detection_.reason,
                          "delimiter": self.detection_.delimiter},
            "label_map": self.label_map_,
            "family": self.family_.to_config(),
            "metrics": {"valid": scalar_metrics(self.valid_metrics_)},
            "seed": self.seed,
            **({"runtimes": self.runtime_checks_} if self.runtime_checks_ else {}),
        }

    def save(self, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
        """Save atomically to the directory `path`; `extra` adds config entries (e.g. columns).

        A model saved for the first time after `fit` also measures its fast runtimes (ONNX) on
        its validation texts and records the re-check margin each needs (`_check_runtimes`)."""
        config = {**self.to_config(), **(extra or {})}

        def write_files(directory: Path) -> None:
            self.family_.save(directory)
            digests = {runtime: files_digest(self.family_.runtime_files(directory, runtime))
                       for runtime in type(self.family_).runtimes[1:]}  # what each reads
            self._check_runtimes(directory, config, digests)
            self.runtime_checks_ = self._checks_of_these_files(digests)
            config.pop("runtimes", None)
            if self.runtime_checks_:
                config["runtimes"] = self.runtime_checks_

        return save_model_dir(path, config, write_files)

    def check_runtimes_again(self, valid_texts: Sequence[str]) -> "TextClassifier":
        """Forget the recorded runtime checks; the next `save` measures them again on
        `valid_texts` (as the first save after `fit` does), for the export it writes then.

        For a loaded model whose export changed (saved again by a newer textladder, torch or
        onnxruntime), and for measuring a new export on a trained model. Give it texts the model
        was not trained on: it chooses the re-check margin on them."""
        self._check_fitted()
        if getattr(self.family_, "runtime_", "default") != "default":
            raise TextladderError("load the model with the default runtime to check its other "
                                  "runtimes again.")
        texts = list(valid_texts)
        self.runtime_checks_ = {}
        self._validation = ((texts, self.predict_output(texts))
                            if len(type(self.family_).runtimes) > 1 else None)
        return self

    def _check_runtimes(self, directory: Path, config: dict[str, Any],
                        digests: dict[str, str | None]) -> dict[str, Any]:
        """{runtime: `recheck.choose_margin` on the validation texts} for each fast runtime
        whose files the family just wrote into `directory`, measured once after `fit`.

        Where the family can write a runtime's files several ways (`export_options`: which
        layers the encoder rungs' int8 export keeps in float), each is measured and the fastest
        on these texts is kept: its pass over all of them, and the float32 export's over those
        it re-checks at its margin. The check records each option's estimate; `config` and
        `digests` then name the files kept.

        A runtime that fails to load or predict here is skipped with a warning (it then
        re-checks at `RECHECK_MARGIN`): a measurement must not cost the user the trained model."""
        validation = getattr(self, "_validation", None)
        if validation is None:
            return self.runtime_checks_
        texts, exact = validation
        if not np.isfinite(self.task_.decision_margin(exact)).any():  # no decisions: regression
            self._validation = None
            return self.runtime_checks_
        for runtime in type(self.family_).runtimes[1:]:
            if runtime in self.runtime_checks_:
                continue
            check = self._check_runtime(directory, config, runtime, texts, exact)
            if check is None:
                continue
            if "options" in check:  # the files were written again: name those kept
                config["family"] = self.family_.to_config()
                digests[runtime] = files_digest(self.family_.runtime_files(directory, runtime))
            check["export"] = digests[runtime]
            self.runtime_checks_[runtime] = check
        self._validation = None
        return self.runtime_checks_

    def _check_runtime(self, directory: Path, config: dict[str, Any], runtime: str,
                       texts: list[str], exact: np.ndarray) -> dict[str, Any] | None:
        """`_check_runtimes` for one runtime: its check, or None where it has none. Where it
        fails with several options, the files the family first wrote are written back."""
        options = self.family_.export_options(directory, runtime)
        written = self.family_.export_option(runtime) if options else None
        # the files on disk first, as they are; then the other options, each written in turn
        order = [written, *(o for o in options if o != written)]
        write_config(directory, config)  # loading needs it; the save writes the final one
        try:
            with scratch_cache():  # time every pass as a first one; keep no vectors of exports
                refined, refine_seconds = _exact_outputs(directory, texts, exact)
                results = {option: self._measure_runtime(
                    directory, runtime, None if option == written else option, texts, exact,
                    refined) for option in order}
            if not options:
                return results[None][0]
            measured = {option: results[option] for option in options}
            best = fastest_export(measured, refine_seconds)
            if best != order[-1]:  # the last one measured is on disk
                self.family_.use_export_option(directory, runtime, best)
        except Exception as error:  # noqa: BLE001 - see `_check_runtimes`
            if written is not None:
                self.family_.use_export_option(directory, runtime, written)
            if isinstance(error, TextladderError):  # saved without that runtime's files
                return None
            reason = str(error).splitlines()[0] if str(error) else ""
            warnings.warn(f"the {runtime} runtime could not be checked on the validation "
                          f"texts ({type(error).__name__}: {reason}); it will re-check texts "
                          f"within {RECHECK_MARGIN:g} log-odds.", stacklevel=6)
            return None
        finally:
            (directory / CONFIG_NAME).unlink()
        return {**measured[best][0], "export_option": best, "options": {
            option: {"recheck_margin": check["recheck_margin"], "rechecked": check["rechecked"],
                     "agreement": check["agreement"],
                     "estimated_seconds": round(estimate_seconds(check, seconds,
                                                                 refine_seconds), 3)}
            for option, (check, seconds) in measured.items()}}

    def _measure_runtime(self, directory: Path, runtime: str, option: str | None,
                         texts: list[str], exact: np.ndarray,
                         refined: np.ndarray) -> tuple[dict[str, Any], float]:
        """The margin check of `runtime` with the files `option` writes (as they are for
        None), and the seconds its pass over `texts` took after a warm-up."""
        import time

        if option is not None:
            self.family_.use_export_option(directory, runtime, option)
        fast = TextClassifier.load(directory, runtime, 0.0)
        fast.predict_output(["warm-up"])
        start = time.perf_counter()
        outputs = fast.predict_output(texts)
        seconds = time.perf_counter() - start
        return choose_margin(self.task_, exact, outputs, refined=refined), seconds

    def _checks_of_these_files(self, digests: dict[str, str | None]) -> dict[str, Any]:
        """The runtime checks that hold for the files just written, whose `digests` (per
        runtime, `files_digest`) they must name.

        A margin was chosen on one export's outputs. A model loaded and saved again exports
        anew, and the export can change (another textladder, torch or onnxruntime); a check
        recorded for other files, or for files it did not name (saved before checks named
        them), is dropped with a warning, and the runtime re-checks at `RECHECK_MARGIN`."""
        kept = {}
        for runtime, check in self.runtime_checks_.items():
            if runtime not in type(self.family_).runtimes:
                continue  # nothing of this family's runs with it
            digest = digests.get(runtime)  # none for the default runtime: nothing to name
            if isinstance(check, dict) and digest is not None and check.get("export") == digest:
                kept[runtime] = check
            else:
                warnings.warn(f"this model's {runtime} export is not the one its re-check margin "
                              f"was chosen for (it was saved by another version of textladder, "
                              f"torch or onnxruntime); the saved copy re-checks texts within "
                              f"{RECHECK_MARGIN:g} log-odds. To choose a margin for this export, "
                              f"call check_runtimes_again(validation texts) before saving.",
                              stacklevel=4)
        return kept

    @classmethod
    def load(cls, path: str | Path, runtime: str = "default",
             recheck_margin: float | None = None) -> "TextClassifier":
        """Load a saved model directory. Nothing in it is executed.

        `runtime="onnx"` predicts with the int8 ONNX export that the encoder rungs save (faster
        on a CPU). Texts whose int8 decision lies within `recheck_margin` (log-odds) of
        another are re-checked with the default runtime's outputs (its float32 export where
        the model has one, `recheck.py`); 0 turns that off, and
        None takes the margin chosen on validation when the model was saved (or
        `RECHECK_MARGIN` for a model saved without one)."""
        if recheck_margin is not None:
            check_margin(recheck_margin)
        path = resolve_model_dir(path)
        config = read_config(path)
        checks = config.get("runtimes", {})
        if recheck_margin is None and runtime != "default":
            recheck_margin = _recorded_margin(checks, runtime, path)
        family_config = config["family"]
        family_cls = get_family(family_config["name"])
        if family_config.get("version", 1) > family_cls.version:
            raise TextladderError(
                f"model '{path}' uses {family_cls.name} version {family_config['version']}, newer "
                f"than this textladder's {family_cls.version}; upgrade textladder."
            )
        task = task_from_config(config["task"])
        detection = config["detection"]
        clf = cls(model=family_config["name"], task=task.name, metric=task.metric,
                  model_params=family_config.get("settings"), seed=config.get("seed", 0))
        clf.detection_ = Detection(detection["task"], detection["reason"],
                                   detection.get("delimiter"))
        clf.label_map_ = config.get("label_map")
        clf.task_ = task
        exact_config = copy.deepcopy(family_config)  # for the re-checking family, untouched
        clf.family_, clf.recheck_ = family_cls.load(Path(path), family_config, task), None
        if runtime != "default":
            clf.family_.use_runtime(runtime)
            if recheck_margin > 0:
                where = Path(path).resolve()  # loaded later: the working directory may change

                def load_exact():
                    family = family_cls.load(where, exact_config, task)
                    family.use_float_export()  # the same outputs up to rounding, where it can
                    return family

                clf.recheck_ = Recheck(task, load_exact, recheck_margin)
        clf.valid_metrics_ = config.get("metrics", {}).get("valid", {})
        clf.runtime_checks_ = checks if isinstance(checks, dict) else {}
        clf.config_ = config
        return clf


def _exact_outputs(directory: Path, texts: list[str],
                   exact: np.ndarray) -> tuple[np.ndarray, float | None]:
    """The outputs a re-check gives `texts`, and the seconds they took: the float32 export's
    where the model saved in `directory` has one (`use_float_export`), else the default
    runtime's, which are `exact` (and not timed here: None)."""
    import time

    clf = TextClassifier.load(directory)
    if not clf.family_.use_float_export():
        return exact, None
    start = time.perf_counter()
    outputs = clf.predict_output(texts)
    return outputs, time.perf_counter() - start


def estimate_seconds(check: dict[str, Any], seconds: float, refine_seconds: float | None) -> float:
    """A fast runtime's time over the validation texts with its re-check: its own pass, and
    the re-checking one's over the share it re-checks (`refine_seconds` for all of them)."""
    return seconds + check["rechecked"] * (refine_seconds or 0.0)


def fastest_export(measured: dict[str, tuple[dict[str, Any], float]],
                   refine_seconds: float | None) -> str:
    """Of the options `measured` ({option: (margin check, seconds)}), the fastest with its
    re-check among those whose check reached its target (all of them if none did); the first
    listed where estimates tie."""
    reached = [o for o, (check, _) in measured.items() if check["agreement"] >= check["target"]]
    return min(reached or list(measured),
               key=lambda o: estimate_seconds(*measured[o], refine_seconds))


@contextlib.contextmanager
def scratch_cache():
    """Embedding caches in a fresh folder, removed after (`TEXTLADDER_CACHE_DIR`)."""
    import os
    import shutil
    import tempfile

    saved = os.environ.get("TEXTLADDER_CACHE_DIR")
    folder = tempfile.mkdtemp(prefix="textladder-check-")
    os.environ["TEXTLADDER_CACHE_DIR"] = folder
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TEXTLADDER_CACHE_DIR", None)
        else:
            os.environ["TEXTLADDER_CACHE_DIR"] = saved
        shutil.rmtree(folder, ignore_errors=True)


def files_digest(paths: list[Path]) -> str | None:
    """One SHA-256 over the files' contents, in order; None if there are none or one is
    missing."""
    if not paths or not all(Path(p).is_file() for p in paths):
        return None
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _recorded_margin(checks: Any, runtime: str, path) -> float:
    """The re-check margin config.json records for `runtime` (`_check_runtimes`), checked;
    `RECHECK_MARGIN` for a model saved without one."""
    if checks is None or (isinstance(checks, dict) and runtime not in checks):
        return RECHECK_MARGIN
    check = checks.get(runtime) if isinstance(checks, dict) else checks
    margin = check.get("recheck_margin") if isinstance(check, dict) else check
    if isinstance(check, dict):
        try:
            return check_margin(margin)
        except TextladderError:
            pass
    raise TextladderError(f"the config.json of '{path}' records no valid re-check margin for "
                          f"the {runtime} runtime ({margin!r}); give --recheck-margin, or train "
                          f"the model again.")


def _check_label_space(task, prepared: list) -> None:
    if task.name == "regression":
        if task.high_ == task.low_:
            raise TextladderError(f"every label is {task.low_:g}; a regression needs varied scores.")
        return
    if len(task.labels) < 2:
        only = task.labels[0] if task.labels else "none"
        raise TextladderError(
            f"the training labels hold a single class ('{only}'); a classifier needs at least "
            f"two: add examples of other classes."
        )
