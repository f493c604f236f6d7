#!/usr/bin/env bash
# Prints one Markdown table row per campaign log (fuzz/run_campaign.sh) for
# docs/fuzzing.md: target, wall time, executions, the last cov / ft figures,
# the corpus size, and the number of inputs it stopped on.
# Usage: fuzz/campaign_summary.sh [WORK] (default /tmp/hescape-fuzz-campaign).
set -uo pipefail  # no -e: a log without some figure still gets its row
work=${1:-/tmp/hescape-fuzz-campaign}
echo "| target | time | executions | cov | ft | corpus (files) | stopped on |"
echo "|---|---|---|---|---|---|---|"
for log in "$work"/*/campaign.log; do
  target=$(basename "$(dirname "$log")")
  start=$(grep -o 'started [0-9T:Z-]*' "$log" | head -1 | cut -d' ' -f2)
  end=$(grep -o 'ended [0-9T:Z-]*' "$log" | tail -1 | cut -d' ' -f2)
  [ -n "$end" ] || continue  # still running
  seconds=$(($(date -d "$end" +%s) - $(date -d "$start" +%s)))
  # -fork runs print no final stats: their last status line has the count.
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  [ "$execs" -gt 0 ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
  cov=$(sed -E 's/.*cov: ([0-9]+).*/\1/' <<<"$last")
  ft=$(sed -E 's/.*ft: ([0-9]+).*/\1/' <<<"$last")
  corpus=$(ls "$work/$target/corpus" | wc -l)
  stops=$(grep -c 'Test unit written to' "$log" || true)
  echo "| $target | ${seconds} s | $execs | $cov | $ft | $corpus | $stops |"
done
