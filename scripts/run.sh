#!/usr/bin/env bash
# Runs the gateway in the foreground with local development defaults, after starting Kafka.
# Ctrl-C or SIGTERM stops the gateway and then the broker, if this script started the broker.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# Development defaults; any variable already set wins.
# DEV ONLY: this client secret is public. Use the app's real secret anywhere else.
export INT_HUBSPOT_CLIENT_SECRET="${INT_HUBSPOT_CLIENT_SECRET:-dev-only-client-secret-do-not-use-in-production}"
export INT_HUBSPOT_PORT="${INT_HUBSPOT_PORT:-8080}"
export INT_HUBSPOT_PUBLIC_URL="${INT_HUBSPOT_PUBLIC_URL:-http://127.0.0.1:$INT_HUBSPOT_PORT}"
export INT_HUBSPOT_HOST="${INT_HUBSPOT_HOST:-127.0.0.1}"

started_kafka=0
if ! scripts/kafka.sh status >/dev/null 2>&1; then started_kafka=1; fi
scripts/kafka.sh start

gateway_pid=""
cleanup() {
  trap - INT TERM EXIT
  if [[ -n "$gateway_pid" ]] && kill -0 "$gateway_pid" 2>/dev/null; then
    echo "run.sh: stopping the gateway (PID $gateway_pid)" >&2
    kill -TERM "$gateway_pid" 2>/dev/null || true
    wait "$gateway_pid" 2>/dev/null || true
  fi
  if ((started_kafka)); then scripts/kafka.sh stop; fi
}
trap cleanup INT TERM EXIT

echo "run.sh: gateway on http://$INT_HUBSPOT_HOST:$INT_HUBSPOT_PORT (server: ${INT_HUBSPOT_SERVER:-granian}); Ctrl-C stops it" >&2
.venv/bin/int-hubspot serve &
gateway_pid=$!
wait "$gateway_pid"
