#!/usr/bin/env bash
# The project's test command: starts every service the tests need (deploy/services.sh up), loads
# their addresses into the environment, then runs the whole workspace's tests. Extra arguments go to
# `cargo test`, e.g. `deploy/test.sh -p forklift-builder -- --nocapture`. Exits with cargo's code.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_dir="${FORKLIFT_DATA_DIR:-/var/lib/forklift-dev}"

"$root/deploy/services.sh" up
# shellcheck source=/dev/null
. "$data_dir/env"

cd "$root"
exec cargo test --workspace --all-targets "$@"
