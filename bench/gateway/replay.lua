-- replay.lua: a wrk script that replays pre-signed raw HTTP requests written by
-- gen_requests.py, and prints one JSON line of results when the run is done.
--
--   wrk -t2 -c16 -d10s -s bench/gateway/replay.lua http://127.0.0.1:PORT/ -- FILE [key=value ...]
--
-- FILE is the request file ("DDBREQS 1 <count>\n", then per request "<length>\n<bytes>\n").
-- key=value arguments are copied into the JSON line; `threads=N` must equal wrk's -t: thread i
-- (0-based) replays its own slice [count*i/N, count*(i+1)/N) of the file, in order, and starts
-- over when it reaches the end of its slice (so a put run writes distinct keys until a slice
-- wraps; "repeats" in the output counts requests sent again). Default threads=1 (every thread
-- replays the whole file from its start). The env var REQUESTS can stand in for FILE.
--
-- Output (stdout, one line):
--   {"requests":..,"duration_s":..,"rps":..,"p50_us":..,"p99_us":..,"p999_us":..,"mean_us":..,
--    "max_us":..,"non200":..,"statuses":{"400":..},"socket_errors":{...},"repeats":..,
--    "first_error":"<status> <body start>", <key=value pairs>}
-- Answers: by default "non200" is wrk's own count of answers with a status of 400 or more (it
-- parses every response anyway), and "statuses" / "first_error" stay empty. With the env var
-- REPLAY_INSPECT=1 a response() hook sees every answer: any status but 200 counts, by status,
-- and the first one's body is kept. The hook has wrk hand every answer's headers and body to
-- Lua (5.8% of the machine's CPU in LuaJIT alone during a GetItem run, perf): the servers under
-- test share it, so measure without it and inspect when a run reports errors. (An env var, not
-- an argument: wrk decides whether to collect answers from the script's top level, before
-- init() sees the arguments.)

-- Per-thread state. Globals, so that done() can read them with thread:get().
non200 = 0
statuses = {}
first_error = nil
sent = 0
slice_len = 0
labels = {}

local reqs = {}
local nreqs, idx = 0, 0

-- Reads this thread's slice of the file: records lo+1..hi of count (skips the others with
-- seek, so each thread holds only its own requests in memory).
local function load(path, id, nthreads)
  local f = io.open(path or "", "rb")
  if not f then
    error("replay.lua: cannot open request file " .. tostring(path))
  end
  local header = f:read("*l")
  local count = header and tonumber(header:match("^DDBREQS 1 (%d+)$"))
  if not count then
    error("replay.lua: " .. path .. " is not a DDBREQS 1 file")
  end
  if count == 0 then
    error("replay.lua: " .. path .. " holds no requests")
  end
  local lo = math.floor(count * id / nthreads)
  local hi = math.floor(count * (id + 1) / nthreads)
  if id >= nthreads or hi <= lo then
    lo, hi = 0, count -- more threads than slices: replay the whole file
  end
  local out = {}
  for i = 0, hi - 1 do
    local len = tonumber(f:read("*l") or "")
    if not len then
      error("replay.lua: " .. path .. ": record " .. (i + 1) .. " is damaged")
    end
    if i < lo then
      f:seek("cur", len + 1)
    else
      local r = f:read(len)
      if not r or #r ~= len or f:read(1) ~= "\n" then
        error("replay.lua: " .. path .. ": record " .. (i + 1) .. " is damaged")
      end
      out[#out + 1] = r
    end
  end
  f:close()
  return out
end

-- Runs in the main Lua state once per thread, before that thread's init().
local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1] or os.getenv("REQUESTS")
  local nthreads = 1
  for i = 2, #args do
    local k, v = args[i]:match("^([%w_]+)=(.*)$")
    if not k then
      error("replay.lua: argument '" .. args[i] .. "' is not key=value")
    end
    labels[k] = v
    if k == "threads" then
      nthreads = tonumber(v) or 1
    end
  end
  reqs = load(path, thread_index or 0, nthreads)
  nreqs = #reqs
  slice_len = nreqs
  idx = 0
end

function request()
  idx = idx + 1
  if idx > nreqs then
    idx = 1
  end
  sent = sent + 1
  return reqs[idx]
end

local inspecting = os.getenv("REPLAY_INSPECT") == "1"

local function inspect_response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    local k = tostring(status)
    statuses[k] = (statuses[k] or 0) + 1
    if first_error == nil then
      first_error = k .. " " .. (body or ""):sub(1, 300)
    end
  end
end

if inspecting then
  response = inspect_response
end

local function json_string(s)
  s = tostring(s)
  s = s:gsub('[%c"\\\128-\255]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", c:byte())
  end)
  return '"' .. s .. '"'
end

local function json_value(v)
  if type(v) == "number" then
    if v ~= v or v == math.huge or v == -math.huge then
      return "null"
    end
    if v == math.floor(v) and math.abs(v) < 1e15 then
      return string.format("%d", v)
    end
    return string.format("%.1f", v)
  end
  if v == nil then
    return "null"
  end
  local n = tonumber(v)
  if type(v) == "string" and n and v:match("^%-?%d+%.?%d*$") then
    return v
  end
  return json_string(v)
end

function done(summary, latency, requests)
  local total_non200, repeats, first = 0, 0, nil
  local all_statuses, labels_seen = {}, {}
  for _, t in ipairs(threads) do
    total_non200 = total_non200 + (t:get("non200") or 0)
    local s, len = t:get("sent") or 0, t:get("slice_len") or 0
    if s > len then
      repeats = repeats + (s - len)
    end
    first = first or t:get("first_error")
    for k, v in pairs(t:get("statuses") or {}) do
      all_statuses[k] = (all_statuses[k] or 0) + v
    end
    for k, v in pairs(t:get("labels") or {}) do
      labels_seen[k] = v
    end
  end
  local secs = summary.duration / 1e6
  local parts = {}
  local function add(k, v)
    table.insert(parts, json_string(k) .. ":" .. v)
  end
  local keys = {}
  for k in pairs(labels_seen) do
    table.insert(keys, k)
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    add(k, json_value(labels_seen[k]))
  end
  add("requests", json_value(summary.requests))
  add("duration_s", string.format("%.3f", secs))
  add("rps", json_value(secs > 0 and summary.requests / secs or 0))
  add("p50_us", json_value(latency:percentile(50)))
  add("p99_us", json_value(latency:percentile(99)))
  add("p999_us", json_value(latency:percentile(99.9)))
  add("mean_us", json_value(latency.mean))
  add("max_us", json_value(latency.max))
  add("inspected", inspecting and "true" or "false")
  add("non200", json_value(inspecting and total_non200 or summary.errors.status))
  local st = {}
  for k, v in pairs(all_statuses) do
    table.insert(st, json_string(k) .. ":" .. json_value(v))
  end
  table.sort(st)
  add("statuses", "{" .. table.concat(st, ",") .. "}")
  local e = summary.errors
  add("socket_errors", string.format('{"connect":%d,"read":%d,"write":%d,"timeout":%d}',
    e.connect, e.read, e.write, e.timeout))
  add("repeats", json_value(repeats))
  add("first_error", first and json_string(first) or "null")
  io.write("{" .. table.concat(parts, ",") .. "}\n")
end
