"""`TextClassifier`: the Python face of textladder, a scikit-learn estimator.

    clf = TextClassifier(model="tfidf").fit(texts, labels)
    clf.predict(["what a lovely day"])        # a list with one label per text
    clf.predict("what a lovely day")          # one text (a str) gives one label
    clf.predict_proba(["great", "awful"])     # (2, n_classes), columns in `classes_` order
    clf.score(texts, labels)                  # the primary metric, greater is better
    clf.save("model/"); TextClassifier.load("model/")

    clf = TextClassifier(features=["age", "country"]).fit(frame, labels)  # columns beside text
    clf.predict(frame)                        # a DataFrame with the text column and them

`fit` detects the task from the labels (or takes `task=`), holds out a validation set when none is
given, settles what to do about class imbalance (`imbalance=`, `textladder.imbalance`: applied to
the training rows only), fits the model family, with `calibrate=True` fits a temperature to its
validation probabilities (`calibration.py`; every output passes through it), tunes the task's
decision thresholds on validation and keeps the validation metrics. `__init__` only stores its
arguments, so `get_params`, `set_params`, `clone`, `Pipeline`, `GridSearchCV` and
`cross_val_score` work as with any scikit-learn estimator (see the class docstring for what the
tags say per task). Reading files and printing belong to the workflows and the command line, not
here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import ClassifierTags, RegressorTags

from textladder.calibration import Temperature, applies_to
from textladder.data.features import FeatureColumn, parse_features, resolve_features
from textladder.data.inputs import Inputs, label_list, read_inputs
from textladder.data.labels import is_missing, label_key, parse_label_map, parse_order
from textladder.data.side_encoder import FILE as SIDE_FILE, SideEncoder
from textladder.data.split import split_holdout, validation_fraction
from textladder.errors import TextladderError
from textladder.words import agree, count
from textladder.families import available_families, get_family
from textladder.families.base import side_arguments
from textladder.imbalance import Imbalance, plan_imbalance
from textladder.imbalance.plan import retired_class_weight
from textladder.model_dir import read_config, resolve_model_dir, save_model_dir
from textladder.model_files import reading_model
from textladder.progress import Progress
from textladder.tasks import Detection, make_task, prepare_labels, resolve_task, task_from_config
from textladder.tasks.base import LOWER_IS_BETTER, scalar_metrics


class NotFitted(TextladderError, NotFittedError):
    """Used before `fit` or `load`: a one-line error, and scikit-learn's `NotFittedError` (so
    `hasattr(clf, "classes_")` is False on an unfitted classifier)."""


class TextClassifier(BaseEstimator):
    """Detects the task, fits a model family, decides with tuned thresholds, saves safely.

    A scikit-learn estimator. `X` is a list (or array, or Series) of texts and `y` a list of
    labels of any task type: classes, 1-5 levels, label sets (tuples, lists or "a|b" strings),
    scores. `predict(X)` returns a list with one label per text (a tuple of labels for a
    multi-label task, a float for a regression); `predict("one text")`, a single str, returns
    that text's label itself, not a list of one (scikit-learn never passes a bare str).

    `positive` names the positive class of a binary task (refused for other tasks); by default
    it is chosen from the labels with a stated reason (`tasks/positive.py`, `task_.positive_reason_`).

    `features` names columns read beside the text (`"age,country:category"`, a list of such
    names, or a dict of name -> kind or None; kinds: numeric, category, boolean, text, else read
    from the data, `data/features.py`). X is then a DataFrame with the text column
    (`text_column`, else the one that is not a feature, else the one of free-form text) and
    those columns, at fit and at predict alike; the columns are encoded on the training rows
    (`data/side_encoder.py`, `side_encoder_`) and handed to the model family, which must read
    them (`ModelFamily.takes_side`).
    `imbalance` says what to do about skewed classes, on the training rows only: "none",
    "weights" (balanced class weights, or `class_weight={"grief": 10, ...}`; per-label positive
    weights for label sets), "oversample" / "undersample" (random, to `sampling_ratio`; label-aware
    oversampling for label sets), "smote" (on vector features: tfidf, wordvec, minilm), "focal"
    (focal loss, the torch rungs) or "auto" (chosen from the imbalance ratio, with the reason in
    `imbalance_.reason`). What was done is in `imbalance_` (saved with the model).

    Learned state ends in `_` (`task_`, `family_`, `classes_`, `valid_metrics_`, ...).
    `classes_` lists the classes, levels or labels that `predict_proba`'s columns stand for. For
    a binary task it is `[negative, positive]`: the positive class (chosen by
    `tasks.positive.choose_positive`, or `positive=`) is column 1, whatever the sorted order;
    scikit-learn scorers that take the last sorted label as positive (roc_auc) do not know that,
    so prefer `score` or pass `pos_label=clf.classes_[1]`.

    Tags follow the task parameter: `task="regression"` (or a `label_map`) is a regressor;
    `task="multilabel"` is neither classifier nor regressor, because scikit-learn's classifier
    tools (stratified folds, label encoding) take one label per row and refuse label sets, so
    cross-validation then uses plain k-fold; anything else, `"auto"` included, is a classifier
    (stratified folds for binary, multi-class and ordinal labels). With label sets, or with
    integer scores for a regression, name the task rather than "auto" before handing the
    classifier to a cross-validation. ClassifierMixin is not inherited: its tags and its
    accuracy `score` would be wrong for regression and multi-label tasks.
    """

    def __init__(
        self,
        model: str = "tfidf",
        task: str = "auto",
        metric: str | None = None,
        order: str | Sequence[str] | None = None,
        label_map: str | dict[str, float] | None = None,
        model_params: dict[str, Any] | None = None,
        valid_size: float | None = None,
        seed: int = 0,
        positive: Any = None,
        calibrate: bool = False,
        features: str | Sequence[str] | dict[str, str | None] | None = None,
        text_column: str | None = None,
        imbalance: str = "auto",
        class_weight: str | dict[str, float] | None = None,
        sampling_ratio: float | None = None,
    ):
        self.model = model
        self.task = task
        self.metric = metric
        self.order = order
        self.label_map = label_map
        self.model_params = model_params
        self.valid_size = valid_size
        self.seed = seed
        self.positive = positive
        self.calibrate = calibrate
        self.features = features
        self.text_column = text_column
        self.imbalance = imbalance
        self.class_weight = class_weight
        self.sampling_ratio = sampling_ratio

    # ----- the scikit-learn contract ------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array, tags.input_tags.two_d_array = True, False
        tags.input_tags.string = True
        if self.features:  # X is a table: the text and columns of any kind, cells may be missing
            tags.input_tags.one_d_array, tags.input_tags.two_d_array = False, True
            tags.input_tags.categorical = tags.input_tags.allow_nan = True
        tags.target_tags.required = True
        tags.target_tags.one_d_labels = True
        if self.task == "regression" or self.label_map is not None:
            tags.estimator_type, tags.regressor_tags = "regressor", RegressorTags()
        elif self.task != "multilabel":  # see the class docstring
            tags.estimator_type, tags.classifier_tags = "classifier", ClassifierTags()
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "family_")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's parameters; with `deep`, also `model_params__NAME` per setting."""
        params = super().get_params(deep)
        if deep and isinstance(self.model_params, dict):
            params.update({f"model_params__{k}": v for k, v in self.model_params.items()})
        return params

    def set_params(self, **params: Any) -> "TextClassifier":
        """Set parameters; `model_params__NAME=value` sets one model setting (in a new dict:
        the one given before is not changed), so a grid can search `model_params__C`."""
        nested = {key.split("__", 1)[1]: params.pop(key) for key in list(params)
                  if key.startswith("model_params__")}
        super().set_params(**params)
        if nested:
            self.model_params = {**(self.model_params or {}), **nested}
        return self

    def score(self, X: Sequence[str], y: Sequence) -> float:
        """The task's primary metric (`metric`, else the task's default) on texts `X` and labels
        `y`, with the tuned decision rule, oriented so that greater is better: f1, macro_f1,
        qwk, r2 as they are; rmse, mae and hamming_loss negated (-rmse, as scikit-learn's
        'neg_root_mean_squared_error'). What `GridSearchCV` and `cross_val_score` use when
        given no `scoring`."""
        self._check_fitted()
        inputs = self._inputs(X)
        targets = self.encode_labels(label_list(y, len(inputs), "score"), "the data to score")
        value = self.task_.score(targets, self.predict_output(inputs))
        return -value if self.task_.primary_metric in LOWER_IS_BETTER else value

    @property
    def classes_(self) -> np.ndarray:
        """The labels that `predict_proba`'s columns stand for (see the class docstring)."""
        self._check_fitted()
        if not self.task_.labels:
            raise AttributeError("a regression predicts values and has no classes_.")
        return np.asarray(self.task_.labels)

    # ----- fitting ------------------------------------------------------------------------------
    def resolve_labels(self, labels: Sequence) -> tuple[Detection, list]:
        """The task these raw labels describe under this classifier's options, and the labels
        in that task's form. `fit` starts with this; callers use it to split data by task."""
        detection, prepared, _, _ = self._resolve(labels)
        return detection, prepared

    def _resolve(self, labels: Sequence) -> tuple[Detection, list, list | None, dict | None]:
        order, label_map = self._label_options()
        detection = resolve_task(list(labels), self.task, order, label_map)
        order = list(detection.order) if detection.order is not None else order  # named levels
        return detection, prepare_labels(list(labels), detection, label_map), order, label_map

    def _label_options(self) -> tuple[list[str] | None, dict[str, float] | None]:
        order = parse_order(self.order) if self.order is not None else None
        label_map = self.label_map
        if isinstance(label_map, str):
            label_map = parse_label_map(label_map)
        return order, label_map

    def fit(
        self,
        texts,
        labels: Sequence,
        valid: tuple | None = None,
        progress: Progress | None = None,
    ) -> "TextClassifier":
        """Fit on texts (X: a DataFrame with `features`) and raw labels; `valid` is (X, labels),
        else split from the data."""
        names = [name for name, _ in parse_features(self.features)]
        inputs = read_inputs(texts, self.text_column, names)
        labels = label_list(labels, len(inputs), "fit")
        if not len(inputs):
            raise TextladderError("fit got no texts; give texts and one label per text.")
        missing = [i for i, label in enumerate(labels)
                   if not isinstance(label, (tuple, list)) and is_missing(label)]
        if missing:
            raise TextladderError(f"{count(len(missing), 'label')} "
                                  f"{agree(len(missing), 'is', 'are')} missing (first at position "
                                  f"{missing[0]}); drop those rows or give them labels.")
        if all(is_missing(text) for text in inputs.texts):
            raise TextladderError("every text given to fit is empty; give the texts to learn "
                                  "from.")
        columns = self._feature_columns(inputs, labels, names)
        self.detection_, prepared, order, self.label_map_ = self._resolve(labels)
        task = make_task(self.detection_.task, self.metric, order, self.positive).fit(prepared)
        check_label_space(task, prepared)
        if self.calibrate and not applies_to(task.name):
            raise TextladderError(f"calibrate applies to probabilities; a {task.name} task "
                                  f"predicts values. Leave --calibrate out.")
        targets = task.encode(prepared, "the training data")
        if valid is None:
            size = validation_fraction(len(prepared), self.valid_size)
            kept, held = split_holdout(prepared, task.name, size, self.seed,
                                      texts=inputs.texts)
            valid_inputs, valid_targets = inputs.take(held), targets[held]
            inputs, targets = inputs.take(kept), targets[kept]
        else:
            if not (isinstance(valid, (tuple, list)) and len(valid) == 2):
                raise TextladderError("valid is (texts, labels): a pair; got "
                                      f"{type(valid).__name__}.")
            valid_inputs = read_inputs(valid[0], inputs.text_column, names)
            valid_labels = label_list(valid[1], len(valid_inputs), "valid")
            valid_targets = task.encode(self._prepare(valid_labels), "the validation data")
        self.text_column_ = inputs.text_column
        self.side_encoder_ = (SideEncoder(columns).fit(inputs.frame) if columns else None)
        texts, side = self._encode(inputs)
        valid_texts, valid_side = self._encode(valid_inputs)
        family = get_family(self.model)(**(self.model_params or {}))
        self.imbalance_ = self.plan_imbalance(task, targets)
        valid_part = (valid_texts, valid_targets) + (() if side is None else (valid_side,))
        family.balance(self.imbalance_).fit(texts, targets, task, valid_part, seed=self.seed,
                                            progress=progress, **side_arguments(side))
        valid_output = family.validation_output()  # an ensemble's: cross-fitted
        if valid_output is None:
            valid_output = family.predict_output(valid_texts, **side_arguments(valid_side))
        valid_output = task.check_output(valid_output)
        # temperature scaling fitted on validation, then the thresholds tuned on its outputs
        self.calibration_ = (Temperature.fit(task.name, valid_targets, valid_output)
                             if self.calibrate else None)
        valid_output = self.calibration_(valid_output) if self.calibration_ else valid_output
        task.tune(valid_targets, valid_output)
        self.task_, self.family_ = task, family
        self.n_train_, self.n_valid_ = len(texts), len(valid_texts)
        self.valid_output_ = valid_output  # what the validation metrics were measured on
        self.valid_metrics_ = task.evaluate(valid_targets, valid_output)
        self.__dict__.pop("config_", None)  # a loaded model fitted again: its config is gone
        return self

    def _feature_columns(self, inputs: Inputs, labels: list,
                         names: list[str]) -> list[FeatureColumn]:
        """The feature columns with their kinds, read from the rows given to `fit`; refused
        for a model family that does not read side columns, and where a column is the text
        column or holds the labels themselves (a model would read the answer from it)."""
        if not self.features:
            return []
        if inputs.text_column in names:
            raise TextladderError(f"'{inputs.text_column}' is the text column; the features are "
                                  f"other columns read beside it. Leave it out of features.")
        keys = [label_key(label) for label in labels]
        for name in names:
            if [label_key(v) for v in inputs.frame[name]] == keys:
                raise TextladderError(f"feature column '{name}' holds the labels themselves: a "
                                      f"model would read the answer from it. Leave it out of "
                                      f"features.")
        columns = resolve_features(inputs.frame, self.features, inputs.text_column,
                                   source="X")
        check_side_support(self.model, columns)
        return columns

    def _encode(self, inputs: Inputs) -> tuple[list[str], np.ndarray | None]:
        """The texts a family reads (text features joined to them) and the side matrix."""
        encoder = getattr(self, "side_encoder_", None)
        if encoder is None:
            return inputs.texts, None
        return encoder.join_texts(inputs.texts, inputs.frame), encoder.transform(inputs.frame)

    def family_inputs(self, X) -> tuple[list[str], np.ndarray | None]:
        """What the fitted family reads for X: the texts (text features joined to them) and
        the side matrix of the feature columns (None without)."""
        self._check_fitted()
        return self._encode(self._inputs(X))

    def feature_names(self) -> list[str]:
        """The columns read beside the text (none without features)."""
        encoder = getattr(self, "side_encoder_", None)
        if encoder is not None:
            return encoder.names
        return [name for name, _ in parse_features(self.features)]

    def _inputs(self, X) -> Inputs:
        return read_inputs(X, getattr(self, "text_column_", None) or self.text_column,
                           self.feature_names())
    def plan_imbalance(self, task, targets: np.ndarray) -> Imbalance:
        """What this classifier's imbalance options do for `task` on these training targets
        (refused in one line where they do not apply)."""
        return plan_imbalance(self.imbalance, self.class_weight, self.sampling_ratio, task,
                              targets, get_family(self.model))

    def _prepare(self, labels: list) -> list:
        return prepare_labels(labels, self.detection_, self.label_map_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "family_"):
            raise NotFitted("this TextClassifier is not fitted; call fit() or load() first.")

    # ----- predicting ---------------------------------------------------------------------------
    @property
    def labels_(self) -> list:
        """The classes (or labels) that probability columns stand for."""
        self._check_fitted()
        return self.task_.labels

    def predict_output(self, texts) -> np.ndarray:
        """Raw model outputs in the task's shape (probabilities, or values for regression)."""
        self._check_fitted()
        inputs = texts if isinstance(texts, Inputs) else self._inputs(texts)
        if not inputs.texts:  # families need not handle it: some (scikit-learn) refuse no rows
            return self.task_.empty_output()
        batch, side = self._encode(inputs)
        output = self.task_.check_output(self.family_.predict_output(batch,
                                                                     **side_arguments(side)))
        calibration = getattr(self, "calibration_", None)
        return calibration(output) if calibration is not None else output

    def predict_proba(self, texts) -> np.ndarray:
        """Class (or label) probabilities, one column per entry of `labels_`."""
        self._check_fitted()
        if self.task_.name == "regression":
            raise TextladderError("a regression predicts values, not probabilities; use predict().")
        inputs = self._inputs(texts)
        output = self.predict_output(inputs)
        return output[0] if inputs.single else output

    def predict(self, texts):
        """A list with one label per text (a tuple of labels for a multi-label task, a float for
        a regression), in the types training saw; a single str gives its label, not a list."""
        self._check_fitted()
        inputs = self._inputs(texts)
        decided = self.task_.decide(self.predict_output(inputs))
        labels = self.task_.decode(decided)
        return labels[0] if inputs.single else labels

    def evaluate(self, texts, labels: Sequence, source: str = "the data") -> dict:
        """All metrics of the task on labelled texts (a DataFrame with `features`)."""
        self._check_fitted()
        inputs = self._inputs(texts)
        labels = label_list(labels, len(inputs), "evaluate")
        targets = self.task_.encode(self._prepare(labels), source)
        return self.task_.evaluate(targets, self.predict_output(inputs))

    def unseen_rows(self, labels: Sequence) -> tuple[list[int], list[str]]:
        """Positions of the raw `labels` that hold a label training never saw (for label sets,
        any of theirs), and those labels, sorted; none for a regression."""
        self._check_fitted()
        return self.task_.unseen(self._prepare(list(labels)))

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
            "imbalance": self.imbalance_.to_config(),
            "metrics": {"valid": scalar_metrics(self.valid_metrics_)},
            "seed": self.seed,
            **({"calibration": self.calibration_.to_config()}
               if getattr(self, "calibration_", None) else {}),
            **self._features_config(),
        }

    def _features_config(self) -> dict[str, Any]:
        """What config.json records of the feature columns: their names beside the text column
        (`columns`, which the server reads), and each one's kind, evidence and the names of its
        side-matrix columns (`features`); the encoders' state is in `side_encoder.FILE`."""
        encoder = getattr(self, "side_encoder_", None)
        if encoder is None:
            return {}
        return {"columns": {"text": self.text_column_, "features": encoder.names},
                "features": {"columns": [c.as_dict() for c in encoder.columns],
                             "outputs": encoder.output_names() if encoder.side_columns else [],
                             "file": SIDE_FILE}}

    def save(self, path: str | Path, extra: dict[str, Any] | None = None,
             artifacts: dict[str, bytes] | None = None) -> Path:
        """Save atomically to the directory `path`: the family's weights, the feature columns'
        encoders and `config.json`; `extra` adds config entries (e.g. columns), `artifacts`
        files ({relative path: bytes}, e.g. `evaluation.record`'s) beside the model."""
        config = {**self.to_config(), **(extra or {})}
        encoder = getattr(self, "side_encoder_", None)

        def write_files(directory: Path) -> None:
            self.family_.save(directory)
            if encoder is not None:
                encoder.save(directory)
            for name, content in (artifacts or {}).items():
                (directory / name).parent.mkdir(parents=True, exist_ok=True)
                (directory / name).write_bytes(content)

        return save_model_dir(path, config, write_files)

    @classmethod
    def load(cls, path: str | Path) -> "TextClassifier":
        """Load a saved model directory (or a run directory's best model). Nothing in it is
        executed."""
        path = resolve_model_dir(path)
        config = read_config(path)
        family_config, imbalance = retired_class_weight(config["family"], config.get("imbalance"))
        family_cls = get_family(family_config["name"])
        if family_config.get("version", 1) > family_cls.version:
            raise TextladderError(
                f"model '{path}' uses {family_cls.name} version {family_config['version']}, newer "
                f"than this textladder's {family_cls.version}; upgrade textladder."
            )
        task = task_from_config(config["task"])
        detection = config["detection"]
        calibration = Temperature.from_config(task.name, config.get("calibration"))
        encoder = None
        if config.get("features"):
            with reading_model(path):
                encoder = SideEncoder.load(Path(path))
        clf = cls(model=family_config["name"], task=task.name, metric=task.metric,
                  order=getattr(task, "order", None), label_map=config.get("label_map"),
                  model_params=family_config.get("settings"), seed=config.get("seed", 0),
                  positive=getattr(task, "positive", None), calibrate=calibration is not None,
                  features=None if encoder is None else [f"{c.name}:{c.kind}"
                                                         for c in encoder.columns],
                  text_column=config.get("columns", {}).get("text") if encoder else None,
                  imbalance=imbalance["strategy"], class_weight=imbalance.get("class_weight"),
                  sampling_ratio=imbalance.get("sampling_ratio"))
        clf.side_encoder_ = encoder
        clf.text_column_ = clf.text_column
        clf.detection_ = Detection(detection["task"], detection["reason"],
                                   detection.get("delimiter"))
        clf.label_map_ = config.get("label_map")
        clf.task_, clf.calibration_ = task, calibration
        clf.imbalance_ = Imbalance.from_config(imbalance, task)
        with reading_model(path):  # a damaged weights file: one line naming it
            clf.family_ = family_cls.load(Path(path), family_config, task)
        clf.valid_metrics_ = config.get("metrics", {}).get("valid", {})
        clf.config_ = config
        return clf


def check_side_support(model: str, columns: list[FeatureColumn]) -> None:
    """Refuse, in one line, columns beside the text for a model family that does not read
    them (text features, joined to the text, suit every family)."""
    if not any(c.kind != "text" for c in columns) or get_family(model).takes_side:
        return
    able = [name for name in available_families() if get_family(name).takes_side]
    raise TextladderError(f"model '{model}' does not read columns beside the text; drop the "
                          f"features, or choose a model that does ({', '.join(able) or 'none'}).")


def check_label_space(task, prepared: list) -> None:
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
    if task.name == "multilabel" and len({frozenset(map(str, p)) for p in prepared}) < 2:
        same = ", ".join(map(str, task.labels))
        raise TextladderError(f"every training row carries the same labels ({same}); a "
                              f"classifier needs rows whose labels differ: is this the label "
                              f"column? Name it with --label.")
