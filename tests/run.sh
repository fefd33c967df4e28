#!/usr/bin/env bash
# Run a command (the test suite, the benchmarks) with an Apache Kafka broker.
#
#   tests/run.sh .venv/bin/pytest -x
#
# If IDGOV_KAFKA_BOOTSTRAP is set, that broker is used and nothing is started.
# Otherwise a broker is started with deploy/kafka/kafka.sh on KAFKA_PORT (free
# ports are picked when unset), IDGOV_KAFKA_BOOTSTRAP is exported for the
# command, and the broker is stopped afterwards, also when the command fails
# or is interrupted. Exits with the command's exit code. If
# IDGOV_TEST_RC_FILE is set, that code is also written to the file.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_SH="$ROOT/deploy/kafka/kafka.sh"

if (($# == 0)); then
    echo "usage: tests/run.sh COMMAND [ARGS...]" >&2
    exit 64
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

started=0
cleanup() {
    local rc=$?
    if ((started)); then
        "$KAFKA_SH" stop || true
        if ((rc == 0)); then
            rm -rf "$KAFKA_RUN_DIR"
        else
            echo "run.sh: broker logs kept in $KAFKA_RUN_DIR" >&2
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -z "${IDGOV_KAFKA_BOOTSTRAP:-}" ]]; then
    if [[ -z "${KAFKA_PORT:-}" ]]; then
        KAFKA_PORT="$(free_port)"
        KAFKA_CONTROLLER_PORT="$(free_port)"
        export KAFKA_CONTROLLER_PORT
    fi
    export KAFKA_PORT
    export KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-$ROOT/deploy/kafka/run/$KAFKA_PORT}"
    started=1
    IDGOV_KAFKA_BOOTSTRAP="$("$KAFKA_SH" start)"
fi
export IDGOV_KAFKA_BOOTSTRAP
echo "run.sh: Kafka at $IDGOV_KAFKA_BOOTSTRAP" >&2

rc=0
"$@" || rc=$?
if [[ -n "${IDGOV_TEST_RC_FILE:-}" ]]; then
    echo "$rc" >"$IDGOV_TEST_RC_FILE"
fi
exit "$rc"
