#!/usr/bin/env bash
# Provisions a fresh Debian/Ubuntu machine for wasm-serverless-bench, as root
# (or with sudo): Node 22+ (from the npm `node` package when the machine's is
# older), the C-to-wasm32-wasi toolchain, the Docker engine (started and
# waited for), Chromium for the report test, and the npm dependencies.
#
#   bash scripts/setup.sh           everything `npm run bench` and `npm test` use
#   bash scripts/setup.sh --minimal Node and npm dependencies only (Wasm cells)
#
# Every step is skipped when what it provides is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

minimal=0
for arg in "$@"; do
  case "$arg" in
    --minimal) minimal=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { echo "setup: $*"; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  log "node $(node --version 2>/dev/null || echo absent) is older than 22: installing Node 24 from the npm registry"
  $SUDO npm install -g --force node@24
  hash -r
fi
log "node $(node --version)"

if [ "$minimal" = 0 ] && command -v apt-get >/dev/null; then
  packages=(clang lld wasi-libc libclang-rt-14-dev-wasm32 docker.io chromium)
  missing=()
  for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if command -v dockerd >/dev/null && ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    ($SUDO dockerd >/tmp/wsb-dockerd.log 2>&1 &)
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 && log "docker engine $(docker version --format '{{.Server.Version}}')" || log "dockerd did not start (see /tmp/wsb-dockerd.log); container cells will be not-run"
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund
fi
log "ready"
