"""The `textladder` command: inspect, train, report, evaluate, predict, export, serve.

Every command is a thin wrapper over a function in `textladder.workflows` (`export` and
`--runtime onnx` over the optional `textladder.onnx`, imported only when asked for), and every
one takes `--json` for machine-readable output. A `TextladderError` becomes one line on standard
error and exit code 2; nothing the user did wrong ends in a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from textladder.cli import render
from textladder.errors import TextladderError
from textladder.progress import LineProgress, Progress, RichProgress
from textladder.workflows.options import ReadOptions

app = typer.Typer(
    help="Text classification you can trust: inspect a labelled table, train, evaluate, predict.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

FormatOpt = Annotated[Optional[str], typer.Option("--format", help="csv, tsv, jsonl or parquet "
                                                  "(default: from the extension).")]
EncodingOpt = Annotated[str, typer.Option(help="Text encoding of delimited files.")]
TextOpt = Annotated[Optional[str], typer.Option("--text", help="The text column.")]
LabelOpt = Annotated[Optional[list[str]], typer.Option(
    "--label", help="The label column; repeat it for one 0/1 column per label.")]
StrictOpt = Annotated[bool, typer.Option(help="Refuse rows with empty text or a missing label "
                                              "(and, in evaluate, a label training never saw) "
                                              "instead of skipping them.")]
RuntimeOpt = Annotated[str, typer.Option(
    help="default, or onnx: the int8 ONNX copy of an encoder rung's model (minilm, finetune) "
         "that 'textladder export' wrote; faster on a CPU, near-identical decisions.")]
RecheckOpt = Annotated[Optional[float], typer.Option(
    help="With --runtime onnx: re-check with the float32 ONNX copy (the default runtime's "
         "outputs up to rounding) the texts whose decision is within this many log-odds of "
         "another (0.08: 0.02 in probability from a threshold near 0.5; 0: never). Default: the "
         "margin the export chose (export prints it).",
    show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON report instead of tables.")]
TaskOpt = Annotated[str, typer.Option(help="auto, binary, multiclass, multilabel, ordinal or "
                                           "regression.")]
OrderOpt = Annotated[Optional[str], typer.Option(help="Ordered levels of an ordinal scale, "
                                                      "comma-separated, lowest first: the labels, "
                                                      "their leading numbers or prefixes.")]
PositiveOpt = Annotated[Optional[str], typer.Option(
    help="The positive class of a binary task (default: a label that names it, such as 1, yes "
         "or irony against non_irony, else the minority class; the choice is printed).",
    show_default=False)]
LabelMapOpt = Annotated[Optional[str], typer.Option(
    "--label-map", help="Map labels to scores for a regression: 'negative=0,neutral=0.5,positive=1'.")]


def _loader(runtime: str, recheck_margin: float | None):
    """How to load a model for --runtime (and --recheck-margin)."""
    if runtime == "onnx":
        import textladder.onnx

        return functools.partial(textladder.onnx.load, recheck_margin=recheck_margin)
    if runtime != "default":
        raise TextladderError(f"--runtime is default or onnx; got '{runtime}'.")
    if recheck_margin is not None:
        raise TextladderError("--recheck-margin applies to --runtime onnx only.")
    from textladder.classifier import TextClassifier

    return TextClassifier.load


def _read(fmt, encoding, text, label, strict) -> ReadOptions:
    return ReadOptions(fmt, encoding, text, tuple(label or ()), strict)


def _progress(as_json: bool) -> Progress:
    """A bar on a terminal; a plain line every few seconds into a log or a pipe (or with --json,
    whose standard output is the report)."""
    return RichProgress(render.err) if sys.stderr.isatty() and not as_json else LineProgress()


def friendly(command):
    """Turn a TextladderError into one line on stderr and exit code 2, and Ctrl-C into
    'interrupted' and exit code 130."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TextladderError as error:
            render.err.print(f"[red]error:[/red] {render.escape(str(error))}", soft_wrap=True)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:  # typer would exit 130 without a word
            render.err.print("interrupted")
            raise typer.Exit(130) from None

    return wrapper


def _parse_settings(pairs: list[str] | None) -> dict:
    settings = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise TextladderError(f"--set takes NAME=VALUE (e.g. --set C=2); got '{pair}'.")
        try:
            settings[name] = json.loads(value)
        except ValueError as error:
            if value.strip()[:1] in ("[", "{", '"'):  # meant as JSON, but broken
                raise TextladderError(
                    f"--set {name}: '{value}' is not valid JSON ({error.args[0].split(':')[0]}); "
                    f"write e.g. --set '{name}=[1, 2]' (lists), --set '{name}=\"text\"', or "
                    f"a bare word."
                ) from None
            settings[name] = value  # a bare word: a string (--set schedule=linear)
    return settings


def _model_params(pairs: list[str] | None, **options: str | None) -> dict:
    """--set pairs plus the options that are settings by another name (--encoder, --vectors)."""
    settings = _parse_settings(pairs)
    settings.update({name: value for name, value in options.items() if value is not None})
    return settings


@app.command()
@friendly
def inspect(
    data: Annotated[str, typer.Argument(help="A labelled table (CSV, TSV, JSONL, Parquet).")],
    valid: Annotated[Optional[str], typer.Option(help="A validation file to check for overlap.")] = None,
    test: Annotated[Optional[str], typer.Option(help="A test file to check for overlap.")] = None,
    task: TaskOpt = "auto",
    order: OrderOpt = None,
    label_map: LabelMapOpt = None,
    positive: PositiveOpt = None,
    fmt: FormatOpt = None,
    encoding: EncodingOpt = "utf-8",
    text: TextOpt = None,
    label: LabelOpt = None,
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
):
    """Say what a dataset is: task, balance, lengths and problems."""
    from textladder.workflows.inspect import inspect as run

    others = {name: path for name, path in (("valid", valid), ("test", test)) if path}
    report = run(data, _read(fmt, encoding, text, label, strict), task, order, label_map, others,
                 positive)
    render.print_json(report) if as_json else render.show_inspect(report)


@app.command()
@friendly
def train(
    data: Annotated[str, typer.Argument(help="The training table.")],
    valid: Annotated[Optional[str], typer.Option(help="Validation file (default: split 10 % of the "
                                                      "training file, up to 20 % under 5,000 "
                                                      "rows).")] = None,
    test: Annotated[Optional[str], typer.Option(help="Test file (default: split 10 % of the "
                                                     "training file).")] = None,
    model: Annotated[Optional[str], typer.Option(
        help="Train this one rung (a run with one rung). Without it, train climbs: a baseline, "
             "the rungs that fit the budget, then ensembles.")] = None,
    models: Annotated[Optional[str], typer.Option(
        help="The rungs to climb, comma-separated (default: every available one); naming "
             "soft_vote, hard_vote or stack picks which ensembles are tried.")] = None,
    budget: Annotated[Optional[float], typer.Option(
        help="Minutes the whole climb may take (default 15); rungs that would not fit are "
             "skipped, and neural rungs get fewer epochs. Not for --model, which trains its "
             "one rung to the end.")] = None,
    out: Annotated[Optional[str], typer.Option(help="The run directory (default: "
                                                    "runs/<data>-<date>-<time>); rerun with the "
                                                    "same one to resume.")] = None,
    task: TaskOpt = "auto",
    metric: Annotated[Optional[str], typer.Option(help="Primary metric for every model choice.")] = None,
    order: OrderOpt = None,
    label_map: LabelMapOpt = None,
    positive: PositiveOpt = None,
    setting: Annotated[Optional[list[str]], typer.Option(
        "--set", help="A model setting NAME=VALUE (JSON value), e.g. --set 'C=[1,4]'; in a "
                      "climb it goes to every rung that has it, and RUNG.NAME=VALUE (--set "
                      "fasttext.epochs=5) to that rung only.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for splits and models.")] = 0,
    imbalance: Annotated[str, typer.Option(
        help="What to do about skewed classes, on the training rows only: none; weights "
             "(balanced class weights, or --class-weight; per-label positive weights for label "
             "sets); oversample / undersample (random, to --sampling-ratio; label-aware for "
             "label sets); smote (tfidf, wordvec, minilm); focal (focal loss, the torch rungs); "
             "auto (chosen from the imbalance ratio; the choice and its reason are printed).")
    ] = "auto",
    class_weight: Annotated[Optional[str], typer.Option(
        "--class-weight", help="Your own class weights for --imbalance weights, e.g. "
                               "'grief=10,neutral=0.5' (labels not named weigh 1).")] = None,
    sampling_ratio: Annotated[Optional[float], typer.Option(
        "--sampling-ratio", help="How far oversample, undersample and smote go: the smallest "
                                 "class's rows as a share of the largest's afterwards (default "
                                 "1; 0.1 of the commonest label's positives for label sets).",
        show_default=False)] = None,
    encoder: Annotated[Optional[str], typer.Option(
        help="A local sentence-transformers or Hugging Face encoder directory (minilm, "
             "finetune); default: the bundled all-MiniLM-L6-v2.")] = None,
    vectors: Annotated[Optional[str], typer.Option(
        help="A local word vectors file (GloVe, word2vec, fastText .vec), 'word2vec' to "
             "train them on the texts, 'random' to start from scratch, or 'minilm' for the "
             "bundled MiniLM's wordpiece embeddings (wordvec, lstm, bilstm, gru).")] = None,
    features: Annotated[Optional[str], typer.Option(
        "--features", help="Columns to read beside the text, comma-separated, each optionally "
                           "with its kind: COL:numeric, COL:category, COL:boolean or COL:text "
                           "(joined to the text); a kind not given is read from the data, "
                           "and printed. Without --features only the text is read; 'inspect' "
                           "says which other columns look useful.")] = None,
    fmt: FormatOpt = None,
    encoding: EncodingOpt = "utf-8",
    text: TextOpt = None,
    label: LabelOpt = None,
    strict: StrictOpt = False,
    calibrate: Annotated[bool, typer.Option(
        "--calibrate", help="Fit temperature scaling on validation and keep it: probabilities "
                            "that mean what they say (classification tasks).")] = False,
    draw: Annotated[bool, typer.Option(
        "--report/--no-report", help="Draw report.html beside the model (needs "
                                     "the report extra).")] = True,
    as_json: JsonOpt = False,
):
    """Climb the ladder (or train one rung) into a run directory: leaderboard, best model and
    report."""
    from textladder.ladder.run_dir import default_run_dir
    from textladder.workflows.train import DEFAULT_BUDGET_MINUTES, TrainJob, train as run

    if budget is not None and model is not None:
        raise TextladderError("--budget bounds a climb, and --model trains one rung to the end; "
                              "leave --budget out, or climb that rung alone with --models.")
    budget = DEFAULT_BUDGET_MINUTES if budget is None else budget
    if budget <= 0:
        raise TextladderError(f"--budget is in minutes and must be positive; got {budget:g}.")
    job = TrainJob(data=data, valid=valid, test=test, out=out or str(default_run_dir(data)),
                   model=model, models=tuple(n.strip() for n in models.split(",") if n.strip())
                   if models else None, budget_minutes=budget, task=task, metric=metric,
                   order=order, label_map=label_map,
                   model_params=_model_params(setting, encoder=encoder, vectors=vectors),
                   seed=seed, positive=positive, calibrate=calibrate, report=draw,
                   features=features, imbalance=imbalance, class_weight=class_weight,
                   sampling_ratio=sampling_ratio)
    on_rung = None if as_json or model else render.leaderboard_progress()
    try:
        report = run(job, _read(fmt, encoding, text, label, strict), _progress(as_json), on_rung,
                     on_ready=None if as_json else render.show_plan)
    except KeyboardInterrupt:  # typer would exit 130 without a word
        kept = Path(job.out) / "models"
        done = kept.is_dir() and any((m / "config.json").is_file() for m in kept.iterdir())
        again = (f"; to resume, run it again with --out {job.out}: the rungs finished there "
                 f"are reused" if done else "")
        render.err.print(f"interrupted{again}", soft_wrap=True, markup=False)
        raise typer.Exit(130) from None
    render.print_json(report) if as_json else render.show_train(report)


@app.command()
@friendly
def report(
    path: Annotated[str, typer.Argument(help="A run directory (a climb's) or a model "
                                             "directory saved by 'train'.")],
    out: Annotated[Optional[str], typer.Option(
        help="The HTML file to write, or a folder to write it in (default: report.html in "
             "a run directory, <model>.report.html beside a model directory).")] = None,
    png: Annotated[bool, typer.Option(
        "--png", help="Also write PNG copies of the main charts beside it (needs kaleido).")] = False,
    as_json: JsonOpt = False,
):
    """Draw one self-contained HTML report of a run or a model: data, leaderboard, errors,
    calibration, embedding map."""
    from textladder.report import NEEDS_REPORT, available

    if not available():
        raise TextladderError(NEEDS_REPORT)
    from textladder.report import write_report

    written = str(write_report(path, out, png))
    if as_json:
        render.print_json({"report": written})
    else:
        render.out.print(f"report: [bold]{render.escape(written)}[/bold]")


@app.command()
@friendly
def evaluate(
    model: Annotated[str, typer.Argument(
        help="A model directory saved by 'train', or a run directory (its best model).")],
    data: Annotated[str, typer.Argument(help="A labelled table.")],
    fmt: FormatOpt = None,
    encoding: EncodingOpt = "utf-8",
    text: TextOpt = None,
    label: LabelOpt = None,
    strict: StrictOpt = False,
    runtime: RuntimeOpt = "default",
    recheck_margin: RecheckOpt = None,
    as_json: JsonOpt = False,
):
    """Score a saved model on a labelled file."""
    from textladder.workflows.evaluate import evaluate as run

    report = run(model, data, _read(fmt, encoding, text, label, strict),
                 _loader(runtime, recheck_margin))
    render.print_json(report) if as_json else render.show_evaluate(report)


@app.command()
@friendly
def predict(
    model: Annotated[str, typer.Argument(
        help="A model directory saved by 'train', or a run directory (its best model).")],
    texts: Annotated[Optional[list[str]], typer.Argument(help="Texts to classify.")] = None,
    input: Annotated[Optional[str], typer.Option("--input", help="A file of texts to stream "
                                                                 "through the model.")] = None,
    output: Annotated[Optional[str], typer.Option("--output", help="Where to write predictions "
                                                                   "(format from extension).")] = None,
    fmt: FormatOpt = None,
    encoding: EncodingOpt = "utf-8",
    text: TextOpt = None,
    chunksize: Annotated[int, typer.Option(help="Rows per chunk when streaming a file.")] = 10_000,
    resume: Annotated[bool, typer.Option(help="Go on from the last chunk that an interrupted run "
                                              "with the same input, model and options "
                                              "finished.")] = False,
    engine: Annotated[str, typer.Option(help="local, or ray: predict --input with Ray Data, on a "
                                             "local Ray instance or the cluster at --address "
                                             "(the output is then a folder of files).")] = "local",
    address: Annotated[Optional[str], typer.Option(help="With --engine ray: the Ray cluster "
                                                        "('auto' for the one `ray start` began "
                                                        "here, or ray://HOST:10001).")] = None,
    runtime: RuntimeOpt = "default",
    recheck_margin: RecheckOpt = None,
    as_json: JsonOpt = False,
):
    """Predict labels and probabilities for texts, or for a file of any size."""
    from textladder.workflows.predict import predict_file, predict_texts
    from textladder.workflows.staged_output import unfinished_rows

    load = _loader(runtime, recheck_margin)
    if input:
        if texts:
            raise TextladderError("give texts or --input FILE, not both.")
        if not output:
            raise TextladderError("--input needs --output FILE for the predictions.")
        if chunksize < 1:
            raise TextladderError(f"--chunksize must be 1 or more; got {chunksize}.")
        if engine not in ("local", "ray"):
            raise TextladderError(f"--engine must be local or ray; got '{engine}'.")
        if engine == "ray":
            if resume:
                raise TextladderError("--engine ray takes no --resume: Ray retries failed "
                                      "blocks by itself.")
            if runtime != "default":
                raise TextladderError("--engine ray takes no --runtime: its workers predict "
                                      "with the default runtime.")
            _extra("ray", "ray", "--engine ray")
            from textladder.scale import predict_with_ray

            report = predict_with_ray(model, input, output, ReadOptions(fmt, encoding, text),
                                      address)
            if as_json:
                render.print_json(report)
            else:
                render.out.print(f"wrote the predictions to {render.escape(report['output'])} "
                                 f"with Ray ({report['address']}, {report['cpus']:g} CPUs)")
            return
        if address:
            raise TextladderError("--address is for --engine ray.")
        try:
            report = predict_file(model, input, output, ReadOptions(fmt, encoding, text),
                                  chunksize, _progress(as_json), load, resume,
                                  f"{runtime} {recheck_margin}")
        except KeyboardInterrupt:
            done = unfinished_rows(output)
            if done:
                render.err.print(f"interrupted after {done:,} rows; run the same command with "
                                 f"--resume to go on from there.", soft_wrap=True, markup=False)
                raise typer.Exit(130) from None
            raise
        if as_json:
            render.print_json(report)
        else:
            resumed = (f", resumed after {report['resumed_from_row']:,} rows"
                       if report["resumed_from_row"] else "")
            render.out.print(f"wrote {report['predicted']:,} predictions for {report['rows']:,} "
                             f"rows ({report['rows_without_text']:,} without text{resumed}) to "
                             f"{render.escape(report['output'])}, "
                             f"{report['rows_per_second']:,.0f} rows/s")
        return
    if not texts:
        raise TextladderError("give one or more texts, or --input FILE --output FILE.")
    if engine != "local" or address:
        raise TextladderError("--engine and --address are for --input FILE; texts given on the "
                              "command line are predicted here.")
    if output:
        raise TextladderError("--output writes the predictions of --input FILE; texts given "
                              "on the command line are printed (--json for JSON): leave "
                              "--output out, or put the texts in a file.")
    records = predict_texts(load(model), list(texts))
    render.print_json(records) if as_json else render.show_predictions(records)


@app.command()
@friendly
def export(
    model: Annotated[str, typer.Argument(help="A minilm or finetune model directory saved by "
                                              "'train' (or a run directory).")],
    texts: Annotated[Optional[str], typer.Option(
        "--texts", help="A file of texts the model was not trained on (e.g. its validation "
                        "file; labels are not read): the int8 copy is calibrated on them, and "
                        "what stays in float and the re-check margin are chosen on them. "
                        "Without it, a fixed rule (docs/onnx.md).")] = None,
    fmt: FormatOpt = None,
    encoding: EncodingOpt = "utf-8",
    text: TextOpt = None,
    as_json: JsonOpt = False,
):
    """Write ONNX copies of a model's encoder (int8, float32) for --runtime onnx."""
    from textladder.onnx.workflow import export_file

    report = export_file(model, texts, fmt, encoding, text, _progress(as_json))
    render.print_json(report) if as_json else render.show_export(report)


def _extra(module: str, extra: str, what: str):
    """Import an optional part, or say in one line which extra installs it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise TextladderError(f"{what} needs the '{extra}' extra ({error.name or error} is "
                              f"missing): pip install 'textladder[{extra}]'.") from None


@app.command()
@friendly
def serve(
    model: Annotated[str, typer.Argument(help="A model directory, or a run directory (its "
                                              "best model).")],
    host: Annotated[str, typer.Option(help="The address to listen on; the default answers this "
                                           "machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes, each with its own copy of the "
                                              "model.")] = 1,
    api_key_env: Annotated[Optional[str], typer.Option(
        "--api-key-env", help="An environment variable holding the API key: every request "
                              "must then send it ('Authorization: Bearer KEY' or 'X-API-Key').",
        show_default=False)] = None,
    max_batch: Annotated[int, typer.Option(help="Most texts in one request.")] = 256,
    max_text_chars: Annotated[int, typer.Option(help="Most characters in one text.")] = 20_000,
    max_body_bytes: Annotated[int, typer.Option(help="Most bytes in one request body.")] = 4 * 2**20,
    model_batch: Annotated[int, typer.Option(help="Most texts in one model call, over the "
                                                  "requests batched together.")] = 256,
    max_wait_ms: Annotated[float, typer.Option(help="How long a model call may wait for more "
                                                    "requests to join it, in milliseconds.")] = 5.0,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
    drain_seconds: Annotated[int, typer.Option(help="On SIGTERM, how long requests in flight "
                                                    "may take to finish.")] = 30,
):
    """Serve a model over HTTP: POST /predict, GET /health, GET /model, docs at /docs."""
    _extra("fastapi", "serve", "textladder serve")
    _extra("uvicorn", "serve", "textladder serve")
    from textladder.serve.run import serve as run
    from textladder.serve.settings import ServeSettings

    settings = ServeSettings(model=model, max_batch=max_batch, max_text_chars=max_text_chars,
                             max_body_bytes=max_body_bytes, model_batch=model_batch,
                             max_wait_ms=max_wait_ms, api_key_env=api_key_env)
    run(settings, host, port, workers, access_log, drain_seconds)


def main() -> None:
    """Entry point: run the app; an unexpected error is one line unless TEXTLADDER_DEBUG is set."""
    try:
        app()
    except KeyboardInterrupt:
        render.err.print("interrupted")
        sys.exit(130)
    except Exception as error:  # a bug, not a user error: say so in one line
        if os.environ.get("TEXTLADDER_DEBUG"):
            raise
        render.err.print(f"error: unexpected {type(error).__name__}: {error} (set "
                         f"TEXTLADDER_DEBUG=1 for the traceback, and please report it)",
                         soft_wrap=True, markup=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
