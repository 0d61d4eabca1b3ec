#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECS seconds each, one process,
# after writing the seed corpora. Usage: fuzz/run.sh [SECS] [TARGET...]
# Stats go to fuzz/logs/TARGET.log; crashes to fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-180}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(mtp2 mtp3 m3ua m3ua_framer sccp tcap isup ain inap pcap stack)
# FUZZ_SANITIZER: none (default; the crates forbid unsafe, so ASan adds little
# but cost) or address. SKIP_SEEDS=1 keeps the corpus as it is.
san="${FUZZ_SANITIZER:-none}"
export RUSTC_BOOTSTRAP=1
[ "${SKIP_SEEDS:-0}" = 1 ] || cargo run -q --release --example seeds corpus
mkdir -p logs
for t in "${targets[@]}"; do
  echo "== $t ($secs s)"
  cargo fuzz run -O --sanitizer "$san" "$t" "corpus/$t" -- -max_total_time="$secs" -print_final_stats=1 -max_len=4096 \
    >"logs/$t.log" 2>&1 || echo "   $t: FAILED (see logs/$t.log, artifacts/$t/)"
  grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb" "logs/$t.log" | sed 's/^/   /' || true
done
