#!/usr/bin/env bash
# Stops the Forklift binaries that deploy/up.sh started. With --all, also stops the services of
# deploy/services.sh (PostgreSQL, NATS, the registries, dockerd) that it started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="${FORKLIFT_DATA_DIR:-/var/lib/forklift-dev}"
RUN_DIR="$DATA_DIR/run"

log() { printf '[down] %s\n' "$*" >&2; }

# Succeeds if the process exists and is not a zombie (an init that does not reap, in a container).
pid_running() {
    local state
    state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f 1)" || return 1
    [[ -n "$state" && "$state" != Z ]]
}

all=""
case "${1:-}" in
"") ;;
--all) all=1 ;;
*)
    echo "usage: $0 [--all]" >&2
    exit 2
    ;;
esac

# The builder and registry service finish their work in flight within FORKLIFT_SHUTDOWN_GRACE_SECS
# (set in <data>/forklift.env, default 30) after SIGTERM; they get that long plus 10 s.
grace=30
if [[ -f "$DATA_DIR/forklift.env" ]]; then
    # shellcheck source=/dev/null
    grace="$(. "$DATA_DIR/forklift.env" && echo "${FORKLIFT_SHUTDOWN_GRACE_SECS:-30}")"
fi
wait_secs=$((grace + 10))

# The gateway goes first so no new request arrives while the others stop.
for name in forklift-gateway forklift-builder forklift-registry forklift-inventory; do
    pidfile="$RUN_DIR/$name.pid"
    [[ -s "$pidfile" ]] || continue
    pid="$(head -n 1 "$pidfile" | tr -dc '0-9')"
    if [[ -n "$pid" ]] && pid_running "$pid" &&
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$name"; then
        log "$name: stopping pid $pid"
        kill -TERM "$pid"
        for _ in $(seq 1 $((wait_secs * 2))); do
            pid_running "$pid" || break
            sleep 0.5
        done
        if pid_running "$pid"; then
            log "$name: still running after $wait_secs s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
done

if [[ -n "$all" ]]; then
    "$ROOT/deploy/services.sh" down
fi
log "down"
