"""Ensembles as model families: `soft_vote`, `hard_vote` and `stack` over member rungs.

An ensemble is a family like any other: it fits, predicts, saves, loads and is registered. Its
`members` setting lists the rungs it combines, each a family name (`"tfidf"`), a dict
(`{"family": "fasttext", "settings": {...}, "name": "ft"}`), or a `Member`: a rung fitted
already, which is used as it is (the climb builds ensembles this way, with no refit, and hands
over the members' validation and test outputs so nothing is predicted twice). Members given by
name are fitted on the training data with the validation data, as `TextClassifier` fits a rung,
and their thresholds are tuned on validation.

The combiner (`combiners.py`) is fitted on the members' validation outputs. The outputs the task
then tunes its thresholds on (`validation_output`) are cross-fitted over validation folds, so
that no threshold is tuned on outputs of a combiner fitted on the same rows
(`crossfit.py`); `cross_fitted_score` scores the ensemble the same way, as the climb compares it
with single rungs.

Saved self-contained: each member is a model directory under `members/<name>/` (hard links to
the rung's own directory when it has one, a copy across file systems), and the combiner's state
is JSON in the config. Members predict with their default runtime.

Columns beside the text pass through: the side matrix the ensemble is given (fitted, validated,
predicting) goes to every member, which must read side columns. Members fitted already were
fitted on the same rows with the same columns (the climb's), so their encoders and the
ensemble's are the same; outputs known for them are keyed by the texts and the side matrix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.families.base import ModelFamily, side_arguments, valid_side
from textladder.families.combiners import COMBINERS
from textladder.families.registry import get_family, register
from textladder.progress import Progress
from textladder.tasks.base import Task

MEMBERS = "members"  # the folder of the members' model directories


def texts_digest(texts: Sequence[str], side: np.ndarray | None = None) -> str:
    digest = hashlib.sha256(str(len(texts)).encode())
    for text in texts:
        digest.update(f"{len(text)}:{text}".encode("utf-8", "surrogatepass"))
    if side is not None:
        digest.update(np.ascontiguousarray(side, dtype=np.float32).tobytes())
    return digest.hexdigest()


@dataclass
class Member:
    """A fitted rung inside an ensemble: its family, the task tuned for it (its own decisions),
    its saved model directory if it has one, the temperature its classifier calibrated its
    outputs with (if any: every output of the member passes through it, as through its
    classifier's), and outputs already known for some text lists."""

    name: str
    family: ModelFamily
    task: Task
    path: Path | None = None
    known: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    calibration: Any = None

    @classmethod
    def of(cls, name: str, classifier, path: str | Path | None = None,
           outputs: Sequence[tuple[Any, np.ndarray]] = ()) -> "Member":
        """A member from a fitted `TextClassifier`, with outputs it gave on inputs (text
        lists, or tables of the texts and the feature columns it reads)."""
        member = cls(name, classifier.family_, classifier.task_,
                     Path(path) if path is not None else None,
                     calibration=getattr(classifier, "calibration_", None))
        for inputs, output in outputs:
            member.remember(*classifier.family_inputs(inputs), output=output)
        return member

    def remember(self, texts: Sequence[str], side: np.ndarray | None = None,
                 output: np.ndarray | None = None) -> None:
        self.known[texts_digest(list(texts), side)] = np.asarray(output, dtype=float)

    def predict_output(self, texts: Sequence[str], side: np.ndarray | None = None) -> np.ndarray:
        known = self.known.get(texts_digest(list(texts), side)) if self.known else None
        if known is not None:
            return known
        output = self.family.predict_output(list(texts), **side_arguments(side))
        if self.calibration is not None:
            output = self.calibration(output)
        return self.task.check_output(output)


class EnsembleFamily(ModelFamily):
    """Base class of the three ensembles; `combiner` names the way they combine."""

    combiner: str
    takes_side = True  # passed to the members, which must read them

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        """tf-idf and fastText; without PyTorch, tf-idf on words and tf-idf on characters."""
        members = (["tfidf", "fasttext"] if get_family("fasttext").is_available() else
                   [{"family": "tfidf", "name": "words", "settings": {"char_ngrams": None}},
                    {"family": "tfidf", "name": "chars", "settings": {"word_ngrams": None}}])
        return {"members": members, "folds": 5}

    @classmethod
    def quick_settings(cls) -> dict[str, Any]:
        return {"members": [{"family": "tfidf", "settings": {"C": [1.0]}},
                            {"family": "fasttext", "settings": {"epochs": 2}}]}

    # ----- fitting --------------------------------------------------------------------------
    def fit(self, texts: Sequence[str], targets: np.ndarray, task: Task,
            valid: tuple[Sequence[str], np.ndarray], seed: int = 0,
            progress: Progress | None = None,
            side: np.ndarray | None = None) -> "EnsembleFamily":
        from textladder.crossfit import cross_fitted_outputs, folds

        settings = self.resolved_settings()
        entries = settings["members"]
        if not isinstance(entries, (list, tuple)) or len(entries) < 2:
            raise TextladderError(f"an ensemble needs at least two members; got {entries!r}.")
        k = settings["folds"]
        if not (isinstance(k, int) and k >= 2):
            raise TextladderError(f"folds must be a whole number, 2 or more; got {k!r}.")
        progress = progress or Progress()
        valid_texts, valid_targets = list(valid[0]), np.asarray(valid[1])
        self.members_ = []
        for entry in entries:
            member = self._member(entry, texts, targets, task, valid, seed, progress, side)
            self.members_.append(member)
        _unique_names(self.members_)
        outputs = [m.predict_output(valid_texts, valid_side(valid)) for m in self.members_]
        self.combiner_ = COMBINERS[self.combiner]().fit(outputs, valid_targets, task, seed)
        self.fold_rows_ = folds(task, valid_targets, k, seed)
        self._valid = (outputs, valid_targets)
        self.validation_output_ = cross_fitted_outputs(self._new_combiner, outputs,
                                                       valid_targets, task, self.fold_rows_,
                                                       seed)
        self.chosen_ = self._chosen()
        return self

    def _new_combiner(self):
        return COMBINERS[self.combiner]()

    def _member(self, entry, texts, targets, task, valid, seed, progress, side) -> Member:
        if isinstance(entry, Member):
            return entry
        if isinstance(entry, str):
            entry = {"family": entry}
        if not (isinstance(entry, dict) and isinstance(entry.get("family"), str)):
            raise TextladderError(f"each member is a model name or {{\"family\": NAME, "
                                  f"\"settings\": {{...}}}}; got {entry!r}.")
        family_cls = get_family(entry["family"])
        if issubclass(family_cls, EnsembleFamily):
            raise TextladderError("an ensemble's members are rungs, not ensembles.")
        if side is not None and not family_cls.takes_side:
            raise TextladderError(f"member '{entry['family']}' does not read columns beside the "
                                  f"text; drop it, or the features.")
        family = family_cls(**entry.get("settings", {}))
        family.fit(texts, targets, task, valid, seed=seed, progress=progress,
                   **side_arguments(side))
        output = family.validation_output()
        if output is None:
            output = task.check_output(family.predict_output(
                list(valid[0]), **side_arguments(valid_side(valid))))
        member = Member(entry.get("name", entry["family"]), family,
                        task.tuned_copy(valid[1], output))
        member.remember(valid[0], valid_side(valid), output)
        return member

    def _chosen(self) -> dict[str, Any]:
        return {"members": [{"name": m.name, "family": m.family.name} for m in self.members_],
                "combiner": self.combiner_.state(), "folds": len(self.fold_rows_)}

    def validation_output(self) -> np.ndarray | None:
        return getattr(self, "validation_output_", None)

    def cross_fitted(self, task: Task, fold_rows: list[np.ndarray] | None = None,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(decisions, outputs) on the validation data `fit` was given, each fold's from a
        combiner fitted, and thresholds tuned, on the other folds (`crossfit.py`)."""
        from textladder.crossfit import cross_fitted

        outputs, targets = self._valid
        return cross_fitted(self._new_combiner, outputs, targets, task,
                            fold_rows or self.fold_rows_, seed)

    def cross_fitted_score(self, task: Task, fold_rows: list[np.ndarray] | None = None,
                           seed: int = 0) -> float:
        """The primary metric of `cross_fitted`: what the climb compares with single rungs."""
        from textladder.crossfit import score_of

        return score_of(task, self._valid[1], self.cross_fitted(task, fold_rows, seed))

    # ----- predicting -----------------------------------------------------------------------
    def predict_output(self, texts: Sequence[str], side: np.ndarray | None = None) -> np.ndarray:
        texts = list(texts)
        return self.combiner_.combine([m.predict_output(texts, side) for m in self.members_])

    def to_config(self) -> dict[str, Any]:
        config = super().to_config()
        settings = dict(self.settings)
        if "members" in settings:  # fitted members are named, not serialised
            settings["members"] = [_describe(e) for e in settings["members"]]
        config["settings"] = settings
        return config

    # ----- saving ---------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        from textladder.model_dir import link_tree, write_config

        folder = directory / MEMBERS
        folder.mkdir()
        for member in self.members_:
            target = folder / member.name
            if member.path is not None:
                link_tree(member.path, target)
                continue
            target.mkdir()
            member.family.save(target)
            calibration = ({"calibration": member.calibration.to_config()}
                           if member.calibration is not None else {})
            write_config(target, {**calibration, "task": member.task.to_config(),
                                  "detection": {"task": member.task.name,
                                                "reason": "a member of an ensemble",
                                                "delimiter": None},
                                  "family": member.family.to_config()})

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any], task: Task) -> "EnsembleFamily":
        from textladder.calibration import Temperature
        from textladder.model_dir import read_config
        from textladder.tasks import task_from_config

        family = cls(**config.get("settings", {}))
        family.chosen_ = chosen = config["chosen"]
        family.members_ = []
        for described in chosen["members"]:
            path = Path(directory) / MEMBERS / described["name"]
            member_config = read_config(path)
            member_task = task_from_config(member_config["task"])
            member_family = get_family(member_config["family"]["name"])
            if member_config["family"].get("version", 1) > member_family.version:
                raise TextladderError(f"member '{described['name']}' of '{directory}' needs a "
                                      f"newer textladder; upgrade it.")
            fitted = member_family.load(path, member_config["family"], member_task)
            calibration = Temperature.from_config(member_task.name,
                                                  member_config.get("calibration"))
            family.members_.append(Member(described["name"], fitted, member_task, path,
                                          calibration=calibration))
        family.combiner_ = COMBINERS[cls.combiner].from_state(chosen["combiner"])
        return family


def _describe(entry) -> Any:
    if isinstance(entry, Member):
        return {"name": entry.name, "family": entry.family.name}
    return entry


def _unique_names(members: list[Member]) -> None:
    seen: dict[str, int] = {}
    for member in members:
        count = seen.get(member.name, 0)
        seen[member.name] = count + 1
        if count:
            member.name = f"{member.name}-{count + 1}"


@register
class SoftVoteFamily(EnsembleFamily):
    name = "soft_vote"
    combiner = "soft_vote"
    summary = "weighted mean of the members' outputs, weights fitted on validation"


@register
class HardVoteFamily(EnsembleFamily):
    name = "hard_vote"
    combiner = "hard_vote"
    summary = "majority of the members' decisions (per label; median level; median value)"


@register
class StackFamily(EnsembleFamily):
    name = "stack"
    combiner = "stack"
    summary = "a small linear meta-model on the members' outputs, fitted on validation"
