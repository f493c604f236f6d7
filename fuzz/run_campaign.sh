#!/usr/bin/env bash
# One fuzzing campaign: fuzz/run_campaign.sh TARGET [SECONDS] (default 600).
# Needs the fuzz build (cmake --preset fuzz && cmake --build --preset fuzz).
# The corpus grows in a scratch folder seeded from
# fuzz/corpus/TARGET (the checked-in corpus keeps only seeds and findings);
# crashes, leaks, timeouts and out-of-memory inputs land in
# fuzz/findings/TARGET/ to be fixed and then moved into the corpus. The log's
# last lines hold the figures docs/fuzzing.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
seconds=${2:-600}
binary=${FUZZ_BUILD:-build/fuzz}/fuzz/fuzz_$target
work=${FUZZ_WORK:-/tmp/hescape-fuzz-campaign}/$target
mkdir -p "$work/corpus" "fuzz/findings/$target"
log=$work/campaign.log
# Leaks are not looked for: the readers are RAII, and libhdf5/OpenSlide keep
# process-wide caches that LeakSanitizer would report on every input.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "campaign $target ${seconds}s started $(date -u +%FT%TZ)" | tee "$log"
# -timeout=30: this 2-core machine is shared with builds, and at nice 15 an
# input that takes 0.5 s alone took over 10 s (six such timeouts, none
# reproducible alone). One process fuzzes until a finding stops it; then the next one goes on with
# the corpus so far for the time left. (-fork mode would keep one going, but
# its job restarts cost most of the time on these slow, file-based targets.)
end=$(($(date +%s) + seconds))
while left=$((end - $(date +%s))) && [ "$left" -gt 0 ]; do  # 0 would mean "no limit"
  nice -n 15 "$binary" "$work/corpus" "fuzz/corpus/$target" \
    -max_total_time="$left" -timeout=30 -report_slow_units=30 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -artifact_prefix="fuzz/findings/$target/" -print_final_stats=1 >>"$log" 2>&1 || true
done
execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
echo "campaign $target ended $(date -u +%FT%TZ); executions $execs; corpus $(ls "$work/corpus" | wc -l) files;" \
  "findings $(ls "fuzz/findings/$target" | wc -l)" | tee -a "$log"
grep -E '^#[0-9]+.*(pulse|NEW|REDUCE|DONE)' "$log" | tail -1
