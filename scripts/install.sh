#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install textladder with its neural, onnx, report, serve, ray
# and development extras (the tests of each need theirs).
# torch==2.13.0 goes first: that exact pin takes the CPU build, where any other spec would pull
# gigabytes of CUDA packages. Re-running is quick: pip leaves what is already installed alone.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip 2>/dev/null || true
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e ".[neural,onnx,report,serve,ray,dev]"
