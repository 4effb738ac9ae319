"""Columns beside the text as numbers: the side matrix every rung reads (float32, rows x outputs).

`SideEncoder.fit` learns, on the training rows only, with scikit-learn's `ColumnTransformer`:

- numeric columns: `SimpleImputer(strategy="median")` then `StandardScaler`, then clipped to
  +-`CLIP` standard deviations (claff's ages run to 233: 18 standard deviations, which would
  weigh more than every other column of the row together), and, where training cells were
  missing, a 0/1 "missing" flag beside it (`MissingIndicator`, what
  `SimpleImputer(add_indicator=True)` adds; left unscaled: a rare flag scaled to unit variance
  would be a huge input);
- category columns: missing cells as their own value, then `OneHotEncoder` with
  `handle_unknown="infrequent_if_exist"`: values seen fewer than `MIN_FREQUENCY` times (and
  those past the `MAX_CATEGORIES` most frequent) share one "other" column, and so do values
  never seen in training (where training had no rare values, an unseen value sets no column);
- boolean columns: 0/1 (the value that spells "true" is 1), missing cells imputed with the
  most frequent value and flagged (`SimpleImputer(add_indicator=True)`); other values at
  prediction are read as missing.

What the transformer learned (medians, means, scales, categories, which columns are flagged) is
kept as plain data (`state_`), and `transform` computes the matrix from it, at training and after
loading alike: the model directory holds it as JSON (`side_features.json`), and loading runs no
code. tests/test_side_encoder.py checks that this equals the fitted transformer's own output.

Text columns (`title:text`) are not in the matrix: `join_texts` joins them to the row's text
("title | text"), so that every rung reads them with its own representation of text (n-grams,
embeddings, tokens) and no family needs a second text input. The title comes first, as in a
document, so that a rung that truncates long texts still reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textladder.data.features import TRUE_WORDS, FeatureColumn, _numbers, is_absent, truth_pair
from textladder.data.labels import label_key
from textladder.errors import TextladderError

CLIP = 5.0  # standardised numbers beyond this many standard deviations are cut to it
MIN_FREQUENCY = 5  # category values seen fewer times in training share the "other" column
MAX_CATEGORIES = 50  # columns per category feature at most, "other" included
MISSING = "(missing)"  # the value a missing category cell takes
OTHER = "other"
JOIN = " | "  # between a text feature and the text
FILE = "side_features.json"
FORMAT = 1


def _category_values(series: pd.Series) -> np.ndarray:
    return np.array([MISSING if is_absent(v) else label_key(v) for v in series.tolist()],
                    dtype=object)


def _boolean_values(series: pd.Series, true_words: set[str]) -> np.ndarray:
    """1.0 for a truth value's true spelling, 0.0 for its false one, NaN otherwise."""
    out = np.full(len(series), np.nan)
    for i, value in enumerate(series.tolist()):
        if isinstance(value, (bool, np.bool_)):
            out[i] = float(value)
        elif not is_absent(value):
            word = str(value).strip().lower()
            out[i] = 1.0 if word in true_words else 0.0 if word in _pair(true_words) else np.nan
    return out


def _pair(true_words: set[str]) -> set[str]:
    return {{"true": "false", "yes": "no", "y": "n", "t": "f", "1": "0", "1.0": "0.0"}[w]
            for w in true_words}


class SideEncoder:
    """Fit on the training rows' feature columns; encode any rows; save and load as JSON."""

    def __init__(self, columns: list[FeatureColumn]):
        self.columns = list(columns)

    @property
    def side_columns(self) -> list[FeatureColumn]:
        return [c for c in self.columns if c.kind != "text"]

    @property
    def text_columns(self) -> list[FeatureColumn]:
        return [c for c in self.columns if c.kind == "text"]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    # ----- fitting ------------------------------------------------------------------------
    def _inputs(self, frame: pd.DataFrame, fitting: bool) -> pd.DataFrame:
        """The side columns as the transformer reads them: floats for numbers and truth
        values (NaN when missing), strings for categories."""
        data = {}
        for column in self.side_columns:
            series = frame[column.name].reset_index(drop=True)
            if column.kind == "numeric":
                data[column.name] = _numbers(series.tolist())
            elif column.kind == "boolean":
                if fitting:
                    self.true_words_[column.name] = sorted(_true_words(series))
                data[column.name] = _boolean_values(series, set(self.true_words_[column.name]))
            else:
                data[column.name] = _category_values(series)
        return pd.DataFrame(data)

    def _transformer(self):
        from sklearn.compose import ColumnTransformer
        from sklearn.impute import MissingIndicator, SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

        parts = []  # named by position: a part's name cannot be any column's name
        for i, column in enumerate(self.side_columns):
            name = column.name
            if column.kind == "numeric":
                clip = FunctionTransformer(np.clip, kw_args={"a_min": -CLIP, "a_max": CLIP})
                parts.append((f"c{i}", make_pipeline(SimpleImputer(strategy="median"),
                                                     StandardScaler(), clip), [name]))
                parts.append((f"c{i}_missing", MissingIndicator(features="missing-only"),
                              [name]))
            elif column.kind == "boolean":
                parts.append((f"c{i}", SimpleImputer(strategy="most_frequent",
                                                     add_indicator=True), [name]))
            else:
                parts.append((f"c{i}", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                                     min_frequency=MIN_FREQUENCY,
                                                     max_categories=MAX_CATEGORIES,
                                                     sparse_output=False), [name]))
        return ColumnTransformer(parts, sparse_threshold=0)

    def fit(self, frame: pd.DataFrame) -> "SideEncoder":
        """Learn from the training rows; returns self (the fitted transformer is `fitted_`,
        for tests to compare with: it is not saved)."""
        import warnings

        self.true_words_: dict[str, list[str]] = {}
        self.state_: dict[str, dict[str, Any]] = {}
        if not self.side_columns:
            self.fitted_ = None
            return self
        inputs = self._inputs(frame, fitting=True)
        transformer = self._transformer()
        with warnings.catch_warnings():  # a column without variance is scaled by 1, as said
            warnings.simplefilter("ignore", RuntimeWarning)
            transformer.fit(inputs)
        self.fitted_ = transformer
        steps = transformer.named_transformers_
        for i, column in enumerate(self.side_columns):
            self.state_[column.name] = _state(column, steps[f"c{i}"], steps.get(f"c{i}_missing"),
                                              self.true_words_.get(column.name))
        return self

    # ----- encoding -----------------------------------------------------------------------
    def transform(self, frame: pd.DataFrame) -> np.ndarray | None:
        """The side matrix of `frame`'s rows (float32), or None when every feature is text."""
        if not self.side_columns:
            return None
        inputs = self._inputs(frame, fitting=False)
        blocks = [_apply(self.state_[c.name], inputs[c.name].to_numpy())
                  for c in self.side_columns]
        return np.column_stack(blocks).astype(np.float32) if blocks else None

    def join_texts(self, texts: list[str], frame: pd.DataFrame) -> list[str]:
        """Each text with the row's text features before it (`JOIN`); texts alone without."""
        if not self.text_columns:
            return list(texts)
        extras = [frame[c.name].tolist() for c in self.text_columns]
        joined = []
        for i, text in enumerate(texts):
            parts = [str(e[i]).strip() for e in extras if not is_absent(e[i])]
            joined.append(JOIN.join([*parts, text]))
        return joined

    @property
    def n_outputs(self) -> int:
        return sum(len(self.state_[c.name]["outputs"]) for c in self.side_columns)

    def output_names(self) -> list[str]:
        """One name per column of the side matrix ("age", "age missing", "country=USA" ...)."""
        return [name for c in self.side_columns for name in self.state_[c.name]["outputs"]]

    # ----- saving ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "columns": [c.as_dict() for c in self.columns],
                "state": self.state_}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> "SideEncoder":
        if record.get("format", 1) > FORMAT:
            raise TextladderError("the side features of this model were saved by a newer "
                                  "textladder; upgrade it.")
        encoder = cls([FeatureColumn.from_dict(c) for c in record["columns"]])
        encoder.state_ = record["state"]
        encoder.true_words_ = {name: state["true"] for name, state in encoder.state_.items()
                               if state["kind"] == "boolean"}
        encoder.fitted_ = None
        return encoder

    def save(self, directory: Path) -> None:
        with open(Path(directory) / FILE, "w", encoding="utf-8") as handle:
            json.dump(self.to_dict(), handle, ensure_ascii=False, indent=1)

    @classmethod
    def load(cls, directory: Path) -> "SideEncoder":
        with open(Path(directory) / FILE, encoding="utf-8") as handle:
            return cls.from_dict(json.load(handle))


def unit_rows_scale(side: np.ndarray | None) -> float:
    """1 / the mean length of the side matrix's rows (1 without side columns): what makes them
    of length about 1, as a rung that scales them (tfidf, fasttext) asks."""
    if side is None or not len(side):
        return 1.0
    length = float(np.mean(np.linalg.norm(side, axis=1)))
    return 1.0 / length if length > 0 else 1.0


def _true_words(series: pd.Series) -> set[str]:
    values = [v for v in series.tolist() if not is_absent(v)]
    pair = truth_pair(values)
    if pair is None:
        shown = ", ".join(sorted({str(v).strip() for v in values})[:4])
        raise TextladderError(f"boolean column '{series.name}' holds {shown} in the training "
                              f"rows, not two truth values; read it as a category.")
    return pair & TRUE_WORDS


def _state(column: FeatureColumn, step, flags, true_words: list[str] | None) -> dict[str, Any]:
    """What the fitted parts of the transformer for one column learned, as plain data."""
    name = column.name
    if column.kind == "numeric":
        imputer, scaler = step.named_steps["simpleimputer"], step.named_steps["standardscaler"]
        flagged = len(flags.features_) > 0
        return {"kind": "numeric", "median": float(imputer.statistics_[0]), "flag": flagged,
                "mean": float(scaler.mean_[0]), "scale": float(scaler.scale_[0]), "clip": CLIP,
                "outputs": [name] + ([f"{name} missing"] if flagged else [])}
    if column.kind == "boolean":
        flagged = step.indicator_ is not None and len(step.indicator_.features_) > 0
        return {"kind": "boolean", "fill": float(step.statistics_[0]), "flag": flagged,
                "true": list(true_words or []),
                "outputs": [name] + ([f"{name} missing"] if flagged else [])}
    infrequent = step.infrequent_categories_[0]
    rare = set() if infrequent is None else {str(v) for v in infrequent}
    kept = [str(v) for v in step.categories_[0] if str(v) not in rare]
    other = infrequent is not None
    return {"kind": "category", "categories": kept, "other": other,
            "outputs": [f"{name}={v}" for v in kept] + ([f"{name}={OTHER}"] if other else [])}


def _apply(state: dict[str, Any], values: np.ndarray) -> np.ndarray:
    """One column's block of the side matrix, from its state."""
    if state["kind"] == "category":
        index = {v: i for i, v in enumerate(state["categories"])}
        width = len(index) + (1 if state["other"] else 0)
        block = np.zeros((len(values), width))
        for row, value in enumerate(values):
            column = index.get(value)
            if column is not None:
                block[row, column] = 1.0
            elif state["other"]:
                block[row, -1] = 1.0
        return block
    missing = np.isnan(values.astype(float))
    if state["kind"] == "numeric":
        filled = np.where(missing, state["median"], values.astype(float))
        clip = state.get("clip", np.inf)
        block = [np.clip((filled - state["mean"]) / state["scale"], -clip, clip)]
    else:
        block = [np.where(missing, state["fill"], values.astype(float))]
    if state["flag"]:
        block.append(missing.astype(float))
    return np.column_stack(block)
