#!/usr/bin/env bash
# Local single-node Kafka (KRaft) on 127.0.0.1:9092 for development and tests.
#
#   scripts/kafka.sh start    fetch the jars if needed, format, start, wait, create topics (idempotent)
#   scripts/kafka.sh stop     stop the broker this script started (by its recorded PID)
#   scripts/kafka.sh status   print whether the broker responds
#
# Jars come from Maven Central through Maven and are cached in .cache/kafka/; broker data and logs
# live in .run/kafka/. A broker already responding on the port is reused, never restarted.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/scripts/kafka/pom.xml")"
CACHE="$ROOT/.cache/kafka/$KAFKA_VERSION"
RUN="$ROOT/.run/kafka"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
EVENTS_TOPIC="${INT_HUBSPOT_EVENTS_TOPIC:-hubspot.events}"
DLQ_TOPIC="${INT_HUBSPOT_DLQ_TOPIC:-hubspot.events.dlq}"
TENANTS_TOPIC="${INT_HUBSPOT_TENANTS_TOPIC:-hubspot.tenants}"

log() { echo "kafka.sh: $*" >&2; }

java_bin() {
  # Kafka 4.x needs Java 17 or newer; prefer a newer JDK when the machine has one.
  local candidate
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64; do
    if [[ -x "$candidate/bin/java" ]]; then echo "$candidate/bin/java"; return; fi
  done
  command -v java || { log "java not found; install a JDK 17 or newer (apt-get install openjdk-17-jre-headless)"; exit 1; }
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch_jars() {
  if [[ -f "$CACHE/libs/.complete" ]]; then return; fi
  command -v mvn >/dev/null || { log "mvn not found; install Maven (apt-get install maven)"; exit 1; }
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $CACHE/libs"
  rm -rf "$CACHE/libs"
  mkdir -p "$CACHE/libs"
  mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$CACHE/libs"
  touch "$CACHE/libs/.complete"
}

write_config() {
  mkdir -p "$RUN"
  cat > "$RUN/server.properties" <<PROPERTIES
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$RUN/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPERTIES
}

start() {
  if port_open "$PORT"; then
    log "a broker already answers on 127.0.0.1:$PORT; reusing it"
  else
    fetch_jars
    write_config
    local java
    java="$(java_bin)"
    if [[ ! -f "$RUN/data/meta.properties" ]]; then
      log "formatting a new KRaft log in $RUN/data"
      "$java" -cp "$CACHE/libs/*" -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties" \
        kafka.tools.StorageTool format --standalone -c "$RUN/server.properties" \
        -t "$("$java" -cp "$CACHE/libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null)" >/dev/null
    fi
    log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$PORT (log: $RUN/broker.log)"
    setsid "$java" -Xms256m -Xmx1g -cp "$CACHE/libs/*" \
      -Dlog4j2.configurationFile="$ROOT/scripts/kafka/log4j2.properties" \
      kafka.Kafka "$RUN/server.properties" >"$RUN/broker.log" 2>&1 < /dev/null &
    echo $! > "$RUN/broker.pid"
    for _ in $(seq 1 120); do
      port_open "$PORT" && break
      kill -0 "$(cat "$RUN/broker.pid")" 2>/dev/null || { log "broker exited; last log lines:"; tail -20 "$RUN/broker.log" >&2; exit 1; }
      sleep 0.5
    done
  fi
  "$PYTHON" "$ROOT/scripts/kafka_topics.py" --bootstrap "127.0.0.1:$PORT" --timeout 90 \
    --topic "$EVENTS_TOPIC:12" --topic "$DLQ_TOPIC:3" --topic "$TENANTS_TOPIC:12"
}

stop() {
  local pid_file="$RUN/broker.pid"
  if [[ ! -f "$pid_file" ]]; then log "no broker started by this script"; return; fi
  local pid
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null && grep -q "kafka.Kafka" "/proc/$pid/cmdline" 2>/dev/null; then
    log "stopping broker (PID $pid)"
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { log "broker did not stop in 30 s; sending SIGKILL"; kill -9 "$pid"; }
  fi
  rm -f "$pid_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if port_open "$PORT"; then echo "Kafka answers on 127.0.0.1:$PORT"; else echo "Kafka is not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
