#!/bin/sh
# A scripted model that fails: it prints half an answer and exits with 3.
cat > /dev/null
echo "partial"
exit 3
