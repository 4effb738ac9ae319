"""Run the command line in-process and read its output."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from textladder.cli.app import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def run_json(*args: str):
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_clean_error(result, *fragments: str) -> None:
    """Non-zero exit, one line on stderr naming the problem, and no traceback."""
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    message = result.stderr.strip()
    assert message.startswith("error:"), message
    assert len(message.splitlines()) == 1, message
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in message, message
