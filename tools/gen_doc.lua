--- Generates the LDoc reference of every vendor from its declaration
-- (lua/lmskit/apis/<vendor>.lua), so the reference says what the code
-- does: the methods are the ones lmskit.resource and lmskit.rpc make from
-- the same tables, the options the ones lmskit.client accepts.
--
--     lua tools/gen_doc.lua [OUTDIR]      -- run from the repository root
--
-- writes into OUTDIR (default build/doc-src):
--
--   * vendors.luadoc: the constructors `lmskit.<vendor>(opts)`, merged by
--     LDoc into module lmskit, each with every option it accepts (the
--     common ones from lmskit.options, the vendor's from its declaration);
--   * <vendor>.luadoc: module lmskit.<vendor>, one type per resource (or
--     RPC section) and one function per method: its HTTP method and route
--     (or RPC function), parameters with their declared types, what it
--     returns, paging for lists, and what happens when it fails.
--
-- Plain Lua (5.1 to 5.4), no C core: it reads data only.  Required as a
-- module (spec/doc_spec.lua), it returns its functions without writing.
local M = {}

-- Methods whose repetition changes nothing (RFC 9110 section 9.2.2), as
-- lmskit.reconcile.idempotent takes them by default (the spec checks that
-- both agree on every declared action).
local IDEMPOTENT_METHODS = { GET = true, HEAD = true, PUT = true, DELETE = true }

-- The order methods are listed in: the usual ones first, then by name.
local ACTION_ORDER = { list = 1, all = 2, get = 3, create = 4, update = 5, delete = 6 }

-- ---------------------------------------------------------------------
-- text helpers

-- LDoc's "plain" format passes text into HTML as it stands.
local function esc(s)
  return (tostring(s):gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t or {}) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  return keys
end

-- Wraps text into comment lines ("-- " each, the first with `first`).
local function comment(text, first)
  local lines, line = {}, first or "-- "
  local fresh = true
  for word in text:gmatch("%S+") do
    if not fresh and #line + 1 + #word > 92 then
      lines[#lines + 1] = line
      line, fresh = "-- ", true
    end
    -- a word starting with "@" at the start of a line would read as a tag
    if fresh and word:sub(1, 1) == "@" then word = "(" .. word .. ")" end
    line = fresh and line .. word or line .. " " .. word
    fresh = false
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

-- One tag line (with its text wrapped below it).
local function tag(name, text)
  return comment(text, "-- @" .. name .. " ")
end

-- A @usage line: code, never wrapped.
local function usage_tag(code)
  return "-- @usage " .. code
end

-- "a, b or c"
local function or_list(list)
  local words = {}
  for i, v in ipairs(list) do words[i] = tostring(v) end
  if #words < 2 then return words[1] or "" end
  return table.concat(words, ", ", 1, #words - 1) .. " or " .. words[#words]
end

-- ---------------------------------------------------------------------
-- reading declarations

--- The vendors, in lmskit's order (lua/lmskit/apis/init.lua).
function M.vendors()
  return require "lmskit.apis"
end

--- A vendor's declaration.
function M.declaration(name)
  return require("lmskit.apis." .. name)
end

-- "integer|array!" -> "integer|array", true
local function field_type(spec)
  local required = spec:sub(-1) == "!"
  return (spec:gsub("!$", "")), required
end

-- Names of ":param" route segments, in order (as lmskit.resource reads them).
local function route_params(route)
  local names = {}
  for name in route:gmatch("/:([%w_]+)") do names[#names + 1] = name end
  return names
end

-- "class_id:integer?" -> { name, type, optional, wire } (as lmskit.rpc reads it).
local function rpc_params(fdecl)
  local list = {}
  for _, text in ipairs(fdecl) do
    local name, type_, optional, wire = text:match("^([%w_]+):([%w_|]+)(%??)@?([%w_]*)$")
    assert(name, "bad parameter declaration " .. tostring(text))
    list[#list + 1] = { name = name, type = type_, optional = optional == "?",
                        wire = wire ~= "" and wire or name }
  end
  return list
end

--- Whether a declared action is repeated when it fails, without knowing
-- the call's values: true, false, or the condition (an argument path or
-- list of paths) that makes it so.  Mirrors lmskit.reconcile.idempotent.
function M.idempotent(method, adecl)
  adecl = adecl or {}
  if adecl.notifies == true then return false end
  local i = adecl.idempotent
  if i == nil then return IDEMPOTENT_METHODS[method] == true end
  return i
end

local function action_sort(a, b)
  local oa, ob = ACTION_ORDER[a] or 99, ACTION_ORDER[b] or 99
  if oa ~= ob then return oa < ob end
  return a < b
end

--- Every method a client of this declaration has, in documentation
-- order: { object = resource or section name, name = method name,
-- kind = "action" | "all" | "rpc", decl = its declaration }.
-- lmskit.resource makes one method per action, plus `all` beside a paged
-- `list`; lmskit.rpc one per function of a section.
function M.methods(decl)
  local out = {}
  for _, rname in ipairs(sorted_keys(decl.resources)) do
    local rdecl = decl.resources[rname]
    local names = sorted_keys(rdecl.actions)
    local paged_list = rdecl.actions.list and rdecl.actions.list.paged
    if paged_list then names[#names + 1] = "all" end
    table.sort(names, action_sort)
    for _, action in ipairs(names) do
      out[#out + 1] = { object = rname, name = action, kind = action == "all" and paged_list and "all" or "action",
                        decl = rdecl.actions[action] or rdecl.actions.list, resource = rdecl }
    end
  end
  for _, section in ipairs(sorted_keys(decl.sections)) do
    for _, fname in ipairs(sorted_keys(decl.sections[section])) do
      out[#out + 1] = { object = section, name = fname, kind = "rpc", decl = decl.sections[section][fname] }
    end
  end
  return out
end

-- ---------------------------------------------------------------------
-- options

-- The claim a JWT declaration puts its subject in (auth.claims:
-- name -> "subject"), nil for other strategies.
local function subject_claim(auth)
  for _, name in ipairs(sorted_keys(auth.claims or {})) do
    if auth.claims[name] == "subject" then return name end
  end
end

-- How the credential travels, by the declaration's auth strategy.
local function credential_text(decl)
  local auth = decl.auth
  local s = auth.strategy
  local text
  if s == "token" then
    text = 'The API token, sent as `Authorization: Token token="..."`.'
  elseif s == "bearer" then
    text = "The API token, sent as `Authorization: Bearer ...`."
  elseif s == "basic" and auth.user == auth.secret and auth.password == "" then
    text = "The API key, sent as the HTTP Basic user with no password."
  elseif s == "query" then
    text = ("The API key, sent as the `%s` query argument of every call."):format(auth.param)
  elseif s == "jwt" then
    text = ("The secret that signs a fresh %s JWT for every attempt, retries included "
      .. "(claims `jti`, random, `iat`, now, and `%s`)."):format(auth.alg, subject_claim(auth))
  else
    error(("gen_doc: %s: unknown auth strategy %q"):format(decl.name, tostring(s)))
  end
  if auth.prefix_by_host then
    local parts = {}
    for _, host in ipairs(sorted_keys(auth.prefix_by_host)) do
      parts[#parts + 1] = ("a %s key starts with %q"):format(host, auth.prefix_by_host[host])
    end
    local list = table.concat(parts, ", ")
    text = text .. " " .. list:sub(1, 1):upper() .. list:sub(2) .. ": a key is never sent to the other host."
  end
  return text .. " Masked as [REDACTED] in every message."
end

local function hosts_text(decl)
  local hosts = decl.hosts
  local parts = {}
  for _, name in ipairs(sorted_keys(hosts)) do
    if type(hosts[name]) == "string" and hosts[name]:match("^https://") then
      parts[#parts + 1] = ("%q (%s)"):format(name, hosts[name])
    end
  end
  local text = ("Picks the host: %s; default %q. A `base_url` wins"):format(
    table.concat(parts, ", "), hosts.default)
  if hosts.recognise then
    local rules = {}
    for _, rule in ipairs(hosts.recognise) do
      rules[#rules + 1] = ("one whose path matches the Lua pattern %q is the %s host"):format(rule[2], rule[1])
    end
    text = text .. " and tells the host: " .. table.concat(rules, ", ")
      .. (", any other the %s host; it must agree with `%s`"):format(hosts.default, hosts.option)
  end
  if decl.auth.prefix_by_host then
    text = text .. (". Without either, the key's prefix picks the host")
  end
  return text .. "."
end

--- What a vendor option does, from the declaration: its credential, host
-- choice, base URL, the member it acts as, its connected account, or its
-- `about` entry.  Raises when nothing in the declaration explains it.
function M.option_text(decl, name)
  local auth, parts = decl.auth, {}
  if name == auth.secret then parts[#parts + 1] = credential_text(decl) end
  if decl.hosts and name == decl.hosts.option then parts[#parts + 1] = hosts_text(decl) end
  if name == decl.base_url_option then
    parts[#parts + 1] = "The base URL (https://...); `base_url` says the same and wins."
  end
  if name == auth.subject then
    parts[#parts + 1] = ("The member every call acts as (the JWT's `%s` claim); a call's `as` "
      .. "changes it for that call."):format(subject_claim(auth))
  end
  if decl.account_header and name == decl.account_header.option then
    parts[#parts + 1] = ("A connected account id (a whole number): every call is made as it, in "
      .. "the `%s` header; a call's `%s` changes it for that call."):format(decl.account_header.name, name)
  end
  if decl.about and decl.about[name] then parts[#parts + 1] = decl.about[name] end
  if #parts == 0 then
    error(("gen_doc: %s: option '%s' is not explained by the declaration: add it to the "
      .. "declaration's `about`"):format(decl.name, name))
  end
  return table.concat(parts, " ")
end

local function is_required(decl, name)
  local auth = decl.auth
  if name == auth.secret and auth.strategy ~= "none" then return true end
  for _, r in ipairs(auth.required or {}) do
    if r == name then return true end
  end
  return false
end

--- The options a vendor's constructor accepts, in documentation order:
-- { name, type, required, text }.  The vendor's first (required first),
-- then the common ones (lmskit.options).
function M.options(decl)
  local options = require "lmskit.options"
  local out = {}
  local base_required = not (decl.hosts or decl.base_url_option)
  local vendor_names = sorted_keys(decl.options)
  table.sort(vendor_names, function(a, b)
    local ra, rb = is_required(decl, a), is_required(decl, b)
    if ra ~= rb then return ra end
    return a < b
  end)
  if base_required then
    out[#out + 1] = { name = "base_url", type = options.types.base_url, required = true,
                      text = options.about.base_url }
  end
  for _, name in ipairs(vendor_names) do
    local text = M.option_text(decl, name)
    if name == decl.base_url_option then text = text .. " Required unless `base_url` is given." end
    out[#out + 1] = { name = name, type = decl.options[name], required = is_required(decl, name), text = text }
  end
  for _, name in ipairs(sorted_keys(options.types)) do
    if not (base_required and name == "base_url") and decl.options[name] == nil then
      local text = options.about[name]
      if not text then
        error(("gen_doc: common option '%s' has no text in lmskit.options.about"):format(name))
      end
      if name == "base_url" and decl.hosts then
        text = text .. (" Default: the host `%s` picks."):format(decl.hosts.option)
      elseif name == "base_url" and decl.base_url_option then
        text = text .. (" `%s` says the same."):format(decl.base_url_option)
      end
      if name == "rate" and decl.rate then
        text = text .. (" %s keeps %d calls in %d s by default."):format(decl.title, decl.rate.calls, decl.rate.per)
      end
      out[#out + 1] = { name = name, type = options.types[name], required = false, text = text }
    end
  end
  return out
end

-- ---------------------------------------------------------------------
-- vendor-wide prose

local function paging_text(decl)
  local p = decl.paging
  local s = p.strategy
  if s == "link" then
    return "Lists follow the `Link` header's rel=\"next\" (on the client's own origin only; a loop is "
      .. "refused; at most `max_pages` pages when the server declares no end). When rel=\"last\" names "
      .. "the last page, the rest is fetched `prefetch` pages ahead, still handed out in order."
  elseif s == "page_number" then
    return ("Lists are read by `page[number]` = 1, 2, ... up to `meta[\"total-pages\"]` (the rest "
      .. "fetched `prefetch` pages ahead, in order); `page = { size = n }` sets the page size "
      .. "(default %d). `links.next` is never followed (credentials stay on the client's origin)."):format(
      p.default_size)
  elseif s == "offset" then
    return ("Lists are read by `%s`/`%s`: `limit` items a page from `offset` on, until a shorter page; "
      .. "each list's page size is also the most it returns (a larger limit is clamped). A page of %s "
      .. "items may have been capped by the server, so one more page is asked."):format(
      p.offset, p.limit, or_list(p.caps or {}))
  elseif s == "page" then
    return "Paged functions are read by `page` = 1, 2, ... until an empty page."
  elseif s == "none" then
    return "The API has no paging: a list is one answer."
  end
  error(("gen_doc: %s: unknown paging strategy %q"):format(decl.name, tostring(s)))
end

local function body_text(decl)
  if decl.sections then
    return "Functions are sent as GETs with the arguments in the query (arrays as `name[]=v`, tables "
      .. "as `name[k]=v`), those declared as writes as POSTs with a form or JSON body (each function "
      .. "says which)."
  end
  if decl.format == "jsonapi" then
    return "Bodies are JSON; answers are JSON:API documents, read as tables whose attributes and "
      .. "included relationships are reachable directly (`item.name`, `item.image.url`)."
  end
  if decl.body == "form" then return "Bodies are sent form-encoded; answers are JSON." end
  return "Bodies are JSON; a resource with a root key sends and answers its object under it."
end

local function rate_text(decl)
  local r = decl.rate
  if not r then return nil end
  local text = ("The client keeps %d calls in any %d s by itself (the `rate` option changes the "
    .. "numbers)"):format(r.calls, r.per)
  if r.lockout then
    text = text .. (", and when the server still answers with its limit error it holds every call of "
      .. "the client for the %d s lock-out"):format(r.lockout)
  end
  return text .. "."
end

local function call_options_text(decl)
  local parts = {}
  for _, name in ipairs(sorted_keys(decl.call_options)) do
    local field = decl.call_options[name]
    if field == "as" then
      parts[#parts + 1] = ("`%s` (the member this call acts as: its JWT's `%s` claim)"):format(
        name, subject_claim(decl.auth))
    elseif field == "account" then
      parts[#parts + 1] = ("`%s` (the connected account this call is made as: the `%s` header)"):format(
        name, decl.account_header.name)
    else
      error(("gen_doc: %s: call option '%s' (-> %s) is not known"):format(decl.name, name, tostring(field)))
    end
  end
  return parts
end

-- ---------------------------------------------------------------------
-- the constructors (module lmskit)

local SAMPLE = { integer = "1", decimal = "1.5", number = "1", boolean = "true",
                 datetime = '"2024-01-31T00:00:00Z"', array = "{ 1, 2 }", object = "{}",
                 table = "{}", string = '"..."', pairs = "{}" }

local function sample(type_)
  return SAMPLE[type_:match("^[^|]+")] or '"..."'
end

local function constructor_usage(name, decl)
  local parts = {}
  for _, o in ipairs(M.options(decl)) do
    if o.required or (o.name == decl.base_url_option) then
      local value
      if o.name == decl.auth.secret then
        value = ("os.getenv %q"):format((name .. "_" .. o.name):upper())
      elseif o.name == "base_url" or o.name == decl.base_url_option then
        value = '"https://lms.example.edu"'
      elseif o.name == decl.auth.subject then
        value = '"admin@example.edu"'
      else
        value = sample(o.type)
      end
      parts[#parts + 1] = o.name .. " = " .. value
    end
  end
  return ("local %s = lmskit.%s { %s }"):format(name, name, table.concat(parts, ", "))
end

--- The LDoc text of one vendor's constructor (an item of module lmskit).
function M.constructor_doc(name, decl)
  local out = {}
  local text = ("Creates a %s client: its resources and methods are in module lmskit.%s. %s %s"):format(
    decl.title, name, body_text(decl), paging_text(decl))
  local rate = rate_text(decl)
  if rate then text = text .. " " .. rate end
  text = text .. " Nothing is sent until a method is called; a missing, unknown or ill-typed option "
    .. "is a `usage` error."
  out[#out + 1] = comment(esc(text), "--- ")
  out[#out + 1] = tag("function", name)
  out[#out + 1] = tag("tparam", "table opts")
  for _, o in ipairs(M.options(decl)) do
    out[#out + 1] = tag(o.required and "tparam" or "tparam[opt]", ("%s opts.%s %s"):format(o.type, o.name, esc(o.text)))
  end
  out[#out + 1] = tag("return", ("a %s client (see lmskit.%s)"):format(esc(decl.title), name))
  out[#out + 1] = usage_tag(constructor_usage(name, decl))
  return table.concat(out, "\n") .. "\n"
end

--- The text of vendors.luadoc: every constructor, merged into module lmskit.
function M.constructors_doc()
  local out = { "--- lmskit (generated by tools/gen_doc.lua from lua/lmskit/apis/*.lua).",
                "-- @module lmskit", "" }
  for _, name in ipairs(M.vendors()) do
    out[#out + 1] = M.constructor_doc(name, M.declaration(name))
  end
  return table.concat(out, "\n")
end

-- ---------------------------------------------------------------------
-- the methods (module lmskit.<vendor>)

local function condition_text(cond)
  local list = type(cond) == "table" and cond or { cond }
  local names = {}
  for i, path in ipairs(list) do names[i] = "`" .. path .. "`" end
  return table.concat(names, " or ")
end

-- A look-up's name as the user calls it: "list" is this resource's,
-- "group_users.get" another resource's, an RPC vendor's a function name.
local function lookup_name(lookup, object, rpc)
  if rpc then return lookup end
  local resource, action = lookup:match("^([%w_]+)%.([%w_]+)$")
  if resource then return resource .. ":" .. action end
  return object .. ":" .. lookup
end

local function lookup_text(effect, object, rpc)
  local alternatives = effect[1] and effect or { effect }
  local parts = {}
  for _, alt in ipairs(alternatives) do
    parts[#parts + 1] = ("`%s`%s"):format(lookup_name(alt.lookup, object, rpc),
                                          alt.when and (" when `" .. alt.when .. "` is given") or "")
  end
  return table.concat(parts, ", else ")
end

-- What happens when the call fails: repeated, settled, or reported.
local function outcome_text(method, adecl, object, rpc)
  if method == "GET" or method == "HEAD" then
    if adecl.idempotent == nil or adecl.idempotent == true then
      return "Repeated on a transport error, a timeout, 429 or a 5xx (up to `retries`)."
    end
  end
  local parts = {}
  local idem = M.idempotent(method, adecl)
  if idem == true then
    parts[#parts + 1] = "Idempotent: repeated on a transport error, a timeout, 429 or a 5xx (up to `retries`)."
    if method == "DELETE" then
      parts[#parts + 1] = "A repeat answering 404 after an unknown outcome means done."
    end
  elseif idem then
    parts[#parts + 1] = ("Idempotent when %s is true (then repeated like a read); otherwise never sent "
      .. "twice blindly."):format(condition_text(idem))
  else
    parts[#parts + 1] = "Never sent twice blindly: it is repeated only when it surely never left, or the "
      .. "server refused it (429)."
  end
  local effect = adecl.effect
  if effect == false then
    parts[#parts + 1] = "No read can find its effect: an outcome that is unknown (sent, no answer) stays "
      .. "unknown (`sent = \"unknown\"` on the error)."
  elseif type(effect) == "table" then
    local missing_done = effect.missing == "done"
    for _, alt in ipairs(effect) do missing_done = missing_done or alt.missing == "done" end
    parts[#parts + 1] = ("An unknown outcome (sent, no answer) is settled by a look-up with %s%s: when it "
      .. "shows the effect, the call is done and returns what it found; when not, it is sent again%s."):format(
      lookup_text(effect, object, rpc), missing_done and " (which answering 404 means done)" or "",
      adecl.notifies == true and " unless it mails people" or "")
  elseif idem ~= true then
    parts[#parts + 1] = "An unknown outcome (sent, no answer) is reported as `sent = \"unknown\"` on the error."
  end
  if adecl.notifies == true then
    parts[#parts + 1] = "It mails people: never sent again once its outcome is unknown."
  elseif adecl.notifies then
    parts[#parts + 1] = ("When %s is true it mails people: then never sent again once its outcome is "
      .. "unknown."):format(condition_text(adecl.notifies))
  end
  return table.concat(parts, " ")
end

-- The fields of a resource action's argument table: { name, type, required, text }.
local function action_fields(decl, rdecl, adecl, method)
  local fields = {}
  local reads = method == "GET" or method == "DELETE" or method == "HEAD"
  local function add(spec_table, text, partial)
    for _, name in ipairs(sorted_keys(spec_table)) do
      local t, required = field_type(spec_table[name])
      fields[#fields + 1] = { name = name, type = t, required = required and not partial, text = text }
    end
  end
  if reads then
    add(adecl.query, "query field")
    if adecl.paged then add(decl.paging.params, "paging (query)") end
  else
    add(adecl.body, rdecl.root and ("body field (under %q)"):format(rdecl.root) or "body field", adecl.partial)
    add(adecl.top, rdecl.root and ("body field (beside %q)"):format(rdecl.root) or "body field")
  end
  table.sort(fields, function(a, b)
    if a.required ~= b.required then return a.required end
    return a.name < b.name
  end)
  for _, part in ipairs(call_options_text(decl)) do
    local name = part:match("^`([%w_]+)`")
    local t = decl.options[name] or "string"
    fields[#fields + 1] = { name = name, type = t, required = false,
                            text = (part:gsub("^`[%w_]+` %((.*)%)$", "%1")) }
  end
  return fields
end

local function returns_text(decl, rdecl, adecl, method)
  local what
  if rdecl.root then
    what = ("the decoded %q object of the answer"):format(rdecl.root)
  elseif decl.format == "jsonapi" then
    what = "the JSON:API resource of the answer (attributes and included relationships read directly)"
  else
    what = "the decoded answer"
  end
  if adecl.single then what = what .. " (the element of the one-element array the vendor answers)" end
  if adecl.array then what = "an array (a one-item answer sent as a bare object is wrapped in one)" end
  if method ~= "GET" and method ~= "HEAD" then
    what = what .. "; true when the answer is empty (204)"
    if type(adecl.effect) == "table" then what = what .. "; after an unknown outcome, what its look-up found" end
  end
  return what
end

local function list_text(decl, adecl)
  local p = decl.paging
  local size = adecl.page_size or p.default_size
  local text = "Lazy: one page is held at a time, the next read when the loop gets there."
  if p.strategy == "offset" then
    text = text .. (" %d items a page (also the most the server returns)."):format(size)
  elseif p.strategy == "page_number" and size then
    text = text .. (" %d items a page unless `page.size` says otherwise."):format(size)
  end
  return text
end

local function call_usage(vendor, m, route_names, fields, paged)
  local args = {}
  for _, n in ipairs(route_names) do args[#args + 1] = n end
  local named = {}
  for _, f in ipairs(fields) do
    if f.required then named[#named + 1] = f.name .. " = " .. sample(f.type) end
  end
  local write = m.decl[1] ~= "GET" and m.decl[1] ~= "HEAD" and m.decl[1] ~= "DELETE"
  if #named == 0 and write and fields[1] and fields[1].text:match("^body") then
    named[1] = fields[1].name .. " = " .. sample(fields[1].type) -- a partial update: any field
  end
  local call
  if #named > 0 and #args == 0 then
    call = ("%s.%s:%s { %s }"):format(vendor, m.object, m.name, table.concat(named, ", "))
  else
    if #named > 0 then args[#args + 1] = "{ " .. table.concat(named, ", ") .. " }" end
    call = ("%s.%s:%s(%s)"):format(vendor, m.object, m.name, table.concat(args, ", "))
  end
  if paged then return ("for item in %s do print(item.id) end"):format(call) end
  return "local result = " .. call
end

local function resource_method_doc(vendor, decl, m)
  local rdecl, adecl = m.resource, m.decl
  local method, suffix = adecl[1], adecl[2] or ""
  local route = rdecl.path .. suffix
  local names = route_params(route)
  local fields = action_fields(decl, rdecl, adecl, method)
  local out = {}
  local text
  if m.kind == "all" then
    text = ("Every item of `%s:list`, all pages read into one array (for small collections). "
      .. "Takes what `list` takes."):format(m.object)
  else
    text = ("`%s %s%s`."):format(method, decl.base_path or "", route)
    if adecl.paged then
      text = text .. " An iterator over every item of every page. " .. list_text(decl, adecl)
    end
    text = text .. " " .. outcome_text(method, adecl, m.object, false)
  end
  out[#out + 1] = comment(esc(text), "--- ")
  out[#out + 1] = tag("function", m.object .. ":" .. m.name)
  for _, n in ipairs(names) do
    out[#out + 1] = tag("tparam", ("string|number %s the route's `:%s` (percent-encoded)"):format(n, n))
  end
  if #fields > 0 then
    local any_required = false
    for _, f in ipairs(fields) do any_required = any_required or f.required end
    out[#out + 1] = tag(any_required and "tparam" or "tparam[opt]",
      "table args the named arguments; any other is a `usage` error")
    for _, f in ipairs(fields) do
      out[#out + 1] = tag(f.required and "tparam" or "tparam[opt]",
                          ("%s args.%s %s"):format(f.type, f.name, esc(f.text)))
    end
  end
  if m.kind == "all" then
    out[#out + 1] = tag("treturn", "table an array of every item")
  elseif adecl.paged then
    out[#out + 1] = tag("treturn", "function an iterator: each call returns the next item, nil after the last")
  else
    out[#out + 1] = tag("return", esc(returns_text(decl, rdecl, adecl, method)))
  end
  out[#out + 1] = usage_tag(call_usage(vendor, m, names, m.kind == "all" and {} or fields,
                                       adecl.paged and m.kind ~= "all"))
  return table.concat(out, "\n") .. "\n"
end

local RPC_TYPES = {
  integer = "integer", string = "string", boolean = "boolean", array = "table", object = "table",
  pairs = "table",
}

-- A sample argument of a row type (the declaration's row_types): { { field = "..." } }.
local function row_sample(fields)
  local parts = {}
  for _, f in ipairs(fields) do parts[#parts + 1] = f .. ' = "..."' end
  return "{ { " .. table.concat(parts, ", ") .. " } }"
end

-- What a parameter is, in words; rows: the declaration's row_types.
local function rpc_param_text(p, send, rows)
  local t = p.type
  local text
  if t == "array" then
    text = send == "json" and "an array (a JSON array)" or "an array, sent as `name[]=v`"
  elseif t == "object" then
    text = send == "json" and "a table (a JSON object)" or "a table, sent as `name[k]=v`"
  elseif t == "pairs" then
    text = "name = value pairs, each sent as an argument of its own"
  elseif rows[t] then
    text = "an array of { " .. table.concat(rows[t], " =, ") .. " = }"
  else
    text = "the doc's parameter"
  end
  if p.wire ~= p.name then text = text .. (", sent under the name `%s`"):format(p.wire) end
  return text
end

local function rpc_method_doc(vendor, decl, m)
  local fdecl = m.decl
  local plist = rpc_params(fdecl)
  local send = fdecl.send
  local http = send == "json" and "POST (JSON body)" or send == "form" and "POST (form body)" or "GET"
  local method = send and "POST" or "GET"
  local out = {}
  local text = ("`%s %s%s%s`."):format(http:match("^%u+"), decl.base_path or "", decl.rpc_path, m.name)
  if send then text = text .. " Sent as a " .. (send == "json" and "JSON" or "form") .. " body." end
  if fdecl.paged then
    text = text .. " An iterator over every row of every page"
      .. (fdecl.root and (" (each page's rows under `" .. fdecl.root .. "`)") or "")
      .. "; lazy, one page held at a time."
    if fdecl.offset then
      text = text .. (" Given `%s`, it walks on from that offset instead of by page."):format(fdecl.offset)
    end
    text = text .. (" `%s:call(%q, { ..., page = n })` reads page n alone."):format(vendor, m.name)
  else
    text = text .. (" Also `%s:call(%q, args)`, arguments by name."):format(vendor, m.name)
  end
  text = text .. " " .. outcome_text(method, fdecl, m.object, true)
  out[#out + 1] = comment(esc(text), "--- ")
  out[#out + 1] = tag("function", m.object .. ":" .. m.name)
  local rows = decl.row_types or {}
  for _, p in ipairs(plist) do
    local lua_type = rows[p.type] and "table" or RPC_TYPES[p.type] or p.type
    out[#out + 1] = tag(p.optional and "tparam[opt]" or "tparam",
      ("%s %s %s%s"):format(lua_type, p.name, lua_type ~= p.type and ("(" .. p.type .. ") ") or "",
                            esc(rpc_param_text(p, send, rows))))
  end
  if fdecl.paged then
    out[#out + 1] = tag("treturn", "function an iterator: each call returns the next row, nil after the last")
  else
    out[#out + 1] = tag("return", type(fdecl.effect) == "table"
      and "the decoded answer; after an unknown outcome settled by a look-up, what it found"
      or "the decoded answer")
  end
  local args = {}
  for _, p in ipairs(plist) do
    if not p.optional then
      args[#args + 1] = rows[p.type] and row_sample(rows[p.type]) or SAMPLE[p.type] or sample(p.type)
    end
  end
  local call = ("%s.%s:%s(%s)"):format(vendor, m.object, m.name, table.concat(args, ", "))
  out[#out + 1] = usage_tag(fdecl.paged and ("for row in %s do print(row.id) end"):format(call)
                                      or ("local result = " .. call))
  return table.concat(out, "\n") .. "\n"
end

local function resource_intro(vendor, decl, rname)
  local rdecl = decl.resources[rname]
  local text = ("`%s.%s`: %s%s"):format(vendor, rname, decl.base_path or "", rdecl.path)
  if rdecl.root then text = text .. (", one object under %q"):format(rdecl.root) end
  if rdecl.roots then text = text .. (", lists under %q"):format(rdecl.roots) end
  return comment(esc(text .. ". Call its methods with a colon."), "--- ") .. "\n" .. tag("type", rname) .. "\n"
end

local function section_intro(vendor, decl, section)
  local n = 0
  for _ in pairs(decl.sections[section]) do n = n + 1 end
  local text = ("`%s.%s`: the %s of this section of the %s doc, each a method taking the "
    .. "doc's parameters in order (optional ones may be nil)."):format(
    vendor, section, n == 1 and "function" or (n .. " functions"), decl.title)
  return comment(esc(text), "--- ") .. "\n" .. tag("type", section) .. "\n"
end

--- The text of <vendor>.luadoc: module lmskit.<vendor>.
function M.vendor_doc(name, decl)
  local out = {}
  local text = ("The %s client that `lmskit.%s(opts)` creates (its options: the constructor %s in "
    .. "module lmskit), generated from lua/lmskit/apis/%s.lua by tools/gen_doc.lua. Each "):format(
    decl.title, name, name, name)
    .. (decl.sections and "section of the API is a field of the client, and each documented function a "
      .. ("method of it, taking the doc's parameters in order; `%s:call(name, args)` sends any function "
        .. "by name, with named arguments."):format(name)
      or "resource is a field of the client, and its methods are called with a colon: route parameters "
        .. "first, in order, then a table of named arguments (query fields for reads and deletes, body "
        .. "fields for writes). Arguments are checked against the declared types before anything is "
        .. "sent; a CSV's text converts where the meaning is plain (\"42\" for an integer).")
  text = text .. " " .. body_text(decl) .. " " .. paging_text(decl)
  local rate = rate_text(decl)
  if rate then text = text .. " " .. rate end
  local calls = call_options_text(decl)
  if #calls > 0 then
    text = text .. " Every method's argument table also takes " .. table.concat(calls, " and ") .. "."
  end
  text = text .. " The client also has the methods of every vendor client: request, send, same_origin "
    .. "and close (lmskit.client)."
  out[#out + 1] = comment(esc(text), "--- ")
  out[#out + 1] = tag("module", "lmskit." .. name)
  out[#out + 1] = ""
  local current
  for _, m in ipairs(M.methods(decl)) do
    if m.object ~= current then
      current = m.object
      out[#out + 1] = m.kind == "rpc" and section_intro(name, decl, current) or resource_intro(name, decl, current)
    end
    if m.kind == "rpc" then
      out[#out + 1] = rpc_method_doc(name, decl, m)
    else
      out[#out + 1] = resource_method_doc(name, decl, m)
    end
  end
  return table.concat(out, "\n")
end

-- ---------------------------------------------------------------------
-- writing

local function write_file(path, text)
  local f = assert(io.open(path, "w"))
  f:write("-- Generated by tools/gen_doc.lua from lua/lmskit/apis/: do not edit.\n\n", text)
  f:close()
  return path
end

--- Writes every file into outdir (which must exist); returns their paths.
function M.write(outdir)
  local written = { write_file(outdir .. "/vendors.luadoc", M.constructors_doc()) }
  for _, name in ipairs(M.vendors()) do
    written[#written + 1] = write_file(outdir .. "/" .. name .. ".luadoc", M.vendor_doc(name, M.declaration(name)))
  end
  return written
end

if arg and arg[0] and arg[0]:match("gen_doc%.lua$") then
  package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
  local outdir = arg[1] or "build/doc-src"
  os.execute("mkdir -p '" .. outdir:gsub("'", "'\\''") .. "'")
  for _, path in ipairs(M.write(outdir)) do print("gen_doc: " .. path) end
end

return M
