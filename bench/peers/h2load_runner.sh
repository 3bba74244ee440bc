#!/usr/bin/env bash
# bench/peers/h2load_runner.sh JOB SECONDS: the server's HTTP/2 ceiling,
# measured by nghttp2's h2load: one connection, 16 concurrent streams (what
# lmskit and curl --parallel use), a fixed duration.  enroll*: POSTs with
# the token; pages: GETs of every page in turn (items = requests x 100).
# Replies are not decoded; any non-2xx fails the run.  Like wrk, h2load does
# not verify certificates.
set -euo pipefail
job=$1 secs=$2
tmp=$(mktemp -d "${BENCH_TMP:-/tmp}/h2load.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
auth='Authorization: Token token="bench-token"'
case $job in
  enroll | enroll_slow)
    prefix=""; [[ $job == enroll_slow ]] && prefix=/slow
    python3 -c 'import json, sys; sys.stdout.write(json.dumps({"enrollment": {"listing_id": 1, "canvas_user_id": 1}}))' >"$tmp/body"
    args=(-d "$tmp/body" -H 'Content-Type: application/json' "$BENCH_URL$prefix/api/v1/enrollments")
    per=1 ;;
  pages)
    for ((p = 1; p <= (BENCH_SIZE + 99) / 100; p++)); do
      echo "$BENCH_URL/api/v1/courses?per_page=100&page=$p"
    done >"$tmp/uris"
    args=(-i "$tmp/uris")
    per=100 ;;
  *) echo "h2load_runner: unknown job $job" >&2; exit 2 ;;
esac
h2load -c 1 -m 16 -D "$secs" -H "$auth" "${args[@]}" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; exit 1; }
python3 - "$job" "$per" "$tmp/out" <<'PY'
import json, re, sys
job, per, text = sys.argv[1], int(sys.argv[2]), open(sys.argv[3]).read()
fin = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", text)
req = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored", text)
codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
if not (fin and req and codes):
    sys.exit("h2load: unexpected output:\n" + text[-800:])
ok2xx = int(codes.group(1))
if int(req.group(4)) or int(req.group(5)) or sum(map(int, codes.groups()[1:])) or ok2xx == 0:
    sys.exit("h2load: failures:\n" + text[-800:])
secs = float(fin.group(1)) / (1000 if fin.group(2) == "ms" else 1)
print(json.dumps({"peer": "h2load", "job": job, "items": ok2xx * per, "seconds": secs,
                  "requests": ok2xx,
                  "notes": "ceiling: HTTP/2, 1 connection, 16 streams, no TLS verification, replies not decoded"}))
PY
