#!/usr/bin/env bash
# Brings a whole Forklift dev deployment up on this host (Debian 12 or Ubuntu, as root): the
# services of deploy/services.sh, then release builds of the gateway, builder, inventory and registry
# service, started in the background on 127.0.0.1 with their logs under the data folder. Running it
# again rebuilds and restarts the four binaries and reuses everything else, secrets included.
#
# Settings: deploy/forklift.env.example lists every variable. Put overrides in
# <data>/forklift.env (sourced after the defaults); the data folder is
# ${FORKLIFT_DATA_DIR:-/var/lib/forklift-dev}. Stop with deploy/down.sh.
set -euo pipefail
umask 022

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="${FORKLIFT_DATA_DIR:-/var/lib/forklift-dev}"
export FORKLIFT_DATA_DIR="$DATA_DIR"
RUN_DIR="$DATA_DIR/run"
LOG_DIR="$DATA_DIR/logs"
SECRETS_DIR="$DATA_DIR/secrets"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

# Start order: the inventory stores what the others report, the gateway takes requests last.
BINARIES=(forklift-inventory forklift-registry forklift-builder forklift-gateway)

log() { printf '[up] %s\n' "$*" >&2; }
die() {
    printf '[up] ERROR: %s\n' "$*" >&2
    exit 1
}

# Succeeds if the process exists and is not a zombie (an init that does not reap, in a container).
pid_running() {
    local state
    state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d ' ' -f 1)" || return 1
    [[ -n "$state" && "$state" != Z ]]
}

# Reads a pid file and succeeds if that process still runs the expected program.
pid_of() {
    local pidfile="$1" program="$2" pid
    [[ -s "$pidfile" ]] || return 1
    pid="$(head -n 1 "$pidfile" | tr -dc '0-9')"
    [[ -n "$pid" ]] && pid_running "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$program" || return 1
    echo "$pid"
}

# Prints a secret kept under the data folder, creating it on first use.
secret() {
    local file="$SECRETS_DIR/$1" bytes="$2"
    if [[ ! -s "$file" ]]; then
        head -c "$bytes" /dev/urandom | base64 -w0 | tr '+/' '-_' | tr -d '=' >"$file"
        chmod 600 "$file"
    fi
    cat "$file"
}

addr_of() {
    case "$1" in
    forklift-gateway) echo "$FORKLIFT_GATEWAY_ADDR" ;;
    forklift-builder) echo "$FORKLIFT_BUILDER_ADDR" ;;
    forklift-inventory) echo "$FORKLIFT_INVENTORY_ADDR" ;;
    forklift-registry) echo "$FORKLIFT_REGISTRY_ADDR" ;;
    esac
}

readyz_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "http://$1/readyz" || true; }

stop_binary() {
    local name="$1" pid
    if pid="$(pid_of "$RUN_DIR/$name.pid" "$name")"; then
        log "$name: stopping pid $pid"
        kill -TERM "$pid"
        for _ in $(seq 1 40); do
            pid_running "$pid" || break
            sleep 0.5
        done
        if pid_running "$pid"; then
            log "$name: still running after 20 s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$RUN_DIR/$name.pid"
}

start_binary() {
    local name="$1" addr="$2"
    local bin="$TARGET_DIR/release/$name"
    [[ -x "$bin" ]] || die "$name: no binary at $bin after the build"
    if [[ "$(readyz_code "$addr")" != 000 ]]; then
        die "$name: something not started by up.sh already answers on $addr; stop it first"
    fi

    printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$LOG_DIR/$name.log"
    setsid "$bin" </dev/null >>"$LOG_DIR/$name.log" 2>&1 &
    echo $! >"$RUN_DIR/$name.pid"
    log "$name: started (pid $!, $addr, log $LOG_DIR/$name.log)"
}

# Waits for /readyz to answer 200; migrations run at start, so allow a while.
wait_ready() {
    local name="$1" addr="$2" deadline=$((SECONDS + 120))
    until [[ "$(readyz_code "$addr")" == 200 ]]; do
        if ! pid_of "$RUN_DIR/$name.pid" "$name" >/dev/null; then
            tail -n 30 "$LOG_DIR/$name.log" >&2
            die "$name: exited before http://$addr/readyz answered (log: $LOG_DIR/$name.log)"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 30 "$LOG_DIR/$name.log" >&2
            die "$name: http://$addr/readyz did not answer 200 within 120 s (log: $LOG_DIR/$name.log)"
        fi
        sleep 1
    done
    log "$name: ready"
}

main() {
    [[ "$(id -u)" == 0 ]] || die "run as root (services.sh installs packages and starts dockerd)"
    command -v cargo >/dev/null || die "cargo not found: install the Rust toolchain (rustup) first"

    "$ROOT/deploy/services.sh" up >/dev/null
    # shellcheck source=/dev/null
    . "$DATA_DIR/env"
    # The local registries are plain HTTP: listed as such, so auto push can reach them.
    local local_registries="$FORKLIFT_TEST_REGISTRY,$FORKLIFT_TEST_AUTH_REGISTRY"
    # The env file also names the test fixtures, which a deployment has no use for.
    unset "${!FORKLIFT_TEST_@}"

    log "building release binaries (several minutes the first time)"
    (cd "$ROOT" && cargo build --release -p forklift-gateway -p forklift-builder -p forklift-inventory \
        -p forklift-registry) ||
        die "cargo build --release failed"

    mkdir -p "$SECRETS_DIR" "$RUN_DIR" "$LOG_DIR"
    chmod 700 "$SECRETS_DIR"
    export FORKLIFT_JWT_SECRET FORKLIFT_ADMIN_PASSWORD FORKLIFT_CREDENTIALS_KEY
    FORKLIFT_JWT_SECRET="$(secret jwt-secret 48)"
    FORKLIFT_ADMIN_PASSWORD="$(secret admin-password 18)"
    FORKLIFT_CREDENTIALS_KEY="$(secret credentials-key 32)"
    export FORKLIFT_INSECURE_REGISTRIES="$local_registries"
    export FORKLIFT_ADMIN_USERNAME=admin
    export FORKLIFT_GATEWAY_ADDR=127.0.0.1:8000
    export FORKLIFT_BUILDER_ADDR=127.0.0.1:8001
    export FORKLIFT_INVENTORY_ADDR=127.0.0.1:8002
    export FORKLIFT_REGISTRY_ADDR=127.0.0.1:8003
    export RUST_LOG="${RUST_LOG:-info}"
    local overrides="$DATA_DIR/forklift.env"
    if [[ -f "$overrides" ]]; then
        log "applying overrides from $overrides"
        set -a
        # shellcheck source=/dev/null
        . "$overrides"
        set +a
    fi

    local i name addr
    for ((i = ${#BINARIES[@]} - 1; i >= 0; i--)); do
        stop_binary "${BINARIES[i]}"
    done
    for name in "${BINARIES[@]}"; do
        addr="$(addr_of "$name")"
        start_binary "$name" "$addr"
        wait_ready "$name" "$addr"
    done

    cat <<EOF

Forklift is up.
  URL:          http://$FORKLIFT_GATEWAY_ADDR/
  Admin login:  $FORKLIFT_ADMIN_USERNAME / $FORKLIFT_ADMIN_PASSWORD
                (kept in $SECRETS_DIR/admin-password)
  Logs:         $LOG_DIR/forklift-{gateway,builder,inventory,registry}.log
  Stop:         deploy/down.sh   (deploy/down.sh --all also stops PostgreSQL, NATS, the registries
                                  and dockerd)
EOF
}

main "$@"
