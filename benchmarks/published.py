"""Published test-set figures to compare with, copied by hand from ../shared/data/README.md.

Values are fractions (the README's 62.9 is 0.629 here); a range is a (low, high) pair. Each entry
names its metric, the system, and the source the README gives. These numbers are quoted, never
measured; caveats say where our data differ from the published setting.
"""

from __future__ import annotations

from dataclasses import dataclass

README = "../shared/data/README.md"


@dataclass(frozen=True)
class Figure:
    system: str
    value: float | tuple[float, float]
    source: str


TWEETEVAL = "Barbieri et al. 2020, cardiffnlp/tweeteval README"
MUNIKAR = "Munikar et al. 2019"

PUBLISHED: dict[str, dict] = {
    "tweeteval-sentiment": {
        "metric": "macro_recall",
        "figures": [Figure("SVM", 0.629, TWEETEVAL), Figure("FastText", 0.629, TWEETEVAL),
                    Figure("LSTM", 0.583, TWEETEVAL), Figure("RoBERTa-base", 0.713, TWEETEVAL),
                    Figure("RoBERTa-retrained", 0.728, TWEETEVAL),
                    Figure("BERTweet", 0.734, TWEETEVAL), Figure("TimeLMs-2021", 0.737, TWEETEVAL)],
        "caveat": "our train split is rebuilt from SemEval 2013-2016 (47,469 rows against the "
                  "official 45,615); valid and test are the official files, so figures are close "
                  "to, not identical with, the published setting",
    },
    "sst5": {
        "metric": "accuracy",
        "figures": [Figure("Tree-LSTM", 0.510, "Tai et al. 2015"),
                    Figure("BERT-base", 0.532, MUNIKAR), Figure("BERT-large", 0.555, MUNIKAR),
                    Figure("RoBERTa-large", (0.598, 0.602), README)],
        "caveat": "sentence-level fine-grained SST",
    },
    "goemotions": {
        "metric": "macro_f1",
        "figures": [Figure("BERT-base", 0.46, "Demszky et al. 2020"),
                    Figure("bert-base-cased (reproduction)", 0.503,
                           "monologg/GoEmotions-pytorch")],
        "caveat": "macro-F1 over the 28 labels",
    },
    "sst2": {
        "metric": "accuracy",
        "figures": [Figure("RNTN", 0.854, "Socher et al. 2013"),
                    Figure("Tree-LSTM", 0.880, README),
                    Figure("BERT-base", (0.912, 0.927), README)],
        "caveat": "our test split is the GLUE dev set, which the published figures use",
    },
}
