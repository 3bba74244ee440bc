--- Error mapping of the request path: an HTTP failure becomes an
-- `lmskit.Error` carrying the vendor's own message and code, a call past
-- its deadline a `timeout`.
-- @module lmskit.client.errors
local core = require "lmskit.core"
local json = require "lmskit.json"

local errors = {}

-- Statuses after which a write may or may not have taken effect: the
-- server (or a gateway before it) failed while or after handling it.
local UNKNOWN_STATUS = { [500] = true, [502] = true, [503] = true, [504] = true }

-- Longest raw (non-JSON) error body shown in a message, in bytes.
local RAW_MESSAGE_MAX = 300

--- True when a write answered with this status may have taken effect.
function errors.unknown_status(status)
  return UNKNOWN_STATUS[status]
end

-- Flattens the shapes vendors use for error text into one line:
-- {"message": ...}, {"error": ...}, {"errors": "..." | [...] | {field: [...]}},
-- JSON:API {"errors": [{"title", "detail"}]}.
local function flatten_errors(list)
  if type(list) == "string" then return list end
  if type(list) ~= "table" then return nil end
  local parts = {}
  if #list > 0 then
    for _, e in ipairs(list) do
      if type(e) == "string" then
        parts[#parts + 1] = e
      elseif type(e) == "table" then
        parts[#parts + 1] = e.detail or e.message or e.title
      end
    end
  else
    local fields = {}
    for field in pairs(list) do fields[#fields + 1] = tostring(field) end
    table.sort(fields)
    for _, field in ipairs(fields) do
      local msgs = list[field]
      if type(msgs) == "table" then
        for _, m in ipairs(msgs) do parts[#parts + 1] = field .. " " .. tostring(m) end
      else
        parts[#parts + 1] = field .. " " .. tostring(msgs)
      end
    end
  end
  if #parts > 0 then return table.concat(parts, "; ") end
end

--- The vendor's own message from an error body (decoded or raw).  A raw
-- body is cut to 300 bytes, after `redact` (a function of the text, the
-- client's redaction) has masked its secrets: cut first, a secret
-- straddling the cut would show in part.
function errors.vendor_message(decoded, raw, status, redact)
  if type(decoded) == "table" then
    local m = decoded.message
    if type(m) == "string" then return m end
    local e = decoded.error
    if type(e) == "string" then return e end
    if type(e) == "table" and type(e.message) == "string" then return e.message end
    m = flatten_errors(decoded.errors)
    if m then return m end
  end
  raw = raw and raw:gsub("^%s+", ""):gsub("%s+$", "") or ""
  if redact and raw ~= "" then raw = redact(raw) end
  if raw ~= "" then return #raw > RAW_MESSAGE_MAX and raw:sub(1, RAW_MESSAGE_MAX) .. "..." or raw end
  return "HTTP " .. tostring(status)
end

-- A machine-readable error code when the vendor gives one
-- ({"error": {"code": ...}} or {"code": ...}).
local function vendor_code(decoded)
  if type(decoded) ~= "table" then return nil end
  local e = decoded.error
  if type(e) == "table" and type(e.code) == "string" then return e.code end
  if type(decoded.code) == "string" then return decoded.code end
end

-- The redaction of a request path's core client, as a function of text.
local function redactor(path)
  local core_client = path.core
  return function(text) return core_client:redact(text) end
end

--- The vendor's message of an error answer, its secrets masked.
function errors.answer_message(path, status, body)
  return errors.vendor_message(json.decode(body), body, status, redactor(path))
end

--- Raises the lmskit.Error for an HTTP failure with the vendor's message;
-- `unknown` marks a write the server may have done (sent = "unknown").
-- `asked`: the seconds the server asked to wait (Retry-After or the
-- vendor's lock-out), kept as err.retry_after; `too_far` when that is
-- beyond max_retry_wait, which the message says.
function errors.answer(path, method, spec, status, body, limited, unknown, asked, too_far)
  local decoded = json.decode(body)
  local core_client = path.core
  local message = errors.vendor_message(decoded, body, status, redactor(path))
  if too_far and asked then
    message = ("%s (the server asks to wait %.0f s, more than max_retry_wait %g s)")
      :format(message, asked, path.max_retry_wait)
  end
  local _, err = pcall(core_client.fail, core_client, {
    status = status, method = method, url = path:url_of(spec),
    kind = limited and "rate_limited" or nil, message = message,
    code = vendor_code(decoded), sent = unknown and "unknown" or nil })
  if core.is_error(err) then err.retry_after = asked end
  error(err, 0)
end

--- Raises the timeout error of a call whose deadline has passed, or would
-- pass during the wait it is about to start; `last` says what the last
-- attempt met, `sent` is the error's sent field (a write that may have
-- taken effect is "unknown").
function errors.deadline(path, method, spec, last, sent)
  local message = ("deadline of %g s exceeded"):format(path.deadline)
  if last then message = message .. " (" .. last .. ")" end
  error(core.error { kind = "timeout", method = method, message = path.core:redact(message),
                     url = path:url_of(spec), sent = sent }, 0)
end

return errors
