#!/usr/bin/env bash
# Installs newman (the Postman collection runner, from the npm registry) into
# ${RUSTSHOP_CACHE:-~/.cache/rustshop}/tools/node, shared by every clone.
#
# Usage: scripts/node-tools.sh install   installs it if missing (idempotent)
#        scripts/node-tools.sh newman    prints the path of the newman binary
set -euo pipefail

CACHE=${RUSTSHOP_CACHE:-$HOME/.cache/rustshop}
PREFIX=$CACHE/tools/node
NEWMAN=$PREFIX/node_modules/.bin/newman
# Pinned: the collection's scripts are tested with this runner.
NEWMAN_VERSION=6.2.1

log() { echo "node-tools: $*" >&2; }

installed() { [[ -x $NEWMAN ]] && "$NEWMAN" --version >/dev/null 2>&1; }

install() {
  installed && return 0
  if ! command -v npm >/dev/null; then
    [[ $EUID -eq 0 ]] || { log "npm is missing; install Node.js and npm"; exit 1; }
    log "installing Node.js and npm (Debian packages)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >&2 ||
      { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >&2; }
  fi
  mkdir -p "$PREFIX"
  (
    exec 8>"$CACHE/node-tools.lock"
    flock 8
    installed && exit 0
    log "installing newman $NEWMAN_VERSION into $PREFIX"
    npm install --silent --no-audit --no-fund --prefix "$PREFIX" "newman@$NEWMAN_VERSION" >&2
  )
  installed || { log "newman does not run after installing it"; exit 1; }
}

case ${1:-} in
  install) install ;;
  newman) echo "$NEWMAN" ;;
  *) echo "usage: $0 install|newman" >&2; exit 2 ;;
esac
