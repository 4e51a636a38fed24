#!/bin/sh
# recorded.sh NAME: one GPT-3 system's answer to a GSM8K test question, as
# OpenAI released it (example_model_solutions.jsonl; MIT licence in LICENSE).
# Reads the question, one line, on stdin; prints that system's solution byte
# for byte, with no newline added. NAME is one of 6b_finetuning,
# 6b_verification, 175b_finetuning, 175b_verification. A question that is not
# in the test set exits with 1 and says so on stderr.
#
# answers.tsv holds one question per line, then the four systems' solutions,
# tab-separated, with newlines, tabs and backslashes written \n, \t and \\.
case ${1:-} in
  6b_finetuning) column=2 ;;
  6b_verification) column=3 ;;
  175b_finetuning) column=4 ;;
  175b_verification) column=5 ;;
  *)
    echo "recorded.sh: NAME must be 6b_finetuning, 6b_verification," \
      "175b_finetuning or 175b_verification, not '${1:-}'" >&2
    exit 2 ;;
esac
IFS= read -r question || [ -n "$question" ] || {
  echo "recorded.sh: no question on stdin" >&2
  exit 1
}
# The question goes to awk through the environment: awk's -v would read
# backslashes in it as escapes.
QUESTION=$question exec awk -F '\t' -v column="$column" '
  BEGIN { question = ENVIRON["QUESTION"] }
  $1 == question {
    rest = $column; text = ""
    while ((i = index(rest, "\\")) > 0) {
      c = substr(rest, i + 1, 1)
      text = text substr(rest, 1, i - 1) (c == "n" ? "\n" : c == "t" ? "\t" : c)
      rest = substr(rest, i + 2)
    }
    printf "%s", text rest
    found = 1
    exit
  }
  END {
    if (!found) {
      print "recorded.sh: not a GSM8K test question: " substr(question, 1, 60) > "/dev/stderr"
      exit 1
    }
  }' "$(dirname "$0")/answers.tsv"
