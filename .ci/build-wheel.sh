#!/usr/bin/env bash
# Builds Hostolink's wheel and installs it into a new virtual environment exactly as the
# Dockerfile's build stage does, so that CI proves the production install without Docker:
#   1. the image's build context only (pyproject.toml, MANIFEST.in, README.md, requirements/,
#      src/ without __pycache__, *.egg-info nor hostolink_devtools: see .dockerignore), copied to a scratch folder;
#   2. a build venv from requirements/build.txt (pip, setuptools; --require-hashes);
#   3. the runtime venv, without pip: requirements/production.txt (--require-hashes), then the
#      wheel built with `pip wheel --no-deps --no-build-isolation`, installed with --no-deps;
#   4. the image's smoke tests, run outside the sources: `hostolink --help` and create_app().
#
# Usage: .ci/build-wheel.sh DIST_DIR VENV_DIR
#   DIST_DIR  folder that receives the wheel (created if needed)
#   VENV_DIR  runtime virtual environment to create (must not exist yet)
#   PYTHON    interpreter, python3 by default (the image: python:3.11-slim)
# Any change here goes to the Dockerfile too, and the other way round.
set -euo pipefail

if [ $# -ne 2 ]; then
  sed -n '2,15p' "$0" >&2
  exit 2
fi
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
DIST="$(cd "$1" && pwd)"
VENV="$(mkdir -p "$(dirname "$2")" && cd "$(dirname "$2")" && pwd)/$(basename "$2")"
PYTHON="${PYTHON:-python3}"
if [ -e "$VENV" ]; then
  echo "build-wheel.sh: $VENV already exists" >&2
  exit 2
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# 1. The build context (COPY in the Dockerfile, filtered by .dockerignore).
mkdir "$WORK/build"
tar -C "$ROOT" --exclude=__pycache__ --exclude='*.py[cod]' --exclude='*.egg-info' \
  --exclude=src/hostolink_devtools -cf - \
  pyproject.toml MANIFEST.in README.md requirements src | tar -C "$WORK/build" -xf -
cd "$WORK/build"

# 2. + 3. Dependencies from the lock, then the wheel (RUN lines of the build stage).
"$PYTHON" -m venv "$WORK/build-venv"
BUILD_PIP=("$WORK/build-venv/bin/python" -m pip)
"${BUILD_PIP[@]}" install -q --require-hashes -r requirements/build.txt
"$PYTHON" -m venv --without-pip "$VENV"
"${BUILD_PIP[@]}" --python "$VENV/bin/python" install -q --require-hashes \
  -r requirements/production.txt
"${BUILD_PIP[@]}" wheel -q --no-deps --no-build-isolation -w "$WORK/dist" .
WHEEL="$(ls "$WORK"/dist/hostolink-*.whl)"
"${BUILD_PIP[@]}" --python "$VENV/bin/python" install -q --no-deps "$WHEEL"
cp "$WHEEL" "$DIST/"

# 4. Smoke tests, from a folder outside the sources so that only the installed package is seen.
mkdir "$WORK/smoke"
cd "$WORK/smoke"
"$VENV/bin/hostolink" --help >/dev/null
env -u HOSTOLINK_ENV -u DATABASE_URL HOSTOLINK_DATA_DIR="$WORK/smoke" "$VENV/bin/python" -c \
  "from hostolink.app import create_app; create_app(database_url='postgresql+asyncpg://x@localhost/x')"
echo "build-wheel.sh: $DIST/$(basename "$WHEEL") installed in $VENV"
