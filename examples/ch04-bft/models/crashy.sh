#!/bin/sh
# A scripted model that fails after a moment, as a model whose key is
# missing does: it prints half an answer, says why on stderr, and exits with
# 7 (not 3, which is dual_model's own "no answer reached the quorum").
cat > /dev/null
sleep 0.3
echo "partial"
echo "error: MODEL_API_KEY is not set" >&2
exit 7
