"""Each task builds the output layer and loss that it describes (`Task.describe`, README's table)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from textladder.neural.heads import make_head  # noqa: E402
from textladder.tasks import make_task  # noqa: E402

LABELS = {"binary": ["n", "y"], "multiclass": ["a", "b", "c"], "ordinal": [1, 2, 3],
          "multilabel": [("a",), ("b",), ("a", "b")], "regression": [0.0, 0.5, 1.0]}


def _head(name: str):
    labels = LABELS[name] * 4
    task = make_task(name).fit(labels)
    targets = task.encode(labels)
    head = make_head(task, targets)
    logits = torch.randn(len(targets), head.n_units, generator=torch.Generator().manual_seed(0))
    return task, targets, head, logits


def test_binary_one_sigmoid_unit_with_binary_cross_entropy():
    task, targets, head, logits = _head("binary")
    assert "one sigmoid unit" in task.describe()["output_layer"] and head.n_units == 1
    output = head.to_output(logits)
    np.testing.assert_allclose(output[:, 1], torch.sigmoid(logits[:, 0]).numpy(), rtol=1e-6)
    expected = F.binary_cross_entropy_with_logits(logits[:, 0], torch.tensor(targets).float())
    assert float(head.loss(logits, head.target_tensor(targets))) == pytest.approx(float(expected))


def test_multiclass_softmax_units_with_cross_entropy():
    task, targets, head, logits = _head("multiclass")
    assert "softmax" in task.describe()["output_layer"] and head.n_units == 3
    np.testing.assert_allclose(head.to_output(logits), torch.softmax(logits, 1).numpy(), rtol=1e-6)
    expected = F.cross_entropy(logits, torch.tensor(targets))
    assert float(head.loss(logits, head.target_tensor(targets))) == pytest.approx(float(expected))


def test_multilabel_independent_sigmoids_with_cross_entropy_summed_over_labels():
    task, targets, head, logits = _head("multilabel")
    assert "independent sigmoid" in task.describe()["output_layer"] and head.n_units == 2
    output = head.to_output(logits)
    np.testing.assert_allclose(output, torch.sigmoid(logits).numpy(), rtol=1e-6)
    assert not np.allclose(output.sum(axis=1), 1.0)  # the labels do not compete
    per_label = F.binary_cross_entropy_with_logits(logits, torch.tensor(targets).float(),
                                                   reduction="none")
    assert float(head.loss(logits, head.target_tensor(targets))) == \
        pytest.approx(float(per_label.sum(1).mean()))


def test_ordinal_k_minus_one_cumulative_units():
    task, targets, head, logits = _head("ordinal")
    assert "K-1 sigmoid units" in task.describe()["output_layer"] and head.n_units == 2
    # CORN: unit k learns P(level > k | level >= k) on the rows with level >= k
    expected = sum(F.binary_cross_entropy_with_logits(
        logits[targets >= k, k], torch.tensor(targets[targets >= k] > k).float(),
        reduction="sum") for k in range(2)) / len(targets)
    assert float(head.loss(logits, head.target_tensor(targets))) == pytest.approx(float(expected))
    greater = np.cumprod(torch.sigmoid(logits).numpy(), axis=1)
    output = head.to_output(logits)
    np.testing.assert_allclose(1 - np.cumsum(output, axis=1)[:, :-1], greater, atol=1e-6)


def test_regression_one_linear_unit_without_a_sigmoid_even_for_scores_in_0_1():
    task, targets, head, logits = _head("regression")  # scores 0, 0.5 and 1
    assert task.describe()["output_layer"].startswith("one linear unit") and head.n_units == 1
    output = head.to_output(torch.tensor([[-10.0], [0.0], [10.0]]))
    assert output[0] < 0.0 and output[2] > 1.0  # nothing squashes it into [0, 1]
    np.testing.assert_allclose(np.diff(output), np.diff(output)[0])  # linear in the logit
    assert "sigmoid" not in task.describe()["output_layer"].replace("no sigmoid", "")
    standardised = (torch.tensor(targets) - head.shift) / head.scale
    expected = F.mse_loss(logits[:, 0], standardised.float())
    assert float(head.loss(logits, head.target_tensor(targets))) == pytest.approx(float(expected))


def _focal_head(name: str, weights):
    labels = LABELS[name] * 4
    task = make_task(name).fit(labels)
    targets = task.encode(labels)
    head = make_head(task, targets, weights, gamma=2.0)
    logits = torch.randn(len(targets), head.n_units, generator=torch.Generator().manual_seed(1))
    return targets, head, logits


def test_focal_binary_scales_each_row_by_its_error_to_the_gamma():
    targets, head, logits = _focal_head("binary", [1.0, 3.0])  # the positive weighs 3
    y = torch.tensor(targets).float()
    p = torch.sigmoid(logits[:, 0])
    right = p * y + (1 - p) * (1 - y)
    ce = F.binary_cross_entropy_with_logits(logits[:, 0], y, pos_weight=torch.tensor(3.0),
                                            reduction="none")
    expected = ((1 - right) ** 2 * ce).mean()
    assert float(head.loss(logits, head.target_tensor(targets))) == pytest.approx(float(expected))


def test_focal_multiclass_is_the_alpha_weighted_mean():
    targets, head, logits = _focal_head("multiclass", [1.0, 2.0, 4.0])
    y = torch.tensor(targets)
    p_right = torch.softmax(logits, 1).gather(1, y[:, None]).squeeze(1)
    alpha = torch.tensor([1.0, 2.0, 4.0])[y]
    expected = (alpha * -(1 - p_right) ** 2 * torch.log(p_right)).sum() / alpha.sum()
    assert float(head.loss(logits, head.target_tensor(targets))) == pytest.approx(float(expected),
                                                                                   rel=1e-5)


def test_focal_multilabel_and_ordinal_and_gamma_zero_is_the_plain_loss():
    targets, head, logits = _focal_head("multilabel", [2.0, 0.5])
    y = torch.tensor(targets).float()
    p = torch.sigmoid(logits)
    right = p * y + (1 - p) * (1 - y)
    ce = F.binary_cross_entropy_with_logits(logits, y, pos_weight=torch.tensor([2.0, 0.5]),
                                            reduction="none")
    expected = ((1 - right) ** 2 * ce).sum(1).mean()
    assert float(head.loss(logits, head.target_tensor(targets))) == pytest.approx(float(expected))
    # the ordinal head's events are focal too, and lighter than plain cross-entropy
    targets, head, logits = _focal_head("ordinal", None)
    plain = make_head(make_task("ordinal").fit(LABELS["ordinal"] * 4), targets)
    assert 0 < float(head.loss(logits, head.target_tensor(targets))) < \
        float(plain.loss(logits, plain.target_tensor(targets)))
    assert plain.gamma == 0.0
