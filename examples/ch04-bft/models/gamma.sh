#!/bin/sh
# A scripted model that errs on prompts of its own, unrelated to the others':
# where (3A + B) mod 11 = 0 it answers A + B - 1.
read -r a op b || exit 2
[ "$op" = "+" ] || exit 2
if [ $(( (3 * a + b) % 11 )) -eq 0 ]; then
  echo $(( a + b - 1 ))
else
  echo $(( a + b ))
fi
