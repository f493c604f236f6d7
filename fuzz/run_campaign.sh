#!/usr/bin/env bash
# One fuzzing campaign: fuzz/run_campaign.sh TARGET [SECONDS] (default 600).
# Needs the sanitize build (cmake --preset sanitize; ninja -C build/sanitize
# fuzz_TARGET). The corpus grows in a scratch folder seeded from
# fuzz/corpus/TARGET (the checked-in corpus keeps only seeds and findings);
# crashes, leaks, timeouts and out-of-memory inputs land in
# fuzz/findings/TARGET/ to be fixed and then moved into the corpus. The log's
# last lines hold the figures docs/fuzzing.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
seconds=${2:-600}
binary=build/sanitize/fuzz/fuzz_$target
work=${FUZZ_WORK:-/tmp/hescape-fuzz-campaign}/$target
mkdir -p "$work/corpus" "fuzz/findings/$target"
log=$work/campaign.log
# Leaks are not looked for: the readers are RAII, and libhdf5/OpenSlide keep
# process-wide caches that LeakSanitizer would report on every input.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "campaign $target ${seconds}s started $(date -u +%FT%TZ)" | tee "$log"
# -fork=1: a crash is recorded and the campaign goes on, so one finding does
# not end it; -ignore_crashes=1 with fork mode keeps fuzzing after a crash.
nice -n 15 "$binary" "$work/corpus" "fuzz/corpus/$target" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
  -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -artifact_prefix="fuzz/findings/$target/" -print_final_stats=1 >>"$log" 2>&1 || true
echo "campaign $target ended $(date -u +%FT%TZ); corpus $(ls "$work/corpus" | wc -l) files" | tee -a "$log"
grep -E '^#[0-9]+: cov|DONE|stat::|crash|Deadly|ERROR' "$log" | tail -5
