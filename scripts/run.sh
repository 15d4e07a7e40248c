#!/usr/bin/env bash
# Runs the gateway in the foreground with local development defaults, after starting Kafka and Keycloak.
# Ctrl-C or SIGTERM stops the gateway and then the broker, if this script started the broker.
#
#   scripts/run.sh                  webhooks only; OAuth is on when INT_HUBSPOT_HUBSPOT_CLIENT_ID is set
#   scripts/run.sh --fake-hubspot   also start the fake HubSpot on 127.0.0.1:8190 and turn OAuth on
#                                   against it (same as INT_HUBSPOT_FAKE_HUBSPOT=1); see docs/oauth.md
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Development defaults; any variable already set wins.
# DEV ONLY: this client secret is public. Use the app's real secret anywhere else.
export INT_HUBSPOT_CLIENT_SECRET="${INT_HUBSPOT_CLIENT_SECRET:-dev-only-client-secret-do-not-use-in-production}"
export INT_HUBSPOT_PORT="${INT_HUBSPOT_PORT:-8080}"
export INT_HUBSPOT_PUBLIC_URL="${INT_HUBSPOT_PUBLIC_URL:-http://127.0.0.1:$INT_HUBSPOT_PORT}"
export INT_HUBSPOT_HOST="${INT_HUBSPOT_HOST:-127.0.0.1}"

fake_hubspot="${INT_HUBSPOT_FAKE_HUBSPOT:-0}"
for argument in "$@"; do
  case "$argument" in
    --fake-hubspot) fake_hubspot=1 ;;
    *) echo "run.sh: unknown option $argument (use --fake-hubspot)" >&2; exit 2 ;;
  esac
done

started_kafka=0
if ! scripts/kafka.sh status >/dev/null 2>&1; then started_kafka=1; fi
scripts/kafka.sh start

# Like Kafka, Keycloak is stopped on exit only if this script started it. Its first start takes
# about two minutes (build and new database); later starts take about 30 s.
started_keycloak=0
if ! scripts/keycloak.sh status >/dev/null 2>&1; then started_keycloak=1; fi
scripts/keycloak.sh start
while IFS='=' read -r name value; do
  if [[ -z "${!name:-}" ]]; then export "$name=$value"; fi
done < <(scripts/keycloak.sh env)

fake_pid=""
if [[ "$fake_hubspot" == 1 ]]; then
  # DEV ONLY: a fake app with keys kept in .run/; never point these settings at the real HubSpot.
  mkdir -p .run/oauth
  [[ -s .run/oauth/state-key ]] || (umask 077 && head -c 32 /dev/urandom | base64 > .run/oauth/state-key)
  [[ -s .run/oauth/token-key ]] || (umask 077 && head -c 32 /dev/urandom | base64 > .run/oauth/token-key)
  export INT_HUBSPOT_HUBSPOT_CLIENT_ID="${INT_HUBSPOT_HUBSPOT_CLIENT_ID:-fake-app-client-id}"
  export INT_HUBSPOT_HUBSPOT_API_URL="${INT_HUBSPOT_HUBSPOT_API_URL:-http://127.0.0.1:8190}"
  export INT_HUBSPOT_HUBSPOT_APP_URL="${INT_HUBSPOT_HUBSPOT_APP_URL:-http://127.0.0.1:8190}"
  export INT_HUBSPOT_STATE_KEY="${INT_HUBSPOT_STATE_KEY:-$(cat .run/oauth/state-key)}"
  export INT_HUBSPOT_TOKEN_KEYS="${INT_HUBSPOT_TOKEN_KEYS:-dev1:$(cat .run/oauth/token-key)}"
  echo "run.sh: fake HubSpot on http://127.0.0.1:8190; start an install at $INT_HUBSPOT_PUBLIC_URL/oauth/install" >&2
  .venv/bin/int-hubspot fake-hubspot --port 8190 &
  fake_pid=$!
fi

gateway_pid=""
cleanup() {
  trap - INT TERM EXIT
  if [[ -n "$gateway_pid" ]] && kill -0 "$gateway_pid" 2>/dev/null; then
    echo "run.sh: stopping the gateway (PID $gateway_pid)" >&2
    kill -TERM "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  if [[ -n "$fake_pid" ]] && kill -0 "$fake_pid" 2>/dev/null; then kill -TERM "$fake_pid" 2>/dev/null || true; fi
  if ((started_keycloak)); then scripts/keycloak.sh stop; fi
  if ((started_kafka)); then scripts/kafka.sh stop; fi
}
trap cleanup EXIT
# A stop requested with Ctrl-C or SIGTERM is a normal end, so the script exits with status 0.
trap 'cleanup; exit 0' INT TERM

echo "run.sh: gateway on http://$INT_HUBSPOT_HOST:$INT_HUBSPOT_PORT (server: ${INT_HUBSPOT_SERVER:-granian}); Ctrl-C stops it" >&2
.venv/bin/int-hubspot serve &
gateway_pid=$!
wait "$gateway_pid"
