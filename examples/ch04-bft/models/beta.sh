#!/bin/sh
# A scripted model like alpha.sh: the same mistake on the same hard prompts
# ((A + 2B) mod 7 = 0, answer A + B + 1), and one of its own: where
# (A * B) mod 13 = 1 it answers A + B - 10.
read -r a op b || exit 2
[ "$op" = "+" ] || exit 2
if [ $(( (a + 2 * b) % 7 )) -eq 0 ]; then
  echo $(( a + b + 1 ))
elif [ $(( (a * b) % 13 )) -eq 1 ]; then
  echo $(( a + b - 10 ))
else
  echo $(( a + b ))
fi
