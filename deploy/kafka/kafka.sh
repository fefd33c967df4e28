#!/usr/bin/env bash
# Local single-node Apache Kafka broker (KRaft, combined broker+controller)
# for tests and development. Jars come from Maven Central through pom.xml.
#
#   kafka.sh fetch      copy the broker jars into deploy/kafka/lib (once)
#   kafka.sh start      start the broker in the background, wait until it
#                       serves metadata, print its bootstrap address
#   kafka.sh stop       stop it (SIGTERM, SIGKILL after $KAFKA_STOP_TIMEOUT s)
#   kafka.sh status     exit 0 if running, 3 if not
#   kafka.sh bootstrap  print 127.0.0.1:<port>
#
# Environment:
#   KAFKA_PORT             client port (default 19092)
#   KAFKA_CONTROLLER_PORT  controller port (default KAFKA_PORT+1)
#   KAFKA_RUN_DIR          run directory: config, data, logs, pid file
#                          (default deploy/kafka/run/<port>)
#   KAFKA_KEEP_DATA=1      keep topics from the previous run instead of
#                          starting with empty storage
#   KAFKA_START_TIMEOUT    seconds to wait for readiness (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait before SIGKILL (default 20)
#   KAFKA_HEAP_OPTS        JVM heap options (default -Xmx512m)
#
# start and stop are idempotent: starting a running broker and stopping a
# stopped one do nothing. Messages go to stderr; start and bootstrap print
# only the bootstrap address on stdout.
set -euo pipefail

# Keep in step with pom.xml.
KAFKA_VERSION=4.1.1
LOG4J_VERSION=2.24.3

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/lib"
MARKER="$LIB/.fetched"
LOG4J_CONFIG="$HERE/log4j2.properties"

PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
RUN_DIR="$(realpath -m "${KAFKA_RUN_DIR:-$HERE/run/$PORT}")"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-20}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m}"

PID_FILE="$RUN_DIR/kafka.pid"
CONFIG="$RUN_DIR/server.properties"
DATA_DIR="$RUN_DIR/data"
SERVER_LOG="$RUN_DIR/server.log"
STDOUT_LOG="$RUN_DIR/stdout.log"
BOOTSTRAP="127.0.0.1:$PORT"

say() { printf 'kafka: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

usage() {
    sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed ($2)"
}

# ---------------------------------------------------------------- fetch --

expected_marker() {
    printf 'kafka_2.13 %s\nlog4j %s\npom %s\n' "$KAFKA_VERSION" "$LOG4J_VERSION" \
        "$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
}

lib_complete() {
    [[ -f "$MARKER" ]] && [[ "$(cat "$MARKER")" == "$(expected_marker)" ]]
}

PROBE_DIR="$LIB/ready-probe"

# The readiness probe (Ready.java) is compiled once into lib/ready-probe.
# Without javac (a JRE only) it is skipped and readiness rests on the port
# and the "Kafka Server started" log line.
probe_current() {
    ! command -v javac >/dev/null 2>&1 ||
        [[ -f "$PROBE_DIR/Ready.class" && ! "$HERE/Ready.java" -nt "$PROBE_DIR/Ready.class" ]]
}

compile_probe() {
    probe_current && return 0
    local tmp="$LIB/.ready-probe.$$"
    rm -rf "$tmp"
    if javac -nowarn -d "$tmp" -cp "$LIB/*" "$HERE/Ready.java" >&2; then
        rm -rf "$PROBE_DIR"
        mv "$tmp" "$PROBE_DIR"
    else
        rm -rf "$tmp"
        say "warning: could not compile Ready.java; readiness check uses the log only"
    fi
}

cmd_fetch() {
    if lib_complete && probe_current; then
        return 0
    fi
    need mvn "Maven fetches the broker jars from Maven Central"
    need java "the broker needs Java 17 or newer"
    mkdir -p "$HERE/run"
    # One fetch at a time, even when several starts race.
    exec 8>"$HERE/run/.fetch.lock"
    flock 8
    if ! lib_complete; then
        say "fetching Apache Kafka $KAFKA_VERSION jars with Maven into $LIB"
        local tmp="$HERE/run/.lib-fetch.$$"
        rm -rf "$tmp"
        local started=$SECONDS
        # Maven 3.8 prints colour resets even in batch mode; strip them.
        local mvn_rc=0
        mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies \
            -DoutputDirectory="$tmp" >"$tmp.log" 2>&1 || mvn_rc=$?
        sed 's/\x1b\[[0-9;]*m//g' "$tmp.log" | grep -v '^[[:space:]]*$' >&2 || true
        rm -f "$tmp.log"
        if ((mvn_rc != 0)); then
            rm -rf "$tmp"
            die "mvn dependency:copy-dependencies failed"
        fi
        if [[ ! -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
            rm -rf "$tmp"
            die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"
        fi
        rm -rf "$LIB"
        mv "$tmp" "$LIB"
        expected_marker >"$MARKER"
        say "fetched $(find "$LIB" -name '*.jar' | wc -l) jars in $((SECONDS - started)) s"
    fi
    compile_probe
    exec 8>&-
}

# ------------------------------------------------------------ processes --

# Pid of the broker this run dir started, or nothing. A pid file whose
# process is gone, or is no longer our broker, is stale and removed.
running_pid() {
    [[ -f "$PID_FILE" ]] || return 0
    local pid cmdline=""
    pid="$(cat "$PID_FILE" 2>/dev/null || true)"
    if [[ "$pid" =~ ^[0-9]+$ ]]; then
        cmdline="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
    fi
    if [[ "$cmdline" == *"kafka.Kafka $CONFIG"* ]]; then
        echo "$pid"
        return 0
    fi
    rm -f "$PID_FILE"
}

# True while the process exists and has not exited (a zombie child of
# this shell counts as gone).
alive() {
    local stat
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
    stat="${stat##*) }"
    [[ -n "$stat" && "${stat:0:1}" != Z ]]
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

java_cmd() {
    # java_cmd LOG_FILE MAIN ARGS...: java with the broker classpath and the
    # shared log4j2 config, logging to LOG_FILE in the run dir.
    local log_file="$1"
    shift
    java -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
        -Dkafka.logs.dir="$RUN_DIR" -Dkafka.log.file="$log_file" \
        -Djava.awt.headless=true -cp "$LIB/*" "$@"
}

random_cluster_id() {
    # Same shape as kafka-storage.sh random-uuid: 16 random bytes, URL-safe
    # base64 without padding, never starting with '-'.
    local id
    while :; do
        id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
        [[ "$id" != -* ]] && break
    done
    echo "$id"
}

write_config() {
    cat >"$CONFIG" <<EOF
# Generated by deploy/kafka/kafka.sh; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DATA_DIR
num.partitions=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

log_tail() {
    local f
    for f in "$STDOUT_LOG" "$SERVER_LOG"; do
        if [[ -s "$f" ]]; then
            say "---- last lines of $f ----"
            tail -n 40 "$f" >&2
        fi
    done
}

wait_ready() {
    local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
    # 1. The client port accepts connections.
    until port_in_use "$PORT"; do
        alive "$pid" || return 2
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
    # 2. Startup finished.
    until grep -q 'Kafka Server started' "$SERVER_LOG" 2>/dev/null; do
        alive "$pid" || return 2
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
    # 3. It answers metadata requests (skipped on a JRE without javac).
    if [[ -f "$PROBE_DIR/Ready.class" ]]; then
        local left=$((deadline - SECONDS))
        ((left > 5)) || left=5
        local rc=0
        java -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.log.level=WARN \
            -Dkafka.logs.dir="$RUN_DIR" -Dkafka.log.file=ready.log \
            -XX:TieredStopAtLevel=1 -Xshare:auto -cp "$PROBE_DIR:$LIB/*" \
            Ready "$BOOTSTRAP" "$left" "$pid" >&2 || rc=$?
        return "$rc"
    fi
    return 0
}

# ------------------------------------------------------------- commands --

cmd_start() {
    need java "the broker needs Java 17 or newer"
    cmd_fetch
    mkdir -p "$RUN_DIR"
    exec 9>"$RUN_DIR/.lock"
    flock 9

    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        say "already running (pid $pid) on $BOOTSTRAP"
        echo "$BOOTSTRAP"
        return 0
    fi
    local p
    for p in "$PORT" "$CONTROLLER_PORT"; do
        if port_in_use "$p"; then
            die "port $p on 127.0.0.1 is taken by another process; set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
        fi
    done

    if [[ "${KAFKA_KEEP_DATA:-0}" != 1 ]]; then
        rm -rf "$DATA_DIR"
    fi
    rm -f "$SERVER_LOG" "$STDOUT_LOG" "$RUN_DIR/ready.log" "$RUN_DIR/format.log"
    write_config

    local started=$SECONDS
    if [[ ! -f "$DATA_DIR/meta.properties" ]]; then
        java_cmd format.log kafka.tools.StorageTool format \
            -t "$(random_cluster_id)" -c "$CONFIG" --standalone \
            >>"$RUN_DIR/format.log" 2>&1 ||
            {
                tail -n 20 "$RUN_DIR/format.log" >&2
                die "formatting storage in $DATA_DIR failed"
            }
    fi

    say "starting broker on $BOOTSTRAP (controller 127.0.0.1:$CONTROLLER_PORT), run dir $RUN_DIR"
    # Own session, so a Ctrl-C in the calling terminal does not kill it
    # half-way; fds 8/9 (locks) are not inherited.
    # shellcheck disable=SC2086
    (cd "$RUN_DIR" && exec setsid java $HEAP_OPTS -XX:+ExitOnOutOfMemoryError \
        -Dlog4j2.configurationFile="$LOG4J_CONFIG" \
        -Dkafka.logs.dir="$RUN_DIR" -Dkafka.log.file=server.log \
        -Djava.awt.headless=true -cp "$LIB/*" \
        kafka.Kafka "$CONFIG") </dev/null >"$STDOUT_LOG" 2>&1 8>&- 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"

    local rc=0
    wait_ready "$pid" || rc=$?
    if ((rc != 0)); then
        case "$rc" in
        2) say "broker process exited during startup" ;;
        *) say "broker not ready after ${START_TIMEOUT} s" ;;
        esac
        log_tail
        exec 9>&-
        cmd_stop
        exit 1
    fi
    say "broker ready on $BOOTSTRAP (pid $pid) in $((SECONDS - started)) s"
    exec 9>&-
    echo "$BOOTSTRAP"
}

cmd_stop() {
    mkdir -p "$RUN_DIR"
    exec 9>"$RUN_DIR/.lock"
    flock 9
    local pid
    pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        say "not running ($BOOTSTRAP)"
        exec 9>&-
        return 0
    fi
    say "stopping broker pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + STOP_TIMEOUT))
    while alive "$pid" && ((SECONDS < deadline)); do
        sleep 0.2
    done
    if alive "$pid"; then
        say "still running after ${STOP_TIMEOUT} s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while alive "$pid"; do
            sleep 0.1
        done
    fi
    rm -f "$PID_FILE"
    say "stopped"
    exec 9>&-
}

cmd_status() {
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        echo "running: pid $pid, $BOOTSTRAP, run dir $RUN_DIR"
        return 0
    fi
    echo "stopped ($BOOTSTRAP)"
    return 3
}

case "${1:-}" in
fetch) cmd_fetch ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
bootstrap) echo "$BOOTSTRAP" ;;
-h | --help | help)
    usage
    ;;
*)
    usage
    exit 64
    ;;
esac
