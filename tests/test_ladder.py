"""The climb: a run directory with a leaderboard and a best model, within a budget, resumable.

Estimates are injected (no probes) and the clock is fixed where a test needs the plan to be
exact; the rungs are tfidf and fastText with tiny settings, so each climb takes a few seconds.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import assert_clean_error, run, run_json
from conftest import TASK_NAMES, make_task_data, write_table
from textladder import TextClassifier
from textladder.errors import TextladderError
from textladder.ladder.costs import Estimate
from textladder.ladder.plan import make_plan, share_now
from textladder.workflows.climb import Climb, climb
from textladder.workflows.train import Splits, TrainJob

TINY = {"C": [10.0], "epochs": 30, "patience": 30, "lr": 1.0, "batch_size": 4, "buckets": 1000,
        "dim": 16, "fasttext.word_ngrams": 1}


def splits_for(task: str) -> Splits:
    texts, labels = make_task_data(task, 12)
    return Splits((texts, labels), (texts, labels), (texts, labels), "the test split",
                  {"rows": {"train": len(texts), "valid": len(texts), "test": len(texts)},
                   "columns": {"text": "text", "labels": ["label"]}})


def quick(name, settings) -> Estimate:
    return Estimate(1.0, 0.0, 1, "injected")


@pytest.mark.parametrize("task", TASK_NAMES)
def test_climb_writes_a_run_with_leaderboard_and_best(task, tmp_path):
    out = tmp_path / "run"
    job = TrainJob(data="tiny.csv", out=str(out), models=("tfidf", "fasttext"),
                   model_params=TINY)
    seen = []
    report = climb(job, splits_for(task), on_rung=lambda board: seen.append(board),
                   estimate=quick)
    board = json.loads((out / "leaderboard.json").read_text())
    names = [row["name"] for row in board["rows"]]
    assert names == ["baseline", "tfidf", "fasttext", "soft_vote", "hard_vote", "stack"]
    assert all(row["status"] == "done" for row in board["rows"])
    told = [b["rows"][-1]["name"] for b in seen]  # as each row ended, and once at the end
    assert told[:-1] == names and told[-1] == "stack" and seen[-1]["best"] == report["best"]
    best = max(board["rows"], key=lambda r: (r["valid_score"] if board["greater_is_better"]
                                             else -r["valid_score"]))
    assert board["valid_score"] and report["best"] == board["best"]
    assert board["rows"][names.index(board["best"])]["valid_score"] == pytest.approx(
        best["valid_score"], rel=1e-9)  # near-ties: the first of them wins
    assert board["best"] != "baseline"  # every rung separates the tiny data
    for row in board["rows"]:
        assert (out / row["path"] / "config.json").is_file()
        assert row["size_bytes"] > 0 and row["test"] and row["valid"]
    for row in board["rows"][-3:]:
        assert row["kind"] == "ensemble" and set(row["members"]) == {"tfidf", "fasttext"}
        assert (out / row["path"] / "members" / "tfidf" / "config.json").is_file()
    texts, labels = make_task_data(task, 12)
    from_run = TextClassifier.load(out)  # a run directory loads as its best model
    from_models = TextClassifier.load(out / "models" / board["best"])
    np.testing.assert_allclose(from_run.predict_output(texts), from_models.predict_output(texts))
    data = write_table(tmp_path / "data.csv", texts, [_cell(label) for label in labels])
    evaluated = run_json("evaluate", out, data)
    assert evaluated["metrics"][board["primary_metric"]] == pytest.approx(
        report["metrics"]["test"][board["primary_metric"]])
    assert len(run_json("predict", out, texts[0], texts[-1])) == 2


def _cell(label):
    return "|".join(label) if isinstance(label, tuple) else label


def test_ensemble_members_are_hard_links_of_the_rungs(tmp_path):
    out = tmp_path / "run"
    climb(TrainJob(data="t.csv", out=str(out), models=("tfidf", "fasttext", "stack"),
                   model_params=TINY), splits_for("binary"), estimate=quick)
    rows = json.loads((out / "leaderboard.json").read_text())["rows"]
    assert [r["name"] for r in rows][-1] == "stack"  # only the kind asked for
    member = out / "models" / "stack" / "members" / "tfidf" / "linear_model.skops"
    assert member.stat().st_ino == (out / "models" / "tfidf" / "linear_model.skops").stat().st_ino
    best = out / "best"
    assert (best / "config.json").is_file() and not (best / "config.json").is_symlink()
    said = json.loads((out / "models" / "stack" / "config.json").read_text())["imbalance"]
    assert said["strategy"] == "none" and "no rows of its own" in said["reason"]  # not "asked"


def test_a_rung_that_would_not_fit_is_skipped_with_the_reason(tmp_path):
    estimates = {"tfidf": Estimate(2.0, how="injected"),
                 "fasttext": Estimate(5.0, 100.0, 30, "injected")}
    out = tmp_path / "run"
    job = TrainJob(data="t.csv", out=str(out), models=("tfidf", "fasttext"), model_params=TINY,
                   budget_minutes=1.0)
    report = Climb(job, splits_for("multiclass"), estimate=lambda name, s: estimates[name],
                   clock=lambda: 0.0)()
    rows = {r["name"]: r for r in report["leaderboard"]["rows"]}
    assert rows["fasttext"]["status"] == "skipped"
    assert "would take about 205 s with 2 epochs" in rows["fasttext"]["reason"]
    assert rows["tfidf"]["status"] == "done"
    assert report["leaderboard"]["budget_seconds"] == 60
    assert not (out / "models" / "fasttext").exists()
    assert rows["soft_vote"]["status"] == "skipped"  # one rung finished: nothing to ensemble


def test_a_torch_rung_gets_the_epochs_its_share_holds(tmp_path):
    estimates = {"tfidf": Estimate(2.0, how="injected"),
                 "fasttext": Estimate(5.0, 10.0, 30, "injected")}
    out = tmp_path / "run"
    job = TrainJob(data="t.csv", out=str(out), models=("tfidf", "fasttext"), model_params=TINY,
                   budget_minutes=2.0)
    report = Climb(job, splits_for("multiclass"), estimate=lambda name, s: estimates[name],
                   clock=lambda: 0.0)()
    row = {r["name"]: r for r in report["leaderboard"]["rows"]}["fasttext"]
    # 120 s budget, 20 s kept for ensembles, 2 s for tfidf: 98 s hold 9 epochs of 10 s after 5 s
    assert row["status"] == "done" and "cut to 9 of 30 epochs" in row["reason"]
    saved = TextClassifier.load(out / "models" / "fasttext").family_.settings_
    assert saved["epochs"] == 9 and saved["time_limit"] == pytest.approx(93.0)


def test_a_rung_whose_epochs_cost_little_is_not_cut(tmp_path, monkeypatch):
    from textladder.families.fasttext_bag import FastTextFamily
    from textladder.families.minilm import MinilmFamily

    assert MinilmFamily.budget_cuts_epochs is False  # its epochs train a head on embeddings
    monkeypatch.setattr(FastTextFamily, "budget_cuts_epochs", False)
    estimates = {"tfidf": Estimate(2.0, how="injected"),
                 "fasttext": Estimate(5.0, 10.0, 30, "injected")}
    out = tmp_path / "run"
    job = TrainJob(data="t.csv", out=str(out), models=("tfidf", "fasttext"),
                   model_params={**TINY, "epochs": 30}, budget_minutes=2.0)
    report = Climb(job, splits_for("multiclass"), estimate=lambda name, s: estimates[name],
                   clock=lambda: 0.0)()
    row = {r["name"]: r for r in report["leaderboard"]["rows"]}["fasttext"]
    assert row["status"] == "done" and "cut to" not in (row["reason"] or "")
    saved = TextClassifier.load(out / "models" / "fasttext").family_.settings_
    assert saved["epochs"] == 30 and saved["time_limit"] is None


def test_a_preferred_rung_skipped_at_its_turn_gets_the_second_chance(tmp_path):
    """fasttext overruns (a jump of the clock its small estimate does not count), so tfidf, the
    most preferred rung, no longer fits at its turn; gru, cut short, then takes less than its
    estimate, and the time it leaves goes to tfidf at the end."""
    estimates = {"fasttext": Estimate(3.0, how="injected"), "tfidf": Estimate(40.0, how="injected"),
                 "gru": Estimate(2.0, 8.0, 10, "injected")}
    now = [0.0]

    def overrun(board):
        if board["rows"][-1]["name"] == "fasttext":
            now[0] = 70.0

    params = {**TINY, "gru.epochs": 2, "gru.min_count": 1, "gru.hidden": 8,
              "gru.embedding_dim": 8, "gru.vectors": "random"}
    job = TrainJob(data="t.csv", out=str(tmp_path / "run"), models=("tfidf", "fasttext", "gru"),
                   model_params=params, budget_minutes=2.0)
    report = Climb(job, splits_for("multiclass"), on_rung=overrun,
                   estimate=lambda name, s: estimates[name], clock=lambda: now[0])()
    rows = [r for r in report["leaderboard"]["rows"] if r["kind"] == "rung"]
    assert [r["name"] for r in rows] == ["fasttext", "gru", "tfidf"]
    tfidf = rows[-1]
    assert tfidf["status"] == "done", tfidf["reason"]
    assert tfidf["reason"].startswith("skipped at its turn; run at the end")
    assert "cut to 3 of 10 epochs" in rows[1]["reason"]  # 100 s less 70: gru's 30 s share


def test_the_second_chance_looks_again_at_preferred_rungs_after_each_rung_it_runs(tmp_path):
    """tfidf overruns (15 s for 10), so fasttext no longer fits at its turn, nor at the first
    look of the second chance; gru, skipped up front, fits and takes far less than estimated,
    and the look after it finds room for fasttext."""
    estimates = {"tfidf": Estimate(10.0, how="injected"),
                 "fasttext": Estimate(100.0, how="injected"),
                 "gru": Estimate(3.0, 19.0, 10, "injected")}
    now = [0.0]

    def overrun(board):
        if any(r["name"] == "tfidf" and r["status"] == "done" for r in board["rows"]):
            now[0] = 15.0  # when tfidf's row is written, inside its timing

    params = {**TINY, "gru.min_count": 1, "gru.hidden": 8, "gru.embedding_dim": 8,
              "gru.vectors": "random"}
    job = TrainJob(data="t.csv", out=str(tmp_path / "run"), models=("tfidf", "fasttext", "gru"),
                   model_params=params, budget_minutes=3.0)
    report = Climb(job, splits_for("multiclass"), on_rung=overrun,
                   estimate=lambda name, s: estimates[name], clock=lambda: now[0])()
    rows = {r["name"]: r for r in report["leaderboard"]["rows"]}
    assert rows["gru"]["status"] == "done"
    assert rows["gru"]["reason"].startswith("skipped in the first plan; run at the end")
    assert rows["fasttext"]["status"] == "done", rows["fasttext"]["reason"]
    assert rows["fasttext"]["reason"].startswith("skipped at its turn; run at the end")


def test_the_plan_prefers_by_priority_and_runs_cheapest_first():
    estimates = {"tfidf": Estimate(50.0), "gru": Estimate(20.0, 100.0, 10),
                 "minilm": Estimate(300.0), "bilstm": Estimate(20.0, 100.0, 10),
                 "finetune": Estimate(100.0, 800.0, 3)}
    plan = make_plan(estimates, 900.0)
    kept = {s.name: s for s in plan.kept()}
    assert set(kept) == {"tfidf", "minilm", "gru"}  # finetune's one epoch does not fit
    assert [s.name for s in plan.kept()] == ["tfidf", "minilm", "gru"]
    assert kept["gru"].epochs == 5 and kept["gru"].share == pytest.approx(550.0)
    skipped = {s.name: s.reason for s in plan.skipped()}
    assert "would take about 900 s with 1 epoch;" in skipped["finetune"]
    assert "bilstm" in skipped and "tfidf, minilm" in skipped["bilstm"]
    # when the budget runs behind, a share shrinks; below its least the rung is skipped
    assert share_now(plan, 2, 400.0) == pytest.approx(400.0)
    assert share_now(plan, 2, 200.0) is None
    # a preferred rung that runs before less preferred ones keeps its least when behind; the
    # less preferred ones are skipped at their own turn instead
    behind = make_plan({"gru": Estimate(10.0, 10.0, 10), "tfidf": Estimate(200.0)}, 400.0)
    assert [s.name for s in behind.kept()] == ["gru", "tfidf"]
    assert share_now(behind, 0, 210.0) is None  # gru's least (40 s) would leave tfidf short
    behind = make_plan({"tfidf": Estimate(30.0), "gru": Estimate(10.0, 10.0, 10)}, 400.0)
    assert [s.name for s in behind.kept()] == ["tfidf", "gru"]
    assert share_now(behind, 0, 45.0) == pytest.approx(30.0)  # gru's least is not kept back
    assert share_now(behind, 1, 15.0) is None


def test_time_limit_stops_training_at_an_epoch_end():
    texts, labels = make_task_data("multiclass")
    clf = TextClassifier(model="fasttext", model_params={**{k: TINY[k] for k in (
        "epochs", "patience", "lr", "batch_size", "buckets", "dim")}, "word_ngrams": 1,
        "time_limit": 1e-6})
    clf.fit(texts, labels, valid=(texts, labels))
    chosen = clf.family_.chosen_
    assert chosen["epochs_run"] == 1 and chosen["stopped_by_time_limit"]
    assert chosen["history"][0]["seconds"] > 0


def test_settings_go_to_the_rungs_that_have_them(tmp_path, sentiment_csv):
    result = run("train", sentiment_csv, "--models", "tfidf", "--set", "depth=3",
                 "--out", tmp_path / "r")
    assert result.exit_code == 2 and "no rung of this climb has a setting 'depth'" in result.stderr
    assert not (tmp_path / "r").exists()  # nothing written for a refused run
    both = run("train", sentiment_csv, "--model", "tfidf", "--models", "tfidf")
    assert both.exit_code == 2 and "not both" in both.stderr


def test_rerun_with_other_settings_is_refused(tmp_path, sentiment_csv):
    out = tmp_path / "r"
    run_json("train", sentiment_csv, "--model", "tfidf", "--out", out, "--set", "C=[10]")
    again = run("train", sentiment_csv, "--model", "tfidf", "--out", out, "--set", "C=[1]")
    assert again.exit_code == 2 and "holds a run with another --set settings" in again.stderr
    seed = run("train", sentiment_csv, "--model", "tfidf", "--out", out, "--set", "C=[10]",
               "--seed", "1")  # another seed splits otherwise: the data part says so
    said = " ".join(seed.stderr.split())
    assert seed.exit_code == 2 and "holds a run with another data or split, --seed" in said


def test_a_shared_setting_goes_to_the_rungs_that_take_its_type():
    from textladder.workflows.climb import rung_settings

    shares = rung_settings(["tfidf", "fasttext", "wordvec"], {"word_ngrams": 1, "epochs": "auto"},
                           single=False)
    assert shares == {"tfidf": {}, "fasttext": {"word_ngrams": 1, "epochs": "auto"},
                      "wordvec": {}}  # tfidf's word_ngrams is a list; wordvec's epochs a number
    with pytest.raises(TextladderError, match=r"no rung of this climb takes --set epochs='many'"):
        rung_settings(["tfidf", "wordvec"], {"epochs": "many"}, single=False)


def test_the_cost_probe_of_a_smote_rung_samples_two_rows_of_a_rare_class():
    from textladder.ladder.costs import covering_sample, probe

    texts, labels = make_task_data("multiclass", 40)
    first = labels[0]
    rare = [i for i, label in enumerate(labels) if label == first][:3]
    keep = [i for i, label in enumerate(labels) if label != first] + rare
    texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    picked = covering_sample(labels, "multiclass", 16, np.random.default_rng(0),
                             np.zeros(len(labels), dtype=bool))
    assert sum(labels[i] == first for i in picked) >= 2 and len(picked) == 16
    estimate = probe("tfidf", {}, {"imbalance": "smote"}, (texts, labels), (texts, labels), 10)
    assert estimate.known, estimate.how


def test_a_slow_cost_probe_is_run_again_and_the_lower_estimate_kept():
    from textladder.ladder.costs import RETRY_AFTER, steady_probe

    times = iter([0.0, RETRY_AFTER + 100.0, 0.0, 1.0])  # the first probe hit a busy spell
    answers = iter([Estimate(5393.0, how="a probe took 124 s"), Estimate(90.0, how="took 2 s")])
    calls = []

    def measure(*args):
        calls.append(args[0])
        return next(answers)

    estimate = steady_probe("tfidf", {}, {}, ([], []), ([], []), 0, clock=lambda: next(times),
                            measure=measure)
    assert calls == ["tfidf", "tfidf"] and estimate.seconds() == 90.0
    assert "the lower of two probes: the first took" in estimate.how
    # a quick probe is not repeated
    times, answers, calls = iter([0.0, 1.0]), iter([Estimate(30.0, how="quick")]), []
    estimate = steady_probe("tfidf", {}, {}, ([], []), ([], []), 0, clock=lambda: next(times),
                            measure=measure)
    assert calls == ["tfidf"] and estimate.how == "quick"


def test_a_climb_logs_one_line_per_row_when_not_on_a_terminal(tmp_path, sentiment_csv):
    result = run("train", sentiment_csv, "--models", "tfidf,soft_vote", "--set", "C=[10]",
                 "--budget", "1", "--out", tmp_path / "r")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith(("baseline", "tfidf",
                                                                            "soft_vote"))]
    assert lines[0].startswith("baseline: done, valid ") and lines[1].startswith("tfidf: done")
    assert "s of 60 s]" in lines[1]
    assert lines[2].startswith("soft_vote: skipped")  # one rung: nothing to vote
    assert len(lines) == 3  # each row once (the last was said again when the best was chosen)
    assert "leaderboard" not in result.stderr  # the table: once, at the end, on stdout
    assert result.stdout.count("leaderboard") == 1


def test_a_rung_no_better_than_the_baseline_is_no_ensemble_member(tmp_path, monkeypatch):
    from textladder.families import registry

    # 'sleepy' (the baseline's answers, as a rung) in a copy of the registry, for this test only
    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    import sleepy_family

    registry._FAMILIES["sleepy"] = sleepy_family.SleepyFamily

    out = tmp_path / "run"
    report = climb(TrainJob(data="t.csv", out=str(out), models=("tfidf", "fasttext", "sleepy",
                                                                "soft_vote"),
                            model_params=TINY), splits_for("multiclass"), estimate=quick)
    rows = {r["name"]: r for r in report["leaderboard"]["rows"]}
    assert rows["sleepy"]["status"] == "done"
    assert rows["sleepy"]["valid_score"] == rows["baseline"]["valid_score"]
    assert set(rows["soft_vote"]["members"]) == {"tfidf", "fasttext"}


def test_a_climbs_log_says_each_new_or_changed_row_once(monkeypatch):
    """Rows keep their places on the board (a rung run after one skipped up front is put
    before it), so the log looks at every row, not the last."""
    import io

    from rich.console import Console

    from textladder.cli import render

    stream = io.StringIO()
    monkeypatch.setattr(render, "err", Console(file=stream, width=200))

    def board(*rows):
        return {"primary_metric": "f1", "budget_seconds": 60, "seconds": 1,
                "rows": [{"name": n, "status": s, "valid_score": v, "train_seconds": 1.0,
                          "reason": r} for n, s, v, r in rows]}

    base = ("baseline", "done", 0.2, None)
    late = ("finetune", "skipped", None, "would take about 900 s")
    show = render.leaderboard_progress()
    show(board(base, late))
    show(board(base, ("tfidf", "done", 0.6, None), late))  # tfidf put before the skipped row
    ran = ("finetune", "done", 0.7, "run at the end")
    show(board(base, ("tfidf", "done", 0.6, None), ran))
    show(board(base, ("tfidf", "done", 0.6, None), ran))  # the best chosen: nothing new
    lines = stream.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["baseline", "finetune", "tfidf", "finetune"]
    assert lines[1].startswith("finetune: skipped") and lines[3].startswith("finetune: done")


def test_a_climb_resumed_with_fewer_rungs_is_refused(tmp_path, sentiment_csv):
    out = tmp_path / "r"
    first = run("train", sentiment_csv, "--models", "tfidf,baseline", "--budget", "1", "--out",
                out, "--no-report")
    assert first.exit_code == 0, first.output
    board = (out / "leaderboard.json").read_text()
    # a climb of another rung alone would lose tfidf's row and could replace best/
    assert_clean_error(run("train", sentiment_csv, "--models", "wordvec,baseline", "--budget",
                           "1", "--out", out, "--no-report"),
                       "holds the rung tfidf of an earlier climb, which --models leaves out")
    assert (out / "leaderboard.json").read_text() == board


def test_a_reused_row_keeps_what_its_own_run_said_of_it():
    from textladder.ladder.leaderboard import Row
    from textladder.workflows.climb import REUSED, _reused_reason

    cut = Row("gru", "gru", reason="cut to 3 of 10 epochs to fit its share of the budget")
    once = _reused_reason(cut)
    assert once == f"{REUSED}; cut to 3 of 10 epochs to fit its share of the budget"
    assert _reused_reason(Row("gru", "gru", reason=once)) == once  # reused again: said once
    assert _reused_reason(None) == _reused_reason(Row("tfidf", "tfidf")) == REUSED


@pytest.mark.parametrize("models", ["baseline", "soft_vote", "baseline,stack"])
def test_models_that_name_no_rung_are_refused(tmp_path, sentiment_csv, models):
    assert_clean_error(run("train", sentiment_csv, "--models", models, "--out", tmp_path / "r"),
                       f"--models {models} names no rung to climb")
    assert not (tmp_path / "r").exists()


def test_a_soft_vote_that_weighs_a_member_at_nothing_says_so():
    from textladder.workflows.climb import _weights_note

    def chosen(*weights):
        return {"combiner": {"head": "softmax", "weights": list(weights)}}

    members = ["finetune", "gru", "tfidf"]
    assert _weights_note(chosen(0.5, 0.3, 0.2), members) is None  # every member counts
    assert _weights_note(chosen(0.0, 1.0, 0.0), members) == \
        "all its weight is on gru: it predicts as gru does"
    assert _weights_note(chosen(0.7, 0.3, 0.001), members) == \
        "weights finetune 0.70, gru 0.30; tfidf weighs nothing"
    assert _weights_note({"combiner": {"head": "softmax", "C": 1.0}}, members) is None  # stack


def test_one_rung_no_better_than_the_baseline_is_said(tmp_path, monkeypatch):
    from textladder.families import registry

    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    import sleepy_family

    registry._FAMILIES["sleepy"] = sleepy_family.SleepyFamily  # the baseline's answers
    report = climb(TrainJob(data="t.csv", out=str(tmp_path / "s"), model="sleepy"),
                   splits_for("multiclass"), estimate=quick)
    below = report["below_baseline"]
    assert below["metric"] == "macro_f1" and below["rung"] <= below["baseline"]
    learned = climb(TrainJob(data="t.csv", out=str(tmp_path / "t"), model="tfidf",
                             model_params={"C": [10.0]}), splits_for("multiclass"),
                    estimate=quick)
    assert learned["below_baseline"] is None  # it separates the tiny data


def test_train_warns_when_its_one_rung_learned_nothing(tmp_path, monkeypatch, sentiment_csv):
    from textladder.families import registry

    monkeypatch.setattr(registry, "_FAMILIES", dict(registry._FAMILIES))
    import sleepy_family

    registry._FAMILIES["sleepy"] = sleepy_family.SleepyFamily
    said = run("train", sentiment_csv, "--model", "sleepy", "--out", tmp_path / "s",
               "--no-report")
    assert said.exit_code == 0, said.output
    shown = " ".join(said.stdout.split())
    assert "warning: sleepy scored macro_f1" in shown
    assert "no better than a baseline that ignores the text" in shown


def test_output_to_a_file_is_wide_enough_for_the_leaderboards_notes(monkeypatch):
    import io

    from textladder.cli.render import LOG_WIDTH, _width

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("COLUMNS", raising=False)
    assert _width(io.StringIO()) == LOG_WIDTH >= 150  # a log: one or two lines a row
    assert _width(Terminal()) is None  # a terminal says its own width
    monkeypatch.setenv("COLUMNS", "100")
    assert _width(io.StringIO()) is None  # as the user set it


def test_a_frozen_encoders_cache_hits_do_not_shorten_the_other_rungs_estimates(tmp_path):
    climb_ = Climb(TrainJob(data="t.csv", out=str(tmp_path / "r"), models=("tfidf", "minilm")),
                   splits_for("multiclass"), estimate=quick)
    climb_.results = {"tfidf": None, "gru": None, "minilm": None}
    climb_.measured = {"tfidf": (10.0, 10.0), "gru": (24.0, 30.0),
                       "minilm": (6.0, 98.0)}  # its texts were in the embedding cache
    assert climb_._factor(optimistic=True) == pytest.approx(34 / 40)  # minilm left out
    assert climb_._factor() == 1.0  # never below 1 but for a second chance
