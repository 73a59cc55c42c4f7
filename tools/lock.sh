#!/usr/bin/env bash
# Regenerates the locked requirement files from pyproject.toml: exact versions and the sha256
# of every file, resolved once for every platform the product runs on (Linux, macOS, Windows;
# Python >= 3.11), with the platform markers (colorama only on Windows, uvloop never there).
#
#   requirements/production.txt   [project.dependencies]          Dockerfile, .ci/build-wheel.sh
#   requirements/development.txt  the same pins + the `dev` extra run.py (.venv)
#   requirements/build.txt        [build-system] requires + pip    builds (--no-build-isolation)
#
# Usage (from anywhere; extra arguments go to every `uv pip compile`):
#   tools/lock.sh                            # after editing pyproject.toml: other pins stay
#   tools/lock.sh --upgrade                  # every package to its newest allowed version
#   tools/lock.sh --upgrade-package fastapi  # one package (and whatever it drags along)
# then `python3 run.py test`: run.py re-installs .venv when a requirements file changed.
#
# Why uv: `uv pip compile --universal` resolves for all platforms at once and writes plain pip
# requirement files (pip installs them with --require-hashes, nothing else is needed to
# install); pip-tools only resolves for the machine it runs on. uv is pinned in the `dev`
# extra, so the .venv built by run.py has it; a `uv` on PATH is used otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${HOSTOLINK_VENV:-.venv}"
if [ -x "$VENV/bin/uv" ]; then
  UV="$VENV/bin/uv" PYTHON="$VENV/bin/python"
elif [ -x "$VENV/Scripts/uv.exe" ]; then
  UV="$VENV/Scripts/uv.exe" PYTHON="$VENV/Scripts/python.exe"
elif command -v uv >/dev/null 2>&1; then
  UV=uv PYTHON=python3
else
  echo "tools/lock.sh : uv introuvable. Lancez d'abord « python3 run.py test --collect-only -q »" \
    "(il installe .venv avec uv) ou installez uv." >&2
  exit 1
fi

# --python-version: the oldest interpreter pyproject's requires-python accepts.
compile=("$UV" pip compile --universal --python-version 3.11 --generate-hashes --quiet
  --custom-compile-command tools/lock.sh "$@")

# Prepends why the file exists (uv rewrites the whole file, its own header included).
explain() {
  local file=$1
  shift
  { printf '# %s\n' "$@"; cat "$file"; } >"$file.tmp"
  mv "$file.tmp" "$file"
}

mkdir -p requirements

"$PYTHON" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"] + ["pip"]))' \
  | "${compile[@]}" - -o requirements/build.txt
explain requirements/build.txt \
  "Build backend and installer, pinned with hashes: builds run with --no-build-isolation so" \
  "that nothing unpinned is fetched. Resolved for every platform by uv (see tools/lock.sh)." \
  "  pip install --require-hashes -r requirements/build.txt"

"${compile[@]}" pyproject.toml -o requirements/production.txt
explain requirements/production.txt \
  "Runtime dependencies of pyproject.toml, exact versions and sha256 of every file, resolved" \
  "once for Linux, macOS and Windows (uv --universal: platform markers kept; pip-tools only" \
  "resolves for the machine that runs it). Plain pip installs it, nothing else is needed:" \
  "  pip install --require-hashes -r requirements/production.txt"

"${compile[@]}" pyproject.toml --extra dev -c requirements/production.txt \
  -o requirements/development.txt
explain requirements/development.txt \
  "Runtime + the \`dev\` extra, constrained to production.txt: tests run the versions that" \
  "production runs. Resolved by uv for every platform (see tools/lock.sh); run.py installs it:" \
  "  pip install --require-hashes -r requirements/development.txt"

echo "tools/lock.sh : requirements/{production,development,build}.txt régénérés" \
  "($(grep -c '^[a-zA-Z0-9]' requirements/development.txt) paquets en développement)."
