#!/usr/bin/env bash
# A STAND-IN FOR `spin`, for tests only: it is not Spin. It behaves like
# `spin up` in its command line and port handling only (`spin --version`,
# `spin up --from <spin.toml> --listen <address>`): it reads the component
# source of the manifest's one component and serves it with `wasmtime serve`
# on the --listen address. Everything Spin does beyond that is absent.
set -euo pipefail
if [ "${1:-}" = "--version" ]; then
  echo "spin 0.0.0-stand-in (a test stand-in for spin up, not Spin)"
  exit 0
fi
[ "${1:-}" = "up" ] || { echo "spin stand-in: only 'up' is imitated" >&2; exit 2; }
shift
manifest="" listen="127.0.0.1:3000"
while [ $# -gt 0 ]; do
  case "$1" in
    -f|--from) manifest=$2; shift 2 ;;
    --listen) listen=$2; shift 2 ;;
    *) echo "spin stand-in: unexpected argument $1" >&2; exit 2 ;;
  esac
done
[ -f "$manifest" ] || { echo "Error: no manifest at '$manifest'" >&2; exit 1; }
grep -q '^spin_manifest_version = 2$' "$manifest" || { echo "Error: not a version 2 manifest" >&2; exit 1; }
grep -q '^route = "/\.\.\."$' "$manifest" || { echo "Error: no wildcard HTTP route" >&2; exit 1; }
source=$(sed -n 's/^source = "\(.*\)"$/\1/p' "$manifest")
[ -f "$source" ] || { echo "Error: component source '$source' not found" >&2; exit 1; }
exec wasmtime serve --addr "$listen" "$source"
