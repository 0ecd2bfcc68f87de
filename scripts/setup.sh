#!/usr/bin/env bash
# Provisions a fresh Debian/Ubuntu machine for wasm-serverless-bench, as root
# (or with sudo): Node 22+ (from the npm `node` package when the machine's is
# older), gcc with glibc's static libraries (the native builds), the
# C-to-wasm32-wasi toolchain, musl-gcc (musl-tools: the smallest static native
# build, inside the container images), the Docker engine (started and waited
# for), Chromium for the report test, file and git, and the npm dependencies.
#
#   bash scripts/setup.sh           everything `npm run bench` and `npm test` use
#   bash scripts/setup.sh --minimal Node and npm dependencies only (Wasm cells)
#   bash scripts/setup.sh --no-engines everything but the external engines
#   bash scripts/setup.sh --engines-only the external engines only (needs
#                                        python3 and Go already there; nightly CI)
#   bash scripts/setup.sh --no-wasmtime-serve  skip building wasmtime-cli (about
#                                        20-30 minutes on 2 cores, once per machine)
#   bash scripts/setup.sh --component-tools  also build wit-bindgen and wasm-tools,
#                                        which only rebuilding the wasi:http
#                                        components needs (npm run fixtures)
#
# External engines (runners/ENGINES.md): Wasmtime and the Locust load engine
# from PyPI (pinned, into the project-local venv .venv-engines/), wazero from
# the Go module proxy (pinned, into .cache/bin/) and the wazero Go host, and
# wasmtime-cli (`wasmtime serve`) from the Rust crate registry, built with
# cargo into the tools cache OUTSIDE the checkout ($WSB_TOOLS_DIR, default
# ~/.cache/wsb-tools), so a fresh clone does not build it again. An engine
# that cannot be installed is reported and skipped: its runner says
# `unavailable` with the reason (Locust: `--load locust` rows are not-run).
#
# Every step is skipped when what it provides is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

minimal=0
engines=1
base=1
wasmtime_serve=1
component_tools=0
for arg in "$@"; do
  case "$arg" in
    --minimal) minimal=1; engines=0 ;;
    --no-engines) engines=0 ;;
    --engines-only) base=0; engines=1 ;;
    --no-wasmtime-serve) wasmtime_serve=0 ;;
    --component-tools) component_tools=1 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { echo "setup: $*"; }

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$base" = 1 ]; then
if [ "$(node_major)" -lt 22 ]; then
  log "node $(node --version 2>/dev/null || echo absent) is older than 22: installing Node 24 from the npm registry"
  $SUDO npm install -g --force node@24
  hash -r
fi
log "node $(node --version)"

if [ "$minimal" = 0 ] && command -v apt-get >/dev/null; then
  # Every command the tests and the bench spawn comes from here (or Debian's essential set, or the steps
  # below); test/scripts/setup-provides-every-spawned-executable.test.ts holds the list and checks it.
  packages=(gcc libc6-dev clang lld wasi-libc libclang-rt-14-dev-wasm32 musl-tools docker.io chromium file git)
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

# A symlinked node_modules is shared with other checkouts: `npm ci` would empty its target, so it is left alone.
if [ -L node_modules ]; then
  log "node_modules is a symlink ($(readlink node_modules)): not reinstalling npm dependencies"
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund
fi
fi
if [ "$engines" = 1 ]; then
  WASMTIME_PY_VERSION=50.0.1
  LOCUST_VERSION=2.47.0
  WAZERO_VERSION=v1.12.0
  # Wasmtime: the official Python embedding (the engine ships inside the wheel).
  # Locust: the second, distributed load engine of the throughput suite (--load locust).
  for pinned in "wasmtime==$WASMTIME_PY_VERSION" "locust==$LOCUST_VERSION"; do
    name="${pinned%%==*}"; version="${pinned##*==}"
    if .venv-engines/bin/python -c "import sys; from importlib.metadata import version; sys.exit(version('$name') != '$version')" 2>/dev/null; then
      log "$name $version present in .venv-engines"
    elif ! command -v python3 >/dev/null; then
      log "skipping $name: python3 not found (wasm-wasmtime and --load locust will be unavailable)"
    elif { [ -x .venv-engines/bin/python ] || python3 -m venv .venv-engines; } &&
         .venv-engines/bin/python -m pip install --quiet --disable-pip-version-check "$pinned"; then
      log "installed $name $version into .venv-engines"
    else
      log "could not install $name $version (python3 -m venv needs the python3-venv package on Debian); it will be unavailable"
    fi
  done
  # wazero: the CLI and the Go host, both from the Go module proxy.
  if ! command -v go >/dev/null; then
    log "skipping wazero: go not found (install Go 1.22+; wasm-wazero and wasm-wazero-run will be unavailable)"
  else
    mkdir -p .cache/bin
    if [ -x .cache/bin/wazero ] && [ "$(.cache/bin/wazero version 2>/dev/null)" = "$WAZERO_VERSION" ]; then
      log "wazero $WAZERO_VERSION present in .cache/bin"
    elif GOBIN="$PWD/.cache/bin" go install "github.com/tetratelabs/wazero/cmd/wazero@$WAZERO_VERSION"; then
      log "installed wazero $WAZERO_VERSION into .cache/bin"
    else
      log "could not install wazero $WAZERO_VERSION; wasm-wazero-run will be unavailable"
    fi
    if [ -x .cache/bin/wsb-wazero-host ] && [ .cache/bin/wsb-wazero-host -nt runners/wazero/host/main.go ] && [ .cache/bin/wsb-wazero-host -nt runners/wazero/host/go.sum ]; then
      log "wazero Go host up to date in .cache/bin"
    elif (cd runners/wazero/host && go build -o ../../../.cache/bin/wsb-wazero-host .); then
      log "built the wazero Go host into .cache/bin/wsb-wazero-host"
    else
      log "could not build the wazero Go host; wasm-wazero will be unavailable"
    fi
  fi
fi

# Tools from the Rust crate registry, built once into the tools cache outside the checkout.
TOOLS_DIR="${WSB_TOOLS_DIR:-$HOME/.cache/wsb-tools}"
CARGO="$(command -v cargo || true)"
if [ -z "$CARGO" ] && [ -x "$HOME/.cargo/bin/cargo" ]; then CARGO="$HOME/.cargo/bin/cargo"; fi
# cargo_tool BINARY CRATE VERSION WHAT [cargo install flags...]: builds CRATE unless BINARY of VERSION is in the cache.
cargo_tool() {
  local binary=$1 crate=$2 version=$3 what=$4
  shift 4
  if "$TOOLS_DIR/bin/$binary" --version 2>/dev/null | grep -q " $version\b"; then
    log "$binary $version present in $TOOLS_DIR/bin"
  elif [ -z "$CARGO" ]; then
    log "skipping $binary: cargo not found (install Rust); $what"
  else
    log "building $crate $version into $TOOLS_DIR with cargo (once per machine)"
    local started
    started=$(date +%s)
    if "$CARGO" install --locked --quiet --root "$TOOLS_DIR" "$crate" --version "$version" "$@"; then
      log "built $binary $version in $(( $(date +%s) - started )) s"
    else
      log "could not build $crate $version; $what"
    fi
  fi
}
if [ "$engines" = 1 ] && [ "$wasmtime_serve" = 1 ]; then
  cargo_tool wasmtime wasmtime-cli 48.0.8 "wasm-wasmtime-serve will be unavailable" \
    --no-default-features --features serve,run,cranelift,component-model-async,pooling-allocator,parallel-compilation,cache
fi
if [ "$component_tools" = 1 ]; then
  cargo_tool wit-bindgen wit-bindgen-cli 0.63.0 "npm run fixtures will keep the committed wasi:http components"
  cargo_tool wasm-tools wasm-tools 1.263.0 "npm run fixtures will keep the committed wasi:http components"
fi
log "ready"
