#!/usr/bin/env bash
# The CPU that dual_model spends per call of a real command, against the
# least any tool could spend: the same number of `sh -c CMD` processes run by
# `xargs -P`, which writes no input, reads no output and stops no group.
#
#   scripts/bench-calls.sh [TASKS] [ROUNDS]    (defaults: 1000 tasks, 5 rounds)
#
# An evaluation of 3 commands (`cat`) on TASKS tasks, --jobs 2, against
# `xargs -P 6` running `sh -c cat` 3 x TASKS times. Each round runs both, one
# after the other, so a noisy machine weighs on both alike; CPU is user +
# system time of each and all its children (bash's `time`). The line to read
# is the median of the rounds' ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
tasks=${1:-1000}
rounds=${2:-5}
cargo build -q --release --bin dual_model
bin=$PWD/target/release/dual_model
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seq "$tasks" | awk '{ print $1 "\t" $1 }' > "$tmp/tasks.tsv"
calls=$((3 * tasks))

cpu() { # COMMAND...: prints the CPU seconds it and its children used
  local TIMEFORMAT='%U %S'
  { time "$@" > /dev/null 2>&1; } 2>&1 | awk '{ printf "%.2f", $1 + $2 }'
}

echo "$tasks tasks x 3 commands (cat), $calls calls, $rounds rounds on $(nproc) cores"
ratios=()
for round in $(seq "$rounds"); do
  ours=$(cpu "$bin" --cmd cat --cmd cat --cmd cat --tasks-file "$tmp/tasks.tsv" \
    --jobs 2 --quiet)
  base=$(cpu sh -c "seq $calls | xargs -P 6 -n 1 sh -c cat")
  ratio=$(awk -v a="$ours" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
  ratios+=("$ratio")
  echo "round $round: dual_model $ours s CPU, xargs -P $base s CPU, ratio $ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }')
echo "median ratio: $median (dual_model CPU / xargs -P CPU)"
