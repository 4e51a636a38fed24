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

{ echo '$ make run-ch04-bft'; "$bin/bft_demo"; } > "$out/bft_demo.txt"
{ echo '$ make run-ch04-dual'; "$bin/dual_model"; } > "$out/dual_model.txt"
{ echo '$ cargo run --release --bin bft_demo -- --help'; "$bin/bft_demo" --help; } > "$out/bft_demo-help.txt"
{ echo '$ cargo run --release --bin dual_model -- --help'; "$bin/dual_model" --help; } > "$out/dual_model-help.txt"
{
  echo '$ cargo run --release --bin dual_model -- --tasks 100000 --wrong-variants 3'
  "$bin/dual_model" --tasks 100000 --wrong-variants 3
} > "$out/dual_model-k3.txt"
for target in "--bin bft_demo" "--bin dual_model" "--test cli" "--test shared_helpers"; do
  echo "\$ cargo test --release $target -- --list"
  # shellcheck disable=SC2086 # $target is two words on purpose
  cargo test -q --release $target -- --list 2>/dev/null
  echo
done > "$out/tests.txt"
"$bin/dual_model" --svg "$out" > /dev/null
