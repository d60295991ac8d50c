#!/usr/bin/env bash
# Puts the Temporal CLI v1.5.1 (dev server included) in the project's .tools/bin, built with
# `go install`. Does nothing when that version is already there. Needs Go >= 1.24 on PATH.
set -euo pipefail

VERSION=1.5.1
MODULE=github.com/temporalio/cli/cmd/temporal
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin_dir="$root/.tools/bin"
stamp="$bin_dir/temporal.version"

# `go install` builds report version 0.0.0-DEV, so the installed version is kept in a stamp file.
if [ -x "$bin_dir/temporal" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<MSG
zinc needs the Temporal CLI v$VERSION and Go is not installed to build it.
  Linux:  install Go >= 1.24 (https://go.dev/dl/ or your distribution), then run: npm run tools
          or download the CLI from https://github.com/temporalio/cli/releases/tag/v$VERSION
          and set ZINC_TEMPORAL_CLI=/path/to/temporal
  macOS:  brew install temporal   (or: brew install go && npm run tools)
MSG
  exit 1
fi

mkdir -p "$bin_dir"
echo "Installing the Temporal CLI v$VERSION into .tools/bin (go install, first time takes minutes)..." >&2
start=$(date +%s)
GOBIN="$bin_dir" GOFLAGS=-mod=mod go install "$MODULE@v$VERSION"
echo "$VERSION" >"$stamp"
echo "Temporal CLI v$VERSION installed in $(( $(date +%s) - start ))s." >&2
