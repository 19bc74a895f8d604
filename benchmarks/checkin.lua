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
  batch = tonumber(os.getenv("BENCH_BATCH") or "0")
  day_offset = tonumber(os.getenv("BENCH_DAY_OFFSET"))
end

local function date_for(n)
  -- 2023-01-02 plus n days, within the opinion's validity
  local t = os.time({year = 2023, month = 1, day = 2, hour = 12}) + n * 86400
  return os.date("%Y-%m-%d", t)
end

local function next_item()
  -- one check-in: a new key, and every 25th time the previous elder and day again (A13 must refuse it)
  counter = counter + 1
  local key = "bench-" .. run .. "-" .. tid .. "-" .. counter
  if counter % 25 == 0 and last_card then
    doubles = doubles + 1
  else
    local n = (tid * 7919 + counter) % #rows + 1
    local day = (day_offset + math.floor((tid * 100000 + counter) / #rows)) % 300
    last_facility, last_card, last_date = rows[n][1], rows[n][2], date_for(day)
  end
  return key
end

local last_batch_body
local by_facility, facility_ids, cursor, wraps = {}, {}, {}, {}
breq = 0

local function group_rows()
  for _, row in ipairs(rows) do
    if not by_facility[row[1]] then
      by_facility[row[1]] = {}
      facility_ids[#facility_ids + 1] = row[1]
      cursor[row[1]], wraps[row[1]] = 0, 0
    end
    table.insert(by_facility[row[1]], row[2])
  end
end

local function batch_request()
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Token " .. token}
  if #facility_ids == 0 then group_rows() end
  breq = breq + 1
  if breq % 10 == 0 and last_batch_body then
    -- the terminal did not get an answer and sends the same batch again
    replays = replays + batch
    counter = counter + batch
    return wrk.format("POST", "/api/v1/canteens/lunches/batch", headers, last_batch_body)
  end
  local facility = facility_ids[(breq + tid * 7) % #facility_ids + 1]
  local cards = by_facility[facility]
  local items = {}
  for i = 1, batch do
    counter = counter + 1
    local key = "bench-" .. run .. "-" .. tid .. "-" .. counter
    if counter % 25 == 0 and #items > 0 then
      doubles = doubles + 1
      items[#items + 1] = string.format('{"identifier": "%s", "meal_date": "%s", "idempotency_key": "%s"}',
        last_card, last_date, key)
    else
      cursor[facility] = cursor[facility] + 1
      if cursor[facility] > #cards then cursor[facility], wraps[facility] = 1, wraps[facility] + 1 end
      last_card = cards[cursor[facility]]
      last_date = date_for((day_offset + tid * 150 + wraps[facility]) % 300)
      items[#items + 1] = string.format('{"identifier": "%s", "meal_date": "%s", "idempotency_key": "%s"}',
        last_card, last_date, key)
    end
  end
  last_batch_body = string.format('{"facility": %s, "lunches": [%s]}', facility, table.concat(items, ","))
  return wrk.format("POST", "/api/v1/canteens/lunches/batch", headers, last_batch_body)
end

function request()
  if batch > 0 then return batch_request() end
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

new_accepted = 0
items_answered = 0

function response(code, headers, body)
  status[code] = (status[code] or 0) + 1
  if batch > 0 and body then
    local _, accepted = body:gsub('"status":"accepted","replayed":false', "")
    local _, answered = body:gsub('"index":', "")
    new_accepted = new_accepted + accepted
    items_answered = items_answered + answered
  end
  if headers["Idempotent-Replayed"] then replayed_responses = replayed_responses + 1 end
end

threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function done(summary, latency, requests)
  local generated, replay_sent, doubles_sent, s201, s422, other, replayed = 0, 0, 0, 0, 0, 0, 0
  local accepted_answers, answered = 0, 0
  for _, thread in ipairs(threads) do
    generated = generated + thread:get("counter")
    replay_sent = replay_sent + thread:get("replays")
    doubles_sent = doubles_sent + thread:get("doubles")
    replayed = replayed + thread:get("replayed_responses")
    accepted_answers = accepted_answers + thread:get("new_accepted")
    answered = answered + thread:get("items_answered")
    local st = thread:get("status")
    for code, n in pairs(st) do
      if code == 201 or code == 200 then s201 = s201 + n elseif code == 422 then s422 = s422 + n else other = other + n end
    end
  end
  io.write(string.format('LUA {"generated": %d, "replays_sent": %d, "doubles_sent": %d, "status_201": %d, "status_422": %d, "status_other": %d, "replayed_responses": %d, "batch_new_accepted": %d, "batch_items_answered": %d, "p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    generated, replay_sent, doubles_sent, s201, s422, other, replayed, accepted_answers, answered,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
