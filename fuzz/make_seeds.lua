#!/usr/bin/env lua5.4
-- fuzz/make_seeds.lua [DOCS_DIR [CORPUS_DIR]]: writes the fuzz targets'
-- seed inputs, taken from the vendors' own documentation (Link headers,
-- URLs, routes, query strings, example objects, keys and the JWT), into
-- fuzz/corpus/<target>/.  Each seed is shaped as its harness reads its
-- input (a mode byte, then parts; see the comment at the top of each
-- fuzz/fuzz_<target>.c).  Deterministic: running it again rewrites the same
-- files.  Needs Lua 5.3+ (string.pack).
local docs_dir = arg[1] or "../shared/vendor-docs"
local out_dir = arg[2] or "fuzz/corpus"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local doc_names = { "canvas-catalog-v1.txt", "cerego-v3.md", "coggno-v1.txt",
                    "coursepath-v1.txt", "matrix-lms-v1.txt" }
local docs = {}
for _, name in ipairs(doc_names) do docs[name] = read(docs_dir .. "/" .. name) end

local written = {}
local function seed(target, name, bytes)
  os.execute("mkdir -p '" .. out_dir .. "/" .. target .. "'")
  local path = out_dir .. "/" .. target .. "/" .. name
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
  written[target] = (written[target] or 0) + 1
end

local function unique(list)
  local seen, out = {}, {}
  for _, v in ipairs(list) do
    if not seen[v] then
      seen[v] = true
      out[#out + 1] = v
    end
  end
  return out
end

local B = string.char

-- Every absolute URL the docs show (without trailing punctuation).
local urls = {}
for _, name in ipairs(doc_names) do
  for u in docs[name]:gmatch("https?://[^%s\"'<>`)]+") do
    urls[#urls + 1] = (u:gsub("[.,;]$", ""))
  end
end
urls = unique(urls)

-- Paths: "GET /api/v1/x" lines and the paths of the URLs above.
local paths = {}
for _, name in ipairs(doc_names) do
  for p in docs[name]:gmatch("[A-Z]+ (/api/[%w_/{}:.%-]+)") do paths[#paths + 1] = p end
end
for _, u in ipairs(urls) do
  local p = u:match("^https?://[^/]+(/.*)$")
  if p then paths[#paths + 1] = p end
end
paths = unique(paths)
table.sort(paths)

---------------------------------------------------------------- link
-- The Catalog doc's folded header, verbatim, and each of its lines.
local header = docs["canvas-catalog-v1.txt"]:match("Link: (<.-rel=\"prev\")")
assert(header, "the Catalog doc's Link header")
local rels = { "next", "last", "first", "prev", "NEXT" }
for i = 1, #rels do seed("link", "catalog-header-" .. i, B(i - 1) .. header) end
local n = 0
for line in header:gmatch("[^\n]+") do
  n = n + 1
  seed("link", "catalog-line-" .. n, B(n % 4) .. line:gsub("^%s+", ""))
end
-- Cerego's JSON links as a Link header (the same URLs, another shape).
local cerego = {}
for rel, u in docs["cerego-v3.md"]:gmatch('"(%a+)": "(http[^"]+)"') do
  cerego[#cerego + 1] = "<" .. u .. ">; rel=\"" .. rel .. "\""
end
seed("link", "cerego-links", B(0) .. table.concat(cerego, ", "))
seed("link", "params-and-quotes", B(1) .. '<https://www.my-catalog.edu/api/v1/courses?page=2,3>; ' ..
  'title="a, b; c"; rel=last, <https://www.my-catalog.edu/api/v1/courses?page=1>;rel="first prev"')
seed("link", "escaped", B(0) .. '<https://www.my-catalog.edu/api/v1/courses?page=4>; rel="ne\\xt"')

---------------------------------------------------------------- url
-- Modes 0-5: a reference against the harness's fixed clients; 6-7: a
-- base_url.  References: every doc URL, every doc path, relative forms.
for i, u in ipairs(urls) do seed("url", string.format("doc-url-%02d", i), B(i % 6) .. u) end
for i, p in ipairs(paths) do
  local filled = p:gsub("{%a+}", "17"):gsub(":%a+", "4")
  seed("url", string.format("doc-path-%02d", i), B(i % 6) .. filled)
end
for i, r in ipairs { "?page=2", "courses?page=3", "../v1/programs/28", "//evil.example/x",
                     "#frag", "/api/v1/courses?page=4#top" } do
  seed("url", "relative-" .. i, B(i % 6) .. r)
end
local bases = {}
for _, u in ipairs(urls) do
  if u:match("^https://[%w.%-%[%]]+/?$") or u:match("^https://[^/]+/capp$") then
    bases[#bases + 1] = u
  end
end
for i, b in ipairs(unique(bases)) do seed("url", "doc-base-" .. i, B(6) .. b) end
seed("url", "loopback-base", B(7) .. "http://127.0.0.1:18444/matrix")

---------------------------------------------------------------- encode
-- 0: percent-encoding of doc values; 1: numbers; 2: routes; 3: queries.
local values = { "2022-08-01", "B+", "15%", "My group description", "bettercall@saul.com",
                 "john.smith@example.com", "Company Name", "user_ids[]", "a b&c=d/e?#" }
for v in docs["coggno-v1.txt"]:gmatch('"[%w_]+": ?"([^"]*)"') do values[#values + 1] = v end
for v in docs["canvas-catalog-v1.txt"]:gmatch('"title": "([^"]*)"') do values[#values + 1] = v end
values = unique(values)
for i, v in ipairs(values) do seed("encode", string.format("pct-%02d", i), B(0) .. v) end
local numbers = { 1, 2, 3, 4, 15, 45, 100, 120, 1456, 123456, 508870138, 1431426541,
                  17431949894, 49.99, 0.1, -2, 2 ^ 53 + 2, 9.2e18, 2 ^ 63, 1e300, -0.0 }
for i, x in ipairs(numbers) do seed("encode", string.format("number-%02d", i), B(1) .. string.pack("<d", x)) end
local routes = {}
for _, p in ipairs(paths) do
  if p:find("[{:]") then routes[#routes + 1] = (p:gsub("{(%a+)}", ":%1")) end
end
for i, r in ipairs(unique(routes)) do
  seed("encode", string.format("route-%02d", i), B(2) .. r .. "\0" .. "17" .. "\255" .. "../x" .. "\255" .. "a/b")
end
-- Query builder programs: op byte (0 key, 1 array, 2 pop, 3 value), arg, 0xFF.
local function op(code, argument) return B(code) .. (argument or "") .. "\255" end
seed("encode", "query-matrix-ids", B(3) .. op(0, "user_ids") .. op(1) .. op(3, "1") .. op(3, "2"))
seed("encode", "query-matrix-class", B(3) .. op(0, "class_id") .. op(3, "1456") .. op(2) ..
  op(0, "completed_after") .. op(3, "2022-08-01"))
seed("encode", "query-cerego-page", B(3) .. op(0, "page") .. op(0, "number") .. op(3, "1") .. op(2) ..
  op(0, "size") .. op(3, "15"))
local form = B(3)
for k, v in docs["coggno-v1.txt"]:gmatch("%-d (%w+)=(%w+)") do form = form .. op(0, k) .. op(3, v) .. op(2) end
seed("encode", "form-coggno", form)
seed("encode", "query-grades", B(3) .. op(0, "grades") .. op(1) .. op(0, "user_id") .. op(3, "1") .. op(2) ..
  op(0, "grade") .. op(3, "B+"))

---------------------------------------------------------------- redact
-- Count byte: secrets in bits 0-2, client parameters in bits 3-4, a
-- fuzzed parameter name in bit 5; then the secrets and the name, each
-- NUL-ended, then the text.  Secrets and texts from the docs.
local function redact_seed(name, secrets, nclient, own, text)
  local s = B(#secrets + nclient * 8 + (own and 32 or 0))
  for _, x in ipairs(secrets) do s = s .. x .. "\0" end
  if own then s = s .. own .. "\0" end
  seed("redact", name, s .. text)
end
local matrix = docs["matrix-lms-v1.txt"]
for i, u in ipairs(unique((function()
  local list = {}
  for u in matrix:gmatch("https://[^%s]+api_key=[^%s]+") do list[#list + 1] = u end
  return list
end)())) do
  local key = u:match("api_key=([^&]+)")
  redact_seed("matrix-url-" .. i, { key }, 1, nil, u)
  redact_seed("matrix-param-" .. i, {}, 1, nil, "GET " .. u .. " -> 401")
end
local jwt = docs["coursepath-v1.txt"]:match("Bearer (eyJ[%w._%-]+)")
redact_seed("coursepath-jwt", { jwt }, 0, nil, "Authorization: Bearer " .. jwt)
redact_seed("catalog-token", { "my-api-key" }, 0, nil,
  docs["canvas-catalog-v1.txt"]:match("curl https://www.my%-catalog.edu/api/v1/products[^\n]*"))
redact_seed("coggno-basic", { "test_API_KEY", "dGVzdF9BUElfS0VZOg==" }, 2, "Coggno-LMS",
  "curl /api/v1/groups -H \"Coggno-LMS: 1\" -u test_API_KEY: (Basic dGVzdF9BUElfS0VZOg==)")
redact_seed("overlap", { "xab", "abcdef", "efg" }, 0, nil, "id=xabcdefgh and abcabcabc")

---------------------------------------------------------------- retry
-- Numbers and dates the docs use (a minute, 120 calls), and HTTP-dates.
for i, v in ipairs { "1", "60", "120", "0", "-1", " 30 ", "99999999",
                     "Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT",
                     "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                     "2015/08/27 22:03:42 +0000", "2019-08-08T16:05:44.099Z", "2018-01-01T00:00:00Z" } do
  seed("retry", string.format("value-%02d", i), v)
end

---------------------------------------------------------------- jwt
-- Coursepath's JWT, decoded: its header and claims, signed with HMAC keys.
local function b64url_decode(s)
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  local bits, nbits, out = 0, 0, {}
  for c in s:gmatch(".") do
    bits = bits * 64 + (alphabet:find(c, 1, true) - 1)
    nbits = nbits + 6
    if nbits >= 8 then
      nbits = nbits - 8
      local byte = math.floor(bits / 2 ^ nbits)
      out[#out + 1] = B(byte)
      bits = bits - byte * 2 ^ nbits
    end
  end
  return table.concat(out)
end
local jwt_header, jwt_claims = jwt:match("^([^.]+)%.([^.]+)%.")
jwt_header, jwt_claims = b64url_decode(jwt_header), b64url_decode(jwt_claims)
local key64 = "sandbox-coursepath-secret-0123456789abcdef-0123456789abcdef-012"
for mode = 0, 2 do
  seed("jwt", "coursepath-" .. mode, B(mode) .. key64 .. "\255" .. jwt_header .. "\255" .. jwt_claims)
end
seed("jwt", "short-key", B(0) .. "secret" .. "\255" .. jwt_header .. "\255" .. jwt_claims)
for i, name in ipairs { "HS256", "RS256", "ES256", "none", "hs256" } do seed("jwt", "name-" .. i, B(3) .. name) end

-- jwt_pem: 0 ES256 and 1 RS256 with a valid key; 2 and 3 the key bytes as PEM.
local rs_header = jwt_header:gsub("HS256", "RS256")
local es_header = jwt_header:gsub("HS256", "ES256")
seed("jwt_pem", "es256-valid", B(0) .. "\255" .. es_header .. "\255" .. jwt_claims)
seed("jwt_pem", "rs256-valid", B(1) .. "\255" .. rs_header .. "\255" .. jwt_claims)
for _, f in ipairs { { 2, "jwt-es256.pem", es_header }, { 3, "jwt-rs256.pem", rs_header },
                     { 3, "jwt-rsa1024.pem", rs_header }, { 2, "jwt-rs256.pem", es_header } } do
  local pem = read("spec/fixtures/" .. f[2])
  seed("jwt_pem", "pem-" .. f[1] .. "-" .. f[2], B(f[1]) .. pem .. "\255" .. f[3] .. "\255" .. jwt_claims)
end

---------------------------------------------------------------- csv
-- Each flat example object of the docs as a CSV file (header row, value
-- row), plus the shapes spreadsheets write.
local function csv_field(v)
  if v:find('[,"\r\n]') or v:find("^%s") or v:find("%s$") then return '"' .. v:gsub('"', '""') .. '"' end
  return v
end
local k = 0
for _, name in ipairs(doc_names) do
  for block in docs[name]:gmatch("%b{}") do
    local keys, vals = {}, {}
    for key, v in block:gmatch('\n%s*"([%w_%-]+)":%s*"?([^"\n,{}%[%]]*)"?,?') do
      keys[#keys + 1], vals[#vals + 1] = csv_field(key), csv_field(v)
    end
    if #keys >= 2 and #keys <= 30 then
      k = k + 1
      seed("csv", string.format("%s-%03d", name:match("^[%a]+"), k),
        table.concat(keys, ",") .. "\n" .. table.concat(vals, ",") .. "\n")
    end
  end
end
seed("csv", "bom-crlf", "\239\187\191email,name\r\nann@school.example,Ann Lee\r\n")
seed("csv", "quoted", 'email,name,note\n"bob@school.example","Smith, Bob","said ""hi""\nthen left"\n\n')
seed("csv", "grades", "user_id,grade\n3,B+\n4,3.1\n")
seed("csv", "straddle", "\176\0" .. 'x,"quoted\nacross the 64 KiB read",z\n')

---------------------------------------------------------------- json
-- Every JSON example of the docs (each outermost {...} or [...] block that
-- lua-cjson reads), plus the numbers and shapes the decoder treats apart.
local cjson = require "cjson"
local j = 0
for _, name in ipairs(doc_names) do
  for _, pattern in ipairs { "%b{}", "%b[]" } do
    for block in docs[name]:gmatch(pattern) do
      if #block >= 2 and pcall(cjson.decode, block) then
        j = j + 1
        seed("json", string.format("%s-%03d", name:match("^[%a]+"), j), block)
      end
    end
  end
end
for i, text in ipairs { "9107199261.0", "-0", "9223372036854775807", "9223372036854775808", "1e400",
  "[1e2,1E-2,-2.5e-3]", '{"a":1,"a":2}', '"\\u00e9\\ud83d\\ude00\\u0000"', "null", "[true,false,null]",
  "[" .. string.rep("1,", 70) .. "1]", string.rep("[", 40) .. string.rep("]", 40), "{}", "[]" } do
  seed("json", string.format("shape-%02d", i), text)
end

local targets = {}
for t in pairs(written) do targets[#targets + 1] = t end
table.sort(targets)
for _, t in ipairs(targets) do print(string.format("%-8s %3d seeds", t, written[t])) end
