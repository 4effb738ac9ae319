#!/usr/bin/env bash
# Install (if needed) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
# The report tests open reports in Debian's chromium, headless and offline (playwright drives
# it; no browser is downloaded). Install it when missing: sudo when not root, apt-get update
# when the package lists are not there yet.
if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
        || { $SUDO apt-get update -qq \
             && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
fi
.venv/bin/python -m pytest -q "$@"
