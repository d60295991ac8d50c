#!/usr/bin/env bash
# The test command (`npm test`): installs what is missing, then runs the whole suite.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
cd "$root"
exec npx vitest run "$@"
