#!/usr/bin/env bash
# Writes every file the book includes but nobody types: the programs' output,
# section by section, a vote and an evaluation of the scripted models, and the
# chart; and the --help texts and test list that the README quotes. Each text
# file's first line is the command that produced the rest.
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
# Where cargo put them: ./target unless CARGO_TARGET_DIR or a config says
# otherwise.
target=$(cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin=$target/release

# sections NAME SHOWN COMMAND...: run COMMAND and write one file per section
# "N.M Title" of its output, NAME-N.M.txt, headed by SHOWN. Blank lines at the
# end of a section are left out.
sections() {
  local name=$1 shown=$2
  shift 2
  "$@" | awk -v name="$out/$name" -v shown="$shown" '
    /^[0-9]+\.[0-9]+ / {
      if (file != "") close(file)
      file = name "-" $1 ".txt"; blanks = 0
      print "$ " shown "  # section " $1 > file
    }
    file == "" { next }
    /^$/ { blanks++; next }
    { while (blanks > 0) { print "" > file; blanks-- } print > file }'
}

sections bft_demo "make run-ch04-bft" "$bin/bft_demo"
sections dual_model "make run-ch04-dual" "$bin/dual_model"

# The vote and the evaluation run in examples/ch04-bft, where the scripted
# models' paths are short, with the line a reader types at the repository
# root after `make run-ch04` has built the programs. Call times vary, so the
# vote's report shows #.###.
models() { (cd examples/ch04-bft && "$bin/dual_model" "$@"); }

# shown ARGS...: the command as a reader types it at the repository root:
# values with spaces quoted, and the line broken before a flag where it
# would pass 64 columns, the width the book shows on a phone.
shown() {
  local line='$ cd examples/ch04-bft && ../../target/release/dual_model' group='' arg
  for arg in "$@" ''; do
    if [ -z "$arg" ] || [ "${arg#--}" != "$arg" ]; then
      if [ -n "$group" ]; then
        if [ $((${#line} + ${#group})) -gt 64 ]; then
          echo "$line \\"
          line='   '
        fi
        line=$line$group
      fi
      group=" $arg"
    else
      case $arg in
        *' '*) group="$group \"$arg\"" ;;
        *) group="$group $arg" ;;
      esac
    fi
  done
  echo "$line"
}

m=models
scripted=(--cmd "sh $m/alpha.sh" --cmd "sh $m/beta.sh" --cmd "sh $m/gamma.sh")
vote=("${scripted[@]}" --cmd "sh $m/crashy.sh" --cmd "sh $m/sleepy.sh"
  --timeout 1 --prompt "17 + 25")
{
  shown "${vote[@]}"
  models "${vote[@]}" 2>&1 | sed -E 's/[0-9]+\.[0-9]{3} s/#.### s/'
  # Under pipefail a vote that accepts nothing (exit 3) stops this script.
  echo "\$ echo \$?  # ${PIPESTATUS[0]}: accepted"
} > "$out/vote.txt"
# Two calls that abstain, one by failing and one by timing out, and one
# answer: a quorum of 2 of 3 is not reached (exit 3).
abstain=(--cmd "sh $m/crashy.sh" --cmd "sh $m/sleepy.sh" --cmd "sh $m/alpha.sh"
  --timeout 1 --prompt "17 + 25")
{
  shown "${abstain[@]}"
  set +o pipefail
  models "${abstain[@]}" 2>&1 | sed -E 's/[0-9]+\.[0-9]{3} s/#.### s/'
  code=${PIPESTATUS[0]}
  set -o pipefail
  echo "\$ echo \$?  # $code: no quorum"
} > "$out/vote-abstain.txt"
wrong=("${scripted[@]}" --wait-all --prompt "7 + 0")
{
  shown "${wrong[@]}"
  models "${wrong[@]}" 2>&1 | sed -E 's/[0-9]+\.[0-9]{3} s/#.### s/'
} > "$out/vote-wrong.txt"
evaluation=("${scripted[@]}" --tasks-file $m/tasks.tsv)
{
  shown "${evaluation[@]}"
  models "${evaluation[@]}" 2>/dev/null
} > "$out/evaluation.txt"
"$bin/dual_model" --svg "$out" > /dev/null
"$bin/bft_demo" --svg "$out" > /dev/null

# Real answers: three GPT-3 systems on GSM8K (make run-ch04-real), read as
# numbers after "A:"; then the simulation fed the rates they measured, its
# strategies' section only. Call times vary, so they are not shown.
g=examples/ch04-bft/models/gsm8k
real=(--name 175B-ver --cmd "sh $g/recorded.sh 175b_verification"
  --name 6B-ver --cmd "sh $g/recorded.sh 6b_verification"
  --name 175B-ft --cmd "sh $g/recorded.sh 175b_finetuning"
  --compare number --answer-after "A:" --tasks-file $g/tasks.tsv)
work=$(mktemp -d)
"$bin/dual_model" "${real[@]}" --quiet --log "$work/gsm8k.jsonl" \
  > "$out/real-evaluation.body"
# The same answers read again from the log as whole texts: no call made.
{
  echo '$ target/release/dual_model --rescore gsm8k.jsonl --compare trim'
  "$bin/dual_model" --rescore "$work/gsm8k.jsonl" --compare trim --quiet |
    sed -e "s|Rescored from $work/|Rescored from |" | sed -n '1,/^$/p;/^Models/,/^$/p' | sed '$d'
} > "$out/real-rescore.txt"
rm -r "$work"
{
  echo '$ make run-ch04-real'
  cat "$out/real-evaluation.body"
} > "$out/real-evaluation.txt"
simulate=$(sed -n 's/^dual_model --models /--models /p' "$out/real-evaluation.body")
rm "$out/real-evaluation.body"
# shellcheck disable=SC2086 # $simulate is the flag and its value
"$bin/dual_model" $simulate | awk -v shown="$simulate" '
  /^2\.1 / { on = 1; print "$ dual_model \\"; print "    " shown }
  /^2\.2 / { on = 0 }
  on && !/^$/ { print }' > "$out/real-simulated.txt"

# For the README, which must quote them exactly (tests/book.rs checks): both
# programs' --help, and the list of every test.
# Each first line is a command that runs as typed from the repository root
# and prints exactly the rest.
for name in bft_demo dual_model; do
  { echo "\$ cargo run -q --release --bin $name -- --help"; "$bin/$name" --help; } \
    > "$out/help-$name.txt"
done
for target in --lib "--bin bft_demo" "--bin dual_model" "--test cli" \
    "--test contract" "--test real_models" "--test real_answers" \
  "--test gsm8k" "--test machine" "--test real_conditions" "--test resume" \
  "--test early_decisions" "--test evaluation" "--test limits" "--test book"; do
  echo "\$ cargo test -q --release $target -- --list 2>/dev/null | grep ': test\$'"
  # shellcheck disable=SC2086 # $target is two words on purpose
  cargo test -q --release $target -- --list 2>/dev/null | grep ': test$'
done > "$out/tests.txt"

# When writing the book's own folder, refresh the README's quotes of these
# three files: the text block that starts with a file's first line becomes
# that file, whole.
if [ "$out" = "book/src/generated" ]; then
  for name in help-bft_demo.txt help-dual_model.txt tests.txt; do
    awk -v file="$out/$name" '
      BEGIN {
        while ((getline line < file) > 0) { body = body line "\n"; if (!first) first = line }
      }
      quoting && /^```$/ { quoting = 0; printf "%s", body; print; next }
      quoting { next }
      previous == "```text" && $0 == first { quoting = 1; previous = $0; next }
      { print; previous = $0 }' README.md > README.md.new
    mv README.md.new README.md
  done
fi
