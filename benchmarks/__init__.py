"""textladder's benchmark harness: textladder families against peers on four public datasets.

Run it from the repository root with `python -m benchmarks run` (see `__main__.py`); from Python,
`benchmarks.runner.run_benchmarks`. Modules, one concept each: `datasets` (specs, reading,
splits), `systems` (the interface; textladder families), `peers` and `fasttext_peer` (the
systems compared against), `measure` (one pair in a forked worker: time, throughput, memory),
`results` (the results file and merging), `published` (quoted figures), `report` (BENCHMARKS.md),
`runner` (the loop). It is not part of the installed textladder package.
"""
