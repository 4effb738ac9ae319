"""Threshold search: exact F1 optimum, and the guard for labels with few positives."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from textladder.thresholds import accuracy_threshold, best_f1_threshold, per_label_thresholds


def test_best_f1_threshold_matches_brute_force():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    scores = np.clip(0.3 * y + rng.normal(0.35, 0.2, 300), 0, 1)
    threshold, f1 = best_f1_threshold(y, scores)
    brute = max(f1_score(y, scores >= t) for t in np.unique(scores))
    assert abs(f1 - brute) < 1e-12
    assert abs(f1_score(y, scores >= threshold) - brute) < 1e-12


def test_threshold_is_not_half_when_scores_are_shifted():
    y = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.05, 0.1, 0.15, 0.3, 0.35, 0.4])
    threshold, f1 = best_f1_threshold(y, scores)
    assert f1 == 1.0 and 0.15 < threshold <= 0.3


def test_rare_labels_fall_back_to_the_pooled_threshold():
    rng = np.random.default_rng(1)
    y = np.zeros((200, 3), dtype=int)
    y[:80, 0] = 1
    y[100:180, 1] = 1
    y[[5, 150], 2] = 1  # only two positives
    scores = np.clip(y * 0.4 + rng.uniform(0, 0.5, y.shape), 0, 1)
    thresholds, guarded = per_label_thresholds(y, scores, min_positives=5)
    pooled, _ = best_f1_threshold(y.ravel(), scores.ravel())
    assert guarded == [2]
    assert thresholds[2] == pooled
    assert thresholds[0] != pooled or thresholds[1] != pooled


def test_an_accuracy_cut_moves_from_half_only_beyond_the_noise_of_validation():
    rng = np.random.default_rng(0)
    # calibrated probabilities on 700 rows: the best cut on this sample is not 0.5, but its lead
    # over 0.5 is luck of the rows, so 0.5 is kept
    p = rng.uniform(size=700)
    y = rng.uniform(size=700) < p
    assert accuracy_threshold(y, p) == (0.5, float(np.mean((p >= 0.5) == y)))
    # probabilities shifted up (the positives' weight counted twice): the right cut is 2/3,
    # and on 5,000 rows the lead over 0.5 is far beyond the noise
    p = rng.uniform(size=5000)
    y = rng.uniform(size=5000) < p
    shifted = 2 * p / (1 + p)
    threshold, accuracy = accuracy_threshold(y, shifted)
    assert abs(threshold - 2 / 3) < 0.06
    assert accuracy > np.mean((shifted >= 0.5) == y) + 0.03
