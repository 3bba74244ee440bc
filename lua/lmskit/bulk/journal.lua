--- The journal of a bulk job: one JSON line per event of a row, so a
-- rerun knows what is done.
--
--     {"journal":1,"vendor":"catalog","workflow":"enroll","csv":"/abs/rows.csv","columns":[...]}
--     {"k":"1\u001f17","s":"started","h":"9f2c..."}
--     {"k":"1\u001f17","s":"ok","h":"9f2c..."}
--
-- The first line (a header) ties the journal to the job it was made for:
-- vendor, workflow, CSV file (absolute path) and its columns.  Another
-- job on it is refused unless `journal_mismatch = "ignore"`; the header
-- of the job that then uses it is appended, and counts from then on.  A
-- journal an earlier version wrote (no header) is used as it is.
-- A row's records: "started" (written before its first call goes out),
-- then "ok", "failed" or "unknown" ("untouched" when the job stopped
-- before its calls went out); `h` is a hash of the row's content
-- (its non-secret columns), so a rerun can tell a row edited since.  The
-- last record of a key counts.
--
-- The file is locked for the job (core.journal_open: an exclusive flock;
-- a second job is refused naming the pid holding it), and a torn last
-- line is cut off when it is opened.  A dry run reads it without lock.
-- It names rows and their errors: one that group or others may read is
-- refused (created, it is 0600), and it never holds a secret column's
-- value (lmskit.secret_names).
-- @module lmskit.bulk.journal
local core = require "lmskit.core"
local json = require "lmskit.json"
local secret_names = require "lmskit.secret_names"
local keys = require "lmskit.bulk.key"

local journal = {}

local VERSION = 1

local usage = require("lmskit.usage").raise

--- True when a column's name says it holds a secret (password, token,
-- api_key, ...: lmskit.secret_names, the one list): its values are never
-- journaled nor shown.
local secret_column = secret_names.is_secret

--- True when a file's permission bits let group or others in (mode & 077).
function journal.shared_mode(path)
  local mode = core.file_mode(path)
  return mode ~= nil and mode >= 0 and mode % 64 ~= 0
end

--- The content hash of a row: SHA-256 (first 16 hex digits) of its
-- non-secret columns, names sorted.  An empty value and an absent one
-- are the same content.
function journal.content_hash(row)
  local names = {}
  for k, v in pairs(row) do
    if type(k) == "string" and v ~= "" and not secret_column(k) then names[#names + 1] = k end
  end
  table.sort(names)
  local parts = {}
  for i, k in ipairs(names) do parts[i] = k .. "\31" .. tostring(row[k]) end
  return core.sha256(table.concat(parts, "\30")):sub(1, 16)
end

-- What a job is, as its header records it.
local function header_of(identity)
  local columns = {}
  for i, c in ipairs(identity.columns or {}) do columns[i] = c end
  table.sort(columns)
  return { journal = VERSION, vendor = identity.vendor, workflow = identity.workflow,
           csv = identity.csv and (core.realpath(identity.csv) or identity.csv),
           columns = json.array(columns) }
end

local function describe(h)
  local job = h.vendor and (tostring(h.vendor) .. " " .. tostring(h.workflow or "")) or "a custom job"
  if h.csv and h.csv ~= json.null then
    local cols = type(h.columns) == "table" and table.concat(h.columns, ",") or ""
    job = job .. " over " .. tostring(h.csv) .. " (columns " .. cols .. ")"
  end
  return job
end

-- True when two headers name the same job.
local function same_job(a, b)
  local function text(v) return (v == nil or v == json.null) and "" or tostring(v) end
  local function cols(v) return type(v) == "table" and table.concat(v, ",") or "" end
  return text(a.vendor) == text(b.vendor) and text(a.workflow) == text(b.workflow)
     and text(a.csv) == text(b.csv) and cols(a.columns) == cols(b.columns)
end

-- Parses the journal's lines: the last header, and key -> last record.
-- Records before any header were written by an earlier version (marked
-- `legacy`): it journaled "started" only for rows that notify people.
local function parse(content)
  local records, header = {}, nil
  for line in content:gmatch("[^\n]+") do
    local record = json.decode(line)
    if type(record) == "table" then
      if record.journal ~= nil then header = record
      elseif type(record.k) == "string" then
        record.legacy = header == nil or nil
        records[record.k] = record
      end
    end
  end
  return records, header
end

-- Reads a journal's content: through the core, locked, a torn last line
-- cut off (one it creates is 0600); or, for a dry run, as a plain file
-- without lock (a torn last line is not a record).  Returns the open
-- file (nil for a dry run), the content and how many lines were torn.
local function read(path, read_only)
  if not read_only then return core.journal_open(path) end
  local f = io.open(path, "rb")
  local content, why
  if f then
    content, why = f:read("*a") -- a directory opens, then fails to read
    f:close()
  end
  if not content and why then usage("bulk: journal " .. path .. ": " .. tostring(why)) end
  content = content or ""
  return nil, content:match("^(.*\n)") or "", 0
end

-- The object a job reads and writes its rows' records through:
-- `records` (key -> its last record, read at open); records are appended
-- to `file` (nil: nothing is written), synced every `sync_every` records
-- or every second.
local function handle(records, file, sync_every)
  local j = {}
  local unsynced, last_sync = 0, core.now()
  local function append(record)
    if not file then return end
    file:append(json.encode(record))
    unsynced = unsynced + 1
    if unsynced >= (sync_every or 100) or core.now() - last_sync >= 1 then
      file:sync()
      unsynced, last_sync = 0, core.now()
    end
  end
  function j.close()
    if file then file:close() end
    file = nil
  end
  -- a journal with records may have been written before keys left
  -- secrets out: a row is looked up by that legacy key too
  local check_legacy = next(records) ~= nil
  function j.last(key, row)
    return records[key] or (check_legacy and records[keys.legacy(row)])
  end
  function j.started(key, hash) append { k = key, s = "started", h = hash } end
  function j.done(key, hash) append { k = key, s = "ok", h = hash } end
  function j.untouched(key, hash) append { k = key, s = "untouched", h = hash } end
  function j.ended(key, outcome, hash, kind, message)
    append { k = key, s = outcome, h = hash, e = kind, m = message }
  end
  return j
end

--- Opens the journal of a job.  Returns an object with `torn` (1 when a
-- torn last line was cut off), `last(key, row)` (a row's last record, or
-- nil), the writers of a row's records `started(key, hash)`,
-- `done(key, hash)`, `untouched(key, hash)` and `ended(key, outcome,
-- hash, kind, message)` ("failed" or "unknown"; `message` with the row's
-- secrets hidden), and `close()`.
-- @param path the journal file
-- @param identity { vendor, workflow, csv (path), columns }: what the job is
-- @param opts { mismatch = "ignore"?, read_only = true? (dry runs), sync_every? }
function journal.open(path, identity, opts)
  if type(path) ~= "string" then usage("bulk: journal must be a file path") end
  if journal.shared_mode(path) then
    usage(("bulk: journal %s is readable by other users; run: chmod 600 %s"):format(path, path))
  end
  local file, content, torn = read(path, opts.read_only)
  local records, header = parse(content)
  local mine = header_of(identity)
  local mismatch
  -- (a journal without a header, from an earlier version, cannot be
  -- checked: it is used, and gets this job's header)
  if header and not same_job(header, mine) then
    mismatch = ("journal %s was made for %s; this job is %s"):format(path, describe(header), describe(mine))
  end
  if mismatch and opts.mismatch ~= "ignore" then
    if file then file:close() end
    usage(mismatch .. ": use another journal, or pass journal_mismatch = \"ignore\" " ..
          "(lmskit: --force-journal) to use this one anyway")
  end
  local j = handle(records, file, opts.sync_every)
  j.torn = torn > 0 and 1 or 0
  if file and (mismatch or not header) then
    file:append(json.encode(mine))
    file:sync()
  end
  return j
end

--- The journal of a job given none: no records, and nothing written.
function journal.none()
  local j = handle({}, nil)
  j.torn = 0
  return j
end

--- What a rerun does with a row, from its last record `previous` and
-- its content hash now: "run" (never journaled, or stopped before it sent
-- anything), "skip" (done, same content), "redo" (done, content changed),
-- "retry" (failed), "settle" (unknown, or started and never finished: its
-- write may have happened).
function journal.plan(previous, hash)
  if not previous then return "run" end
  if previous.s == "ok" then
    if previous.h == nil or previous.h == hash then return "skip" end
    return "redo"
  end
  if previous.s == "failed" then return "retry" end
  if previous.s == "untouched" then return "run" end -- stopped before it sent anything
  return "settle"
end

return journal
