#!/bin/sh
# A scripted model that answers in prose around a fenced code block, as real
# models do. With --compare code only the block counts.
read -r a op b || exit 2
echo "Here is the result:"
echo '```'
echo $(( a + b ))
echo '```'
echo "Let me know if you need anything else."
