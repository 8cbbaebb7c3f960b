#!/usr/bin/env bash
# Builds the image of every service and of the operator, and loads them into kind.
#
# Usage: scripts/build-images.sh [--no-load] [VERSION]
#   VERSION       image tag (default: the workspace version, e.g. 0.1.0)
#   --no-load     only build; do not load into the kind cluster
# Environment: IMAGE_REPOSITORY (default rustshop), KIND_CLUSTER (default rustshop).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGETS=(gateway auth users products cart orders stock shipping notification operator)
REPOSITORY=${IMAGE_REPOSITORY:-rustshop}
CLUSTER=${KIND_CLUSTER:-rustshop}
load=1
version=""
for arg in "$@"; do
  case $arg in
    --no-load) load=0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) version=$arg ;;
  esac
done
if [[ -z $version ]]; then
  version=$(sed -n '/^\[workspace.package\]/,/^\[/ s/^version *= *"\(.*\)"/\1/p' Cargo.toml)
fi

command -v docker >/dev/null || { echo "docker is needed to build images" >&2; exit 1; }
for target in "${TARGETS[@]}"; do
  image="$REPOSITORY/$target:$version"
  echo "==> $image" >&2
  # Every target shares the builder stages, so only the first build compiles.
  docker build --target "$target" -t "$image" .
done

if [[ $load == 1 ]]; then
  command -v kind >/dev/null || { echo "kind is needed to load images (or pass --no-load)" >&2; exit 1; }
  for target in "${TARGETS[@]}"; do
    kind load docker-image --name "$CLUSTER" "$REPOSITORY/$target:$version"
  done
fi
