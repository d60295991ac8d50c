#!/usr/bin/env bash
# Puts the Temporal server v1.29.1 and its SQL schema tool in the project's .tools/bin, built
# with `go install` (the versions pinned here, every module locked by the server's own go.sum).
# The production-shape test runs zinc against this server on PostgreSQL with mTLS. Does nothing
# when that version is already there. Needs Go >= 1.24 on PATH.
set -euo pipefail

VERSION=1.29.1
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$root/.tools/bin"
stamp="$bin_dir/temporal-server.version"

installed() {
  [ -x "$bin_dir/temporal-server" ] && [ -x "$bin_dir/temporal-sql-tool" ] &&
    [ "$(cat "$stamp" 2>/dev/null)" = "$VERSION" ]
}

if installed; then
  exit 0
fi

# Test files run in parallel and each may call this script: one builds, the others wait for it.
mkdir -p "$bin_dir"
exec 9>"$bin_dir/.temporal-server.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
  if installed; then
    exit 0
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
The production-shape test needs the Temporal server v$VERSION and Go is not installed to build
it. Install Go >= 1.24 (https://go.dev/dl/ or your distribution), then run:
  npm run tools:server
MSG
  exit 1
fi

echo "Building the Temporal server v$VERSION and its schema tool into .tools/bin (go install, about 7 minutes on 2 cores)..." >&2
start=$(date +%s)
# Into a scratch GOBIN, then renamed: an interrupted build never leaves a binary that looks installed.
scratch="$bin_dir/.temporal-server.partial"
rm -rf "$scratch"
mkdir -p "$scratch"
GOBIN="$scratch" GOFLAGS="-buildvcs=false" go install "go.temporal.io/server/cmd/server@v$VERSION"
GOBIN="$scratch" GOFLAGS="-buildvcs=false" go install "go.temporal.io/server/cmd/tools/sql@v$VERSION"
mv "$scratch/server" "$bin_dir/temporal-server"
mv "$scratch/sql" "$bin_dir/temporal-sql-tool"
rm -rf "$scratch"
echo "$VERSION" >"$stamp"
echo "Temporal server v$VERSION built in $(( $(date +%s) - start ))s." >&2
