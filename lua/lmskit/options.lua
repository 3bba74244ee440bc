--- The options every vendor client accepts (DESIGN.md "Common client
-- options"), as data: their types, the rule each numeric one must fit,
-- the defaults the Lua layer applies and what each does.  `lmskit.client`
-- checks a client's options against these tables, and the reference
-- (tools/gen_doc.lua) documents every vendor constructor from them, so
-- an option added here is checked and documented at once.  A vendor's
-- declaration adds its own options (`options`, its credential and host
-- choice) on top.  Pure Lua: loads without the C core.
-- @module lmskit.options
local options = {}

--- The type (as `type()` names it) of each common option.
options.types = {
  base_url = "string", timeout = "number", connect_timeout = "number",
  retries = "number", ca_file = "string", http2 = "boolean",
  user_agent = "string", log = "function", allow_http_loopback = "boolean",
  engine = "userdata", max_retry_wait = "number", concurrency = "number",
  rate = "table", proxy = "string", prefetch = "number", max_pages = "number",
  deadline = "number", proxy_from_env = "boolean", max_response_size = "number",
}

--- Numeric options and the rule each must fit (`lmskit.params.number`):
-- NaN, infinities, 0 or negative calls in flight would hang or misbehave.
-- prefetch 0 reads one page at a time, as 1 does.
options.rules = {
  timeout = "seconds", connect_timeout = "seconds", deadline = "seconds",
  max_retry_wait = "seconds0", retries = "count0", concurrency = "count",
  prefetch = "count0", max_pages = "count", max_response_size = "count",
}

--- Defaults the Lua layer applies when an option is not given (the C
-- core's own defaults, such as the 60 s timeout, are in `about`).
options.defaults = { retries = 2, max_retry_wait = 60, prefetch = 4 }

--- What each common option does, one sentence or two, for the reference.
options.about = {
  base_url = "The vendor's origin and any path prefix (https://host[:port][/prefix]); "
    .. "`http://` is refused.",
  timeout = "Seconds one attempt may take in all (default 60).",
  connect_timeout = "Seconds to wait for a connection (default 10).",
  retries = "How many times a call that is safe to repeat is tried again after a transport "
    .. "error, a timeout, 429 or a 5xx (default 2).",
  max_retry_wait = "The longest wait before trying again, in seconds (default 60): a server "
    .. "asking (Retry-After) for longer fails the call instead.",
  deadline = "Seconds the whole call may take, attempts, backoff and rate waits included; "
    .. "past it the call fails as `timeout` (default: none).",
  ca_file = "Trust only the certificates of this PEM file (peers are always verified).",
  http2 = "HTTP/2 when the server offers it (default true); false keeps to HTTP/1.1.",
  user_agent = "The User-Agent header (default \"lmskit/\" and the version).",
  proxy = "A proxy URL for every call (e.g. http://proxy:3128).",
  proxy_from_env = "With no `proxy`, honour https_proxy, ALL_PROXY and no_proxy (default false: "
    .. "no proxy at all).",
  max_response_size = "The most bytes a response body may have, counted after decompression "
    .. "(default 64 MiB); a larger one fails as `decode`.",
  log = "A function receiving a table for each event, secrets redacted: "
    .. "`response`, `retry`, `throttle`, `reconcile`.",
  allow_http_loopback = "Tests only: allows `http://` to 127.0.0.0/8 and ::1.",
  engine = "The engine the calls run on, from `require(\"lmskit.core\").new_engine()` "
    .. "(default: the Lua state's own).",
  concurrency = "The most calls of this client in flight at once inside tasks (default: "
    .. "bounded only by `lmskit.run`).",
  rate = "`{ calls = n, per = seconds }`: at most `calls` starts in any `per` seconds, kept by "
    .. "the client itself (default: the vendor's documented limit, if any).",
  prefetch = "How many pages a list fetches ahead, concurrently, when it knows the last page "
    .. "(default 4; items still come in order).",
  max_pages = "The most pages a list reads when the server declares no end (default 10000).",
}

return options
