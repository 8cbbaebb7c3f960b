#!/usr/bin/env bash
# Installs and runs the four servers rustshop needs, as throwaway servers on
# loopback whose data lives in the repo's state folder (never the system ones):
#
#   postgres  PostgreSQL (Debian package)            127.0.0.1:${SHOP_PG_PORT:-55432}
#   redis     Redis (Debian package)                 127.0.0.1:${SHOP_REDIS_PORT:-56379}
#   mongo     nx-27017, MongoDB wire protocol (PyPI) 127.0.0.1:${SHOP_MONGO_PORT:-57017}
#   kafka     tansu, Kafka protocol (crates.io)      127.0.0.1:${SHOP_KAFKA_PORT:-59092}
#
# Usage: scripts/infra.sh install|start|stop|status [names...]
#        scripts/infra.sh env|reset
#        scripts/infra.sh bin kafka   (the path of the tansu program)
# Every command is idempotent. Names restrict start/stop/status/install to a
# subset, e.g. `stop kafka` then `start kafka` to simulate an outage.
#
# Environment: SHOP_STATE_DIR (default <repo>/.shop), SHOP_*_PORT,
# RUSTSHOP_CACHE (default ~/.cache/rustshop: tools shared by all clones),
# SHOP_INFRA_TIMEOUT (seconds to wait for a server, default 60),
# SHOP_KAFKA_STORAGE (tansu's storage engine, default sqlite://tansu.db, which
# keeps topics and offsets across restarts; memory://tansu/ is faster and keeps
# nothing).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${RUSTSHOP_CACHE:-$HOME/.cache/rustshop}
TOOLS=$CACHE/tools
VENV=$CACHE/venv
STATE=${SHOP_STATE_DIR:-$ROOT/.shop}/infra
[[ $STATE == /* ]] || STATE=$PWD/$STATE

HOST=127.0.0.1
PG_PORT=${SHOP_PG_PORT:-55432}
REDIS_PORT=${SHOP_REDIS_PORT:-56379}
MONGO_PORT=${SHOP_MONGO_PORT:-57017}
KAFKA_PORT=${SHOP_KAFKA_PORT:-59092}
DEADLINE=${SHOP_INFRA_TIMEOUT:-60}
ALL=(postgres redis mongo kafka)
DATABASES=(users products orders)

# Pinned so that the flags and storage URL used below keep meaning the same.
TANSU_VERSION=0.6.0
NX_VERSION=0.8.1

log() { echo "infra: $*" >&2; }
die() { log "$*"; exit 1; }
is_root() { [[ $EUID -eq 0 ]]; }

# --- process helpers ----------------------------------------------------------

# True while the process exists and is not a zombie (daemons whose parent
# script has exited may never be reaped here, and a zombie is as good as gone).
running() {
  local stat
  stat=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $stat && ${stat:0:1} != Z ]]
}

# Prints the pid recorded in pid file $1 if that process is alive and its
# command line matches $2 (so a stale pid file never makes us kill a stranger).
pid_of() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(<"$1")
  [[ $pid =~ ^[0-9]+$ ]] && running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2" || return 1
  echo "$pid"
}

# SIGTERM, wait up to the deadline, then SIGKILL.
stop_pid() {
  local pid=$1 end=$((SECONDS + DEADLINE))
  kill -TERM "$pid" 2>/dev/null || true
  while running "$pid"; do
    if ((SECONDS >= end)); then
      log "pid $pid ignored SIGTERM for ${DEADLINE}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      end=$((SECONDS + 10))
    fi
    sleep 0.1
  done
}

# Closes every fd but stdin/stdout/stderr, in a subshell about to exec a
# server: servers must not inherit our state lock, nor any pipe of whoever
# called us (that caller could wait forever for an EOF while the server lives).
close_fds() {
  local fd
  for fd in "/proc/$BASHPID/fd/"*; do
    fd=${fd##*/}
    if ((fd > 2)); then eval "exec $fd>&-"; fi
  done
}

detached() { (close_fds && exec "$@"); }

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

show_log() {
  log "last lines of $1:"
  tail -n 30 "$1" >&2 2>/dev/null || true
}

start_failed() {
  show_log "$STATE/$1.log"
  die "$1 failed to start"
}

# Waits until the server answers; gives up at the deadline, or early when its
# process has died (after a grace period, as daemons write pid files late).
wait_up() {
  local name=$1 f start=$SECONDS
  f=$(prefix "$1")
  until "${f}_up"; do
    if ((SECONDS - start >= 5)) && ! "${f}_alive"; then
      log "$name exited instead of listening on $HOST:$(port_of "$name")"
      start_failed "$name"
    elif ((SECONDS - start >= DEADLINE)); then
      log "$name did not answer on $HOST:$(port_of "$name") within ${DEADLINE}s"
      start_failed "$name"
    fi
    sleep 0.2
  done
}

port_of() {
  case $1 in
    postgres) echo "$PG_PORT" ;; redis) echo "$REDIS_PORT" ;;
    mongo) echo "$MONGO_PORT" ;; kafka) echo "$KAFKA_PORT" ;;
  esac
}

# --- install ------------------------------------------------------------------

# Debian's binaries, highest major version first choice.
pg_bin() {
  local dir
  dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [[ -x $dir/pg_ctl ]] && echo "$dir"
}

installed() {
  case $1 in
    postgres) pg_bin >/dev/null ;;
    redis) command -v redis-server >/dev/null && command -v redis-cli >/dev/null ;;
    mongo) [[ -x $VENV/bin/nx-27017 ]] ;;
    kafka) [[ -x $TOOLS/bin/tansu ]] ;;
  esac
}

apt_install() {
  is_root || die "missing Debian packages ($*); run as root or: sudo apt-get install $*"
  log "installing Debian packages: $*"
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 install "$@")
  # Only refresh the package lists when installing from the current ones fails.
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" >&2 ||
    { apt-get -q -o DPkg::Lock::Timeout=600 update >&2 && DEBIAN_FRONTEND=noninteractive "${apt[@]}" >&2; }
}

install_mongo() {
  log "installing nx-27017 $NX_VERSION into $VENV"
  if ! python3 -m venv "$VENV" >&2; then
    # Debian's own python3 ships venv separately.
    apt_install python3-venv
    rm -rf "$VENV"
    python3 -m venv "$VENV" >&2
  fi
  "$VENV/bin/pip" install -q "nx-27017==$NX_VERSION" >&2
}

install_kafka() {
  local target=$CACHE/tansu-target buildlog=$CACHE/tansu-build.log
  command -v cargo >/dev/null || die "cargo is needed to build tansu"
  log "building tansu $TANSU_VERSION into $TOOLS (takes ~20 min on 2 cores the first time; log: $buildlog)"
  if ! CARGO_TARGET_DIR=$target cargo install tansu --version "$TANSU_VERSION" --locked \
    --features dynostore,libsql --root "$TOOLS" >"$buildlog" 2>&1; then
    show_log "$buildlog"
    die "tansu build failed"
  fi
  # The build tree is several GB and the binary is reused forever: drop it.
  rm -rf "$target"
  log "tansu installed"
}

install_missing() {
  local name missing=()
  for name in "$@"; do installed "$name" || missing+=("$name"); done
  ((${#missing[@]})) || return 0
  mkdir -p "$CACHE"
  # One installer at a time per machine (parallel test runs, several clones);
  # whoever waited re-checks, since the other one may have done the work.
  (
    exec 8>"$CACHE/install.lock"
    flock 8
    local pkgs=() todo=()
    for name in "${missing[@]}"; do
      installed "$name" && continue
      case $name in
        postgres) pkgs+=(postgresql) ;;
        redis) pkgs+=(redis-server) ;;
        *) todo+=("$name") ;;
      esac
    done
    ((${#pkgs[@]} == 0)) || apt_install "${pkgs[@]}"
    for name in "${todo[@]}"; do "install_$name"; done
  )
}

# --- postgres -----------------------------------------------------------------

# PostgreSQL refuses to run as root: as root it runs as the `postgres` user.
as_pg() {
  if is_root; then (cd / && detached runuser -u postgres -- "$@"); else detached "$@"; fi
}

# The data dir must be reachable by the postgres user. A state dir below a
# private home (e.g. /root) is not, so then the data goes to /var/tmp instead.
pg_paths() {
  PG_BIN=$(pg_bin) || PG_BIN=
  if is_root && ! runuser -u postgres -- test -x "$STATE"; then
    PG_BASE=/var/tmp/rustshop-pg/$(printf %s "$STATE" | cksum | cut -d' ' -f1)
  else
    PG_BASE=$STATE/postgres
  fi
  PG_DATA=$PG_BASE/data
}

pg_alive() { [[ -n $PG_BIN && -f $PG_DATA/PG_VERSION ]] && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }
pg_up() { [[ -n $PG_BIN ]] && "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -U postgres -d postgres -t 2; }
pg_psql() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U postgres -d postgres "$@"; }

pg_init() {
  mkdir -p "$PG_BASE"
  if is_root; then chown postgres: "$PG_BASE"; fi
  chmod 700 "$PG_BASE"
  as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >>"$STATE/postgres.log" 2>&1 || { show_log "$STATE/postgres.log"; die "initdb failed"; }
  echo "include 'rustshop.conf'" >>"$PG_DATA/postgresql.conf"
}

pg_start() {
  [[ -n $PG_BIN ]] || die "PostgreSQL is not installed (scripts/infra.sh install)"
  pg_up && die "port $PG_PORT is taken by another server (not ours: $PG_DATA)"
  [[ -f $PG_DATA/PG_VERSION ]] || pg_init
  # Unix socket paths are limited to ~107 bytes; without one we use TCP only.
  local sockdir=$PG_BASE
  ((${#sockdir} < 90)) || sockdir=
  # Rewritten on every start so port changes apply. Durability is off on
  # purpose: this is a throwaway test server.
  cat >"$PG_DATA/rustshop.conf" <<EOF
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$sockdir'
max_connections = 500
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  if is_root; then chown postgres: "$PG_DATA/rustshop.conf"; fi
  # Without -l the server logs to pg_ctl's stdout: a file opened here, by us,
  # so it may sit where the postgres user cannot write.
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t "$DEADLINE" -s start \
    </dev/null >>"$STATE/postgres.log" 2>&1 || start_failed postgres
}

pg_ready() {
  local db
  for db in "${DATABASES[@]}"; do
    [[ $(pg_psql -tAc "select 1 from pg_database where datname = '$db'") == 1 ]] ||
      pg_psql -c "create database \"$db\""
  done
}

pg_stop() {
  pg_alive || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t "$DEADLINE" -s -m fast stop >&2 ||
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t "$DEADLINE" -s -m immediate stop >&2
}

# --- redis --------------------------------------------------------------------

redis_alive() { pid_of "$STATE/redis.pid" redis-server >/dev/null; }
redis_up() { [[ $(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }

redis_start() {
  redis_up && die "port $REDIS_PORT is taken by another server"
  mkdir -p "$STATE/redis"
  # No config file: defaults plus these, so /etc/redis is never involved.
  # Early errors (before it opens --logfile) are appended to the same log.
  # shellcheck disable=SC2094
  detached redis-server --port "$REDIS_PORT" --bind "$HOST" --daemonize yes --dir "$STATE/redis" \
    --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" --save "" --appendonly no \
    </dev/null >>"$STATE/redis.log" 2>&1 || start_failed redis
}

redis_ready() { :; }

redis_stop() {
  local pid
  pid=$(pid_of "$STATE/redis.pid" redis-server) || return 0
  redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  stop_pid "$pid"
  rm -f "$STATE/redis.pid"
}

# --- mongo (nx-27017) ---------------------------------------------------------

mongo_alive() { pid_of "$STATE/mongo.pid" nx-27017 >/dev/null; }
mongo_up() { tcp_open "$MONGO_PORT"; }

mongo_start() {
  mongo_up && die "port $MONGO_PORT is taken by another server"
  mkdir -p "$STATE/mongo"
  # -d double-forks and sends its stdout/stderr to the log file; it writes the
  # pid file itself (and removes it on SIGTERM). One SQLite file per database.
  # shellcheck disable=SC2094
  detached "$VENV/bin/nx-27017" -d --data-dir "$STATE/mongo" --host "$HOST" -p "$MONGO_PORT" \
    --log-file "$STATE/mongo.log" --pid-file "$STATE/mongo.pid" \
    </dev/null >>"$STATE/mongo.log" 2>&1 || start_failed mongo
}

mongo_ready() { :; }

mongo_stop() {
  local pid
  pid=$(pid_of "$STATE/mongo.pid" nx-27017) || return 0
  stop_pid "$pid"
  rm -f "$STATE/mongo.pid"
}

# --- kafka (tansu) ------------------------------------------------------------

kafka_alive() { pid_of "$STATE/kafka.pid" "tansu broker" >/dev/null; }
kafka_up() { tcp_open "$KAFKA_PORT"; }

kafka_start() {
  kafka_up && die "port $KAFKA_PORT is taken by another server"
  mkdir -p "$STATE/kafka"
  # SQLite storage so topics and committed offsets survive a broker restart.
  # tansu resolves sqlite:// paths against its working directory (even ones
  # that look absolute), hence the cd and the relative URL. setsid: the broker
  # must outlive the shell that started it.
  (
    cd "$STATE/kafka"
    close_fds
    NO_COLOR=1 exec setsid "$TOOLS/bin/tansu" broker \
      --listener-url "tcp://$HOST:$KAFKA_PORT" \
      --advertised-listener-url "tcp://$HOST:$KAFKA_PORT" \
      --storage-engine "${SHOP_KAFKA_STORAGE:-sqlite://tansu.db}"
  ) </dev/null >>"$STATE/kafka.log" 2>&1 &
  echo $! >"$STATE/kafka.pid"
}

kafka_ready() { :; }

kafka_stop() {
  local pid
  pid=$(pid_of "$STATE/kafka.pid" "tansu broker") || return 0
  stop_pid "$pid"
  rm -f "$STATE/kafka.pid"
}

# --- commands -----------------------------------------------------------------

# Server name -> function prefix (pg_start, redis_start, ...).
prefix() { if [[ $1 == postgres ]]; then echo pg; else echo "$1"; fi; }

# Serialises start/stop/reset on one state folder (tests may call in parallel).
lock_state() {
  exec 9>"$STATE/.lock"
  flock 9
}

cmd_start() {
  local name
  install_missing "$@"
  pg_paths # again: postgres may just have been installed
  lock_state
  for name in "$@"; do
    "$(prefix "$name")_alive" && continue
    log "starting $name on $HOST:$(port_of "$name")"
    "$(prefix "$name")_start"
  done
  # Wait only after launching all of them, so they boot in parallel.
  for name in "$@"; do
    wait_up "$name"
    "$(prefix "$name")_ready"
  done
}

cmd_stop() {
  local name
  lock_state
  for name in "$@"; do "$(prefix "$name")_stop"; done
}

cmd_status() {
  local name state rc=0
  for name in "$@"; do
    if "$(prefix "$name")_up"; then state=up; else state=down rc=1; fi
    printf '%-9s %-5s %s:%s\n' "$name" "$state" "$HOST" "$(port_of "$name")"
  done
  return "$rc"
}

cmd_env() {
  local pg=postgres://postgres@$HOST:$PG_PORT
  cat <<EOF
export USERS_DATABASE_URL=$pg/users
export PRODUCTS_DATABASE_URL=$pg/products
export ORDERS_DATABASE_URL=$pg/orders
export SHOP_PG_ADMIN_URL=$pg/postgres
export REDIS_URL=redis://$HOST:$REDIS_PORT
export MONGODB_URI=mongodb://$HOST:$MONGO_PORT
export KAFKA_BROKERS=$HOST:$KAFKA_PORT
EOF
}

# The path of a server's program, for tools that start one of their own (the
# benchmark runs a broker of its own this way).
cmd_bin() {
  case $1 in
    kafka) echo "$TOOLS/bin/tansu" ;;
    *) die "bin: only kafka has a program of ours" ;;
  esac
}

cmd_reset() {
  cmd_stop "${ALL[@]}"
  rm -rf "$STATE"
  # Only set when the postgres data had to live outside the state folder.
  [[ $PG_BASE == "$STATE"/* ]] || rm -rf "$PG_BASE"
  log "removed $STATE"
}

usage() {
  echo "usage: $0 install|start|stop|status [postgres|redis|mongo|kafka ...]" >&2
  echo "       $0 env|reset" >&2
  echo "       $0 bin kafka" >&2
  exit 2
}

main() {
  local cmd=${1:-} name
  shift || true
  for name in "$@"; do
    [[ " ${ALL[*]} " == *" $name "* ]] || { log "unknown server: $name"; usage; }
  done
  (($#)) || set -- "${ALL[@]}"
  case $cmd in
    start | stop | status | reset) mkdir -p "$STATE" && pg_paths ;;
  esac
  case $cmd in
    install) install_missing "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env ;;
    bin) cmd_bin "$@" ;;
    reset) cmd_reset ;;
    *) usage ;;
  esac
}

main "$@"
