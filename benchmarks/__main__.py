"""Command line: `python -m benchmarks run [...]` and `python -m benchmarks report [...]`.

    python -m benchmarks run                                  # all -> results.json, BENCHMARKS.md
    python -m benchmarks run --datasets sst5 --models tfidf   # merges into results.json
    python -m benchmarks run --quick                          # -> benchmarks/out/results-quick.json
    python -m benchmarks report                               # BENCHMARKS.md from results.json
    python -m benchmarks int8-study --datasets goemotions     # -> benchmarks/int8-study.md
    python -m benchmarks calibration                          # temperature scaling, before/after
    python -m benchmarks speed                                # minilm vs finetune predict speed

Only parses arguments and calls `runner.run_benchmarks`, `report.write_report`,
`int8_study.run_study`, `calibration.run_calibration` or `speed.run_speed`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.datasets import SPECS
from benchmarks.report import write_report
from benchmarks.results import RESULTS, read_results
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
    report = commands.add_parser("report", help="regenerate the markdown report from results")
    report.add_argument("--input", type=Path, default=RESULTS)
    report.add_argument("--output", type=Path, help="default: BENCHMARKS.md for "
                        "benchmarks/results.json, else beside --input")
    study = commands.add_parser("int8-study", help="compare ways of quantising MiniLM to int8 "
                                "(closeness to float32, throughput)")
    study.add_argument("--datasets", type=_names, help="comma-separated; default: all")
    study.add_argument("--texts", type=_positive, default=1000, help="test texts per dataset")
    study.add_argument("--data-root", type=Path, help="as for run")
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
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
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
                            "python -m benchmarks " + " ".join(argv or sys.argv[1:])))
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    if args.command == "calibration":
        from benchmarks.calibration import run_calibration

        return _exit_code(lambda: run_calibration(args.datasets, args.models, args.quick,
                                                  args.data_root, args.output, args.report,
                                                  args.kept))
    if args.command == "runtimes":
        from benchmarks.remeasure import remeasure

        return _exit_code(lambda: remeasure(args.kept, args.datasets, args.models,
                                            args.data_root, args.output, args.report))
    return _exit_code(lambda: run_benchmarks(args.datasets, args.models, args.quick,
                                             args.data_root, args.output, args.report,
                                             keep_models=args.keep_models))


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
