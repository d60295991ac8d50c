#!/usr/bin/env bash
# Puts Jaeger v1.76.0 (its v2 all-in-one: an OpenTelemetry collector with in-memory storage and
# the query UI/API) in the project's .tools/bin, built with `go build` from the tool that
# tools/jaeger/go.mod pins (go.sum locks every module). The tracing test sends zinc's traces to
# it. Does nothing when that version is already there. Needs Go >= 1.24 on PATH.
set -euo pipefail

VERSION=1.76.0
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$root/.tools/bin"
stamp="$bin_dir/jaeger.version"

installed() { [ -x "$bin_dir/jaeger" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$VERSION" ]; }

# The installed version is kept in a stamp file, like the Temporal CLI's.
if installed; then
  exit 0
fi

# Test files run in parallel and each may call this script: one builds, the others wait for it.
mkdir -p "$bin_dir"
exec 9>"$bin_dir/.jaeger.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
  if installed; then
    exit 0
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
zinc's tests need Jaeger v$VERSION (a real OpenTelemetry trace backend) and Go is not
installed to build it. Install Go >= 1.24 (https://go.dev/dl/ or your distribution), then run:
  npm run tools:jaeger
MSG
  exit 1
fi

echo "Building Jaeger v$VERSION into .tools/bin (go build, first time takes minutes)..." >&2
start=$(date +%s)
# The module's own go.mod/go.sum decide the versions; a temporary name, then a rename, so an
# interrupted build never leaves a half-written binary that looks installed.
(cd "$root/tools/jaeger" && GOFLAGS="-mod=readonly -buildvcs=false" go build -o "$bin_dir/jaeger.partial" github.com/jaegertracing/jaeger/cmd/jaeger)
mv "$bin_dir/jaeger.partial" "$bin_dir/jaeger"
echo "$VERSION" >"$stamp"
echo "Jaeger v$VERSION built in $(( $(date +%s) - start ))s." >&2
