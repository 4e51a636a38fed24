#!/bin/sh
# A scripted stand-in for a model: reads "A + B" on stdin, prints the sum.
# Deterministic: its answer depends only on the prompt. It errs on the shared
# "hard" prompts, where (A + 2B) mod 7 = 0, by answering A + B + 1; beta.sh
# makes the same mistake on the same prompts, so the two fail together.
read -r a op b || exit 2
[ "$op" = "+" ] || exit 2
if [ $(( (a + 2 * b) % 7 )) -eq 0 ]; then
  echo $(( a + b + 1 ))
else
  echo $(( a + b ))
fi
