#!/usr/bin/env bash
# The production stage: the artefact that ships, run the way production runs it.
#
#   1. Build the wheel and install it, non-editable, from the lock with hashes, into a fresh
#      virtual environment — the Dockerfile's own steps (.ci/build-wheel.sh).
#   2. Start it with HOSTOLINK_ENV=production and every production check active, as an
#      unprivileged user, from outside the repository: two instances (`hostolink serve`, two
#      worker processes each) behind nginx appending X-Forwarded-For as Render's proxy does,
#      on PgBouncer in transaction pooling mode in front of a PostgreSQL 15 with a small
#      max_connections, sharing one Redis; migrations by `hostolink migrate` beforehand
#      (Render's preDeployCommand); Twilio, SMTP, Cloudinary and Wave simulated at their
#      boundary (tests_production/fakes.py).
#   3. Run the Postman flows and every operation through nginx, a smoke over every area, the
#      proxy checks, load through the pooler with the CLI alongside, a Redis stop and restart,
#      and a graceful shutdown (tests_production/).
#
# Needs Debian's nginx-light, pgbouncer, redis-server and postgresql-15 (installed here when
# missing) and the development environment (.venv, made by `python3 run.py`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1

missing=()
[[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
[[ -x /usr/sbin/pgbouncer ]] || missing+=(pgbouncer)
command -v redis-server >/dev/null || missing+=(redis-server)
[[ -x /usr/lib/postgresql/15/bin/initdb ]] || missing+=(postgresql-15)
[[ -x /usr/bin/python3.11 ]] && /usr/bin/python3.11 -c 'import ensurepip' 2>/dev/null \
  || missing+=(python3.11-venv)
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
fi

# World-readable: the stack runs as an unprivileged user, as in the image.
WORK="$(mktemp -d "${TMPDIR:-/tmp}/hostolink-wheel-XXXXXX")"
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT

# The interpreter of the image is a system one (/usr/local/bin/python in python:3.11-slim),
# readable by its unprivileged user; here Debian's python3.11 plays that part (the
# developer's interpreter may live in root's private home).
export PYTHON="${PRODUCTION_PYTHON:-/usr/bin/python3.11}"
started=$SECONDS
bash .ci/build-wheel.sh "$WORK/dist" "$WORK/venv"
echo "production stage: wheel built and installed in $((SECONDS - started)) s"

HOSTOLINK_PRODUCTION_VENV="$WORK/venv" HOSTOLINK_TESTS_REQUIRE_SERVICES=1 \
  env -u DATABASE_URL .venv/bin/pytest tests_production -p no:cacheprovider -q -rA \
  --durations=10
echo "production stage: $((SECONDS - started)) s in all"
