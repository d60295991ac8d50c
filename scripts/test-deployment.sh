#!/usr/bin/env bash
# The production-shape test (`npm run test:deployment`): installs what the suite needs, builds
# the Temporal server and its schema tool (npm run tools:server), then runs test/deployment/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/install-temporal-server.sh"
cd "$root"
exec npx vitest run --config vitest.deployment.config.ts "$@"
