-- wrk script for `python -m bench social`: authenticated GET requests, rotating users' tokens.
--
-- Arguments after wrk's `--`: DATA_FILE
--   DATA_FILE  one request per line: access token<TAB>path with its query string (the feed's
--              first page, or a page after a cursor), prepared by bench/social.py
--
-- Each thread takes the lines in turn, starting at a different place in the list, so
-- consecutive requests come from different users (their own `aime_par_moi`).
-- done() prints one line `BENCH_RESULT {json}` that bench/common.py parses: latency
-- percentiles, socket errors, and the status counts gathered from every thread by response().

-- setup(), response() and done(): shared by every bench script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "results.lua")

local lines, n_lines, cursor

function init(args)
  lines = {}
  for line in io.lines(args[1]) do
    local token, path = line:match("^([^\t]+)\t(.+)$")
    if token then
      lines[#lines + 1] = { path = path, headers = { ["Authorization"] = "Bearer " .. token } }
    end
  end
  n_lines = #lines
  if n_lines == 0 then
    error("no request in " .. tostring(args[1]))
  end
  cursor = (tid * 7919) % n_lines
  -- Globals (not locals): done() reads them from each thread with thread:get().
  statuses = {}
  non2xx = 0
end

function request()
  cursor = cursor % n_lines + 1
  local chosen = lines[cursor]
  return wrk.format("GET", chosen.path, chosen.headers)
end
