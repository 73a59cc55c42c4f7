-- wrk script for `python -m bench directory`: GET requests rotating through a list of paths.
--
-- Arguments after wrk's `--`: PATHS_FILE
--   PATHS_FILE  one request path with its query string per line, already URL-encoded
--               (near-me points, search queries or establishment ids, prepared by
--               bench/directory.py with a fixed random seed)
--
-- Each thread takes the paths in turn, starting at a different place in the list.
-- done() prints one line `BENCH_RESULT {json}` that bench/common.py parses: latency
-- percentiles, socket errors, and the status counts gathered from every thread by response().

-- setup(), response() and done(): shared by every bench script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "results.lua")

local paths, n_paths, cursor

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
  -- Globals (not locals): done() reads them from each thread with thread:get().
  statuses = {}
  non2xx = 0
end

function request()
  cursor = cursor % n_paths + 1
  return wrk.format("GET", paths[cursor])
end
