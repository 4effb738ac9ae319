"""The climb: a baseline, then the rungs that fit the budget, then ensembles of the best.

1. The baseline (`baseline`: priors or the mean) is fitted first: the floor of the leaderboard.
2. Each rung's cost on this data is estimated (`ladder/costs.py`, timed probes; tests inject
   their own), and the plan (`ladder/plan.py`) keeps those that fit the budget, each with a share,
   cutting the epochs of torch rungs where the share is short; the others are skipped, with the
   reason, in the leaderboard.
3. The kept rungs are fitted in turn (`train.train_rung`), cheapest first; before each, its share
   is set again from the time actually left. A rung already complete in the run directory is
   reused, not fitted again, so an interrupted climb resumes where it stopped.
   Rungs skipped, up front or at their turn, get a second chance at the end, most preferred
   first, on the time the others left.
4. Ensembles of each kind are built over the best rungs by validation, from the fitted rungs
   themselves (no refit), and scored the same cross-fitted way as the rungs.
5. The best row on cross-fitted validation becomes `best/`. An ensemble competes only if its
   lead over the best single rung exceeds `LEAD_IN_STANDARD_ERRORS` standard errors of that lead
   (a bootstrap over the validation rows): a gain that could be luck of those rows is not worth
   an ensemble.

`--model X` is a run with the one rung X: no baseline, no estimates, no ensembles. The
leaderboard is rewritten, and `on_rung` called, as each row ends. Nothing here prints.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from textladder.crossfit import FOLDS, folds, gain_standard_error, rung_cross_fitted, score_of
from textladder.errors import TextladderError
from textladder.families import available_families, get_family
from textladder.families.ensemble import EnsembleFamily, Member
from textladder.ladder.costs import Estimate, device, steady_probe
from textladder.ladder.leaderboard import Leaderboard, Row
from textladder.ladder.plan import Plan, make_plan, preferred_after, share_now
from textladder.ladder.run_dir import RunDir, data_digest, default_run_dir, size_on_disk
from textladder.ladder.rungs import (BASELINE, ENSEMBLES, HARD_MEMBERS, SCALING, SOFT_MEMBERS,
                                     climb_order, priority)
from textladder.progress import Progress
from textladder.workflows.train import (RungResult, Splits, TrainJob, classifier_options,
                                        rung_report, train_rung)
from textladder.words import agree

Estimator = Callable[[str, dict[str, Any]], Estimate]
RESERVE = (20.0, 0.05)  # kept for ensembles and the best copy: at least 20 s, or 5 % of budget
FACTOR_LIMITS = (0.5, 3.0)  # how far the climb trusts its own correction of the estimates
# An ensemble is kept only if it leads the best single rung on validation by this many standard
# errors of that lead: about 98 % one-sided, a lead the validation rows would rarely show by luck
# (an ensemble costs its members' prediction time, and validation can differ from new data).
LEAD_IN_STANDARD_ERRORS = 2.0


REUSED = "reused: complete in the run directory"


def _reused_reason(old: Row | None) -> str:
    """A reused row's note: that it was reused, and what its own run said of it (cut to fewer
    epochs, stopped by its time limit), which the reuse does not change."""
    earlier = (old.reason or "") if old is not None else ""
    earlier = earlier.removeprefix(REUSED).removeprefix("; ")
    return REUSED + (f"; {earlier}" if earlier else "")


def chosen_rungs(job: TrainJob) -> tuple[list[str], list[str]]:
    """(rungs, ensemble kinds) the job asks for, checked."""
    families = available_families()
    if job.model is not None:
        if job.models:
            raise TextladderError("give --model for one rung or --models for several, not both.")
        get_family(job.model)  # an unknown name is refused with the list
        return [job.model], []
    asked = list(job.models or [])
    unknown = [n for n in asked if n not in families]
    if unknown:
        raise TextladderError(f"unknown or unavailable model '{unknown[0]}' in --models; "
                              f"available: {', '.join(families)}.")
    kinds = [n for n in asked if n in ENSEMBLES] or list(ENSEMBLES)

    def is_rung(name: str) -> bool:
        return name != BASELINE and not issubclass(get_family(name), EnsembleFamily)

    if asked and not any(is_rung(n) for n in asked):
        raise TextladderError(
            f"--models {','.join(asked)} names no rung to climb (the baseline always runs, and "
            f"an ensemble combines rungs): add two rungs or more, e.g. --models "
            f"tfidf,fasttext,{asked[0]}, or give --model baseline to fit the baseline alone.")
    rungs = [n for n in asked if is_rung(n)] or [n for n in families if is_rung(n)]
    return climb_order(list(dict.fromkeys(rungs))), kinds


def rung_settings(names: list[str], params: dict[str, Any], single: bool) -> dict[str, dict]:
    """Each rung's share of the user's settings. `RUNG.NAME` goes to that rung only; a plain
    `NAME` to the one rung of a single run (which refuses what it does not know), and in a
    climb to every rung that has it and takes its value's type (`word_ngrams=1` suits fasttext,
    not tfidf's lists). A setting no rung of the climb has, or takes, is refused."""
    shared = {k: v for k, v in params.items() if "." not in k}
    own: dict[str, dict] = {name: {} for name in names}
    for key, value in params.items():
        if "." in key:
            rung, _, setting = key.partition(".")
            if rung not in own:
                raise TextladderError(f"--set {key}: '{rung}' is not a rung of this run; its "
                                      f"rungs are {', '.join(names)}.")
            own[rung][setting] = value
    if single:
        return {names[0]: {**shared, **own[names[0]]}}
    known = {name: get_family(name).default_settings() for name in names}
    stray = [k for k in shared if not any(k in settings for settings in known.values())]
    if stray:
        raise TextladderError(f"no rung of this climb has a setting '{stray[0]}'; the rungs are "
                              f"{', '.join(names)}.")
    takes = {(name, k): _takes(name, k, v) for k, v in shared.items() for name in names
             if k in known[name]}
    for key in shared:
        refusals = [error for (name, k), error in takes.items() if k == key]
        if all(refusals):
            raise TextladderError(f"{refusals[0].rstrip('.')}; no rung of this climb takes "
                                  f"--set {key}={shared[key]!r} (name one rung: RUNG.{key}=...).")
    return {name: {**{k: v for k, v in shared.items() if takes.get((name, k), "no") is None},
                   **own[name]}
            for name in names}


def _takes(name: str, key: str, value: Any) -> str | None:
    """None where rung `name` takes `key=value`, else its one-line refusal."""
    from textladder.workflows.plan import check_settings

    try:
        check_settings(name, {key: value})
    except TextladderError as refusal:
        return str(refusal)
    return None


def check_job_settings(job: TrainJob) -> None:
    """Refuse, before any data is read, a rung or setting the job names wrongly: each rung's
    share of the settings is checked by its family (names and types)."""
    from textladder.imbalance import check_options
    from textladder.workflows.plan import check_settings

    check_options(job.imbalance, job.class_weight, job.sampling_ratio)
    rungs, _ = chosen_rungs(job)
    single = job.model is not None  # a climb skips, with the reason, what cannot take it
    for name, settings in rung_settings(rungs, job.model_params, single).items():
        check_settings(name, settings, job.imbalance if single else "auto")


class Climb:
    """One climb into a run directory (see the module docstring)."""

    def __init__(self, job: TrainJob, splits: Splits, progress: Progress | None = None,
                 on_rung: Callable[[dict[str, Any]], None] | None = None,
                 estimate: Estimator | None = None, clock: Callable[[], float] = time.monotonic):
        self.job, self.splits = job, splits
        self.progress = progress or Progress()
        self.on_rung, self.clock = on_rung, clock
        self.single = job.model is not None
        self.rungs, self.kinds = chosen_rungs(job)
        self.settings = rung_settings(self.rungs, job.model_params, self.single)
        self.estimate = estimate or self._probe
        self.budget = job.budget_minutes * 60
        self.results: dict[str, RungResult] = {}
        self.measured: dict[str, tuple[float, float]] = {}  # rung: (seconds, estimated)
        self.crossfitted: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # decisions, outputs
        self.board: Leaderboard | None = None
        self.run = RunDir(job.out or default_run_dir(job.data))

    # ----- the whole climb ------------------------------------------------------------------
    def __call__(self) -> dict[str, Any]:
        self.started = self.clock()
        options = classifier_options(self.job, self.splits)
        identity = {"data": data_digest(self.splits.train, self.splits.valid, self.splits.test),
                    **options, "settings": self.job.model_params,
                    # None (the share by size) was 0.1: runs made before stay resumable, and the
                    # split itself is in the data digest
                    "valid_size": 0.1 if options.get("valid_size") is None
                    else options["valid_size"],
                    "kind": "one rung" if self.single else "climb"}
        self.run.open(identity, {**options, "data": self.job.data, "valid": self.job.valid,
                                 "test": self.job.test, "model": self.job.model,
                                 "models": list(self.rungs), "ensembles": list(self.kinds),
                                 "budget_minutes": self.job.budget_minutes,
                                 "settings": self.job.model_params})
        self.previous = self.run.previous_rows()
        self._refuse_dropping_rungs()
        self.recorded = False
        if self.single:
            self._rung(self.rungs[0], self.settings[self.rungs[0]], "rung")
        else:
            self._climb()
        best = self.board.choose_best()
        if best is None:
            raise TextladderError("no rung finished; see the reasons in "
                                  f"{self.run.path / 'leaderboard.json'}.")
        self.board.seconds = round(self.clock() - self.started, 1)
        self.run.set_best(best)
        self._publish()
        report = rung_report(self.results[best], self.splits)
        if self.single and best != BASELINE:
            report["below_baseline"] = self._below_baseline(best)
        return {**report, "run": str(self.run.path), "out": str(self.run.path), "best": best,
                "best_path": str(self.run.path / "best"), "leaderboard": self.board.to_dict(),
                "train_seconds": self.board.seconds}

    def _climb(self) -> None:
        self._rung(BASELINE, {}, "baseline")
        for name in [n for n in self.rungs if _refuses(n, self.job.imbalance)]:
            self.rungs.remove(name)  # asked for a strategy it cannot take: said, not fitted
            self._put(Row(name, name, status="skipped", reason=_refuses(name, self.job.imbalance)))
        where = device()
        estimates = {}
        for name in self.rungs:
            if self.run.finished(name):
                estimates[name] = Estimate(0.0, how="complete in the run directory: reused")
                continue
            try:
                estimates[name] = self.estimate(name, self.settings[name])
            except Exception as error:  # noqa: BLE001 - a probe must not end the climb
                estimates[name] = Estimate(0.0, how=f"its probe failed: {_line(error)}",
                                           known=False)
        self.board.notes = [f"estimated for {where}"] + [
            f"{name}: estimated {e.seconds():.0f} s ({e.how})" if e.known else f"{name}: {e.how}"
            for name, e in estimates.items()]
        plan = make_plan(estimates, self._left() - self._reserve(),
                         frozenset(n for n in estimates if not get_family(n).budget_cuts_epochs))
        for step in plan.skipped():
            self._put(Row(step.name, step.name, status="skipped", reason=step.reason,
                          estimated_seconds=round(step.estimate.seconds(), 1)))
        self._run_plan(plan)
        self._ensembles()

    def _run_plan(self, plan: Plan) -> None:
        late = []  # kept rungs the budget could no longer hold at their turn
        for index, step in enumerate(plan.kept()):
            if self.run.finished(step.name):
                self._rung(step.name, dict(self.settings[step.name]), "rung")
                continue
            factor = self._factor()
            left = self._left() - self._reserve()
            share = share_now(plan, index, left, factor)
            if share is None:
                later = [s.name for s in preferred_after(plan, index)]
                kept_for = f", and the rungs preferred to it keep theirs ({', '.join(later)})"
                self._put(Row(step.name, step.name, status="skipped",
                              estimated_seconds=round(step.estimate.seconds() * factor, 1),
                              reason=f"the budget ran short: it needs about "
                                     f"{step.least() * factor:.0f} s, {max(left, 0):.0f} s were "
                                     f"left{kept_for if later else ''}"))
                late.append(step)
                continue
            self._start(step, share, factor, step.reason if step.estimate.known else None)
        # A second chance, best first, for rungs skipped up front or at their turn, when the
        # ones that ran took less than estimated; after each rung run so, the most preferred
        # of the rest are looked at again, as its time corrects the estimates once more.
        pending = sorted(plan.skipped() + late, key=lambda s: priority(s.name))
        while step := next((s for s in pending if self._fits_now(s)), None):
            pending.remove(step)
            factor = self._factor(optimistic=True)
            share = min(self._left() - self._reserve(), step.estimate.seconds() * factor)
            when = "at its turn" if step in late else "in the first plan"
            self._start(step, share, factor, f"skipped {when}; run at the end, as the rungs "
                        "before it took less time than estimated")

    def _fits_now(self, step) -> bool:
        """Whether a skipped rung's least fits the time left, by the estimates as corrected
        so far (optimistic: the rungs that ran may have taken less than estimated)."""
        left = self._left() - self._reserve()
        return step.estimate.known and step.least() * self._factor(optimistic=True) <= left

    def _start(self, step, share: float, factor: float, reason: str | None) -> None:
        """Fit the rung of `step` within `share` seconds: fewer epochs, and a time limit, for a
        torch rung whose (corrected) estimate is longer."""
        settings = dict(self.settings[step.name])
        est = step.estimate.scaled(factor)
        epochs = None
        family = get_family(step.name)
        if "epochs" in family.default_settings():
            if family.budget_cuts_epochs and step.estimate.known and est.seconds() > share:
                epochs = max(1, est.epochs_within(share))
                cut = (f"cut to {epochs} of {est.epochs} epochs to fit its share of the budget "
                       f"({share:.0f} s; all would take about {est.seconds():.0f} s)")
                reason = f"{reason}; {cut}" if reason and not reason.startswith("cut") else cut
                settings["epochs"] = epochs
            if not step.estimate.known or epochs is not None:
                settings["time_limit"] = max(1.0, share - (est.fixed if step.estimate.known
                                                           else 0.0))
        raw = step.estimate.seconds(epochs) if step.estimate.known else 0.0
        started = self.clock()
        self._rung(step.name, settings, "rung", reason=reason,
                   estimated=est.seconds(epochs) if step.estimate.known else None)
        self.measured[step.name] = (self.clock() - started, raw)

    # ----- one rung -------------------------------------------------------------------------
    def _rung(self, name: str, settings: dict[str, Any], kind: str, reason: str | None = None,
              estimated: float | None = None,
              members: list[str] | None = None) -> RungResult | None:
        path = self.run.model_path(name)
        reused = self.run.finished(name) and kind != "ensemble"
        try:
            result = self._reuse(name) if reused else train_rung(
                name, settings, self.job, self.splits, path, self.progress)
        except Exception as error:  # noqa: BLE001 - one rung's failure is a row, not the end
            if self.single or self.board is None:  # nothing to climb from: the error itself
                raise
            self._put(Row(name, name, kind=kind, status="failed", reason=_line(error),
                          estimated_seconds=estimated, members=members))
            return None
        self.results[name] = result
        self._ensure_board(result)
        row = self._row(name, kind, result, reused)
        row.reason = row.reason or reason
        row.estimated_seconds = row.estimated_seconds or (round(estimated, 1) if estimated
                                                          else None)
        stopped = "stopped early by its time limit (best epoch kept)"
        if self._chosen(result).get("stopped_by_time_limit") and stopped not in (row.reason or ""):
            row.reason = (row.reason + "; " if row.reason else "") + stopped
        if members is not None:
            self._complete_ensemble(row, members)
            weights = _weights_note(self._chosen(result), members)
            if weights:
                row.reason = f"{row.reason}; {weights}" if row.reason else weights
        self._put(row)
        return result

    def _below_baseline(self, name: str) -> dict[str, Any] | None:
        """In a run of one rung, the baseline's validation score (the commonest class, or the
        mean, whatever the text) when the rung does no better: a sign that its settings (a
        learning rate too high) or the data kept it from learning. None when it does better,
        or when the baseline cannot be fitted here."""
        metric = self.task.primary_metric
        try:
            floor = train_rung(BASELINE, {}, self.job, self.splits, None, Progress())
        except Exception:  # noqa: BLE001 - a check, not the run: it says nothing then
            return None
        ours, theirs = (self.results[name].valid_metrics.get(metric),
                        floor.valid_metrics.get(metric))
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (ours, theirs)):
            return None
        if self.board.oriented(ours) > self.board.oriented(theirs) + 1e-9:
            return None
        return {"metric": metric, "rung": round(float(ours), 4),
                "baseline": round(float(theirs), 4)}

    def _refuse_dropping_rungs(self) -> None:
        """A climb resumed with fewer rungs than the run directory holds would drop the others'
        rows (and perhaps replace best/ with a worse model): refused, naming them."""
        if self.single or not self.job.models:  # every available rung climbs: none left out
            return
        available = set(available_families())
        left_out = [name for name, row in self.previous.items() if row.kind == "rung"
                    and row.status == "done" and name not in self.rungs
                    and name in available and self.run.finished(name)]
        if left_out:
            raise TextladderError(
                f"'{self.run.path}' holds {agree(len(left_out), 'the rung', 'the rungs')} "
                f"{', '.join(left_out)} of an earlier climb, which --models leaves out: the "
                f"leaderboard would lose {agree(len(left_out), 'it', 'them')}, and best/ could "
                f"become a worse model. Add {agree(len(left_out), 'it', 'them')} to --models, "
                f"or choose another --out.")

    def _complete_ensemble(self, row: Row, members: list[str]) -> None:
        """An ensemble row's members, its speed (its members' in turn), and whether it beats
        the best single rung on validation (else it is not kept as the best)."""
        row.members = members
        rates = [self.results[m].predict_texts_per_s for m in members]
        row.predict_texts_per_s = round(1 / sum(1 / r for r in rates), 1) if all(rates) else None
        best = self.board.top(1, "rung", "baseline")
        if not best or row.valid_score is None:
            return
        rival = best[0]
        lead = self.board.oriented(row.valid_score) - self.board.oriented(rival.valid_score)
        if lead <= 0:
            row.kept = False
            row.reason = (f"not kept: not better on validation than {rival.name} "
                          f"({row.valid_score:.4f} vs {rival.valid_score:.4f})")
            return
        noise = gain_standard_error(self.task, self.valid_targets, self.crossfitted[row.name],
                                    self.crossfitted[rival.name], seed=self.job.seed)
        needed = LEAD_IN_STANDARD_ERRORS * noise
        if lead <= needed:
            row.kept = False
            row.reason = (f"not kept: its lead over {rival.name} on validation ({lead:+.4f}) is "
                          f"under {LEAD_IN_STANDARD_ERRORS:g} standard errors of that lead "
                          f"({needed:.4f}): it could be luck of the validation rows")
        else:
            row.reason = (f"beats {rival.name} on validation by {lead:+.4f}, over "
                          f"{LEAD_IN_STANDARD_ERRORS:g} standard errors of that lead "
                          f"({needed:.4f})")

    def _reuse(self, name: str) -> RungResult:
        """A rung complete in the run directory, loaded with its outputs on validation and
        test (from its `evaluation/` records where it has them, else predicted again)."""
        from textladder.classifier import TextClassifier

        path = self.run.model_path(name)
        clf = TextClassifier.load(path)
        outputs = {}
        for split, (texts, _) in (("valid", self.splits.valid), ("test", self.splits.test)):
            outputs[split] = _recorded_output(path, split, len(texts))
            if outputs[split] is None:
                outputs[split] = clf.predict_output(self.splits.inputs(split))
        valid_targets = clf.encode_labels(self.splits.valid[1], "the validation data")
        test_targets = clf.encode_labels(self.splits.test[1], self.splits.test_source)
        old = self.previous.get(name)
        return RungResult(name, clf, outputs["valid"], outputs["test"],
                          clf.task_.evaluate(valid_targets, outputs["valid"]),
                          clf.task_.evaluate(test_targets, outputs["test"]),
                          old.train_seconds if old and old.train_seconds else 0.0,
                          old.predict_texts_per_s if old else None, path)

    def _ensure_board(self, result: RungResult) -> None:
        if self.board is not None:
            return
        clf = result.classifier
        self.valid_targets = clf.encode_labels(self.splits.valid[1], "the validation data")
        self.task = clf.task_
        self.folds = folds(clf.task_, self.valid_targets, FOLDS, self.job.seed)
        self.board = Leaderboard(clf.task_.name, clf.task_.primary_metric,
                                 None if self.single else round(self.budget, 1), len(self.folds))

    def _row(self, name: str, kind: str, result: RungResult, reused: bool) -> Row:
        from textladder.tasks.base import scalar_metrics

        family = result.classifier.family_
        if isinstance(family, EnsembleFamily) and not reused:  # a loaded one has no members'
            crossfitted = family.cross_fitted(self.task, self.folds, self.job.seed)  # outputs
        else:
            crossfitted = rung_cross_fitted(result.valid_output, self.valid_targets, self.task,
                                            self.folds)
        self.crossfitted[name] = crossfitted
        score = score_of(self.task, self.valid_targets, crossfitted)
        old = self.previous.get(name) if reused else None
        return Row(name, family.name, kind=kind, status="done",
                   path=self.run.relative(name) if result.path else None,
                   valid=scalar_metrics(result.valid_metrics),
                   test=scalar_metrics(result.test_metrics),
                   valid_score=None if math.isnan(score) else score,
                   train_seconds=round(result.train_seconds, 2),
                   predict_texts_per_s=(round(result.predict_texts_per_s, 1)
                                        if result.predict_texts_per_s else None),
                   size_bytes=size_on_disk(result.path) if result.path else None,
                   reused=reused, estimated_seconds=old.estimated_seconds if old else None,
                   reason=_reused_reason(old) if reused else None)

    # ----- ensembles ------------------------------------------------------------------------
    def _ensembles(self) -> None:
        floor = self.board.row(BASELINE)  # a rung no better than it learned nothing to add
        candidates = [r for r in self.board.top(len(self.board.rows), "rung")
                      if r.name in self.results and not (
                          floor is not None and floor.valid_score is not None
                          and self.board.oriented(r.valid_score)
                          <= self.board.oriented(floor.valid_score))]
        if len(candidates) < 2:
            for kind in self.kinds:
                self._put(Row(kind, kind, kind="ensemble", status="skipped", members=[],
                              reason=f"needs two fitted rungs better than the baseline on "
                                     f"validation; {len(candidates)} "
                                     f"{agree(len(candidates), 'is', 'are')}"))
            return
        for kind in self.kinds:
            size = HARD_MEMBERS if kind == "hard_vote" else SOFT_MEMBERS
            chosen = candidates[:size]
            members = [Member.of(r.name, self.results[r.name].classifier,
                                 self.run.model_path(r.name),
                                 [(self.splits.inputs("valid"),
                                   self.results[r.name].valid_output),
                                  (self.splits.inputs("test"), self.results[r.name].test_output)])
                       for r in chosen]
            self._rung(kind, {"members": members, "folds": len(self.folds)}, "ensemble",
                       members=[r.name for r in chosen])

    # ----- time -----------------------------------------------------------------------------
    def _left(self) -> float:
        return self.budget - (self.clock() - self.started)

    def _reserve(self) -> float:
        return max(RESERVE[0], RESERVE[1] * self.budget)

    def _factor(self, optimistic: bool = False) -> float:
        """How much longer than estimated the rungs so far took (only those estimated over
        5 s count), within `FACTOR_LIMITS`; never below 1 unless `optimistic` (a second
        chance), since a rung can overrun its estimate for reasons of its own."""
        pairs = [(took, e) for n, (took, e) in self.measured.items()
                 if e > 5 and n in self.results and SCALING.get(n) != "encode"]
        # (a frozen encoder's rung is left out: texts already in the embedding cache make it
        # take a fraction of its estimate, which says nothing of the other rungs; the demo run
        # twice had minilm take 6 s of 98, and finetune's second chance then overran the
        # budget by 14 %)
        ratio = sum(a for a, _ in pairs) / sum(e for _, e in pairs) if pairs else 1.0
        low = FACTOR_LIMITS[0] if optimistic else 1.0
        return min(max(ratio, low), FACTOR_LIMITS[1])

    def _probe(self, name: str, settings: dict[str, Any]) -> Estimate:
        with self.progress.step(f"{name}: estimating its cost", total=None):
            return steady_probe(name, settings, classifier_options(self.job, self.splits),
                                (self.splits.inputs("train"), self.splits.train[1]),
                                (self.splits.inputs("valid"), self.splits.valid[1]),
                                len(self.splits.test[0]), self.job.seed)

    # ----- output ---------------------------------------------------------------------------
    def _put(self, row: Row) -> None:
        if self.board is None:  # a failure before anything finished: no task known yet
            raise TextladderError(f"{row.name} failed: {row.reason}")
        self.board.put(row)
        self.board.choose_best()
        self.board.seconds = round(self.clock() - self.started, 1)
        self._publish()

    def _publish(self) -> None:
        if not self.recorded:
            self.run.record()
            self.recorded = True
        self.run.write_leaderboard(self.board)
        if self.on_rung is not None:
            self.on_rung(self.board.to_dict())

    @staticmethod
    def _chosen(result: RungResult) -> dict[str, Any]:
        return getattr(result.classifier.family_, "chosen_", {}) or {}


def _recorded_output(path: Path, split: str, rows: int) -> np.ndarray | None:
    """A model directory's recorded outputs on a split (`evaluation/<split>.safetensors`,
    written by training with the report's records), if they are there and have `rows` rows."""
    file = Path(path) / "evaluation" / f"{split}.safetensors"
    if not file.is_file():
        return None
    from safetensors.numpy import load_file

    outputs = load_file(str(file)).get("outputs")
    return outputs.astype(float) if outputs is not None and len(outputs) == rows else None


def _weights_note(chosen: dict[str, Any], members: list[str]) -> str | None:
    """What a soft vote's fitted weights make of its members, said where a member's weight
    rounds to nothing (it then combines fewer rungs than its name lists), or None."""
    weights = (chosen.get("combiner") or {}).get("weights")
    if not weights or len(weights) != len(members):
        return None
    kept = [(name, w) for name, w in zip(members, weights) if round(w, 2) > 0]
    if len(kept) == len(members):
        return None
    if len(kept) == 1:
        return f"all its weight is on {kept[0][0]}: it predicts as {kept[0][0]} does"
    dropped = [name for name, w in zip(members, weights) if round(w, 2) <= 0]
    return ("weights " + ", ".join(f"{name} {w:.2f}" for name, w in kept)
            + f"; {', '.join(dropped)} {agree(len(dropped), 'weighs', 'weigh')} nothing")


def _refuses(name: str, imbalance: str) -> str | None:
    """Why rung `name` cannot take the `--imbalance` strategy asked for, or None."""
    from textladder.imbalance import check_rung

    try:
        check_rung(imbalance, get_family(name))
    except TextladderError as error:
        return str(error)
    return None


def _line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    message = text[0] if text else ""
    return message if isinstance(error, TextladderError) else \
        f"{type(error).__name__}: {message}"


def climb(job: TrainJob, splits: Splits, progress: Progress | None = None,
          on_rung: Callable[[dict[str, Any]], None] | None = None,
          estimate: Estimator | None = None) -> dict[str, Any]:
    """Climb (or fit the one rung of `job.model`) into the run directory; the report."""
    return Climb(job, splits, progress, on_rung, estimate)()
