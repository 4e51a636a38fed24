#!/usr/bin/env bash
# Writes every file the book includes but nobody types: program output, the
# --help texts, the list of tests and the chart. Each text file's first line is
# the command that produced the rest.
#
#   scripts/book-output.sh DIR      write the files into DIR
#   scripts/book-output.sh --check  write them to a temporary folder and fail
#                                   when book/src/generated differs
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--check" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$0" "$tmp"
  if ! diff -ru book/src/generated "$tmp"; then
    echo "book/src/generated is stale: run 'make book-output' and commit the result" >&2
    exit 1
  fi
  echo "book/src/generated matches what the code prints"
  exit 0
fi

out=${1:?usage: scripts/book-output.sh DIR | --check}
mkdir -p "$out"
cargo build -q --release --bins
bin=target/release

# parts NAME COMMAND... : run COMMAND and write one file per "Part N:" section
# of its output, NAME-partN.txt, each headed by the command. What comes before
# Part 1 (the title) goes with Part 1.
parts() {
  local name=$1 shown=$2
  shift 2
  "$@" | awk -v name="$out/$name" -v shown="$shown" '
    /^Part [0-9]+:/ { part = $2 + 0; if (part > 1) { close(file); file = "" } }
    {
      if (file == "") {
        file = name "-part" (part ? part : 1) ".txt"
        print "$ " shown "  # Part " (part ? part : 1) " of the output" > file
      }
      print > file
    }'
}

parts bft_demo "make run-ch04-bft" "$bin/bft_demo"
parts dual_model "make run-ch04-dual" "$bin/dual_model"
parts dual_model-k3 "cargo run --release --bin dual_model -- --wrong-variants 3" \
  "$bin/dual_model" --wrong-variants 3
rm "$out"/dual_model-k3-part[134].txt # the chapter shows Part 2 of this run
{ echo '$ cargo run --release --bin bft_demo -- --help'; "$bin/bft_demo" --help; } > "$out/bft_demo-help.txt"
{ echo '$ cargo run --release --bin dual_model -- --help'; "$bin/dual_model" --help; } > "$out/dual_model-help.txt"
for target in "--lib" "--bin bft_demo" "--bin dual_model" "--test cli" "--test contract" "--test book"; do
  echo "\$ cargo test --release $target -- --list"
  # shellcheck disable=SC2086 # $target is two words on purpose
  cargo test -q --release $target -- --list 2>/dev/null
  echo
done > "$out/tests.txt"
"$bin/dual_model" --svg "$out" > /dev/null
