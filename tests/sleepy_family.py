"""A throwaway rung for the resume test, registered only in the processes that import it.

`sleepy` predicts like the baseline, but its fit first touches the file named by
TEXTLADDER_TEST_MARKER, then sleeps TEXTLADDER_TEST_SLEEP seconds: long enough to be killed in.
Run as a script, it is the command line with this rung registered.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from textladder.families.baseline import BaselineFamily
from textladder.families.registry import register


@register
class SleepyFamily(BaselineFamily):
    name = "sleepy"
    summary = "the baseline, after a nap (tests only)"

    def fit(self, texts, targets, task, valid, seed=0, progress=None):
        marker = os.environ.get("TEXTLADDER_TEST_MARKER")
        if marker:
            Path(marker).write_text("fitting")
        time.sleep(float(os.environ.get("TEXTLADDER_TEST_SLEEP", "0")))
        return super().fit(texts, targets, task, valid, seed, progress)


if __name__ == "__main__":
    from textladder.cli.app import main

    sys.argv = ["textladder", *sys.argv[1:]]
    main()
