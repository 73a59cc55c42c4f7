#!/usr/bin/env bash
# Runs the generated Postman collection with newman, against a server
# that is already running. The API never returns an OTP, so the flow runs in three newman
# runs: "1 - Inscription", then the OTP is read from the development outbox with the CLI,
# then "2 - Vérification et session" with that code, then "3 - Administration" and
# "4 - Portefeuille" (credit, PIN token, replayed transfer, history, QR payment, reversal)
# and "5 - Dépôts et retraits" (through the sandbox provider; its held withdrawal reaches
# « à vérifier » only on a server whose HOSTOLINK_RECONCILIATION_HORIZON_HOURS is a few
# seconds, as with-product.sh starts it), and "6 - Annuaire santé";
# then every other folder (one request per operation of the API), where no answer may be a
# server error.
#
# Environment:
#   BASE_URL          the running server (default http://127.0.0.1:3000)
#   HOSTOLINK         the CLI (default .venv/bin/hostolink); it must see the same
#                     HOSTOLINK_DATA_DIR / DATABASE_URL as the server to read its outbox
#   ADMIN_IDENTIFIER  an administrator created beforehand with `hostolink create-admin`
#   ADMIN_PASSWORD    its password
#   POSTMAN_DIR       where the generated files are (default docs/postman)
#   IDENTIFIER        the account to enrol (default: a fresh ci-…@example.com each run)
#   OUTBOX_URL        where to read the code sent to the account, when the server sends for
#                     real (production stage: the simulated Twilio/SMTP's
#                     /_fake/messages); default: the development outbox through the CLI
#   WITHOUT_SANDBOX   set to 1 where the sandbox provider does not exist (production):
#                     "5 - Dépôts et retraits" is skipped (the production stage runs a
#                     deposit and a withdrawal through a simulated Wave instead)
# Extra arguments are passed to every `newman run` (e.g. --reporters cli,junit).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BASE_URL="${BASE_URL:-http://127.0.0.1:3000}"
HOSTOLINK="${HOSTOLINK:-.venv/bin/hostolink}"
: "${ADMIN_IDENTIFIER:?set ADMIN_IDENTIFIER (an admin made with hostolink create-admin)}"
: "${ADMIN_PASSWORD:?set ADMIN_PASSWORD}"

POSTMAN_DIR="${POSTMAN_DIR:-docs/postman}"
COLLECTION="$POSTMAN_DIR/hostolink.postman_collection.json"
ENVIRONMENT="$POSTMAN_DIR/hostolink.postman_environment.json"
TOOLS="$ROOT/.ci-tools"
NEWMAN="$TOOLS/node_modules/.bin/newman"

if [[ ! -x "$NEWMAN" ]]; then
    echo "newman.sh: installing newman 6 into .ci-tools/" >&2
    npm install --prefix "$TOOLS" --no-audit --no-fund newman@6 >&2
fi

for attempt in 1 2 3 4 5 6 7 8 9 10; do
    curl -fs -o /dev/null "$BASE_URL/health" && break
    if [[ $attempt == 10 ]]; then
        echo "newman.sh: no server answers at $BASE_URL/health (start it first)" >&2
        exit 1
    fi
    sleep 1
done

# A fresh identifier each run: the flow starts with "this identifier is unknown".
IDENT="${IDENTIFIER:-ci-$(date +%s)-$RANDOM@example.com}"
echo "newman.sh: $BASE_URL, identifier $IDENT" >&2

SESSION_ENV="$(mktemp "${TMPDIR:-/tmp}/hostolink-newman-XXXXXX.json")"
trap 'rm -f "$SESSION_ENV"' EXIT

run_folder() {
    local folder=$1
    shift
    "$NEWMAN" run "$COLLECTION" -e "${FOLDER_ENVIRONMENT:-$ENVIRONMENT}" --folder "$folder" \
        --env-var "baseUrl=$BASE_URL" --env-var "identifier=$IDENT" "$@"
}

run_folder "1 - Inscription" "$@"
SIGNED_UP_AT=$(date +%s)  # the last code sent to the account: resends wait 60 s after it

# The outbox lists messages newest first: the latest one holds the code that is still valid
# (a resend replaces the previous code). Its first standalone 6-digit number is the code.
if [[ -n "${OUTBOX_URL:-}" ]]; then
    OUTBOX="$(curl -fsS --get --data-urlencode "to=$IDENT" "$OUTBOX_URL")"
else
    OUTBOX="$("$HOSTOLINK" outbox --to "$IDENT" --limit 1)"
fi
OTP="$(grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' <<<"$OUTBOX" | head -n 1 | tr -cd '0-9' || true)"
if [[ ! "$OTP" =~ ^[0-9]{6}$ ]]; then
    echo "newman.sh: no 6-digit code in \`$HOSTOLINK outbox --to $IDENT\`:" >&2
    echo "$OUTBOX" >&2
    exit 1
fi

# The session's tokens are kept for "4 - Portefeuille" (logging in again would spend the
# per-identifier rate limit the first folders have used).
run_folder "2 - Vérification et session" --env-var "otp=$OTP" \
    --export-environment "$SESSION_ENV" "$@"

run_folder "3 - Administration" \
    --env-var "adminIdentifier=$ADMIN_IDENTIFIER" --env-var "adminPassword=$ADMIN_PASSWORD" "$@"

FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "4 - Portefeuille" \
    --env-var "adminIdentifier=$ADMIN_IDENTIFIER" --env-var "adminPassword=$ADMIN_PASSWORD" \
    --export-environment "$SESSION_ENV" "$@"

# Deposit confirmed on the sandbox's payment page, withdrawal sent, withdrawal refused.
if [[ "${WITHOUT_SANDBOX:-}" != 1 ]]; then
    FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "5 - Dépôts et retraits" "$@"
fi

# The public health directory (no account): emergency numbers, near me, search, detail.
run_folder "6 - Annuaire santé" "$@"

# Change the password while signed in (other session ended, this one kept), then back.
FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "7 - Mon compte - sécurité" "$@"
# My devices and sessions: a second sign-in (a browser), listed, then signed out; the
# session kept for the folders below goes on.
FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "8 - Mon compte - appareils et sessions" "$@"
# Add a phone number to the account (enrolled by e-mail, which stays valid for the folders
# below): the code goes to the NEW number, read from the outbox between the two requests.
# One code per minute and person: wait out what is left of the minute since "1 - Inscription".
if [[ -z "${OUTBOX_URL:-}" ]]; then
    NEW_PHONE="07$(printf '%08d' $(( (RANDOM * 32768 + RANDOM) % 100000000 )))"
    WAIT=$(( SIGNED_UP_AT + 61 - $(date +%s) ))
    if (( WAIT > 0 )); then sleep "$WAIT"; fi
    # --folder also names single requests: the folder « 9 - Mon compte - identifiant » in two runs.
    FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "Identifiant - déjà celui du compte" \
        --folder "Identifiant - demander le changement" \
        --env-var "nouveauNumero=$NEW_PHONE" "$@"
    CODE_OUTBOX="$("$HOSTOLINK" outbox --to "+225$NEW_PHONE" --limit 1)"
    NEW_OTP="$(grep -oE '(^|[^0-9])[0-9]{6}([^0-9]|$)' <<<"$CODE_OUTBOX" | head -n 1 | tr -cd '0-9' || true)"
    FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "Identifiant - confirmer avec le code" \
        --folder "Identifiant - le nouveau numéro existe" \
        --folder "Identifiant - connexion avec le nouveau numéro" \
        --env-var "nouveauNumero=$NEW_PHONE" --env-var "otpIdentifiant=$NEW_OTP" "$@"
fi
# Delete my account: refused while money is held (the folder credits 100 F CFA first).
FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "10 - Mon compte - suppression" \
    --env-var "adminIdentifier=$ADMIN_IDENTIFIER" --env-var "adminPassword=$ADMIN_PASSWORD" "$@"
# Export my data: asked, prepared by the server's worker, downloaded by its signed link.
FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "11 - Mon compte - export de mes données" "$@"
# Referral: my code, link and invitees; the campaigns (super-administrators only).
FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "12 - Parrainage" \
    --env-var "adminIdentifier=$ADMIN_IDENTIFIER" --env-var "adminPassword=$ADMIN_PASSWORD" "$@"
# The help desk: the FAQ, a conversation answered by the administrator (an agent), a claim
# settled by an adjustment below the approval threshold, one above it (four eyes).
FOLDER_ENVIRONMENT="$SESSION_ENV" run_folder "13 - Assistance" \
    --env-var "adminIdentifier=$ADMIN_IDENTIFIER" --env-var "adminPassword=$ADMIN_PASSWORD" "$@"

echo "newman.sh: onboarding flow passed" >&2

# Then every other folder: each operation of the API once, with its generated example, as
# the enrolled person (and the administrator's credentials for the admin folders' login).
# Examples name objects that may not exist (404) or be refused (403, 409, 422): the
# collection's own test only demands that no answer is a server error.
mapfile -t FOLDERS < <(node -e '
const c = require(process.argv[1]);
for (const f of c.item) if (f.name !== process.argv[2]) console.log(f.name);
' "$ROOT/$COLLECTION" "Parcours d'inscription")
FOLDER_ARGS=()
for folder in "${FOLDERS[@]}"; do FOLDER_ARGS+=(--folder "$folder"); done
"$NEWMAN" run "$COLLECTION" -e "$SESSION_ENV" "${FOLDER_ARGS[@]}" \
    --env-var "baseUrl=$BASE_URL" --env-var "identifier=$IDENT" \
    --env-var "adminIdentifier=$ADMIN_IDENTIFIER" --env-var "adminPassword=$ADMIN_PASSWORD" "$@"
echo "newman.sh: ${#FOLDERS[@]} reference folders, every operation, no server error" >&2
