#!/usr/bin/env bash
# CI's sanitizer stage (docs/fuzzing.md): the core and CLI tests and the fuzz
# corpus replays, built by gcc with ASan + UBSan (the `sanitize` preset:
# build/asan, no studio, no widgets; clang cannot compile Debian's LibTorch
# headers in C++20) and run there. A UBSan report aborts
# the test (-fno-sanitize-recover=undefined), so it fails like a crash.
# Run after scripts/test.sh's release stage, or alone; extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/build.sh sanitize
built=$(date +%s)
# Every suite the preset builds runs; docs/fuzzing.md ("Sanitizer stage") has
# the times and the preset's environment (passive OpenMP waits, QtTest's
# per-function limit raised for training under ASan).
run=(ctest --preset sanitize -j 2)
if [ -z "${DISPLAY:-}" ]; then
  run=(xvfb-run -a -s "-screen 0 1600x1000x24" "${run[@]}")
fi
status=0
"${run[@]}" "$@" || status=$?
echo "sanitizer stage: build $((built - start)) s, tests $(($(date +%s) - built)) s"
exit $status
