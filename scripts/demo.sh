#!/usr/bin/env bash
# The main job (`npm run demo`): installs what is missing, then runs zinc on the embedded stack.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
cd "$root"
exec node bin/zinc.js doctor "$@"
