#!/usr/bin/env bash
# Fuzzes every operation of the OpenAPI document with schemathesis against a running server
# (see .ci/with-product.sh), first as an ordinary user, then as an administrator. Fails on any
# 5xx and on any answer that does not match the schema or content type the document declares.
#
# Environment: BASE_URL, HOSTOLINK (the CLI, to read the development outbox),
# ADMIN_IDENTIFIER, ADMIN_PASSWORD (made by with-product.sh); FUZZ_SECONDS per identity
# (default 240); FUZZ_SEED (default fixed, so that a failure replays).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BASE_URL:?}" "${HOSTOLINK:?}" "${ADMIN_IDENTIFIER:?}" "${ADMIN_PASSWORD:?}"
FUZZ_SECONDS="${FUZZ_SECONDS:-240}"
FUZZ_SEED="${FUZZ_SEED:-20261124}"
PY=.venv/bin/python

json_field() { "$PY" -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
post() { curl -fsS -H 'Content-Type: application/json' -d "$2" "$BASE_URL$1"; }

# An ordinary person, enrolled the way the app does it (the code comes from the outbox).
USER_ID="fuzz.$(date +%s).$RANDOM@example.com"
USER_PASSWORD="fz-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(12))')"
post /api/register-user "{\"identifier\": \"$USER_ID\"}" >/dev/null
post /api/define-password \
  "{\"identifier\": \"$USER_ID\", \"password\": \"$USER_PASSWORD\", \"confirmPassword\": \"$USER_PASSWORD\"}" >/dev/null
CODE="$("$HOSTOLINK" outbox --to "$USER_ID" --limit 1 | grep -oE '\b[0-9]{6}\b' | head -n1)"
USER_TOKEN="$(post /api/verify-otp "{\"identifier\": \"$USER_ID\", \"otpCode\": \"$CODE\"}" | json_field token)"
ADMIN_TOKEN="$(post /api/auth/login \
  "{\"identifier\": \"$ADMIN_IDENTIFIER\", \"password\": \"$ADMIN_PASSWORD\"}" | json_field token)"

fuzz() {
  local who="$1" token="$2"
  printf '\n--- schemathesis as %s (%ss, seed %s) ---\n' "$who" "$FUZZ_SECONDS" "$FUZZ_SEED"
  # Sign-out would end the session being fuzzed with; everything else is fair game.
  # One worker: with two, hypothesis's concurrent ast.parse calls (Python 3.11) now and
  # then raise "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905),
  # a runtime error of the fuzzer, not a finding.
  .venv/bin/schemathesis run "$BASE_URL/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --phases examples,coverage,fuzzing \
    --max-time "$FUZZ_SECONDS" --seed "$FUZZ_SEED" --workers 1 \
    --suppress-health-check all --warnings off \
    --exclude-path /api/auth/logout
}
# Both identities always run (a failure as one must not hide what the other finds).
status=0
fuzz utilisateur "$USER_TOKEN" || status=1
fuzz administrateur "$ADMIN_TOKEN" || status=1
exit "$status"
