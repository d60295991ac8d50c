#!/usr/bin/env bash
# Puts versitygw v1.8.0 (an S3 gateway over a POSIX directory, Apache-2.0) in the project's
# .tools/bin, built with `go install`. The tests run it as their real S3-compatible server.
# Does nothing when that version is already there. Needs Go >= 1.25 on PATH.
set -euo pipefail

VERSION=1.8.0
MODULE=github.com/versity/versitygw/cmd/versitygw
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$root/.tools/bin"
stamp="$bin_dir/versitygw.version"

installed() { [ -x "$bin_dir/versitygw" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$VERSION" ]; }

# The installed version is kept in a stamp file, like the Temporal CLI's.
if installed; then
  exit 0
fi

# Test files run in parallel and each may call this script: one builds, the others wait for it.
mkdir -p "$bin_dir"
exec 9>"$bin_dir/.versitygw.lock"
if command -v flock >/dev/null 2>&1; then
  flock 9
  if installed; then
    exit 0
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
zinc's tests need versitygw v$VERSION (a real S3-compatible server) and Go is not installed
to build it. Install Go >= 1.25 (https://go.dev/dl/ or your distribution), then run:
  bash scripts/install-s3-server.sh
MSG
  exit 1
fi

echo "Installing versitygw v$VERSION into .tools/bin (go install, first time takes minutes)..." >&2
start=$(date +%s)
GOBIN="$bin_dir" GOFLAGS=-mod=mod go install "$MODULE@v$VERSION"
echo "$VERSION" >"$stamp"
echo "versitygw v$VERSION installed in $(( $(date +%s) - start ))s." >&2
