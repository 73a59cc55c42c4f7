-- What every bench wrk script shares: thread ids for setup(), the status counts of
-- response(), and done()'s single `BENCH_RESULT {json}` line that bench/common.py parses
-- (latency percentiles, socket errors, statuses gathered from every thread).
-- A script loads it first with: dofile(<its own folder> .. "results.lua")
-- and initialises the globals `statuses = {}` and `non2xx = 0` in its init().

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local total_non2xx, merged = 0, {}
  for _, thread in ipairs(threads) do
    total_non2xx = total_non2xx + (thread:get("non2xx") or 0)
    for code, n in pairs(thread:get("statuses") or {}) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  local codes = {}
  for code, n in pairs(merged) do
    codes[#codes + 1] = string.format('"%d":%d', code, n)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"non2xx":%d,"statuses":{%s},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"stdev":%.1f,' ..
    '"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    total_non2xx, table.concat(codes, ","),
    latency.min, latency.mean, latency.max, latency.stdev,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9)))
end
