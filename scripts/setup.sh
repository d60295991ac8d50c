#!/usr/bin/env bash
# Installs what zinc needs on this machine and does nothing for what is already there:
# Debian packages, npm packages (npm ci), the compiled CLI, the Temporal CLI, the sandbox
# launcher and, for the tests, the S3 test server and Jaeger.
#
#   scripts/setup.sh demo   what `npm run demo` needs: the embedded stack and the C++ toolchain
#   scripts/setup.sh        (or `test`) everything the test suite uses as well: PostgreSQL, the
#                           S3 test server, python3, a JDK, Prometheus and nats-server
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
mode=${1:-test}

# Debian packages: bubblewrap and libseccomp (the sandbox for student code) and the C/C++
# toolchain (the demo's language, and the sandbox launcher's compiler) always; PostgreSQL (the
# production database, tested for real), the other grading toolchains, Prometheus (its server
# scrapes a running stack; promtool checks and unit-tests the alert rules) and nats-server (the
# event bus, with JetStream) and chromium (the web app's browser tests, driven by playwright-core)
# for the tests.
APT_PACKAGES=(ca-certificates bubblewrap libseccomp-dev gcc g++ make)
if [ "$mode" != demo ]; then
  APT_PACKAGES+=(postgresql python3 default-jdk-headless prometheus nats-server chromium)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "zinc needs these Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

# npm packages, exactly as locked; again only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The compiled CLI (bin/zinc.js runs dist/).
npm run --silent build

# The Temporal CLI (dev server), unless one is given explicitly.
if [ -z "${ZINC_TEMPORAL_CLI:-}" ]; then
  bash scripts/install-temporal-cli.sh
fi

# The S3-compatible server (versitygw) that the object-storage tests run against, and Jaeger,
# the trace backend the tracing test sends zinc's traces to.
if [ "$mode" != demo ]; then
  bash scripts/install-s3-server.sh
  bash scripts/install-jaeger.sh
fi

# The sandbox's launcher (a small C program run as PID 1 inside bubblewrap).
bash scripts/build-sandbox-helper.sh
