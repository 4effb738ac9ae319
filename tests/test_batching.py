"""Batches grouped by size: every row once per epoch, little padding, predictions in row order."""

from __future__ import annotations

import numpy as np
import pytest

from textladder.neural.batching import grouped_batches, shuffled_batches

torch = pytest.importorskip("torch")

from textladder.neural.heads import TorchHead  # noqa: E402
from textladder.neural.trainer import Trainer  # noqa: E402


def test_grouped_batches_visit_every_row_once_with_rows_of_similar_size():
    rng = np.random.default_rng(0)
    sizes = rng.integers(1, 200, size=1000)
    batches = grouped_batches(sizes, batch_size=16, rng=rng, pool=10)
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(1000))
    assert len(batches) == len(shuffled_batches(1000, 16, rng))  # schedules count the same steps
    spread = np.mean([np.ptp(sizes[b]) for b in batches])
    random_spread = np.mean([np.ptp(sizes[b]) for b in shuffled_batches(1000, 16, rng)])
    assert spread < random_spread / 4


def test_grouped_batches_come_in_random_order():
    sizes = np.arange(640)
    first = [b[0] for b in grouped_batches(sizes, 8, np.random.default_rng(1), pool=80)]
    assert first != sorted(first)


class SizedBatcher:
    """Rows are numbers; a row's size is the number itself; the batch records what it saw."""

    def __init__(self, values):
        self.values, self.seen = np.asarray(values, dtype=np.float32), []

    def row_sizes(self):
        return self.values

    def __call__(self, rows):
        self.seen.append(self.values[rows])
        return (torch.from_numpy(self.values[rows]).unsqueeze(1),)


def test_prediction_batches_sorted_by_size_come_back_in_row_order():
    values = np.random.default_rng(2).permutation(50).astype(np.float32)
    trainer = Trainer(torch.nn.Identity(), TorchHead("linear", 1), None, None,
                      predict_batch_size=8)
    batcher = SizedBatcher(values)
    logits = trainer.predict_logits(batcher, len(values))
    assert logits[:, 0].tolist() == values.tolist()
    assert all(np.ptp(seen) <= 7 for seen in batcher.seen)  # each batch held neighbours in size


@pytest.mark.parametrize("grouped", [True, False])
def test_training_groups_rows_by_size_only_when_asked(grouped):
    from textladder.tasks import make_task

    values = np.random.default_rng(3).permutation(512).astype(np.float32)
    module = torch.nn.Linear(1, 1)
    trainer = Trainer(module, TorchHead("linear", 1), make_task("regression").fit([0.0, 1.0]),
                      torch.optim.SGD(module.parameters(), lr=1e-6), max_epochs=1,
                      batch_size=16, group_by_size=grouped)
    batcher = SizedBatcher(values)
    trainer.fit(batcher, values / 512, SizedBatcher(values[:8]), values[:8] / 512)
    spreads = [np.ptp(seen) for seen in batcher.seen]
    assert sorted(np.concatenate(batcher.seen).tolist()) == sorted(values.tolist())
    assert (np.mean(spreads) < 100) == grouped
