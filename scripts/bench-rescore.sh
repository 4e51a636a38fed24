#!/usr/bin/env bash
# How long `dual_model --rescore` takes to decide the GSM8K evaluation again
# from its log (1,319 tasks x 4 commands, no model called), against the live
# evaluation that wrote the log, in the same run.
#
#   scripts/bench-rescore.sh [ROUNDS]    (default: 5 rounds of rescoring)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
cargo build -q --release --bin dual_model
target=$(cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin=$target/release/dual_model
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g=examples/ch04-bft/models/gsm8k
reading=(--compare number --answer-after "A:")
cmds=()
for system in 175b_verification 6b_verification 175b_finetuning 6b_finetuning; do
  cmds+=(--cmd "sh $g/recorded.sh $system")
done
seconds() { # COMMAND...: wall-clock seconds it took
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }'
}
live=$(seconds "$bin" "${cmds[@]}" "${reading[@]}" --tasks-file $g/tasks.tsv \
  --log "$tmp/gsm8k.jsonl" --quiet)
echo "live evaluation, 1319 tasks x 4 commands: $live s on $(nproc) cores"
times=()
for round in $(seq "$rounds"); do
  t=$(seconds "$bin" --rescore "$tmp/gsm8k.jsonl" "${reading[@]}" --quiet)
  times+=("$t")
  echo "rescore round $round: $t s"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ r[NR] = $1 } END { print r[int((NR + 1) / 2)] }')
echo "median rescore: $median s, $(awk -v m="$median" -v l="$live" 'BEGIN { printf "%.3f", m / l }') of the live run"
