#!/usr/bin/env bash
# Installs schemathesis (property-based testing of the gateway against its own OpenAPI
# document, from PyPI) into a virtualenv under
# ${RUSTSHOP_CACHE:-~/.cache/rustshop}/tools/py-venv, shared by every clone.
#
# Usage: scripts/py-tools.sh install        installs it if missing (idempotent)
#        scripts/py-tools.sh schemathesis   prints the path of the schemathesis binary
set -euo pipefail

CACHE=${RUSTSHOP_CACHE:-$HOME/.cache/rustshop}
VENV=$CACHE/tools/py-venv
SCHEMATHESIS=$VENV/bin/schemathesis
# Pinned: tests/tests/schemathesis.rs uses this version's command-line flags (v4).
SCHEMATHESIS_VERSION=4.32.5

log() { echo "py-tools: $*" >&2; }

installed() {
  [[ -x $SCHEMATHESIS ]] &&
    [[ $("$SCHEMATHESIS" --version 2>/dev/null) == *"$SCHEMATHESIS_VERSION"* ]]
}

apt_install() {
  [[ $EUID -eq 0 ]] || { log "missing Debian packages ($*); run as root or: sudo apt-get install $*"; exit 1; }
  log "installing Debian packages: $*"
  local apt=(apt-get -y -q -o DPkg::Lock::Timeout=600 install "$@")
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" >&2 ||
    { apt-get -q -o DPkg::Lock::Timeout=600 update >&2 && DEBIAN_FRONTEND=noninteractive "${apt[@]}" >&2; }
}

install() {
  installed && return 0
  command -v python3 >/dev/null || apt_install python3 python3-venv
  mkdir -p "$CACHE/tools"
  (
    # One installer at a time per machine; whoever waited re-checks.
    exec 8>"$CACHE/py-tools.lock"
    flock 8
    installed && exit 0
    log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    rm -rf "$VENV"
    if ! python3 -m venv "$VENV" >&2; then
      # Debian's own python3 ships venv separately.
      apt_install python3-venv
      rm -rf "$VENV"
      python3 -m venv "$VENV" >&2
    fi
    "$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
  )
  installed || { log "schemathesis does not run after installing it"; exit 1; }
}

case ${1:-} in
  install) install ;;
  schemathesis) echo "$SCHEMATHESIS" ;;
  *) echo "usage: $0 install|schemathesis" >&2; exit 2 ;;
esac
