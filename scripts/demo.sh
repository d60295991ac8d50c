#!/usr/bin/env bash
# The main job (`npm run demo`): installs what is missing, then grades the demo course on the
# embedded stack (zinc demo).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" demo
cd "$root"
exec node bin/zinc.js demo "$@"
