#!/usr/bin/env python3
"""bench/peers/python_runner.py JOB COUNT: the python3 + requests peer.

pages*, memory: one requests.Session, sequential pages following
r.links["next"] (requests' own Link parser), every page decoded with r.json().
enroll*: a Session shared by a ThreadPoolExecutor(16); its HTTPAdapter keeps
16 connections.  TLS verified against BENCH_CA (verify=CA).  HTTP/1.1:
requests has no HTTP/2.  Prints one JSON result line.
"""
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter

job, count = sys.argv[1], int(sys.argv[2])
url, ca = os.environ["BENCH_URL"], os.environ["BENCH_CA"]
base = {"pages": url, "enroll": url, "pages_slow": url + "/slow",
        "enroll_slow": url + "/slow", "memory": os.environ.get("BENCH_BIG_URL")}[job]
AUTH = {"Authorization": 'Token token="bench-token"'}

s = requests.Session()
s.trust_env = False  # REQUESTS_CA_BUNDLE etc. would override verify
s.verify = ca
s.headers.update(AUTH)
s.mount("https://", HTTPAdapter(pool_connections=1, pool_maxsize=16))

t0 = time.monotonic()
if job in ("pages", "pages_slow", "memory"):
    n, last_id, pages = 0, 0, 0
    next_url = base + "/api/v1/courses?per_page=100"
    max_pages = count // 100 + 2  # bounded: never more pages than the size allows
    while next_url:
        pages += 1
        if pages > max_pages:
            sys.exit("too many pages")
        r = s.get(next_url, timeout=30)
        r.raise_for_status()
        for c in r.json()["courses"]:
            n += 1
            last_id = c["id"]
        next_url = r.links.get("next", {}).get("url")
    if n != count or last_id != count:
        sys.exit(f"walked {n} items (last id {last_id}), expected {count}")
    items, notes = n, "HTTP/1.1, sequential pages (r.links)"
else:
    def enroll(i):
        r = s.post(base + "/api/v1/enrollments", timeout=30,
                   json={"enrollment": {"listing_id": 1, "canvas_user_id": i}})
        if r.status_code != 201:
            raise RuntimeError(f"status {r.status_code}")
        e = r.json()["enrollment"]
        if e["user"]["id"] != i or e["status"] != "active":
            raise RuntimeError("bad enrollment reply")
        return 1
    with ThreadPoolExecutor(16) as pool:
        items = sum(pool.map(enroll, range(1, count + 1)))
    if items != count:
        sys.exit(f"{items} of {count} enrollments succeeded")
    notes = "HTTP/1.1, ThreadPoolExecutor(16), 16 pooled connections"
seconds = time.monotonic() - t0
print(json.dumps({"peer": "python-requests", "job": job, "items": items,
                  "seconds": seconds, "notes": notes}))
