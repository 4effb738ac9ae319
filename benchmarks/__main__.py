"""Command line: `python -m benchmarks run [...]` and `python -m benchmarks report [...]`.

    python -m benchmarks run                                  # all -> results.json, BENCHMARKS.md
    python -m benchmarks run --datasets sst5 --models tfidf   # merges into results.json
    python -m benchmarks run --quick                          # -> benchmarks/out/results-quick.json
    python -m benchmarks report                               # BENCHMARKS.md from results.json
    python -m benchmarks int8-study --datasets goemotions     # -> benchmarks/int8-study.md
    python -m benchmarks calibration                          # temperature scaling, before/after
    python -m benchmarks load                                 # the server under load
    python -m benchmarks memory                               # predict --input: 100k vs 1M rows
    python -m benchmarks ray-check --rows 100000              # Ray's predictions = local ones
    python -m benchmarks features                             # claff with and without columns
    python -m benchmarks imbalance --datasets goemotions      # strategies x rungs, merged
    python -m benchmarks speed                                # minilm vs finetune predict speed

Only parses arguments and calls `runner.run_benchmarks`, `report.write_report`,
`int8_study.run_study`, `calibration.run_calibration`, `load.run_load`, `memory.run_memory`,
`ray_check.check`, `features.run_features`, `imbalance.run_imbalance` or `speed.run_speed`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.datasets import SPECS
from benchmarks.report import write_report
from benchmarks.results import (QUICK_RESULTS, RESULTS, merge_section, read_results, run_info,
                                write_results)
from benchmarks.runner import BenchmarkError, default_report, run_benchmarks


def _names(value: str) -> list[str]:
    return [name.strip() for name in value.split(",") if name.strip()]


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"a whole number, 1 or more; got {value!r}")
    return int(value)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    commands = main.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="measure (dataset, system) pairs and merge the results")
    run.add_argument("--datasets", type=_names, help=f"comma-separated; default: all of "
                     f"{', '.join(SPECS)}")
    run.add_argument("--models", type=_names, help="comma-separated systems; default: every "
                     "textladder family and every available peer (peer:sklearn, ...)")
    run.add_argument("--quick", action="store_true", help="small slices, smaller fastText grid; "
                     "writes benchmarks/out/results-quick.json unless --output is given")
    run.add_argument("--data-root", type=Path, help="folder of <dataset>/{train,valid,test}.csv; "
                     "default: ../shared/data beside the repository")
    run.add_argument("--output", type=Path, help="results file to merge into")
    run.add_argument("--keep-models", type=Path, metavar="DIR",
                     help="also save each fitted textladder model as DIR/<dataset>/<model> "
                          "(outside the timings), to load and measure again later")
    run.add_argument("--report", type=Path, help="markdown report to write (default: "
                     "BENCHMARKS.md for benchmarks/results.json, else beside --output)")
    run.add_argument("--ladder-dir", type=Path, metavar="DIR",
                     help="climbs (ladder, ladder:<minutes>[:<rung>+<rung>]) run in "
                          "DIR/<dataset> and resume the rungs finished there by an earlier "
                          "climb with the same option")
    again = commands.add_parser("runtimes", help="export the models kept by `run "
                                "--keep-models` to ONNX again and measure their runtimes, "
                                "without training them again")
    again.add_argument("--kept", type=Path, required=True, metavar="DIR",
                       help="the folder given to `run --keep-models`")
    again.add_argument("--datasets", type=_names, help="comma-separated; default: all kept")
    again.add_argument("--models", type=_names, help="comma-separated; default: all kept")
    again.add_argument("--data-root", type=Path, help="as for run")
    again.add_argument("--output", type=Path, help="results file whose records to update")
    again.add_argument("--report", type=Path, help="as for run")
    calibration = commands.add_parser("calibration", help="temperature scaling: calibration "
                                      "error before and after, on valid and test")
    calibration.add_argument("--datasets", type=_names, help="comma-separated; default: "
                             "tweeteval-sentiment")
    calibration.add_argument("--models", type=_names, help="comma-separated; default: "
                             "minilm,finetune")
    calibration.add_argument("--quick", action="store_true", help="small slices, quick settings")
    calibration.add_argument("--kept", type=Path, metavar="DIR", help="load DIR/<dataset>/<model>"
                             " (kept by `run --keep-models`) instead of training, where it exists")
    calibration.add_argument("--data-root", type=Path, help="as for run")
    calibration.add_argument("--output", type=Path, help="results file to merge into")
    calibration.add_argument("--report", type=Path, help="as for run")
    features = commands.add_parser("features", help="each rung with and without the columns "
                                   "beside the text, on claff (agency, social)")
    features.add_argument("--labels", type=_names, help="comma-separated; default: "
                          "agency,social")
    features.add_argument("--models", type=_names, help="comma-separated; default: "
                          "tfidf,fasttext,wordvec,minilm (the slow ones: lstm,bilstm,gru,"
                          "finetune)")
    features.add_argument("--quick", action="store_true", help="small slices, quick settings")
    features.add_argument("--data-root", type=Path, help="as for run")
    features.add_argument("--output", type=Path, help="results file to merge into")
    features.add_argument("--report", type=Path, help="as for run")
    imbalance = commands.add_parser("imbalance", help="each imbalance strategy x each rung "
                                    "that takes it; merged into the results file's imbalance "
                                    "section")
    imbalance.add_argument("--datasets", type=_names, help="comma-separated; default: "
                           "tweeteval-sentiment,goemotions,sst5")
    imbalance.add_argument("--models", type=_names, help="comma-separated; default: "
                           "tfidf,fasttext,minilm,gru")
    imbalance.add_argument("--strategies", type=_names, help="comma-separated; default: every "
                           "one the rung takes on the task, and auto (not fitted: its choice)")
    imbalance.add_argument("--quick", action="store_true", help="small slices, quick settings; "
                           "writes benchmarks/out/imbalance-quick.json unless --output is given")
    imbalance.add_argument("--data-root", type=Path, help="as for run")
    imbalance.add_argument("--output", type=Path, help="results file to merge into")
    imbalance.add_argument("--report", type=Path, help="as for run")
    report = commands.add_parser("report", help="regenerate the markdown report from results")
    report.add_argument("--input", type=Path, default=RESULTS)
    report.add_argument("--output", type=Path, help="default: BENCHMARKS.md for "
                        "benchmarks/results.json, else beside --input")
    study = commands.add_parser("int8-study", help="compare ways of quantising MiniLM to int8 "
                                "(closeness to float32, throughput)")
    study.add_argument("--datasets", type=_names, help="comma-separated; default: all")
    study.add_argument("--texts", type=_positive, default=1000, help="test texts per dataset")
    study.add_argument("--data-root", type=Path, help="as for run")
    load = commands.add_parser("load", help="throughput and latency of `textladder serve` at "
                               "a fixed load, into the results' load section")
    load.add_argument("--models", type=_names, help="families to train on the demo tweets and "
                      "serve (default: tfidf,minilm, or none when --model is given)")
    load.add_argument("--model", action="append", default=[], metavar="NAME=DIR",
                      help="serve this model directory under NAME instead of training one")
    load.add_argument("--requests", type=_positive, default=2000,
                      help="requests per measurement at concurrency above 1")
    load.add_argument("--baseline-requests", type=_positive, default=500,
                      help="requests per measurement at concurrency 1")
    load.add_argument("--quick", action="store_true", help="tfidf, 100 requests, concurrency 1 "
                      "and 8, batches of 1 and 8; writes benchmarks/out/results-quick.json")
    load.add_argument("--output", type=Path, help="results file to merge into")
    load.add_argument("--report", type=Path, help="as for run")
    memory = commands.add_parser("memory", help="peak memory of predict --input on a file and "
                                 "on one ten times longer, into the results' memory section")
    memory.add_argument("--rows", type=lambda v: [_positive(x) for x in _names(v)],
                        default=[100_000, 1_000_000], help="comma-separated row counts")
    memory.add_argument("--formats", type=_names, default=["csv", "jsonl", "parquet"])
    memory.add_argument("--model", type=Path, help="a model directory (default: tfidf trained "
                        "on the demo tweets)")
    memory.add_argument("--chunksize", type=_positive, default=10_000)
    memory.add_argument("--quick", action="store_true", help="2,000 and 20,000 rows of CSV; "
                        "writes benchmarks/out/results-quick.json")
    memory.add_argument("--output", type=Path, help="results file to merge into")
    memory.add_argument("--report", type=Path, help="as for run")
    ray = commands.add_parser("ray-check", help="predict a file with --engine ray on a local "
                              "Ray instance and compare with local predictions row by row")
    ray.add_argument("--rows", type=_positive, default=100_000)
    ray.add_argument("--cpus", type=_positive, default=2, help="CPUs of the local Ray instance")
    ray.add_argument("--formats", type=_names, default=["csv"], help="csv, parquet, jsonl")
    speed = commands.add_parser("speed", help="batch prediction texts/s of minilm and finetune "
                                "on each test set, in one process (models trained briefly: "
                                "speed does not depend on training)")
    speed.add_argument("--datasets", type=_names, help="comma-separated; default: all")
    speed.add_argument("--texts", type=_positive, help="the first N test texts (default: all)")
    speed.add_argument("--rounds", type=_positive, default=3, help="turns each rung takes; "
                       "each one's median counts (default 3)")
    speed.add_argument("--data-root", type=Path, help="as for run")
    speed.add_argument("--output", type=Path, help="JSON file to write (default: "
                       "benchmarks/out/speed.json)")
    speed.add_argument("--results", type=Path, help="also merge the records into this results "
                       "file's speed section and write its report (BENCHMARKS.md for "
                       "benchmarks/results.json)")
    speed.add_argument("--report", type=Path, help="as for run")
    return main


def _section(args, name: str, records: list, key) -> int:
    """Merge `records` into section `name` of the results file and rewrite its report."""
    output = args.output or (QUICK_RESULTS if args.quick else RESULTS)
    info = run_info("python -m benchmarks " + " ".join(args.argv), args.quick)
    document = write_results(output, merge_section(read_results(output), name, records, info,
                                                   key))
    print(write_report(document, args.report or default_report(output)))
    return 0


def _load(args) -> int:
    from benchmarks.load import run_load

    default = [] if args.model else ["tfidf", "minilm"]
    models: dict[str, Path | None] = {name: None for name in
                                      (["tfidf"] if args.quick else args.models or default)}
    for pair in args.model:
        name, sep, folder = pair.partition("=")
        if not sep or not name or not folder:
            print(f"error: --model takes NAME=DIR; got {pair!r}", file=sys.stderr)
            return 2
        models[name] = Path(folder)
    requests = 100 if args.quick else args.requests
    records = run_load(models, requests, min(requests, args.baseline_requests), args.quick)
    return _section(args, "load", records,
                    lambda r: (r["model"], r["texts_per_request"], r["concurrency"]))


def _memory(args) -> int:
    from benchmarks.memory import run_memory

    rows, formats = ([2_000, 20_000], ["csv"]) if args.quick else (args.rows, args.formats)
    measured = run_memory(rows, formats, args.model, args.chunksize)
    return _section(args, "memory", measured["records"], lambda r: (r["format"], r["rows"]))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.argv = list(argv if argv is not None else sys.argv[1:])
    if args.command == "report":
        document = read_results(args.input)
        if document is None:
            print(f"no results at {args.input}; run `python -m benchmarks run` first",
                  file=sys.stderr)
            return 2
        print(write_report(document, args.output or default_report(args.input)))
        return 0
    if args.command == "int8-study":
        from benchmarks.int8_study import run_study

        unknown = [d for d in args.datasets or [] if d not in SPECS]
        if unknown:
            print(f"error: unknown dataset(s) {', '.join(unknown)}; choose from "
                  f"{', '.join(SPECS)}", file=sys.stderr)
            return 2
        print(run_study(args.datasets, args.texts, args.data_root,
                        "python -m benchmarks " + " ".join(argv or sys.argv[1:])))
        return 0
    if args.command == "speed":
        from benchmarks.speed import run_speed

        try:
            print(run_speed(args.datasets, args.texts, args.rounds, args.data_root, args.output,
                            "python -m benchmarks " + " ".join(argv or sys.argv[1:]),
                            args.results, args.report))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    if args.command == "calibration":
        from benchmarks.calibration import run_calibration

        return _exit_code(lambda: run_calibration(args.datasets, args.models, args.quick,
                                                  args.data_root, args.output, args.report,
                                                  args.kept))
    if args.command == "load":
        return _load(args)
    if args.command == "memory":
        return _memory(args)
    if args.command == "ray-check":
        from benchmarks.ray_check import check

        return check(args.rows, args.cpus, tuple(args.formats))
    if args.command == "features":
        from benchmarks.features import run_features

        return _exit_code(lambda: run_features(args.labels, args.models, args.quick,
                                               args.data_root, args.output, args.report))
    if args.command == "imbalance":
        from benchmarks.imbalance import run_imbalance

        return _exit_code(lambda: run_imbalance(args.datasets, args.models, args.strategies,
                                                args.quick, args.data_root, args.output,
                                                args.report))
    if args.command == "runtimes":
        from benchmarks.remeasure import remeasure

        return _exit_code(lambda: remeasure(args.kept, args.datasets, args.models,
                                            args.data_root, args.output, args.report))
    return _exit_code(lambda: run_benchmarks(args.datasets, args.models, args.quick,
                                             args.data_root, args.output, args.report,
                                             keep_models=args.keep_models,
                                             ladder_dir=args.ladder_dir))


def _exit_code(measure) -> int:
    """Run `measure`: 0, or the error on one line and 2 for bad arguments, 1 for failed pairs."""
    try:
        measure()
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BenchmarkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
