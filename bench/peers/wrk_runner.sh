#!/usr/bin/env bash
# bench/peers/wrk_runner.sh JOB SECONDS: the server's ceiling, measured by wrk
# (one thread, 16 connections, HTTP/1.1 keep-alive, a fixed duration).
# enroll*: POSTs with the token (wrk_script.lua); pages: GETs of the pages in
# turn (items = requests x 100).  Replies are not decoded; any non-2xx or
# socket error fails the run.  wrk cannot verify certificates at all: it is
# the one peer that does not check TLS against BENCH_CA.
set -euo pipefail
job=$1 secs=$2
here=$(cd "$(dirname "$0")" && pwd)
case $job in
  enroll) prefix="" mode=post ;;
  enroll_slow) prefix=/slow mode=post ;;
  pages) prefix="" mode=pages ;;
  pages_slow) prefix=/slow mode=pages ;;
  *) echo "wrk_runner: unknown job $job" >&2; exit 2 ;;
esac
out=$(BENCH_WRK_MODE=$mode BENCH_WRK_PREFIX=$prefix BENCH_WRK_PAGES=$(((BENCH_SIZE + 99) / 100)) \
  wrk -t1 -c16 -d"${secs}s" --timeout 10s -s "$here/wrk_script.lua" "$BENCH_URL")
line=$(grep '^WRK ' <<<"$out") || { echo "$out" >&2; exit 1; }
python3 - "$job" "$mode" "$line" <<'PY'
import json, sys
job, mode, line = sys.argv[1:]
_, requests, duration_us, non2xx, sockerr = line.split()
requests, non2xx, sockerr = int(requests), int(non2xx), int(sockerr)
if non2xx or sockerr or requests == 0:
    sys.exit(f"wrk: {requests} requests, {non2xx} non-2xx, {sockerr} socket errors")
per = 100 if mode == "pages" else 1
print(json.dumps({"peer": "wrk", "job": job, "items": requests * per,
                  "seconds": int(duration_us) / 1e6, "requests": requests,
                  "notes": "ceiling: HTTP/1.1, 1 thread, 16 connections, no TLS verification, replies not decoded"}))
PY
