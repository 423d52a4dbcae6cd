#!/bin/sh
# Creates or reuses the project's virtual environment (.venv) and installs drafter with its dev extras,
# only when pyproject.toml changed since the last successful install. The stamp (.venv/.drafter-install)
# holds the SHA-256 of the pyproject.toml it was installed from and is written last, so an install that
# failed halfway is never trusted by a later command: the next run installs again.
set -eu
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.drafter-install"
python=${PYTHON:-python3}

if ! command -v "$python" >/dev/null 2>&1; then
  echo "drafter setup: $python not found; install Python 3.11 or newer (or run: make PYTHON=/path/to/python3.11 ...)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "drafter setup: $python is Python $("$python" -c 'import platform; print(platform.python_version())'); drafter needs 3.11 or newer (make PYTHON=python3.11 ...)" >&2
  exit 1
fi

want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "drafter setup: $venv is up to date with pyproject.toml; skipping install"
  exit 0
fi

start=$(date +%s)
rm -f "$stamp"
if [ ! -x "$venv/bin/python" ]; then
  rm -rf "$venv"
  echo "drafter setup: creating $venv"
  if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    echo "drafter setup: could not create $venv with $python -m venv (on Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
fi
echo "drafter setup: installing drafter and its dependencies into $venv (pyproject.toml changed or first run)"
log="$venv/install.log"
if ! { "$venv/bin/python" -m pip install --quiet --upgrade pip && "$venv/bin/python" -m pip install --quiet -e ".[dev]"; } >"$log" 2>&1; then
  echo "drafter setup: install failed; nothing was marked installed. Last lines of $log:" >&2
  grep -v '^WARNING: Location' "$log" | tail -n 8 >&2
  echo "drafter setup: fix the cause (is the package index reachable? pip config list) and run the command again" >&2
  exit 1
fi
printf '%s\n' "$want" >"$stamp.tmp" && mv "$stamp.tmp" "$stamp"
echo "drafter setup: installed in $(( $(date +%s) - start )) s"
