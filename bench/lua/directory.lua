-- wrk script for `python -m bench directory`: GET requests rotating through a list of paths.
--
-- Arguments after wrk's `--`: PATHS_FILE [moved RUN | from FIRST THREADS]
--   PATHS_FILE  one request path with its query string per line, already URL-encoded
--               (near-me points, search queries or establishment ids, prepared by
--               bench/directory.py with a fixed random seed)
--   moved RUN   (near me, new positions) this load's number: each request's position is
--               moved so that none is asked twice, in this load or another one: the
--               latitude by 1e-7 degree (1 cm) per pass over the list, the longitude by
--               (RUN * 256 + thread id) * 1e-7 degree (bench/directory.py `moved`)
--   from FIRST THREADS  (detail, ids not repeated) the THREADS threads share the list from
--               line FIRST (0-based), each starting a share further: where the scenario's
--               last load stopped, so that the loads follow each other
--
-- Otherwise each thread takes the paths in turn, starting at a different place in the list.
-- done() prints one line `BENCH_RESULT {json}` that bench/common.py parses: latency
-- percentiles, socket errors, and the status counts gathered from every thread by response().

-- setup(), response() and done(): shared by every bench script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "results.lua")

local paths, n_paths, cursor
local positions, passes, lon_shift -- RUN given: each path's parts, passes made, shift
local STEP = 1e-7

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  n_paths = #paths
  if n_paths == 0 then
    error("no request path in " .. tostring(args[1]))
  end
  cursor = (tid * 7919) % n_paths
  if args[2] == "from" then
    local first, threads = tonumber(args[3]), tonumber(args[4])
    cursor = (first + tid * math.floor(n_paths / threads)) % n_paths
  end
  local run = args[2] == "moved" and tonumber(args[3])
  if run then
    positions = {}
    for i, path in ipairs(paths) do
      local head, lat, middle, lon, tail = path:match("^(.-lat=)([-%d.]+)(&lon=)([-%d.]+)(.*)$")
      if not head then
        error("no lat=…&lon=… in " .. path)
      end
      positions[i] = { head, tonumber(lat), middle, tonumber(lon), tail }
    end
    passes = 0
    lon_shift = (run * 256 + tid) * STEP
  end
  -- Globals (not locals): done() reads them from each thread with thread:get().
  statuses = {}
  non2xx = 0
end

function request()
  cursor = cursor % n_paths + 1
  if not positions then
    return wrk.format("GET", paths[cursor])
  end
  if cursor == 1 then
    passes = passes + 1
  end
  local p = positions[cursor]
  local path = string.format("%s%.7f%s%.7f%s", p[1], p[2] + passes * STEP, p[3], p[4] + lon_shift, p[5])
  return wrk.format("GET", path)
end
