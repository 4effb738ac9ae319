"""Texts that repeat or sit inside one another stay on one side of automatic splits."""

from __future__ import annotations

import numpy as np

from textladder.data.groups import text_groups, tokens
from textladder.data.split import split_holdout


def _phrases(sentence: str) -> list[str]:
    """Every contiguous span of a sentence, the way SST-2's training file lists them."""
    words = sentence.split()
    return [" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1)]


def _inside(short: str, long: str) -> bool:
    a, b = tokens(short), tokens(long)
    return any(b[i:i + len(a)] == a for i in range(len(b) - len(a) + 1))


def test_a_sentence_and_its_phrases_form_one_group_and_repeats_join_it():
    texts = ["a gorgeous film about love", "gorgeous film", "a gorgeous", "Gorgeous!",
             "a gorgeous film", "dull and long", "and long", "dull and long"]
    groups = text_groups(texts)
    of = groups.of_row
    assert len({of[0], of[1], of[2], of[4]}) == 1  # the sentence and its phrases
    assert of[5] == of[6] == of[7] != of[0]  # another sentence, its phrase and its repeat
    assert of[3] not in (of[0], of[5])  # "!" makes it a text of its own, inside none
    assert groups.summary()["groups"] == 2 and groups.repeated_rows == 1


def test_a_phrase_inside_several_sentences_is_held_out_only_with_all_of_them():
    texts = ["the film is great", "the film is awful", "the film", "film is great"]
    groups = text_groups(texts)
    shared = groups.of_row[2]
    assert groups.inside[shared] == tuple(sorted({groups.of_row[0], groups.of_row[1]}))
    assert groups.of_row[3] == groups.of_row[0]  # inside only the first sentence
    kept, held = groups.split_rows({groups.of_row[0]})
    assert (set(kept), set(held)) == ({1, 2}, {0})  # "film is great" is in neither part
    kept, held = groups.split_rows({groups.of_row[0], groups.of_row[1]})
    assert (set(kept), set(held)) == (set(), {0, 1})


def test_no_held_out_text_is_a_training_text_or_inside_one():
    rng = np.random.default_rng(0)
    words = ["good", "bad", "film", "plot", "very", "not", "the", "acting", "dull", "fun"]
    sentences = {" ".join(rng.choice(words, size=rng.integers(4, 8))) for _ in range(60)}
    texts, labels = [], []
    for k, sentence in enumerate(sorted(sentences)):
        for phrase in _phrases(sentence):
            texts.append(phrase)
            labels.append("pos" if k % 2 else "neg")
    kept, held = split_holdout(labels, "binary", 0.2, 0, texts=texts)
    assert len(held) and len(kept) and not set(kept) & set(held)
    kept_texts = {texts[i] for i in kept}
    for i in held:
        assert not any(_inside(texts[i], other) for other in kept_texts), texts[i]
        assert not any(_inside(texts[j], texts[i]) for j in held if j != i)  # whole texts only
    left_out = set(range(len(texts))) - set(kept) - set(held)
    assert all(any(_inside(texts[j], texts[i]) for i in held) for j in left_out)


def test_tables_without_repeats_split_as_before():
    texts = [f"text number {i} of many" for i in range(40)]
    labels = ["a", "b"] * 20
    assert text_groups(texts).trivial
    plain = split_holdout(labels, "binary", 0.1, 3)
    grouped = split_holdout(labels, "binary", 0.1, 3, texts=texts)
    assert all(np.array_equal(a, b) for a, b in zip(plain, grouped))


def test_large_tables_look_for_shorter_texts_inside_others(monkeypatch):
    import textladder.data.groups as groups_module

    texts = ["a b c d e f", "b c", "c d e f", "x y", "x y"]
    monkeypatch.setattr(groups_module, "PREFIX_BUDGET", 9)  # room for texts of 2 tokens only
    of = text_groups(texts).of_row
    assert of[1] == of[0] and of[2] != of[0]  # "c d e f" (4 tokens) is no longer looked for
    assert of[3] == of[4]  # repeats are grouped whatever the budget
    monkeypatch.setattr(groups_module, "PREFIX_BUDGET", 0)
    of = text_groups(texts).of_row
    assert len(set(of[:3])) == 3 and of[3] == of[4]


def test_train_says_how_many_texts_inside_held_out_ones_are_in_no_part(tmp_path):
    from cli_helpers import run_json
    from conftest import write_table

    texts, labels = [], []
    rng = np.random.default_rng(1)
    words = ["good", "bad", "film", "plot", "very", "not", "the", "acting", "dull", "fun"]
    for k in range(40):
        sentence = " ".join(rng.choice(words, size=4)) + f" s{k}"  # no two sentences share one
        for phrase in _phrases(sentence)[:6]:
            texts.append(phrase)
            labels.append("pos" if k % 2 else "neg")
    data = write_table(tmp_path / "phrases.csv", texts, labels)
    report = run_json("train", data, "--model", "tfidf", "--set", "C=[1]", "--out",
                      tmp_path / "run", "--no-report")
    rows = report["data"]["rows"]
    assert rows["inside_held_out"] > 0
    assert rows["train"] + rows["valid"] + rows["test"] + rows["inside_held_out"] == len(texts)
