#!/usr/bin/env python3
"""bench/report.py: records runner results and writes the summary.

  report.py record RAW PEER JOB REP TIMEFILE RC < runner-stdout
      Appends one JSON line to RAW: the runner's one result line (JOB may
      be JOB@C, a job run at concurrency C; the runner names JOB), with
      cpu (user+sys s) and rss_kb from `/usr/bin/time -f '%e %U %S %M'`
      unless the runner measured them itself (curl measures only curl).
  report.py callgrind RAW PEER REP N_BASE N_FULL LOG_BASE LOG_FULL
      Appends the cpu job's instruction counts (callgrind "Collected").
  report.py summary RAW OUT.md META.json
      Prints the markdown table of medians and the targets, writes OUT.md.
"""
import json
import re
import statistics
import sys

PEER_ORDER = ["lmskit", "lmskit-h1", "lmskit-luajit", "python-requests", "lua5.4-luasec", "lua5.1-curl",
              "lua5.2-http", "lua5.2-http-h2", "node-fetch", "curl", "c-libcurl", "c-libcurl-h1", "wrk", "h2load"]
# memory_enroll is recorded once per concurrency, as memory_enroll@C
MEM_ENROLL = ["memory_enroll@16", "memory_enroll@64"]
MEM_ENROLL_TARGET_MB = 25
JOB_ORDER = ["pages", "enroll", "enroll_slow", "pages_slow", "memory"] + MEM_ENROLL
LUA_PEERS = ["lua5.4-luasec", "lua5.1-curl", "lua5.2-http", "lua5.2-http-h2"]
LUA_HTTP = ["lua5.2-http", "lua5.2-http-h2"]
CEILINGS = ["wrk", "h2load"]
# C on the same libcurl, nothing above it: what no layer over libcurl can go under
FLOOR, FLOOR_H1 = "c-libcurl", "c-libcurl-h1"
# which peers send one request at a time, job by job (stated in the report)
SEQUENTIAL = ("sequential peers: lua5.4-luasec and lua5.1-curl do everything one request at a "
              "time (so they do fewer POSTs in enroll_slow); every peer but lmskit walks pages "
              "one at a time (lmskit fetches ahead); lua5.2-http (16 connections) and "
              "lua5.2-http-h2 (16 streams on one connection) send POSTs 16 at a time with "
              "cqueues, as lmskit, python-requests, node-fetch, curl and c-libcurl do")


def record(raw, peer, job, rep, timefile, rc):
    text = sys.stdin.read()
    lines = [l for l in text.splitlines() if l.strip()]
    entry = {"peer": peer, "job": job, "rep": int(rep)}
    try:
        if int(rc) != 0:
            raise ValueError(f"runner exited with {rc}")
        if len(lines) != 1:
            raise ValueError(f"expected one result line, got {len(lines)}")
        res = json.loads(lines[0])
        if res.get("peer") != peer or res.get("job") != job.split("@")[0]:
            raise ValueError(f"result names {res.get('peer')}/{res.get('job')}")
        res["job"] = job  # memory_enroll@C: one row per concurrency
        if not (res.get("items", 0) > 0 and res.get("seconds", 0) > 0):
            raise ValueError("items and seconds must be positive")
        t = open(timefile).read().split()[-4:]
        wall, user, sys_, rss = float(t[0]), float(t[1]), float(t[2]), int(t[3])
        res.setdefault("cpu", round(user + sys_, 3))
        res.setdefault("rss_kb", rss)
        res["process_wall"] = wall
        entry.update(res)
        entry["ok"] = True
    except Exception as e:  # recorded, shown as failed in the table
        entry.update(ok=False, error=str(e), output=text[-500:])
    with open(raw, "a") as f:
        f.write(json.dumps(entry) + "\n")
    if entry["ok"]:
        print(f"  {job:<12} {peer:<16} run {rep}: {entry['items']:>9,} items in {entry['seconds']:7.3f} s"
              f"  cpu {entry['cpu']:6.2f} s  rss {entry['rss_kb'] / 1024:6.1f} MB")
    else:
        print(f"  {job:<12} {peer:<16} run {rep}: FAILED: {entry['error']}")
    return 0 if entry["ok"] else 1


def collected(log):
    m = re.findall(r"Collected\s*:\s*(\d+)", open(log).read())
    if not m:
        raise ValueError(f"no callgrind total in {log}")
    return int(m[-1])


def callgrind(raw, peer, rep, n_base, n_full, log_base, log_full, job="cpu"):
    entry = {"peer": peer, "job": job, "rep": int(rep)}
    try:
        base, full = collected(log_base), collected(log_full)
        n_base, n_full = int(n_base), int(n_full)
        entry.update(ok=True, n_base=n_base, n_full=n_full, instr_base=base, instr_full=full,
                     marginal=(full - base) / (n_full - n_base), per_request=full / n_full)
    except Exception as e:
        entry.update(ok=False, error=str(e))
    with open(raw, "a") as f:
        f.write(json.dumps(entry) + "\n")
    if entry["ok"]:
        unit = "item" if job == "pages_cpu" else "request"
        print(f"  {job:<12} {peer:<16} run {rep}: {entry['marginal']:,.0f} Ir per {unit} (marginal), "
              f"{entry['per_request']:,.0f} Ir per {unit} (whole run)")
    else:
        print(f"  {job:<12} {peer:<16} run {rep}: FAILED: {entry['error']}")
    return 0 if entry["ok"] else 1


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, digits=2):
    if x is None:
        return "–"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def luahttp_lines(stats):
    """The table of lmskit ÷ lua-http (each HTTP version), job by job."""
    cols = [p for p in LUA_HTTP if any((j, p) in stats for j in JOB_ORDER)]
    if not cols or not any((j, "lmskit") in stats for j in JOB_ORDER):
        return []
    out = ["lmskit ÷ lua-http, the strongest Lua peer Debian offers (items/s: above 1, lmskit is "
           "faster; CPU per item: below 1, lmskit is leaner):", "",
           "| job | " + " | ".join(f"items/s, lmskit ÷ {p} | CPU/item, lmskit ÷ {p}" for p in cols) + " |",
           "|---|" + "---:|---:|" * len(cols)]
    for job in JOB_ORDER:
        lm = stats.get((job, "lmskit"))
        if not lm or not any((job, p) in stats for p in cols):
            continue
        cells = []
        for p in cols:
            s = stats.get((job, p))
            rate = lm["rate"] / s["rate"] if s else None
            cpu = lm["cpu_per_item"] / s["cpu_per_item"] if s and s["cpu_per_item"] else None
            cells.append(f"{fmt(rate)}× | {fmt(cpu)}×" if s else "– | –")
        out.append(f"| {job} | " + " | ".join(cells) + " |")
    return out + [""]


def mem_enroll_text(stats, meta):
    """memory_enroll: (met, target line, figures) of lmskit's peak RSS at each concurrency, or None."""
    got = [(j.split("@")[1], stats[(j, "lmskit")]) for j in MEM_ENROLL if (j, "lmskit") in stats]
    if not got:
        return None
    figures = "; ".join(f"concurrency {c}: {s['rss_mb']:.1f} MB" for c, s in got)
    ok = all(s["rss_mb"] <= MEM_ENROLL_TARGET_MB for _, s in got) and len(got) == len(MEM_ENROLL)
    return ok, (f"memory_enroll peak RSS ≤ {MEM_ENROLL_TARGET_MB} MB for "
                f"{meta.get('mem_enroll_n', 0):,} POSTs at concurrency 16 and at 64: lmskit {figures}"), figures


def summary(raw, out, metafile):
    meta = json.load(open(metafile))
    rows = [json.loads(l) for l in open(raw) if l.strip()]
    groups, failed, cpu, pages_cpu = {}, [], {}, []
    for r in rows:
        if r["job"] == "pages_cpu":
            (pages_cpu if r["ok"] else failed).append(r)
            continue
        if r["job"] == "cpu":
            if r["ok"]:
                cpu.setdefault(r["peer"], []).append(r)
            else:
                failed.append(r)
            continue
        if not r["ok"]:
            failed.append(r)
            continue
        groups.setdefault((r["job"], r["peer"]), []).append(r)

    stats = {}
    for key, rs in groups.items():
        stats[key] = {
            "runs": len(rs),
            "items": med([r["items"] for r in rs]),
            "seconds": med([r["seconds"] for r in rs]),
            "rate": med([r["items"] / r["seconds"] for r in rs]),
            "cpu": med([r["cpu"] for r in rs]),
            "cpu_per_item": med([r["cpu"] / r["items"] for r in rs]),
            "rss_mb": med([r["rss_kb"] / 1024 for r in rs]),
            "notes": rs[-1].get("notes", ""),
        }

    out_lines = []
    w = out_lines.append
    w(f"# lmskit bench results ({'quick: 1 run' if meta['reps'] == 1 else str(meta['reps']) + ' runs'} per cell, medians)")
    w("")
    w(f"- date: {meta['date']}; bench/run took {meta.get('seconds', '?')} s")
    w(f"- machine: {meta['nproc']} CPUs, {meta['cpu_model']}")
    w(f"- versions: {meta['versions']}")
    w(f"- server: nginx + ngx_lua, 1 worker, HTTPS (TLS 1.3, HTTP/2 offered) on 127.0.0.1, "
      f"collection {meta['size']:,} items (100 a page), memory job {meta['big_size']:,} items")
    w(f"- counts: enroll {meta['enroll_n']:,} POSTs at concurrency 16; sequential-only peers "
      f"(lua5.4-luasec, lua5.1-curl) do {meta['seq_slow_n']:,} POSTs in enroll_slow; "
      f"wrk and h2load run {meta['wrk_seconds']} s; cpu job {meta['cpu_n']} POSTs under callgrind; "
      f"memory_enroll {meta.get('mem_enroll_n', 0):,} POSTs at concurrency 16 and 64 (lmskit only)")
    w(f"- {SEQUENTIAL}")
    if meta.get("tls_ok") or meta.get("tls_failed"):
        w(f"- TLS: every peer verifies the server against the bench CA; checked at the start: "
          f"refused under an unrelated CA: {', '.join(meta.get('tls_ok', [])) or 'none'}"
          + (f"; **accepted it: {', '.join(meta['tls_failed'])}**" if meta.get("tls_failed") else "")
          + ". wrk and h2load cannot verify certificates (ceilings only).")
    for s in meta.get("scaled", []):
        w(f"- scaled down: {s}")
    w("")
    w("Wall seconds are the job itself (timed inside each runner, interpreter start-up excluded). "
      "CPU (user+sys) and peak RSS are measured from outside with `/usr/bin/time` "
      "and so include start-up. \"÷ lmskit\" columns: the peer's items/s divided by lmskit's "
      "(below 1: slower than lmskit), and the peer's CPU per item divided by lmskit's (above 1: "
      "costlier than lmskit).")
    w("")
    w("| job | peer | items | wall s | items/s | items/s ÷ lmskit | CPU s | CPU/item ÷ lmskit | peak RSS MB | how |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for job in JOB_ORDER:
        ref = stats.get((job, "lmskit"))
        for peer in PEER_ORDER:
            s = stats.get((job, peer))
            if not s:
                if any(f["job"] == job and f["peer"] == peer for f in failed):
                    w(f"| {job} | {peer} | failed | | | | | | | see bench/.run/raw.jsonl |")
                continue
            rr = s["rate"] / ref["rate"] if ref else None
            cr = s["cpu_per_item"] / ref["cpu_per_item"] if ref and ref["cpu_per_item"] else None
            wrk = peer in CEILINGS
            w(f"| {job} | {peer} | {s['items']:,.0f} | {fmt(s['seconds'], 3)} | {fmt(s['rate'], 0)} | "
              f"{fmt(rr)} | {'–' if wrk else fmt(s['cpu'])} | {'–' if wrk else fmt(cr)} | "
              f"{'–' if wrk else fmt(s['rss_mb'], 1)} | {s['notes']} |")
    w("")
    for line_ in luahttp_lines(stats):
        w(line_)
    mem = mem_enroll_text(stats, meta)
    if mem:
        w(f"memory_enroll: lmskit's peak RSS (from `/usr/bin/time`, whole process) for "
          f"{meta.get('mem_enroll_n', 0):,} POSTs: {mem[2]}; the target is ≤ {MEM_ENROLL_TARGET_MB} MB "
          f"at each (reported, not asserted).")
        w("")
    if cpu:
        w(f"cpu job: `valgrind --tool=callgrind`, instructions (Ir) of the whole process for "
          f"{meta['cpu_n'] + meta['cpu_base_n']} and for {meta['cpu_base_n']} POSTs; the difference "
          f"divided by {meta['cpu_n']} is the cost of one more request (start-up, TLS handshake and "
          f"module loading cancel out).")
        w("")
        w("| peer | Ir, " + str(meta['cpu_base_n']) + " POSTs | Ir, " + str(meta['cpu_n'] + meta['cpu_base_n'])
          + " POSTs | Ir per request (marginal) | Ir per request (whole run ÷ count) | how |")
        w("|---|---:|---:|---:|---:|---|")
        for peer in PEER_ORDER:
            if peer not in cpu:
                continue
            rs = cpu[peer]
            how = {"lmskit": "HTTP/2, libcurl + OpenSSL, 16 in flight",
                   "lmskit-h1": "HTTP/1.1 (`http2 = false`), libcurl + OpenSSL, 16 connections, "
                                "16 in flight; for comparison: the targets read the HTTP/2 row",
                   "lmskit-luajit": "the lmskit row on LuaJIT 2.1 (`luajit2`, as inside OpenResty), "
                                    "HTTP/2, 16 in flight; for comparison",
                   "lua5.1-curl": "HTTP/2, libcurl + GnuTLS, one easy handle, sequential",
                   FLOOR: "the floor: the same POSTs from a C program on libcurl's multi interface "
                          "(the same libcurl and OpenSSL), HTTP/2, 16 in flight, 16 reused easy "
                          "handles; no validation, no JSON decoding, no scheduling",
                   FLOOR_H1: "the floor on HTTP/1.1 (16 connections); for comparison with lmskit-h1"
                   }.get(peer, "")
            w(f"| {peer} | {med([r['instr_base'] for r in rs]):,.0f} | {med([r['instr_full'] for r in rs]):,.0f} | "
              f"{med([r['marginal'] for r in rs]):,.0f} | {med([r['per_request'] for r in rs]):,.0f} | {how} |")
        w("")
        def marginal(p):
            return med([r["marginal"] for r in cpu[p]])
        layer = [f"{marginal(a) - marginal(b):,.0f} on {proto} ({a} − {b})"
                 for a, b, proto in (("lmskit", FLOOR, "HTTP/2"), ("lmskit-h1", FLOOR_H1, "HTTP/1.1"))
                 if a in cpu and b in cpu]
        if layer:
            w("lmskit's own work per POST above libcurl (its Lua call path, validation, JSON, "
              "scheduling and what it asks of libcurl beyond the floor): " + "; ".join(layer) + ".")
            w("")
    if pages_cpu:
        rs = pages_cpu
        w(f"pages_cpu job: the same for items of the big collection (100 a page, 8 pages ahead): "
          f"{rs[0]['n_base']:,} items {med([r['instr_base'] for r in rs]):,.0f} Ir, "
          f"{rs[0]['n_full']:,} items {med([r['instr_full'] for r in rs]):,.0f} Ir: "
          f"**{med([r['marginal'] for r in rs]):,.0f} Ir per item** (marginal; the page's request, "
          f"its decoding and the walk, shared by its 100 items).")
        w("")
    if failed:
        w("Failed runs:")
        w("")
        for f in failed:
            w(f"- {f['peer']} {f['job']} run {f['rep']}: {f.get('error')}")
        w("")

    # --- targets ---------------------------------------------------------
    w("## Targets")
    w("")

    def S(job, peer):
        return stats.get((job, peer))

    def line(ok, text):
        w(f"- {'**met**' if ok else '**MISSED**'}: {text}")

    lm = S("pages", "lmskit")
    py = S("pages", "python-requests")
    luas = [(p, S("pages", p)) for p in LUA_PEERS if S("pages", p)]
    if lm and py:
        line(lm["rate"] >= 2 * py["rate"],
             f"pages items/s ≥ 2× python-requests: lmskit {lm['rate']:,.0f}/s vs {py['rate']:,.0f}/s "
             f"= {lm['rate'] / py['rate']:.2f}×")
        line(lm["cpu"] * 2 <= py["cpu"],
             f"pages CPU ≤ ½ python-requests: lmskit {lm['cpu']:.2f} s vs {py['cpu']:.2f} s "
             f"= {py['cpu'] / lm['cpu']:.2f}× less")
    if lm and luas:
        p, fast = max(luas, key=lambda x: x[1]["rate"])
        line(lm["rate"] >= 1.3 * fast["rate"],
             f"pages items/s ≥ 1.3× the fastest Lua peer ({p}): lmskit {lm['rate']:,.0f}/s vs "
             f"{fast['rate']:,.0f}/s = {lm['rate'] / fast['rate']:.2f}×")
        p, lean = min(luas, key=lambda x: x[1]["cpu"])
        line(lm["cpu"] * 1.3 <= lean["cpu"],
             f"pages CPU ≤ 1/1.3 of the leanest Lua peer ({p}): lmskit {lm['cpu']:.2f} s vs "
             f"{lean['cpu']:.2f} s = {lean['cpu'] / lm['cpu']:.2f}× less")
    le, wk, h2 = S("enroll", "lmskit"), S("enroll", "wrk"), S("enroll", "h2load")
    if le and wk:
        ctx = ""
        if h2:
            ctx = (f" (the server's HTTP/2 ceiling, h2load on one connection: {h2['rate']:,.0f}/s; "
                   f"lmskit reaches {100 * le['rate'] / h2['rate']:.0f}% of it)")
        line(le["rate"] >= 0.7 * wk["rate"],
             f"enroll ≥ 70% of wrk's rate: lmskit {le['rate']:,.0f}/s vs wrk {wk['rate']:,.0f}/s "
             f"= {100 * le['rate'] / wk['rate']:.0f}%{ctx}")
    ls = S("enroll_slow", "lmskit")
    if ls:
        ideal = ls["items"] / 16 * 0.02
        line(abs(ls["seconds"] - ideal) <= 0.15 * ideal,
             f"enroll_slow within 15% of {ideal:.2f} s: lmskit {ls['seconds']:.2f} s "
             f"({100 * (ls['seconds'] / ideal - 1):+.0f}%)")
    lps = S("pages_slow", "lmskit")
    if lps:
        pages = -(-int(lps["items"]) // 100)
        seq = pages * 0.02
        measured = [(p, S("pages_slow", p)) for p in PEER_ORDER[1:]
                    if p not in CEILINGS and S("pages_slow", p)]
        extra = ", ".join(f"{p} {s['seconds']:.2f} s" for p, s in measured)
        line(lps["seconds"] * 5 <= seq,
             f"pages_slow ≥ 5× faster than sequential walking ({pages} pages × 20 ms = {seq:.2f} s): "
             f"lmskit {lps['seconds']:.2f} s = {seq / lps['seconds']:.1f}× (measured sequential peers: {extra})")
    mm = S("memory", "lmskit")
    if mm:
        small = S("pages", "lmskit")
        grow = f"; {meta['size']:,}-item pages job {small['rss_mb']:.1f} MB" if small else ""
        line(mm["rss_mb"] < 40,
             f"memory peak RSS < 40 MB over {mm['items']:,.0f} items: lmskit {mm['rss_mb']:.1f} MB{grow}")
    if mem:
        line(mem[0], mem[1])
    if "lmskit" in cpu and "lua5.1-curl" in cpu:
        a = med([r["marginal"] for r in cpu["lmskit"]])
        b = med([r["marginal"] for r in cpu["lua5.1-curl"]])
        ta = med([r["per_request"] for r in cpu["lmskit"]])
        tb = med([r["per_request"] for r in cpu["lua5.1-curl"]])
        line(a < b, f"cpu instructions/request below lua-curl (marginal): lmskit {a:,.0f} vs {b:,.0f} "
                    f"({a / b:.2f}×); whole run ÷ count: {ta:,.0f} vs {tb:,.0f}")
    # issue 14's targets
    if "lmskit" in cpu:
        a = med([r["marginal"] for r in cpu["lmskit"]])
        floor = (f" (the floor, {FLOOR}: {med([r['marginal'] for r in cpu[FLOOR]]):,.0f})"
                 if FLOOR in cpu else "")
        line(a <= 180000, f"enroll (cpu job) instructions per extra POST ≤ 180,000: lmskit {a:,.0f}{floor}")
    if pages_cpu:
        a = med([r["marginal"] for r in pages_cpu])
        line(a <= 45000, f"pages instructions per item ≤ 45,000: lmskit {a:,.0f}")
    le, wk = S("enroll", "lmskit"), S("enroll", "wrk")
    if le and wk:
        fl = S("enroll", FLOOR)
        floor = (f" (the floor, {FLOOR}: {fl['rate']:,.0f}/s = {fl['rate'] / wk['rate']:.0%} of wrk's)"
                 if fl else "")
        line(le["rate"] >= 0.45 * wk["rate"],
             f"enroll ≥ 45% of wrk's rate: lmskit {le['rate']:,.0f}/s vs wrk {wk['rate']:,.0f}/s = "
             f"{le['rate'] / wk['rate']:.0%}{floor}")
    lp, pp = S("pages", "lmskit"), S("pages", "python-requests")
    if lp and pp:
        line(lp["rate"] >= 2.5 * pp["rate"],
             f"pages ≥ 2.5× python-requests: lmskit {lp['rate']:,.0f}/s vs {pp['rate']:,.0f}/s = "
             f"{lp['rate'] / pp['rate']:.2f}×")
    ls_, ws = S("enroll_slow", "lmskit"), S("enroll_slow", "wrk")
    if ls_ and ws:
        line(ls_["rate"] >= 0.95 * ws["rate"],
             f"enroll_slow within 5% of wrk's rate: lmskit {ls_['rate']:,.0f}/s vs wrk {ws['rate']:,.0f}/s = "
             f"{ls_['rate'] / ws['rate']:.0%}")
    w("")
    text = "\n".join(out_lines) + "\n"
    with open(out, "w") as f:
        f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "record":
        sys.exit(record(*sys.argv[2:8]))
    if cmd == "callgrind":
        sys.exit(callgrind(*sys.argv[2:10]))
    if cmd == "summary":
        sys.exit(summary(*sys.argv[2:5]))
    sys.exit(__doc__)
