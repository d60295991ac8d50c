#!/usr/bin/env bash
# Builds the sandbox launcher (the small C program zinc runs first inside every bubblewrap
# sandbox) into the project's .tools/bin. Does nothing when the binary was built from this very
# launcher.c (it carries the source's sha256, which zinc checks too) and this script is older.
# Needs gcc and libseccomp (Debian: gcc, libseccomp-dev).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
src="$root/src/extensions/pipeline/sandbox/launcher.c"
bin_dir="$root/.tools/bin"
out="$bin_dir/zinc-sandbox-launcher"

sha=$(sha256sum "$src" | cut -c1-64)
if [ -x "$out" ] && [ "$out" -nt "${BASH_SOURCE[0]}" ] &&
  grep -qa "zinc-sandbox-launcher-source=$sha;" "$out"; then
  exit 0
fi
if ! command -v gcc >/dev/null 2>&1 || [ ! -e /usr/include/seccomp.h ]; then
  echo "zinc needs gcc and libseccomp-dev to build the sandbox launcher (run: sudo apt-get install gcc libseccomp-dev)" >&2
  exit 1
fi
mkdir -p "$bin_dir"
# Built to a temporary name and renamed, so a concurrent run never executes a half-written file.
tmp="$out.tmp.$$"
gcc -std=gnu11 -O2 -Wall -Wextra -DZINC_LAUNCHER_SOURCE_SHA256="\"$sha\"" -o "$tmp" "$src" \
  -Wl,-Bstatic -lseccomp -Wl,-Bdynamic
mv -f "$tmp" "$out"
echo "Built the sandbox launcher: .tools/bin/zinc-sandbox-launcher" >&2
