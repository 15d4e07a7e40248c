#!/usr/bin/env bash
# Local Keycloak (dev mode) on 127.0.0.1:8180 for development and tests.
#
#   scripts/keycloak.sh start    fetch the distribution if needed, start, wait, bootstrap the realm (idempotent)
#   scripts/keycloak.sh stop     stop the Keycloak this script started (by its recorded PID)
#   scripts/keycloak.sh status   print whether Keycloak is ready
#   scripts/keycloak.sh env      print the gateway's Keycloak settings as shell assignments (with the secret)
#
# The distribution zip (org.keycloak:keycloak-quarkus-dist) comes from Maven Central through Maven and is
# unpacked in .cache/keycloak/<version>/. The dev-file database, the log and the generated local secrets
# live in .run/keycloak/. A Keycloak already ready on the ports is reused, never restarted; the realm
# bootstrap runs on every start because it only adds what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEYCLOAK_VERSION="${KEYCLOAK_VERSION:-26.7.3}"
CACHE="$ROOT/.cache/keycloak"
DIST="$CACHE/$KEYCLOAK_VERSION/keycloak-$KEYCLOAK_VERSION"
RUN="$ROOT/.run/keycloak"
PORT="${KEYCLOAK_PORT:-8180}"
MANAGEMENT_PORT="${KEYCLOAK_MANAGEMENT_PORT:-9180}"
REALM="${INT_HUBSPOT_KEYCLOAK_REALM:-ameide}"
GATEWAY_CLIENT_ID="${INT_HUBSPOT_KEYCLOAK_CLIENT_ID:-int-hubspot-gateway}"
CLI="${INT_HUBSPOT_CLI:-$ROOT/.venv/bin/int-hubspot}"

log() { echo "keycloak.sh: $*" >&2; }

java_home() {
  # Keycloak 26 supports JDK 17, 21 and 25; prefer the newest the machine has.
  local candidate
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-amd64; do
    if [[ -x "$candidate/bin/java" ]]; then echo "$candidate"; return; fi
  done
  log "no JDK found under /usr/lib/jvm; install a JDK 17, 21 or 25 (apt-get install openjdk-17-jdk-headless)"
  exit 1
}

ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$MANAGEMENT_PORT/health/ready" 2>/dev/null; }

fetch_dist() {
  if [[ -f "$DIST/.complete" ]]; then return; fi
  command -v mvn >/dev/null || { log "mvn not found; install Maven (apt-get install maven)"; exit 1; }
  local zip="$CACHE/download/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  if [[ ! -f "$zip" ]]; then
    log "fetching org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip from Maven Central"
    mkdir -p "$CACHE/download"
    mvn -q -B dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
      -DoutputDirectory="$CACHE/download"
  fi
  log "unpacking Keycloak $KEYCLOAK_VERSION into $CACHE/$KEYCLOAK_VERSION"
  rm -rf "$CACHE/$KEYCLOAK_VERSION"
  mkdir -p "$CACHE/$KEYCLOAK_VERSION"
  unzip -q "$zip" -d "$CACHE/$KEYCLOAK_VERSION"
  touch "$DIST/.complete"
}

# Creates a random value once and keeps it in a file readable only by the owner.
local_secret() {
  local file="$RUN/$1"
  if [[ ! -s "$file" ]]; then
    (umask 077 && head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$file")
  fi
  cat "$file"
}

start_server() {
  fetch_dist
  mkdir -p "$RUN"
  local admin_password
  admin_password="$(local_secret admin-password)"
  log "starting Keycloak $KEYCLOAK_VERSION on 127.0.0.1:$PORT, management on 127.0.0.1:$MANAGEMENT_PORT (log: $RUN/keycloak.log)"
  # The bootstrap admin is created only while the master realm does not exist, that is on the first start
  # with a new database in $RUN/h2.
  JAVA_HOME="$(java_home)" \
    KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD="$admin_password" \
    setsid "$DIST/bin/kc.sh" start-dev \
    --http-host=127.0.0.1 --http-port="$PORT" --http-management-port="$MANAGEMENT_PORT" \
    --health-enabled=true \
    --db=dev-file --db-url="jdbc:h2:file:$RUN/h2/keycloakdb;NON_KEYWORDS=VALUE" \
    >"$RUN/keycloak.log" 2>&1 </dev/null &
  echo $! > "$RUN/keycloak.pid"
  local started_at=$SECONDS
  for _ in $(seq 1 360); do
    if ready; then log "Keycloak ready after $((SECONDS - started_at)) s"; return; fi
    if ! kill -0 "$(cat "$RUN/keycloak.pid")" 2>/dev/null; then
      log "Keycloak exited; last log lines:"
      tail -30 "$RUN/keycloak.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  log "Keycloak was not ready within 180 s; see $RUN/keycloak.log"
  exit 1
}

bootstrap_realm() {
  [[ -x "$CLI" ]] || { log "$CLI not found; run 'make' first to build the virtual environment"; exit 1; }
  mkdir -p "$RUN"
  local gateway_secret
  gateway_secret="$(local_secret gateway-client-secret)"
  INT_HUBSPOT_KEYCLOAK_ADMIN_PASSWORD="$(local_secret admin-password)" \
    INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET="$gateway_secret" \
    "$CLI" keycloak-bootstrap --url "http://127.0.0.1:$PORT" --realm "$REALM" \
    --admin-user admin --client-id "$GATEWAY_CLIENT_ID"
}

start() {
  if ready; then
    log "Keycloak already ready on 127.0.0.1:$PORT; reusing it"
  else
    if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" 2>/dev/null; then
      log "port $PORT answers but the health endpoint on $MANAGEMENT_PORT does not; stop that server or set KEYCLOAK_PORT"
      exit 1
    fi
    start_server
  fi
  bootstrap_realm
}

stop() {
  local pid_file="$RUN/keycloak.pid"
  if [[ ! -f "$pid_file" ]]; then log "no Keycloak started by this script"; return; fi
  local pid
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null && grep -q "keycloak" "/proc/$pid/cmdline" 2>/dev/null; then
    log "stopping Keycloak (PID $pid)"
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { log "Keycloak did not stop in 30 s; sending SIGKILL"; kill -9 "$pid"; }
  fi
  rm -f "$pid_file"
}

print_env() {
  mkdir -p "$RUN"
  echo "INT_HUBSPOT_KEYCLOAK_URL=http://127.0.0.1:$PORT"
  echo "INT_HUBSPOT_KEYCLOAK_REALM=$REALM"
  echo "INT_HUBSPOT_KEYCLOAK_CLIENT_ID=$GATEWAY_CLIENT_ID"
  echo "INT_HUBSPOT_KEYCLOAK_CLIENT_SECRET=$(local_secret gateway-client-secret)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if ready; then echo "Keycloak is ready on 127.0.0.1:$PORT"; else echo "Keycloak is not running"; exit 1; fi ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
