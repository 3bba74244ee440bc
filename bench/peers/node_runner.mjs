// bench/peers/node_runner.mjs JOB COUNT: the Node.js peer (built-in fetch).
//
// Node's fetch is undici; Node does not export undici's Agent, so the
// runner takes its class from the global dispatcher that the first fetch
// installs, and makes one Agent with 16 connections whose TLS trusts only
// BENCH_CA (`connect: { ca }`; peer and host are verified).  HTTP/1.1
// (undici in Node 20 does not offer HTTP/2 by default).  Pages are walked
// sequentially following the Link header's rel="next"; POSTs run 16 at a
// time (16 workers taking the next index).  Prints one JSON result line.
import { readFileSync } from "node:fs";

const [job, countArg] = process.argv.slice(2);
const count = Number(countArg);
const url = process.env.BENCH_URL;
const ca = readFileSync(process.env.BENCH_CA);
const base = { pages: url, enroll: url, pages_slow: url + "/slow",
               enroll_slow: url + "/slow", memory: process.env.BENCH_BIG_URL }[job];
if (!base || !(count > 0)) throw new Error("usage: node_runner.mjs JOB COUNT");
const AUTH = 'Token token="bench-token"';

await (await fetch("data:,init")).text(); // installs undici's global dispatcher
const Agent = globalThis[Symbol.for("undici.globalDispatcher.1")].constructor;
const dispatcher = new Agent({ connections: 16, connect: { ca } });

let items;
const t0 = performance.now();
if (job === "pages" || job === "pages_slow" || job === "memory") {
  let n = 0, lastId = 0, pages = 0;
  let next = base + "/api/v1/courses?per_page=100";
  const maxPages = Math.floor(count / 100) + 2; // bounded
  while (next) {
    if (++pages > maxPages) throw new Error("too many pages");
    const r = await fetch(next, { headers: { authorization: AUTH }, dispatcher });
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    for (const c of (await r.json()).courses) { n++; lastId = c.id; }
    // the usual script idiom: the URL of the link whose rel is "next"
    const m = /<([^>]*)>\s*;\s*rel="next"/.exec(r.headers.get("link") || "");
    next = m && m[1];
  }
  if (n !== count || lastId !== count) throw new Error(`walked ${n} items (last id ${lastId}), expected ${count}`);
  items = n;
} else {
  let nextIndex = 1, ok = 0;
  async function worker() {
    while (nextIndex <= count) {
      const i = nextIndex++;
      const r = await fetch(base + "/api/v1/enrollments", {
        method: "POST", dispatcher,
        headers: { authorization: AUTH, "content-type": "application/json" },
        body: JSON.stringify({ enrollment: { listing_id: 1, canvas_user_id: i } }),
      });
      if (r.status !== 201) throw new Error(`status ${r.status}`);
      const e = (await r.json()).enrollment;
      if (e.user.id !== i || e.status !== "active") throw new Error("bad enrollment reply");
      ok++;
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  if (ok !== count) throw new Error(`${ok} of ${count} enrollments succeeded`);
  items = ok;
}
const seconds = (performance.now() - t0) / 1000;
await dispatcher.close();
console.log(JSON.stringify({ peer: "node-fetch", job, items, seconds,
  notes: job.startsWith("enroll") ? "HTTP/1.1, undici Agent, 16 connections, 16 in flight"
                                  : "HTTP/1.1, undici Agent, sequential pages" }));
