-- yishi bench: one scenario for wrk. The scenario comes from a Lua file named as the script's argument
-- (`wrk ... -s bench.lua -- scenario.lua`), which sets `paths`, `headers`, `method` and, for POSTs,
-- `body` (a string.format pattern with two %d: the thread number and the request counter, so that every
-- request carries a distinct text). done() prints one line "WRKJSON {...}" that yishi.bench.wrk parses.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  dofile(args[1])
  non2xx = 0
  first_bad = ""
  counter = 0
  -- Threads start at different places in the list so that 16 connections do not ask for the same page.
  offset = ((tid or 1) - 1) * 7
  prepared = {}
  if method ~= "POST" then
    for i, path in ipairs(paths) do
      prepared[i] = wrk.format("GET", path, headers)
    end
  end
end

function request()
  counter = counter + 1
  local i = (counter + offset) % #paths + 1
  if method == "POST" then
    return wrk.format("POST", paths[i], headers, string.format(body, tid or 1, counter))
  end
  return prepared[i]
end

function response(status, hdrs, resp_body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == "" then
      first_bad = tostring(status) .. " " .. (hdrs["Location"] or hdrs["location"] or "")
    end
  end
end

function done(summary, latency, requests)
  local bad, example = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
    local seen = thread:get("first_bad") or ""
    if example == "" then example = seen end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f,"non2xx":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d},"first_bad":"%s"}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean,
    bad, e.connect, e.read, e.write, e.status, e.timeout,
    (example:gsub('[\\"]', ""):gsub("%c", " "))))
end
