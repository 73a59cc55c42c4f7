-- wrk script for `python -m bench onboarding`: one file for every onboarding scenario.
--
-- Arguments after wrk's `--`: MODE DATA_FILE FIRST STRIDE
--   MODE       check-user-existing | check-user-unknown | register-user | login | me
--   DATA_FILE  seeded users, one per line: identifier<TAB>password<TAB>access token
--   FIRST      first number of the counter that makes unique phone numbers
--   STRIDE     numbers reserved per wrk thread (thread t counts from FIRST + t * STRIDE)
--
-- done() prints one line `BENCH_RESULT {json}` that bench/onboarding.py parses: latency
-- percentiles, socket errors, and the status counts gathered from every thread by response().

-- setup(), response() and done(): shared by every bench script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "results.lua")

local mode, users, n_users, cursor, counter, first
local json_headers = { ["Content-Type"] = "application/json" }

local function load_users(path)
  local list = {}
  for line in io.lines(path) do
    local ident, password, token = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
    if ident then
      list[#list + 1] = { ident = ident, password = password, token = token }
    end
  end
  return list
end

-- Identifiers and passwords are plain ASCII from the bench (no quotes, no backslashes).
local function json_body(fields)
  local parts = {}
  for i = 1, #fields, 2 do
    parts[#parts + 1] = string.format('"%s":"%s"', fields[i], fields[i + 1])
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function init(args)
  mode = args[1]
  users = load_users(args[2])
  n_users = #users
  counter = (tonumber(args[3]) or 0) + tid * (tonumber(args[4]) or 1000000)
  cursor = (tid * 7919) % math.max(n_users, 1)
  -- Globals (not locals): done() reads them from each thread with thread:get().
  statuses = {}
  non2xx = 0
  if n_users == 0 and (mode == "check-user-existing" or mode == "login" or mode == "me") then
    error("no seeded user in " .. tostring(args[2]))
  end
end

local function next_user()
  cursor = cursor % n_users + 1
  return users[cursor]
end

local function next_phone(prefix)
  counter = counter + 1
  return string.format("+225%s%08d", prefix, counter)
end

function request()
  if mode == "check-user-existing" then
    local body = json_body({ "identifier", next_user().ident })
    return wrk.format("POST", "/api/check-user", json_headers, body)
  elseif mode == "check-user-unknown" then
    local body = json_body({ "identifier", next_phone("01") })
    return wrk.format("POST", "/api/check-user", json_headers, body)
  elseif mode == "register-user" then
    local body = json_body({ "identifier", next_phone("05") })
    return wrk.format("POST", "/api/register-user", json_headers, body)
  elseif mode == "login" then
    local user = next_user()
    local body = json_body({ "identifier", user.ident, "password", user.password })
    return wrk.format("POST", "/api/auth/login", json_headers, body)
  elseif mode == "me" then
    local headers = { ["Authorization"] = "Bearer " .. next_user().token }
    return wrk.format("GET", "/api/user/me", headers, nil)
  end
  error("unknown mode " .. tostring(mode))
end
