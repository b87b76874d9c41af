#!/usr/bin/env bash
# Installs and runs the services that Forklift's tests and a dev deployment need: dockerd,
# PostgreSQL 15, nats-server with JetStream, two reference image registries (one plain, one with
# htpasswd auth) and the base images the tests build from. Everything listens on 127.0.0.1 only and
# keeps its state under one data folder.
#
# Usage: deploy/services.sh up|down|status|env
#   up      install what is missing, start what is not running, build missing base images,
#           write and print <data>/env (idempotent: a second run reuses everything)
#   down    stop what `up` started (services started some other way are left alone)
#   status  one line per service; exits 1 if any is missing
#   env     print <data>/env
#
# Environment:
#   FORKLIFT_DATA_DIR               data folder (default /var/lib/forklift-dev)
#   FORKLIFT_DOCKER_STORAGE_DRIVER  force dockerd's storage driver (default: dockerd's choice,
#                                   vfs when the data folder is itself on overlayfs)
set -euo pipefail
umask 022

DATA_DIR="${FORKLIFT_DATA_DIR:-/var/lib/forklift-dev}"
RUN_DIR="$DATA_DIR/run"
LOG_DIR="$DATA_DIR/logs"
ENV_FILE="$DATA_DIR/env"

DOCKER_SOCK=/var/run/docker.sock
export DOCKER_HOST="unix://$DOCKER_SOCK"

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR="$DATA_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCKET_DIR="$PG_DIR/socket"
PG_PORT=5432
DB_USER=forklift
DB_PASSWORD=forklift
DB_NAME=forklift

NATS_PORT=4222
NATS_HTTP_PORT=8222

REGISTRY_PORT=5000
AUTH_REGISTRY_PORT=5001
AUTH_REGISTRY_USER=forklift-test
AUTH_REGISTRY_PASSWORD=forklift-test-secret

BASE_IMAGE=forklift-test/debian:bookworm
PYTHON_IMAGE=forklift-test/python:bookworm
DEBIAN_MIRROR=http://deb.debian.org/debian
DEBIAN_SECURITY_MIRROR=http://deb.debian.org/debian-security
IMAGE_DIR="$DATA_DIR/images"
ROOTFS_TAR="$IMAGE_DIR/debian-bookworm-minbase.tar"

CA_FILE=/etc/ssl/certs/ca-certificates.crt
EXTRA_CA_FILE="$DATA_DIR/build-ca.pem"

PACKAGES=(
    docker.io postgresql nats-server docker-registry skopeo debootstrap debian-archive-keyring
    apache2-utils ca-certificates curl chromium chromium-driver
)

log() { printf '[services] %s\n' "$*" >&2; }
die() {
    printf '[services] ERROR: %s\n' "$*" >&2
    exit 1
}

# Prints the last lines of a log file to stderr, framed, for failure messages.
show_log_tail() {
    local file="$1"
    if [[ -s "$file" ]]; then
        printf -- '----- last lines of %s -----\n' "$file" >&2
        grep -v 'module=grpc' "$file" | tail -n 30 >&2
        printf -- '-----\n' >&2
    fi
}

# Prefer the docker.io client, which matches the daemon (API 1.41), over a newer one earlier on PATH
# (this machine image has a 28.x client in /usr/local/bin that nags about BuildKit).
docker_cli() {
    if [[ -x /usr/bin/docker ]]; then
        /usr/bin/docker "$@"
    else
        docker "$@"
    fi
}

# Polls a command until it succeeds or the timeout (seconds) passes.
wait_until() {
    local timeout_s="$1"
    shift
    local deadline=$((SECONDS + timeout_s))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.5
    done
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

# Starts a daemon in its own session, detached from this script's terminal and lock, and records
# its pid. The daemon's stdout and stderr go to its log file.
spawn() {
    local name="$1"
    shift
    : >>"$LOG_DIR/$name.log"
    printf '\n===== %s starting %s =====\n' "$(date -Is)" "$name" >>"$LOG_DIR/$name.log"
    setsid "$@" </dev/null >>"$LOG_DIR/$name.log" 2>&1 9>&- &
    echo $! >"$RUN_DIR/$name.pid"
}

# Waits until a check succeeds; gives up early when the daemon started by `spawn` has exited.
wait_for_daemon() {
    local name="$1" program="$2" timeout_s="$3"
    shift 3
    local deadline=$((SECONDS + timeout_s))
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS >= deadline)); then
            return 1
        fi
        if ! pid_of "$RUN_DIR/$name.pid" "$program" >/dev/null; then
            sleep 1
            "$@" >/dev/null 2>&1
            return
        fi
        sleep 0.5
    done
}

# Sends SIGTERM to a daemon started by `spawn` and waits for it to exit (SIGKILL after the timeout).
stop_pid() {
    local name="$1" pid="$2" timeout_s="$3"
    log "$name: stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_until "$timeout_s" eval "! pid_running $pid"; then
        log "$name: still running after ${timeout_s}s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
    fi
}

http_code() {
    curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" || true
}

# ---------------------------------------------------------------------------------------------
# Packages

install_packages() {
    local missing=() pkg
    for pkg in "${PACKAGES[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$pkg")
        fi
    done
    if ((${#missing[@]} == 0)); then
        return
    fi

    log "installing ${missing[*]}"
    # Debian's packages start their services on install (docker-registry would bind all
    # interfaces); a policy-rc.d that says "no" keeps them down while we install.
    local own_policy=""
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        own_policy=1
    fi
    local status=0
    {
        DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    } >"$LOG_DIR/apt.log" 2>&1 || status=$?
    [[ -z "$own_policy" ]] || rm -f /usr/sbin/policy-rc.d
    if ((status != 0)); then
        show_log_tail "$LOG_DIR/apt.log"
        die "packages: apt-get could not install ${missing[*]} (log: $LOG_DIR/apt.log)"
    fi
}

# ---------------------------------------------------------------------------------------------
# dockerd

docker_answers() { timeout 10 "$(command -v /usr/bin/docker || command -v docker)" info; }

# Prints extra dockerd flags for what this kernel and filesystem support.
dockerd_flags() {
    local driver="${FORKLIFT_DOCKER_STORAGE_DRIVER:-}"
    if [[ -z "$driver" && "$(stat -f -c %T "$DATA_DIR")" == overlayfs ]]; then
        # overlay2 cannot stack on overlayfs (a data folder inside a container).
        driver=vfs
    fi
    if [[ -n "$driver" ]]; then
        echo "--storage-driver=$driver"
    fi

    # Containers reach the Debian mirror through dockerd's NAT rules. Prefer the default
    # iptables; fall back to the legacy backend when nf_tables is not available.
    if iptables -t nat -S >/dev/null 2>&1 && iptables -t filter -S >/dev/null 2>&1; then
        return
    fi
    if command -v iptables-legacy >/dev/null && iptables-legacy -t nat -S >/dev/null 2>&1; then
        mkdir -p "$RUN_DIR/bin"
        local tool
        for tool in iptables ip6tables; do
            if command -v "$tool-legacy" >/dev/null; then
                ln -sf "$(command -v "$tool-legacy")" "$RUN_DIR/bin/$tool"
            fi
        done
        log "dockerd: nf_tables unusable, using iptables-legacy"
        return
    fi
    log "dockerd: WARNING: iptables does not work here; containers will have no outbound network"
    echo "--iptables=false"
}

start_dockerd() {
    if docker_answers >/dev/null 2>&1; then
        log "dockerd: answering on $DOCKER_SOCK"
        return
    fi

    if ! pid_of "$RUN_DIR/dockerd.pid" dockerd >/dev/null; then
        local flags
        flags="$(dockerd_flags)"
        mkdir -p "$DATA_DIR/docker"
        # dockerd refuses to start over a pid file whose pid is alive, even if reused by another
        # program after a crash.
        pid_of "$RUN_DIR/dockerd.daemon.pid" dockerd >/dev/null || rm -f "$RUN_DIR/dockerd.daemon.pid"
        # Likewise dockerd waits a minute for a containerd whose pid file names a dead (or zombie)
        # process; a live orphaned containerd is reused.
        local containerd_pid=/var/run/docker/containerd/containerd.pid
        pid_of "$containerd_pid" containerd >/dev/null || rm -f "$containerd_pid"
        log "dockerd: starting (data-root $DATA_DIR/docker${flags:+, $flags})"
        # shellcheck disable=SC2086 # flags are words
        PATH="$RUN_DIR/bin:$PATH" spawn dockerd dockerd \
            --host "unix://$DOCKER_SOCK" \
            --data-root "$DATA_DIR/docker" \
            --pidfile "$RUN_DIR/dockerd.daemon.pid" \
            --ip 127.0.0.1 \
            $flags
    fi

    if ! wait_for_daemon dockerd dockerd 60 docker_answers; then
        show_log_tail "$LOG_DIR/dockerd.log"
        die "dockerd: exited, or did not answer on $DOCKER_SOCK within 60 s (log: $LOG_DIR/dockerd.log)"
    fi
    log "dockerd: ready ($(docker_cli version -f '{{.Server.Version}}' 2>/dev/null))"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL

pg_as_postgres() { runuser -u postgres -- "$@"; }

# Succeeds if the postmaster of our cluster is alive (postmaster.pid names a live postgres).
pg_own_running() {
    [[ -f "$PG_DATA/postmaster.pid" ]] && pid_of "$PG_DATA/postmaster.pid" postgres >/dev/null
}

pg_port_answers() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }

pg_init_cluster() {
    runuser -u postgres -- test -x "$DATA_DIR" ||
        die "postgres: user postgres cannot enter $DATA_DIR; choose a FORKLIFT_DATA_DIR it can reach"
    mkdir -p "$PG_DIR" "$PG_SOCKET_DIR"
    chown postgres:postgres "$PG_DIR" "$PG_SOCKET_DIR"
    if [[ -f "$PG_DATA/PG_VERSION" ]]; then
        return
    fi

    log "postgres: creating a cluster in $PG_DATA"
    rm -rf "$PG_DATA"
    pg_as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --encoding=UTF8 --no-locale \
        --auth-local=peer --auth-host=scram-sha-256 >"$LOG_DIR/postgres-initdb.log" 2>&1 || {
        show_log_tail "$LOG_DIR/postgres-initdb.log"
        die "postgres: initdb failed (log: $LOG_DIR/postgres-initdb.log)"
    }
    echo "include_if_exists = 'forklift.conf'" >>"$PG_DATA/postgresql.conf"
}

# Settings are rewritten on every start so a changed script takes effect on the next `up`.
pg_write_settings() {
    cat >"$PG_DATA/forklift.conf" <<EOF
# Written by deploy/services.sh on every start; edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
# Tests open a database (and a connection pool) per test, several binaries at once.
max_connections = 300
# A dev and test cluster: losing the last commits on a crash is fine, waiting for fsync is not.
synchronous_commit = off
EOF
    chown postgres:postgres "$PG_DATA/forklift.conf"
}

# Runs SQL as a superuser of whichever server answers on the port, printing the result.
pg_superuser_sql() {
    local socket
    for socket in "$PG_SOCKET_DIR" /var/run/postgresql; do
        if [[ -S "$socket/.s.PGSQL.$PG_PORT" ]] &&
            pg_as_postgres psql -h "$socket" -p "$PG_PORT" -d postgres -Atq -c 'select 1' >/dev/null 2>&1; then
            pg_as_postgres psql -h "$socket" -p "$PG_PORT" -d postgres -Atq -v ON_ERROR_STOP=1 "$@"
            return
        fi
    done
    return 2
}

pg_ensure_role_and_database() {
    local sql_role="
        DO \$\$ BEGIN
            IF EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
                ALTER ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
            ELSE
                CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
            END IF;
        END \$\$;"
    local status=0
    pg_superuser_sql -c "$sql_role" >/dev/null 2>"$LOG_DIR/postgres-setup.log" || status=$?
    if ((status == 2)); then
        # A server we did not start and cannot administer: good enough if the role already works.
        log "postgres: no superuser access to the server on port $PG_PORT; checking role $DB_USER"
    elif ((status != 0)); then
        show_log_tail "$LOG_DIR/postgres-setup.log"
        die "postgres: could not create role $DB_USER"
    else
        local exists
        exists="$(pg_superuser_sql -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")"
        if [[ "$exists" != 1 ]]; then
            log "postgres: creating database $DB_NAME"
            pg_superuser_sql -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >/dev/null ||
                die "postgres: could not create database $DB_NAME"
        fi
    fi

    local createdb
    createdb="$(PGPASSWORD="$DB_PASSWORD" psql -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" \
        -Atq -c 'SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user' 2>&1)" ||
        die "postgres: cannot log in as $DB_USER to database $DB_NAME on 127.0.0.1:$PG_PORT: $createdb"
    [[ "$createdb" == t ]] || die "postgres: role $DB_USER lacks CREATEDB (tests create databases)"
}

start_postgres() {
    if pg_own_running; then
        log "postgres: running (cluster $PG_DATA)"
    elif pg_port_answers; then
        log "postgres: a server not started by services.sh answers on 127.0.0.1:$PG_PORT; reusing it"
    else
        pg_init_cluster
        pg_write_settings
        # Left by a postmaster that was killed; postgres could mistake a reused pid for a rival.
        rm -f "$PG_DATA/postmaster.pid"
        touch "$LOG_DIR/postgres.log"
        chown postgres:postgres "$LOG_DIR/postgres.log"
        log "postgres: starting (cluster $PG_DATA)"
        pg_as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t 60 start \
            >/dev/null 9>&- || {
            show_log_tail "$LOG_DIR/postgres.log"
            die "postgres: did not start on 127.0.0.1:$PG_PORT (log: $LOG_DIR/postgres.log)"
        }
    fi
    # A running cluster may still be recovering after a crash: give it a minute.
    if ! wait_until 60 pg_port_answers; then
        show_log_tail "$LOG_DIR/postgres.log"
        die "postgres: not accepting connections on 127.0.0.1:$PG_PORT (log: $LOG_DIR/postgres.log)"
    fi
    pg_ensure_role_and_database
    log "postgres: ready (postgres://$DB_USER@127.0.0.1:$PG_PORT/$DB_NAME)"
}

# ---------------------------------------------------------------------------------------------
# NATS

nats_answers() { curl -fs -m 5 -o /dev/null "http://127.0.0.1:$NATS_HTTP_PORT/varz"; }

# Ready for clients with JetStream on. (`/varz` is no proof: 2.9 leaves its JetStream config empty
# when it was first asked before JetStream had started.)
nats_ready() {
    curl -fs -m 5 "http://127.0.0.1:$NATS_HTTP_PORT/healthz" | grep -q '"ok"' &&
        curl -fs -m 5 "http://127.0.0.1:$NATS_HTTP_PORT/jsz" | grep -q '"store_dir"'
}

start_nats() {
    if nats_answers || pid_of "$RUN_DIR/nats.pid" nats-server >/dev/null; then
        if ! wait_until 10 nats_ready; then
            die "nats: the server on 127.0.0.1:$NATS_PORT is not ready or runs without JetStream; stop it and run up again"
        fi
    else
        mkdir -p "$DATA_DIR/nats"
        log "nats: starting (store $DATA_DIR/nats)"
        spawn nats nats-server --jetstream --store_dir "$DATA_DIR/nats" \
            --addr 127.0.0.1 --port "$NATS_PORT" --http_port "$NATS_HTTP_PORT" \
            --pid "$RUN_DIR/nats.pid"
        if ! wait_for_daemon nats nats-server 30 nats_ready; then
            show_log_tail "$LOG_DIR/nats.log"
            die "nats: exited, or not ready with JetStream on 127.0.0.1:$NATS_PORT within 30 s (log: $LOG_DIR/nats.log)"
        fi
    fi
    log "nats: ready (nats://127.0.0.1:$NATS_PORT, JetStream on)"
}

# ---------------------------------------------------------------------------------------------
# Registries

# Writes a registry config listening on loopback; the auth one checks a bcrypt htpasswd file.
write_registry_config() {
    local name="$1" port="$2" htpasswd="${3:-}"
    local dir="$DATA_DIR/$name"
    mkdir -p "$dir/storage"
    if [[ ! -s "$dir/http-secret" ]]; then
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/http-secret"
    fi
    {
        cat <<EOF
# Written by deploy/services.sh on every start; edit the script, not this file.
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
  secret: $(cat "$dir/http-secret")
  headers:
    X-Content-Type-Options: [nosniff]
EOF
        if [[ -n "$htpasswd" ]]; then
            cat <<EOF
auth:
  htpasswd:
    realm: forklift-test
    path: $htpasswd
EOF
        fi
    } >"$dir/config.yml"
}

ensure_htpasswd() {
    local file="$1"
    if [[ -s "$file" ]] && htpasswd -vb "$file" "$AUTH_REGISTRY_USER" "$AUTH_REGISTRY_PASSWORD" >/dev/null 2>&1; then
        return
    fi
    htpasswd -Bbc "$file" "$AUTH_REGISTRY_USER" "$AUTH_REGISTRY_PASSWORD" >/dev/null 2>&1 ||
        die "registry-auth: htpasswd could not write $file"
}

registry_ready() {
    local port="$1" auth="${2:-}"
    if [[ -z "$auth" ]]; then
        [[ "$(http_code "http://127.0.0.1:$port/v2/")" == 200 ]]
    else
        [[ "$(http_code "http://127.0.0.1:$port/v2/")" == 401 ]] &&
            [[ "$(http_code -u "$AUTH_REGISTRY_USER:$AUTH_REGISTRY_PASSWORD" "http://127.0.0.1:$port/v2/")" == 200 ]]
    fi
}

start_registry() {
    local name="$1" port="$2" auth="${3:-}"
    local htpasswd=""
    if [[ -n "$auth" ]]; then
        htpasswd="$DATA_DIR/$name/htpasswd"
    fi

    if ! registry_ready "$port" "$auth"; then
        if [[ "$(http_code "http://127.0.0.1:$port/v2/")" != 000 ]] && ! pid_of "$RUN_DIR/$name.pid" docker-registry >/dev/null; then
            die "$name: something not started by services.sh answers on 127.0.0.1:$port but is not the expected registry${auth:+ (user $AUTH_REGISTRY_USER)}; stop it and run up again"
        fi
        if ! pid_of "$RUN_DIR/$name.pid" docker-registry >/dev/null; then
            mkdir -p "$DATA_DIR/$name"
            [[ -z "$htpasswd" ]] || ensure_htpasswd "$htpasswd"
            write_registry_config "$name" "$port" "$htpasswd"
            log "$name: starting on 127.0.0.1:$port"
            spawn "$name" docker-registry serve "$DATA_DIR/$name/config.yml"
        fi
        if ! wait_for_daemon "$name" docker-registry 30 registry_ready "$port" "$auth"; then
            show_log_tail "$LOG_DIR/$name.log"
            die "$name: exited, or did not answer on 127.0.0.1:$port/v2/ as expected within 30 s (log: $LOG_DIR/$name.log)"
        fi
    fi
    log "$name: ready (127.0.0.1:$port${auth:+, user $AUTH_REGISTRY_USER})"
}

# ---------------------------------------------------------------------------------------------
# Base images

image_present() { docker_cli image inspect "$1" >/dev/null 2>&1; }

# The root filesystem tar is kept so that a lost image is re-imported in seconds.
make_debian_rootfs() {
    local rootfs="$IMAGE_DIR/rootfs.tmp"
    mkdir -p "$IMAGE_DIR"
    rm -rf "$rootfs"
    log "images: debootstrap bookworm (minbase) from $DEBIAN_MIRROR, a few minutes"
    debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" \
        >"$LOG_DIR/debootstrap.log" 2>&1 || {
        show_log_tail "$LOG_DIR/debootstrap.log"
        die "images: debootstrap failed (log: $LOG_DIR/debootstrap.log)"
    }

    # The same sources as the official debian:bookworm image, so apt works inside builds.
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $DEBIAN_SECURITY_MIRROR
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    # Docker provides these per container; the host's copies must not leak into the image.
    : >"$rootfs/etc/resolv.conf"
    : >"$rootfs/etc/hostname"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/var/log/bootstrap.log "$rootfs"/tmp/*

    tar --numeric-owner -C "$rootfs" -cf "$ROOTFS_TAR.tmp" . || die "images: could not tar $rootfs"
    mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    rm -rf "$rootfs"
}

build_base_image() {
    if image_present "$BASE_IMAGE"; then
        return
    fi
    [[ -s "$ROOTFS_TAR" ]] || make_debian_rootfs
    log "images: importing $BASE_IMAGE from $ROOTFS_TAR"
    docker_cli import --change 'CMD ["bash"]' "$ROOTFS_TAR" "$BASE_IMAGE" >/dev/null ||
        die "images: docker import of $BASE_IMAGE failed"
}

build_python_image() {
    if image_present "$PYTHON_IMAGE"; then
        return
    fi
    log "images: building $PYTHON_IMAGE (apt from $DEBIAN_MIRROR)"
    DOCKER_BUILDKIT=0 docker_cli build --force-rm -t "$PYTHON_IMAGE" - >"$LOG_DIR/python-image.log" 2>&1 <<EOF || {
FROM $BASE_IMAGE
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      python3 python3-pip python3-venv ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
CMD ["python3"]
EOF
        show_log_tail "$LOG_DIR/python-image.log"
        die "images: docker build of $PYTHON_IMAGE failed (log: $LOG_DIR/python-image.log)"
    }
}

# ---------------------------------------------------------------------------------------------
# Env file

# The CAs this host trusts beyond the system set (a TLS-inspecting proxy's, a corporate one):
# what builds need to reach HTTPS package indexes. A whole system bundle is too large to hand
# to a build, and the images carry their own system CAs anyway.
write_extra_ca() {
    local found=0
    : >"$EXTRA_CA_FILE.tmp"
    for cert in /usr/local/share/ca-certificates/*.crt; do
        [[ -r "$cert" ]] || continue
        cat "$cert" >>"$EXTRA_CA_FILE.tmp"
        printf '\n' >>"$EXTRA_CA_FILE.tmp"
        found=1
    done
    # No local CA: the system bundle's first certificates stand in, so the setting is still
    # exercised; builds then trust nothing they would not trust anyway.
    if [[ $found == 0 ]]; then
        awk '/BEGIN CERT/{n++} n<=2' "$CA_FILE" >"$EXTRA_CA_FILE.tmp"
    fi
    mv "$EXTRA_CA_FILE.tmp" "$EXTRA_CA_FILE"
}

write_env() {
    write_extra_ca
    cat >"$ENV_FILE.tmp" <<EOF
# Written by deploy/services.sh up; source it: . $ENV_FILE
export FORKLIFT_DATABASE_URL=postgres://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT/$DB_NAME
export FORKLIFT_NATS_URL=nats://127.0.0.1:$NATS_PORT
export DOCKER_HOST=unix://$DOCKER_SOCK
export FORKLIFT_TEST_BASE_IMAGE=$BASE_IMAGE
export FORKLIFT_TEST_PYTHON_IMAGE=$PYTHON_IMAGE
export FORKLIFT_TEST_REGISTRY=127.0.0.1:$REGISTRY_PORT
export FORKLIFT_TEST_AUTH_REGISTRY=127.0.0.1:$AUTH_REGISTRY_PORT
export FORKLIFT_TEST_AUTH_REGISTRY_USER=$AUTH_REGISTRY_USER
export FORKLIFT_TEST_AUTH_REGISTRY_PASSWORD=$AUTH_REGISTRY_PASSWORD
export FORKLIFT_BUILD_CA_FILE=$EXTRA_CA_FILE
EOF
    mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# ---------------------------------------------------------------------------------------------
# Subcommands

cmd_up() {
    [[ "$(id -u)" == 0 ]] || die "up must run as root (it installs packages and starts dockerd)"
    mkdir -p "$DATA_DIR" "$RUN_DIR" "$LOG_DIR"
    chmod 755 "$DATA_DIR"

    # Two `up` at once (two test runs) would start everything twice.
    exec 9>"$RUN_DIR/services.lock"
    flock 9

    local started=$SECONDS
    install_packages
    [[ -r "$CA_FILE" ]] || die "packages: $CA_FILE is missing (package ca-certificates)"
    start_dockerd
    start_postgres
    start_nats
    start_registry registry "$REGISTRY_PORT"
    start_registry registry-auth "$AUTH_REGISTRY_PORT" auth
    build_base_image
    build_python_image
    log "images: $BASE_IMAGE and $PYTHON_IMAGE present"

    write_env
    log "all services up in $((SECONDS - started)) s; environment written to $ENV_FILE"
    cat "$ENV_FILE"
}

cmd_down() {
    local name pid
    for name in registry-auth registry; do
        if pid="$(pid_of "$RUN_DIR/$name.pid" docker-registry)"; then
            stop_pid "$name" "$pid" 10
        fi
        rm -f "$RUN_DIR/$name.pid"
    done

    if pid="$(pid_of "$RUN_DIR/nats.pid" nats-server)"; then
        stop_pid nats "$pid" 15
    fi
    rm -f "$RUN_DIR/nats.pid"

    if pg_own_running; then
        log "postgres: stopping"
        pg_as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null ||
            die "postgres: pg_ctl stop failed"
    fi

    if pid="$(pid_of "$RUN_DIR/dockerd.pid" dockerd)"; then
        # dockerd stops its containers first (up to 15 s each, in parallel).
        stop_pid dockerd "$pid" 60
    fi
    rm -f "$RUN_DIR/dockerd.pid"

    # Anything still answering was started some other way; say so rather than touch it.
    docker_answers >/dev/null 2>&1 && log "dockerd: still answering (not started by services.sh), left running"
    pg_port_answers && log "postgres: still answering on $PG_PORT (not started by services.sh), left running"
    nats_answers 2>/dev/null && log "nats: still answering (not started by services.sh), left running"
    log "down"
}

# Prints one status line; $3 is empty when the service is not running.
status_line() {
    local name="$1" state="$2" detail="$3"
    printf '%-14s %-8s %s\n' "$name" "$state" "$detail"
}

# Describes who started a service: services.sh (with pid) or someone else.
owner() {
    local pid
    if pid="$(pid_of "$RUN_DIR/$1.pid" "$2")"; then
        echo "pid $pid"
    else
        echo "not started by services.sh"
    fi
}

cmd_status() {
    local down=0

    if docker_answers >/dev/null 2>&1; then
        status_line dockerd up "$DOCKER_HOST, $(owner dockerd dockerd)"
    else
        status_line dockerd down "$DOCKER_HOST"
        down=1
    fi

    if pg_port_answers; then
        local who="not started by services.sh"
        pg_own_running && who="cluster $PG_DATA"
        status_line postgres up "127.0.0.1:$PG_PORT, $who"
    else
        status_line postgres down "127.0.0.1:$PG_PORT"
        down=1
    fi

    if nats_ready 2>/dev/null; then
        status_line nats up "nats://127.0.0.1:$NATS_PORT (JetStream), $(owner nats nats-server)"
    else
        status_line nats down "nats://127.0.0.1:$NATS_PORT"
        down=1
    fi

    if registry_ready "$REGISTRY_PORT"; then
        status_line registry up "127.0.0.1:$REGISTRY_PORT, $(owner registry docker-registry)"
    else
        status_line registry down "127.0.0.1:$REGISTRY_PORT"
        down=1
    fi

    if registry_ready "$AUTH_REGISTRY_PORT" auth; then
        status_line registry-auth up "127.0.0.1:$AUTH_REGISTRY_PORT, $(owner registry-auth docker-registry)"
    else
        status_line registry-auth down "127.0.0.1:$AUTH_REGISTRY_PORT"
        down=1
    fi

    local image
    for image in "$BASE_IMAGE" "$PYTHON_IMAGE"; do
        if ! docker_answers >/dev/null 2>&1; then
            status_line image unknown "$image (dockerd down)"
            down=1
        elif image_present "$image"; then
            status_line image present "$image"
        else
            status_line image missing "$image"
            down=1
        fi
    done
    return "$down"
}

cmd_env() {
    [[ -s "$ENV_FILE" ]] || die "no $ENV_FILE yet: run deploy/services.sh up"
    cat "$ENV_FILE"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
*)
    echo "usage: $0 up|down|status|env" >&2
    exit 2
    ;;
esac
