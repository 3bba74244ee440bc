-- sandbox.hostile: answers a client must survive, for the size cap.
--
--   GET /_sandbox/big?bytes=N[&chunked=1]   N bytes of JSON-ish filler, sent
--       in 64 KiB pieces as the client takes them (nginx never holds the
--       body); with chunked=1 no Content-Length is declared.
--   GET /_sandbox/gzip_bomb?bytes=N          Content-Encoding: gzip whose
--       body inflates to N zero bytes (256 MiB is about 260 KB on the
--       wire).  Made with zlib through LuaJIT's FFI on first use and kept
--       for the next calls (the last two sizes only).
--
-- N is at most 1 GiB, so a runaway test cannot exhaust the machine.
local ffi = require "ffi"

local ngx = ngx

local M = {}

local MAX_BYTES = 1024 * 1024 * 1024
local PIECE = 64 * 1024

-- The bytes argument, or nil and a reason.
local function bytes_of(req)
  local n = tonumber(req.args and req.args.bytes or ngx.var.arg_bytes)
  if not n or n < 0 or n > MAX_BYTES or n ~= math.floor(n) then
    return nil, "bytes must be an integer from 0 to " .. MAX_BYTES
  end
  return n
end

-- The bytes argument; when it is wrong, answers 422 and returns nil.
local function bytes_or_422(req)
  local n, why = bytes_of(req)
  if not n then
    ngx.status = 422
    ngx.say('{"error":"', why, '"}')
  end
  return n
end

-- Sends N filler bytes, flushing each piece before making the next.
local function big(req)
  local n = bytes_or_422(req)
  if not n then return end
  ngx.status = 200
  ngx.header["Content-Type"] = "application/octet-stream"
  if ngx.var.arg_chunked ~= "1" then ngx.header["Content-Length"] = n end
  local piece = string.rep("x", PIECE)
  local left = n
  while left > 0 do
    local k = left < PIECE and left or PIECE
    ngx.print(k == PIECE and piece or piece:sub(1, k))
    if not ngx.flush(true) then return end -- the client went away
    left = left - k
  end
end

ffi.cdef [[
typedef struct z_stream_s {
  const unsigned char *next_in; unsigned avail_in; unsigned long total_in;
  unsigned char *next_out; unsigned avail_out; unsigned long total_out;
  const char *msg; void *state;
  void *zalloc; void *zfree; void *opaque;
  int data_type; unsigned long adler; unsigned long reserved;
} z_stream;
const char *zlibVersion(void);
int deflateInit2_(z_stream *strm, int level, int method, int windowBits,
                  int memLevel, int strategy, const char *version, int stream_size);
int deflate(z_stream *strm, int flush);
int deflateEnd(z_stream *strm);
]]

local zlib
local bombs, bomb_order = {}, {}

-- gzip (windowBits 31) of `total` bytes handed over 1 MiB at a time:
-- piece(offset, k) is a pointer to k bytes from offset.
local function gzip(total, piece)
  if not zlib then -- nginx's own zlib, else the system's
    local ok = pcall(function() return ffi.C.deflateEnd end)
    zlib = ok and ffi.C or select(2, pcall(ffi.load, "z"))
    if type(zlib) ~= "userdata" then zlib = ffi.load("libz.so.1") end
  end
  local stream = ffi.new("z_stream[1]")
  assert(zlib.deflateInit2_(stream, 9, 8, 31, 9, 0, zlib.zlibVersion(),
                            ffi.sizeof("z_stream")) == 0, "deflateInit2 failed")
  local chunk = 1024 * 1024
  local out_size = 64 * 1024
  local out = ffi.new("unsigned char[?]", out_size)
  local parts = {}
  local done = 0
  repeat
    local k = total - done < chunk and total - done or chunk
    local flush = done + k == total and 4 or 0 -- Z_FINISH at the end
    stream[0].next_in, stream[0].avail_in = piece(done, k), k
    done = done + k
    repeat
      stream[0].next_out, stream[0].avail_out = out, out_size
      local rc = zlib.deflate(stream, flush)
      assert(rc == 0 or rc == 1 or rc == -5, "deflate failed")
      parts[#parts + 1] = ffi.string(out, out_size - stream[0].avail_out)
    until stream[0].avail_out ~= 0
  until done == total
  zlib.deflateEnd(stream)
  return table.concat(parts)
end

-- gzip of n zero bytes.
local function make_bomb(n)
  local zeros = ffi.new("unsigned char[?]", 1024 * 1024)
  return gzip(n, function() return zeros end)
end

--- gzip of the string s (an echo fault's body with `gzip`).
function M.gzip(s)
  local bytes = ffi.cast("unsigned char *", s) -- s stays referenced until gzip returns
  return gzip(#s, function(offset) return bytes + offset end)
end

-- Sends a gzip body that inflates to N bytes.
local function gzip_bomb(req)
  local n = bytes_or_422(req)
  if not n then return end
  local gz = bombs[n]
  if not gz then
    gz = make_bomb(n)
    bombs[n] = gz
    bomb_order[#bomb_order + 1] = n
    if #bomb_order > 2 then bombs[table.remove(bomb_order, 1)] = nil end
  end
  ngx.status = 200
  ngx.header["Content-Type"] = "application/json"
  ngx.header["Content-Encoding"] = "gzip"
  ngx.header["Content-Length"] = #gz
  ngx.print(gz)
end

--- Handles /_sandbox/<what> for what = "big" or "gzip_bomb".
function M.control(req, what)
  if req.method ~= "GET" and req.method ~= "HEAD" then
    ngx.status = 405
    ngx.header["Allow"] = "GET"
    ngx.say('{"error":"Method not allowed"}')
    return
  end
  if what == "big" then return big(req) end
  return gzip_bomb(req)
end

return M
