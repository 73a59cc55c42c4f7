-- wrk script for `python -m bench transfers`: sustained wallet transfers between seeded users.
--
-- Arguments after wrk's `--`: DATA_FILE RUN_KEY AMOUNT_MAX RECIPIENTS
--   DATA_FILE   funded users, one per line: phone<TAB>access token<TAB>PIN token (X-Jeton-Pin)
--   RUN_KEY     prefix of every Idempotency-Key of this load phase (unique per phase)
--   AMOUNT_MAX  each transfer sends a random amount in [1, AMOUNT_MAX] F CFA
--   RECIPIENTS  spread: the user half-way round the list from the sender;
--               random: any other user
--
-- Senders take turns in order (thread t starts at a different user), so the requests in
-- flight at one time come from consecutive senders. With `spread` and at least twice as many
-- users as connections, their recipients are other users again: two transfers in flight
-- hardly ever lock the same account (only when one lags a full turn of the list behind).
-- With `random`, transfers often wait for another's lock on a shared account.
-- Every request carries a unique Idempotency-Key: RUN_KEY-thread-counter.
--
-- done() prints one line `BENCH_RESULT {json}` that bench/common.py parses: latency
-- percentiles, socket errors, and the status counts gathered from every thread by response().

-- setup(), response() and done(): shared by every bench script.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "results.lua")

local users, n_users, cursor, counter, run_key, amount_max, spread

local function load_users(path)
  local list = {}
  for line in io.lines(path) do
    local phone, token, pin = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
    if phone then
      list[#list + 1] = {
        phone = phone,
        headers = {
          ["Content-Type"] = "application/json",
          ["Authorization"] = "Bearer " .. token,
          ["X-Jeton-Pin"] = pin,
        },
      }
    end
  end
  return list
end

function init(args)
  users = load_users(args[1])
  n_users = #users
  run_key = args[2]
  amount_max = tonumber(args[3]) or 20
  spread = (args[4] or "spread") == "spread"
  if n_users < 2 then
    error("a transfer needs two funded users in " .. tostring(args[1]))
  end
  counter = 0
  cursor = (tid * 7919) % n_users
  math.randomseed(os.time() + tid * 104729)
  -- Globals (not locals): done() reads them from each thread with thread:get().
  statuses = {}
  non2xx = 0
end

function request()
  cursor = cursor % n_users + 1
  local sender = users[cursor]
  -- Another user: an offset in [1, n - 1] from the sender, wrapped around.
  local offset = spread and math.floor(n_users / 2) or math.random(1, n_users - 1)
  local recipient = users[(cursor - 1 + offset) % n_users + 1]
  counter = counter + 1
  local headers = sender.headers
  headers["Idempotency-Key"] = string.format("%s-%d-%d", run_key, tid, counter)
  local body = string.format(
    '{"destinataire":"%s","montant":%d}', recipient.phone, math.random(1, amount_max))
  return wrk.format("POST", "/api/transferts", headers, body)
end
