-- wrk script: POST lunch check-ins with idempotency keys. Every 10th request retries the previous
-- one verbatim (same key: must not record twice); every 25th sends the previous elder and day with
-- a new key (a second lunch the same day: must be refused, A13).
-- Counters are globals so that done() can read them from each thread with thread:get().
rows = {}
counter, replays, doubles = 0, 0, 0
status = {}
replayed_responses = 0
local last_body, last_key, last_facility, last_card, last_date

function init(args)
  for line in io.lines(os.getenv("BENCH_ROWS")) do
    local facility, card = line:match("([^,]+),([^,]+)")
    rows[#rows + 1] = {facility, card}
  end
  token = os.getenv("BENCH_TOKEN")
  run = os.getenv("BENCH_RUN")
  day_offset = tonumber(os.getenv("BENCH_DAY_OFFSET"))
end

local function date_for(n)
  -- 2023-01-02 plus n days, within the opinion's validity
  local t = os.time({year = 2023, month = 1, day = 2, hour = 12}) + n * 86400
  return os.date("%Y-%m-%d", t)
end

function request()
  counter = counter + 1
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. token}
  if counter % 10 == 0 and last_body then
    replays = replays + 1
    headers["Idempotency-Key"] = last_key
    return wrk.format("POST", "/api/v1/canteens/lunches", headers, last_body)
  end
  local key = "bench-" .. run .. "-" .. tid .. "-" .. counter
  if counter % 25 == 0 and last_card then
    doubles = doubles + 1
  else
    local n = (tid * 7919 + counter) % #rows + 1
    local day = (day_offset + math.floor((tid * 100000 + counter) / #rows)) % 300
    last_facility, last_card, last_date = rows[n][1], rows[n][2], date_for(day)
  end
  last_key = key
  last_body = string.format('{"facility": %s, "identifier": "%s", "meal_date": "%s"}', last_facility, last_card, last_date)
  headers["Idempotency-Key"] = key
  return wrk.format("POST", "/api/v1/canteens/lunches", headers, last_body)
end

function response(code, headers, body)
  status[code] = (status[code] or 0) + 1
  if headers["Idempotent-Replayed"] then replayed_responses = replayed_responses + 1 end
end

threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function done(summary, latency, requests)
  local generated, replay_sent, doubles_sent, s201, s422, other, replayed = 0, 0, 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    generated = generated + thread:get("counter")
    replay_sent = replay_sent + thread:get("replays")
    doubles_sent = doubles_sent + thread:get("doubles")
    replayed = replayed + thread:get("replayed_responses")
    local st = thread:get("status")
    for code, n in pairs(st) do
      if code == 201 then s201 = s201 + n elseif code == 422 then s422 = s422 + n else other = other + n end
    end
  end
  io.write(string.format('LUA {"generated": %d, "replays_sent": %d, "doubles_sent": %d, "status_201": %d, "status_422": %d, "status_other": %d, "replayed_responses": %d, "p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    generated, replay_sent, doubles_sent, s201, s422, other, replayed,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
