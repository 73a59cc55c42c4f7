#!/usr/bin/env bash
# Start the product as a new user would (embedded PostgreSQL, fresh data folder), create an
# administrator, run the given command against it (default: the Postman collection through
# newman), always stop the server. The command sees BASE_URL, HOSTOLINK, ADMIN_IDENTIFIER
# and ADMIN_PASSWORD; the server inherits the caller's environment (RATE_LIMIT_ENABLED…).
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/hostolink-ci-XXXXXX")"
PORT="${CI_PORT:-3917}"
export HOSTOLINK_DATA_DIR="$DATA_DIR" LOG_LEVEL=WARNING
# Reconciliation's horizon in seconds rather than 24 hours (0.002 h = 7.2 s): « 5 - Dépôts et
# retraits » shows a withdrawal the provider cannot find going « à vérifier », money held.
export HOSTOLINK_RECONCILIATION_HORIZON_HOURS="${HOSTOLINK_RECONCILIATION_HORIZON_HOURS:-0.002}"
export BASE_URL="http://127.0.0.1:$PORT" HOSTOLINK="$PWD/.venv/bin/hostolink"
export ADMIN_IDENTIFIER="admin.ci@example.com"
ADMIN_PASSWORD="ci-$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
export ADMIN_PASSWORD

"$HOSTOLINK" serve --port "$PORT" >"$DATA_DIR/serve.log" 2>&1 &
SERVER=$!
cleanup() {
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  if curl -fsS "$BASE_URL/ready" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVER" 2>/dev/null; then cat "$DATA_DIR/serve.log"; exit 1; fi
  sleep 1
done
curl -fsS "$BASE_URL/ready" >/dev/null || { cat "$DATA_DIR/serve.log"; exit 1; }
curl -fsS "$BASE_URL/docs" | grep -q "swagger-ui" || { echo "Swagger UI missing"; exit 1; }

HOSTOLINK_ADMIN_PASSWORD="$ADMIN_PASSWORD" "$HOSTOLINK" create-admin --identifier "$ADMIN_IDENTIFIER"
if [ "$#" -eq 0 ]; then set -- bash .ci/newman.sh; fi
"$@"
