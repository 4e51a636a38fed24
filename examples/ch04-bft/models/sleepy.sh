#!/bin/sh
# A scripted model that never answers in time. It starts a child that keeps
# standard output open, writes that child's process id to the file named by
# $SLEEPY_PID_FILE (when set, so a test can check that it was stopped), and
# waits. Only stopping its whole process group ends it.
sleep 600 &
[ -n "${SLEEPY_PID_FILE:-}" ] && echo $! > "$SLEEPY_PID_FILE"
wait
