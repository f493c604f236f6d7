#!/usr/bin/env bash
# Second README command (and CI's): installs what is needed, builds, and runs
# every test; then the sanitizer stage (scripts/test-sanitize.sh: core and CLI
# tests and the fuzz corpus replays under ASan + UBSan, build/sanitize).
# HESCAPE_SKIP_SANITIZE=1 leaves that stage out. GL tests need an X server, so
# the suite runs under xvfb-run unless a display is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
run=(ctest --preset release -j 2)
if [ -z "${DISPLAY:-}" ]; then
  run=(xvfb-run -a -s "-screen 0 1600x1000x24" "${run[@]}")
fi
"${run[@]}" "$@"
if [ -z "${HESCAPE_SKIP_SANITIZE:-}" ]; then
  bash scripts/test-sanitize.sh
fi
