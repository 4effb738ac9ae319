"""The `textladder` command: inspect, train, evaluate, predict, serve.

Every command is a thin wrapper over a function in `textladder.workflows`, and every one takes
`--json` for machine-readable output. A `TextladderError` becomes one line on standard error and
exit code 2; nothing the user did wrong ends in a traceback.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import Annotated, Optional

import typer

from textladder.cli import render
from textladder.errors import TextladderError
from textladder.progress import Progress, RichProgress
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
                                              "instead of skipping them.")]
RuntimeOpt = Annotated[str, typer.Option(
    help="default, or onnx: the int8 ONNX export of the encoder rungs (minilm, finetune).")]
RecheckOpt = Annotated[Optional[float], typer.Option(
    help="With --runtime onnx: re-check with the default runtime's outputs (its float32 "
         "export; the torch encoder for models saved without one) the texts whose decision is "
         "within this many log-odds of another (0.08: 0.02 in probability from a threshold near "
         "0.5; 0: never). Default: the margin the model chose on its validation texts when it "
         "was saved (train prints it), or 0.08 for a model saved without one.",
    show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON report instead of tables.")]
TaskOpt = Annotated[str, typer.Option(help="auto, binary, multiclass, multilabel, ordinal or "
                                           "regression.")]
OrderOpt = Annotated[Optional[str], typer.Option(help="Ordered levels of an ordinal scale, "
                                                      "comma-separated, lowest first.")]
LabelMapOpt = Annotated[Optional[str], typer.Option(
    "--label-map", help="Map labels to scores for a regression: 'negative=0,neutral=0.5,positive=1'.")]


def _read(fmt, encoding, text, label, strict) -> ReadOptions:
    return ReadOptions(fmt, encoding, text, tuple(label or ()), strict)


def _progress(as_json: bool) -> Progress:
    return Progress() if as_json or not sys.stderr.isatty() else RichProgress(render.err)


def friendly(command):
    """Turn a TextladderError into one line on stderr and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except TextladderError as error:
            render.err.print(f"[red]error:[/red] {render.escape(str(error))}", soft_wrap=True)
            raise typer.Exit(error.exit_code) from None

    return wrapper


def _parse_settings(pairs: list[str] | None) -> dict:
    settings = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise TextladderError(f"--set takes NAME=VALUE (e.g. --set C=2); got '{pair}'.")
        try:
            settings[name] = json.loads(value)
        except ValueError:
            settings[name] = value
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
    report = run(data, _read(fmt, encoding, text, label, strict), task, order, label_map, others)
    render.print_json(report) if as_json else render.show_inspect(report)


@app.command()
@friendly
def train(
    data: Annotated[str, typer.Argument(help="The training table.")],
    valid: Annotated[Optional[str], typer.Option(help="Validation file (default: split 10 % of the "
                                                      "training file).")] = None,
    test: Annotated[Optional[str], typer.Option(help="Test file (default: split 10 % of the "
                                                     "training file).")] = None,
    model: Annotated[str, typer.Option(help="Model family (rung of the ladder).")] = "tfidf",
    out: Annotated[Optional[str], typer.Option(help="Where to save the model (default: "
                                                    "models/<data>-<model>).")] = None,
    task: TaskOpt = "auto",
    metric: Annotated[Optional[str], typer.Option(help="Primary metric for every model choice.")] = None,
    order: OrderOpt = None,
    label_map: LabelMapOpt = None,
    setting: Annotated[Optional[list[str]], typer.Option(
        "--set", help="A model setting NAME=VALUE (JSON value), e.g. --set 'C=[1,4]'.")] = None,
    seed: Annotated[int, typer.Option(help="Seed for splits and models.")] = 0,
    encoder: Annotated[Optional[str], typer.Option(
        help="A local sentence-transformers or Hugging Face encoder directory (minilm, "
             "finetune); default: the bundled all-MiniLM-L6-v2.")] = None,
    vectors: Annotated[Optional[str], typer.Option(
        help="A local word vectors file (GloVe, word2vec, fastText .vec), 'word2vec' to "
             "train them on the texts, 'random' to start from scratch, or 'minilm' for the "
             "bundled MiniLM's wordpiece embeddings (wordvec, lstm, bilstm, gru).")] = None,
    fmt: FormatOpt = None,
    encoding: EncodingOpt = "utf-8",
    text: TextOpt = None,
    label: LabelOpt = None,
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
):
    """Train a model, evaluate it on validation and test, and save it."""
    from pathlib import Path

    from textladder.workflows.train import TrainJob, train as run

    if out is None:
        out = str(Path("models") / f"{Path(data).stem}-{model}")
    job = TrainJob(data=data, valid=valid, test=test, out=out, model=model, task=task,
                   metric=metric, order=order, label_map=label_map,
                   model_params=_model_params(setting, encoder=encoder, vectors=vectors),
                   seed=seed)
    report = run(job, _read(fmt, encoding, text, label, strict), _progress(as_json))
    render.print_json(report) if as_json else render.show_train(report)


@app.command()
@friendly
def evaluate(
    model: Annotated[str, typer.Argument(help="A model directory saved by 'train'.")],
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

    report = run(model, data, _read(fmt, encoding, text, label, strict), runtime, recheck_margin)
    render.print_json(report) if as_json else render.show_evaluate(report)


@app.command()
@friendly
def predict(
    model: Annotated[str, typer.Argument(help="A model directory saved by 'train'.")],
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
    from textladder.classifier import TextClassifier
    from textladder.workflows.predict import predict_file, predict_texts
    from textladder.workflows.staged_output import unfinished_rows

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
            if resume or runtime != "default":
                raise TextladderError("--engine ray takes neither --resume nor --runtime; Ray "
                                      "retries failed blocks by itself.")
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
                                  chunksize, _progress(as_json), runtime, recheck_margin, resume)
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
    records = predict_texts(TextClassifier.load(model, runtime, recheck_margin), list(texts))
    render.print_json(records) if as_json else render.show_predictions(records)


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
