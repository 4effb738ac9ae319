"""Each learning-rate schedule a torch rung can be given changes the rate as documented.

The callbacks that `TorchFamily._callbacks` builds for `schedule=` are driven here by a fake
trainer whose optimizer is two parameter groups (a rung may give its head another rate): no
torch, no training, only the rates each hook leaves behind.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from textladder.errors import TextladderError
from textladder.families import get_family

START = (0.1, 0.01)  # two parameter groups, as finetune's encoder and head


class FakeModule:
    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def drive(schedule: str, scores: list[float], batches: int = 5, warmup: float | None = None):
    """The rates of both groups after every batch and every epoch, for one validation score per
    epoch; the callbacks are those the `lstm` rung builds (any torch rung shares them; the
    share of warm-up steps is a setting of finetune's, 0.1 for the others)."""
    family = get_family("lstm")(schedule=schedule, patience=100)
    family.settings_ = family.resolved_settings()
    if warmup is not None:
        family.settings_["warmup"] = warmup
    callbacks = family._callbacks(progress=SimpleNamespace(step=_no_step))
    trainer = SimpleNamespace(module=FakeModule(), planned_steps=len(scores) * batches,
                              optimizer=SimpleNamespace(param_groups=[{"lr": lr} for lr in START]),
                              stop=False)
    rates = []

    def record():
        rates.append(tuple(group["lr"] for group in trainer.optimizer.param_groups))

    for callback in callbacks:
        callback.on_train_begin(trainer)
    record()
    for epoch, score in enumerate(scores, start=1):
        for _ in range(batches):
            for callback in callbacks:
                callback.on_batch_end(trainer, 0.0)
            record()
        for callback in callbacks:
            callback.on_epoch_end(trainer, {"epoch": epoch, "train_loss": 0.0,
                                            "valid_score": score})
        record()
    return rates


class _Step:
    def advance(self):
        pass

    def update(self, text):
        pass


class _no_step:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return _Step()

    def __exit__(self, *exc):
        return False


def test_none_keeps_the_rate():
    rates = drive("none", [0.5, 0.4, 0.3, 0.2])
    assert set(rates) == {START}


def test_plateau_halves_the_rate_after_two_epochs_without_improvement():
    scores = [0.5, 0.6, 0.6, 0.55, 0.7, 0.65, 0.65, 0.65, 0.65]
    batches = 5
    rates = drive("plateau", scores, batches)
    per_epoch = [rates[(batches + 1) * e][0] for e in range(1, len(scores) + 1)]
    # epochs 3 and 4 stall: halved after 4; 5 improves; 6 and 7 stall: halved after 7;
    # 8 and 9 stall again: halved after 9
    assert per_epoch == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.0125])
    assert all(a[1] / a[0] == pytest.approx(0.1) for a in rates)  # each group keeps its ratio
    unchanged_within_epochs = [rates[i] for i in range(1, len(rates)) if i % (batches + 1)]
    assert all(r in {(0.1, 0.01), (0.05, 0.005), (0.025, 0.0025)} for r in
               unchanged_within_epochs)


def test_plateau_never_goes_below_its_floor():
    rates = drive("plateau", [0.5] + [0.4] * 40, batches=1)
    assert min(r[1] for r in rates) == pytest.approx(1e-5)  # the head group: 0.01 halved ...


@pytest.mark.parametrize("schedule", ["linear", "warmup_linear"])
def test_linear_decays_to_zero_over_the_planned_steps(schedule):
    warmup = 0.2 if schedule == "warmup_linear" else None
    scores = [0.5, 0.6, 0.7, 0.8]
    rates = drive(schedule, scores, batches=5, warmup=warmup)
    steps = [r for i, r in enumerate(rates) if i % 6]  # after each batch (epoch ends change nothing)
    assert steps[-1] == (0.0, 0.0)
    rise = 4 if schedule == "warmup_linear" else 0  # 20 % of the 20 planned steps
    first = [r[0] for r in steps]
    if rise:
        assert rates[0][0] == pytest.approx(0.1 / (rise + 1))  # starts low
        assert first[:rise] == sorted(first[:rise])  # rises
        assert first[rise - 1] == pytest.approx(0.1)  # to the rate given, then decays
    else:
        assert rates[0] == START
    decay = first[rise - 1 if rise else 0:]
    differences = [a - b for a, b in zip(decay, decay[1:])]
    assert differences == pytest.approx([0.1 / (20 - rise)] * len(differences))  # linearly
    assert all(r[1] == pytest.approx(r[0] / 10) for r in rates)


def test_an_unknown_schedule_or_warmup_is_refused():
    with pytest.raises(TextladderError, match="schedule must be one of plateau, linear, none"):
        drive("cosine", [0.5])
    with pytest.raises(TextladderError, match="warmup is the share"):
        drive("warmup_linear", [0.5], warmup=1.5)
