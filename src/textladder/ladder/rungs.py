"""What the climb knows about the rungs: their order, their priority, and how small they start.

`LADDER` is the order of the roadmap, cheapest idea first; the climb runs the rungs it keeps in
the order of their estimated cost on the data at hand, which is close to it. `PRIORITY` says which
rungs the plan keeps first when the budget cannot hold them all, from what the benchmarks
(BENCHMARKS.md, 2 cores) showed each buys for its time: tf-idf and fastText are cheap and strong;
frozen MiniLM embeddings are a few minutes and the most different from them, which ensembles
need; one epoch of fine-tuning beat every other rung on all four datasets; a single recurrent rung
(the GRU, best of the three on three datasets of four) comes before the other two, which add
little beside it; word-vector means were the weakest rung everywhere.

A family registered elsewhere and not named here is climbed after these, in registration order.
"""

from __future__ import annotations

LADDER = ("tfidf", "fasttext", "wordvec", "lstm", "bilstm", "gru", "minilm", "finetune")
PRIORITY = ("tfidf", "fasttext", "minilm", "finetune", "gru", "wordvec", "bilstm", "lstm")
BASELINE = "baseline"
ENSEMBLES = ("soft_vote", "hard_vote", "stack")

# The fewest epochs worth running when a rung's share is cut short: fine-tuning is strong after
# one; recurrent nets over frozen embeddings gain most in their first three.
MIN_EPOCHS = {"finetune": 1, "lstm": 3, "bilstm": 3, "gru": 3, "wordvec": 3}
DEFAULT_MIN_EPOCHS = 2

# Rows of the training data each timed probe fits on; fewer for the rungs whose rows are costly.
PROBE_ROWS = {"tfidf": 1000, "fasttext": 1000, "wordvec": 1000, "lstm": 300, "bilstm": 300,
              "gru": 300, "minilm": 256, "finetune": 64}
DEFAULT_PROBE_ROWS = 300

# How the part of a rung's time outside its epochs grows with the rows (`costs.py`): "rows", in
# proportion to them (features, word2vec and linear models: tfidf, wordvec, and any rung that is
# not a torch rung); "encode", a fixed part (loading the encoder) and each text encoded once
# (frozen MiniLM); "fixed", loading and setting up, which the rows barely change (the other torch
# rungs, whose work is in their epochs).
SCALING = {"tfidf": "rows", "wordvec": "rows", "minilm": "encode"}
DEFAULT_SCALING = "fixed"


def fits(name: str, settings: dict) -> int:
    """How many times the rung trains its epochs with these (resolved) settings: fastText fits
    once per batch size with `batch_size="auto"`, and once more with word bigrams when
    `word_ngrams` is "auto"."""
    from textladder.families import get_family

    return getattr(get_family(name), "planned_fits", lambda _: 1)(settings)


# Ensembles: the best rungs by validation they are built over.
SOFT_MEMBERS = 5  # soft voting and stacking weigh their members, so a weak one costs little
HARD_MEMBERS = 3  # hard voting counts every member's vote equally: the best three


def climb_order(names: list[str]) -> list[str]:
    """`names` in ladder order, unknown ones last in their given order."""
    known = [n for n in LADDER if n in names]
    return known + [n for n in names if n not in LADDER]


def priority(name: str) -> int:
    return PRIORITY.index(name) if name in PRIORITY else len(PRIORITY)


def min_epochs(name: str, epochs: int) -> int:
    return max(1, min(epochs, MIN_EPOCHS.get(name, DEFAULT_MIN_EPOCHS)))
