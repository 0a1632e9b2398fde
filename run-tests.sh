#!/usr/bin/env bash
# Installs what the tests need (Debian's chromium and fonts-noto-cjk, the Chinese font the
# pictures of the map use; the locked test set, requirements-test.txt, and this package in
# .venv) and runs ruff and the whole pytest suite. Arguments go to pytest. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ] || ! fc-list -q "Noto Sans CJK SC" 2>/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    $sudo apt-get install -y -q chromium fonts-noto-cjk
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "mapapp needs Python 3.11 or newer" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
# the locked versions, checked against their hashes, then this package itself
.venv/bin/pip install -q --require-hashes -r requirements-test.txt
.venv/bin/pip install -q --no-deps -e .

.venv/bin/ruff check .
.venv/bin/python -m pytest "$@"
