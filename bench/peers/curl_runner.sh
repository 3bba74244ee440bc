#!/usr/bin/env bash
# bench/peers/curl_runner.sh JOB COUNT: the curl command-line peer.
#
# One curl process per job, verifying against BENCH_CA (--cacert), HTTP/2
# when offered.  pages*: one curl fetching page=[1-N] sequentially (URL
# globbing over one kept-alive connection; curl cannot follow a Link
# header), bodies to files.  enroll*: one `curl --parallel --parallel-max 16`
# reading a config file of COUNT POSTs (written by python3's json).  Only the
# curl process is timed and measured (/usr/bin/time around it); afterwards
# python3 checks every status and decodes every body, outside the
# measurement.  Prints one JSON result line (with cpu and rss_kb of curl).
set -euo pipefail
job=$1 count=$2
tmp=$(mktemp -d "${BENCH_TMP:-/tmp}/curl-$job.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
case $job in
  pages | enroll) base=$BENCH_URL ;;
  pages_slow | enroll_slow) base=$BENCH_URL/slow ;;
  *) echo "curl_runner: unknown job $job" >&2; exit 2 ;;
esac

case $job in
  pages*)
    pages=$(((count + 99) / 100))
    args=(-sS --fail --cacert "$BENCH_CA" -H 'Authorization: Token token="bench-token"'
          -o "$tmp/page_#1.json" "$base/api/v1/courses?per_page=100&page=[1-$pages]")
    ;;
  enroll*)
    python3 - "$tmp" "$base" "$BENCH_CA" "$count" <<'PY'
import json, sys
tmp, base, ca, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def q(s):  # a curl config-file string: double quotes, backslash escapes
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
common = "".join([
    "url = " + q(base + "/api/v1/enrollments") + "\n",
    "cacert = " + q(ca) + "\n",
    "header = " + q('Authorization: Token token="bench-token"') + "\n",
    "header = " + q("Content-Type: application/json") + "\n",
])
with open(tmp + "/config", "w") as f:
    for i in range(1, count + 1):
        body = json.dumps({"enrollment": {"listing_id": 1, "canvas_user_id": i}})
        f.write(common)
        f.write("data = " + q(body) + "\n")
        f.write("output = " + q("%s/%d.json" % (tmp, i)) + "\n")
        f.write("write-out = " + q("%d %%{http_code}\\n" % i) + "\n")
        if i < count:
            f.write("next\n")
PY
    args=(-sS --parallel --parallel-max 16 -K "$tmp/config")
    ;;
esac

start=$(date +%s.%N)
if ! /usr/bin/time -o "$tmp/time" -f '%U %S %M' curl "${args[@]}" >"$tmp/codes" 2>"$tmp/err"; then
  tail -n 20 "$tmp/err" >&2
  exit 1
fi
end=$(date +%s.%N)

python3 - "$job" "$count" "$tmp" "$start" "$end" <<'PY'
import json, sys
job, count, tmp, start, end = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
if job.startswith("pages"):
    n = last = 0
    pages = (count + 99) // 100
    for p in range(1, pages + 1):
        for c in json.load(open(f"{tmp}/page_{p}.json"))["courses"]:
            n += 1
            last = c["id"]
    if n != count or last != count:
        sys.exit(f"curl: got {n} items (last id {last}), expected {count}")
    notes = "HTTP/2, one process, page=[1-N] sequential (no Link following)"
else:
    codes = dict(line.split() for line in open(f"{tmp}/codes"))
    n = 0
    for i in range(1, count + 1):
        if codes.get(str(i)) != "201":
            sys.exit(f"curl: request {i} answered {codes.get(str(i))}")
        e = json.load(open(f"{tmp}/{i}.json"))["enrollment"]
        if e["user"]["id"] != i or e["status"] != "active":
            sys.exit("curl: bad enrollment reply")
        n += 1
    notes = "HTTP/2, one process, --parallel --parallel-max 16, -K config"
u, s, m = open(f"{tmp}/time").read().split()[-3:]
print(json.dumps({"peer": "curl", "job": job, "items": n, "seconds": end - start,
                  "cpu": float(u) + float(s), "rss_kb": int(m), "notes": notes}))
PY
