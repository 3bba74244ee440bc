#!/bin/sh
# tools/test-runtimes.sh RUNTIME...: runs the complete busted suite on each
# runtime (5.1 5.2 5.3 5.4 luajit), each against its own build
# (build/<runtime>/lmskit/core.so), inside a running sandbox.  Prints one
# "<interpreter>: N passed, N failed" line a runtime, then the failures;
# exits 1 when any spec failed (or busted itself failed) on any runtime.
set -u
status=0
failed=""
for r in "$@"; do
  case $r in luajit) lua=luajit ;; *) lua=lua$r ;; esac
  tap=build/$r/specs.tap
  LMSKIT_CPATH=build/$r "$lua" /usr/bin/busted -o TAP >"$tap" 2>&1
  code=$?
  echo "$lua: $(grep -c '^ok' "$tap") passed, $(grep -c '^not ok' "$tap") failed"
  if [ "$code" -ne 0 ]; then status=1; failed="$failed $r"; fi
done
for r in $failed; do
  tap=build/$r/specs.tap
  echo "== failures on $r ($tap)"
  if grep -q '^not ok' "$tap"; then grep -A12 '^not ok' "$tap" | head -150; else tail -30 "$tap"; fi
done
exit $status
