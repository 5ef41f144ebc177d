-- The ambulance simulation: agreement with ELASPY's own diesel runs (every patient), a hand-
-- checked 3-ambulance case (event order, FIFO waiting, interpolated redirect), the baseline
-- event loop giving the same answers, reproducibility over threads, Ctrl-C, and bad input.
local sim = require "sim"
local csv = require "csv"
local E = require "sim.elaspy"
local start = dofile("spec/support/process.lua").start

local UT = spec.data("utrecht_mexclp")
local DES = spec.data("elaspy_des")
local function alloc(n) return string.format("%s/Base_Locations_Ambulances_MEXCLP_21_22_%d.csv", UT, n) end

local reg
local function region() reg = reg or E.region(UT); return reg end

-- expected_patients.csv against our per-call output: every patient, 1e-9 relative
local function agree(folder, n, got)
  local ex = csv.read(DES .. "/" .. folder .. "/expected_patients.csv", {empty = "nil", types = {
    patient_ID = "number", response_time = "number", arrival_time = "number", location_ID = "number",
    assigned_to_ambulance_nr = "number", hospital_ID = "number", finish_time = "number",
    waiting_time_before_assigned = "number", driving_time_to_patient = "number"}})
  assert.equals(n, #ex.patient_ID)
  for i = 1, n do
    assert.equals(i - 1, math.tointeger(ex.patient_ID[i]))
    assert.rel(ex.response_time[i], got.response[i], 1e-9)
    assert.rel(ex.finish_time[i], got.finish[i], 1e-9)
    assert.rel(ex.arrival_time[i], got.arrival[i], 1e-9)
    assert.equals(math.tointeger(ex.assigned_to_ambulance_nr[i]), got.amb[i])
    assert.equals(ex.hospital_ID[i] and math.tointeger(ex.hospital_ID[i]) or nil, got.hospital[i])
    assert.equals(math.tointeger(ex.location_ID[i]), got.loc[i])
    assert.is_true(math.abs(ex.waiting_time_before_assigned[i] - got.wait[i]) <= 1e-9 * math.max(1, got.response[i]))
  end
end

describe("sim module", function()
  it("loads without adding globals", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    package.loaded.sim = nil
    local m = require "sim"
    assert.equals("function", type(m.region))
    for k in pairs(_G) do assert.is_true(before[k], "new global " .. tostring(k)) end
  end)
end)

describe("agreement with ELASPY's diesel runs", function()
  for _, case in ipairs{{"diesel_3", 1400, 23}, {"diesel_4", 3500, 24}} do
    it(case[1] .. ": every patient's response time, ambulance, hospital and finish time", function()
      local r0 = region()
      local bases = E.allocation(alloc(case[3]), r0)
      assert.equals(case[3], #bases)
      local calls = E.replay(DES .. "/" .. case[1], r0, case[2])
      for _, plain in ipairs{false, true} do
        local r = r0.R:run{bases = bases, calls = calls, plain = plain}
        local got = {response = r.calls.response, finish = r.calls.finish, arrival = calls.time, wait = r.calls.wait,
          amb = {}, hospital = {}, loc = {}}
        local redirected = 0
        for i = 1, case[2] do
          got.amb[i] = r.calls.amb[i] - 1
          got.hospital[i] = r.calls.hospital[i] and r0.ids[r.calls.hospital[i]] or nil
          got.loc[i] = r0.ids[calls.loc[i]]
          if r.calls.available[i] and r.calls.from[i] ~= bases[r.calls.amb[i]] then redirected = redirected + 1 end
        end
        agree(case[1], case[2], got)
        assert.is_true(redirected > 50, "the run exercises ambulances taken on their way back")
      end
    end)
  end

  it("kilometres per ambulance: the distances of ELASPY's driving events (partial drives back included)", function()
    local r0 = region()
    for _, case in ipairs{{"diesel_3", 1400, 23}, {"diesel_4", 3500, 24}} do
      local dir = DES .. "/" .. case[1]
      local bases = E.allocation(alloc(case[3]), r0)
      local r = r0.R:run{bases = bases, calls = E.replay(dir, r0, case[2])}
      local ev = csv.read(dir .. "/expected_ambulance_events.csv", {empty = "nil", types = {ambulance_ID = "number",
        source_location_ID = "number", target_location_ID = "number", idle_or_driving_decrease = "number"}})
      local km = {}
      for i = 1, #ev.ambulance_ID do
        if ev.idle_or_driving_decrease[i] == 1 then
          local a = math.tointeger(ev.ambulance_ID[i]) + 1
          local from = r0.index[math.tointeger(ev.source_location_ID[i])]
          local to = r0.index[math.tointeger(ev.target_location_ID[i])]
          km[a] = (km[a] or 0) + r0.D[from][to]
        end
      end
      for a = 1, case[3] do assert.rel(km[a], r.ambulances.km[a], 1e-9) end
    end
  end)

  it("models/simulate.lua replay: the patients file holds ELASPY's columns and values", function()
    local out = spec.tmpname(".csv")
    local code, stdout, err = spec.run({"models/simulate.lua", "instance=utrecht", "replay=" .. DES .. "/diesel_3",
      "allocation=" .. alloc(23), "calls=1400", "patients=" .. out})
    assert.equals(0, code, err)
    assert.matches("replayed 1400 calls", stdout)
    local p = csv.read(out, {empty = "nil", types = {patient_ID = "integer", response_time = "number",
      arrival_time = "number", location_ID = "integer", assigned_to_ambulance_nr = "integer", hospital_ID = "integer",
      finish_time = "number", waiting_time_before_assigned = "number"}})
    for _, col in ipairs(E.PATIENT_COLUMNS) do assert.truthy(p[col], "column " .. col) end
    agree("diesel_3", 1400, {response = p.response_time, finish = p.finish_time, arrival = p.arrival_time,
      amb = p.assigned_to_ambulance_nr, hospital = p.hospital_ID, loc = p.location_ID,
      wait = p.waiting_time_before_assigned})
  end)
end)

-- Four locations on a line, x = 0, 10, 20, 30 m; 5 minutes per step; driving back at half speed.
-- Ambulances 1 and 2 at location 1, ambulance 3 at location 4; hospital at location 4.
local function line_region()
  local T = {}
  for a = 1, 4 do T[a] = {}; for b = 1, 4 do T[a][b] = 5 * math.abs(a - b) end end
  return sim.region{time = T, dist = T, x = {0, 10, 20, 30}, y = {0, 0, 0, 0}, hospitals = {4}, no_siren = 0.5}
end

describe("a hand-checked 3-ambulance case", function()
  local R = line_region()
  local calls = {time = {0, 1, 2, 3, 4, 40}, loc = {2, 1, 4, 3, 3, 2}, onsite = {10, 30, 30, 5, 5, 1},
    dropoff = {0, 0, 0, 0, 0, 0}, to_hospital = {false, false, false, false, false, false}}
  local r = R:run{bases = {1, 1, 4}, calls = calls}
  local c = r.calls

  it("dispatches the closest free ambulance, the lower number on a tie", function()
    assert.same({1, 2, 3}, {c.amb[1], c.amb[2], c.amb[3]})   -- call 1: ambulances 1 and 2 tie at 5 min
    assert.same({5, 0, 0}, {c.response[1], c.response[2], c.response[3]})
    assert.same({15, 31, 32}, {c.finish[1], c.finish[2], c.finish[3]})
    assert.same({3, 2, 1}, {c.available[1], c.available[2], c.available[3]})
  end)

  it("queues calls first-come-first-served and serves them from where the ambulance finished", function()
    -- calls 4 and 5 find no ambulance free; ambulance 1 frees at 15 at location 2 and takes call 4
    -- (5 min away), frees again at 25 at location 3 and takes call 5 there
    assert.same({1, 1}, {c.amb[4], c.amb[5]})
    assert.same({false, false}, {c.available[4], c.available[5]})
    assert.same({12, 21}, {c.wait[4], c.wait[5]})
    assert.same({17, 21}, {c.response[4], c.response[5]})
    assert.same({25, 30}, {c.finish[4], c.finish[5]})
    assert.same({2, 3}, {c.from[4], c.from[5]})
    assert.equals(2, r.queued)
    assert.equals(2, r.max_queue)
  end)

  it("takes an ambulance driving back from its interpolated position", function()
    -- ambulance 1 leaves location 3 at 30 for base 1 (10 min at siren speed, 20 at half speed);
    -- at 40 it is halfway, x = 10: location 2, where call 6 is (response 0, not 5 from its
    -- origin or its base, where ambulance 2 would tie and lose on number)
    assert.equals(1, c.amb[6])
    assert.equals(2, c.from[6])
    assert.equals(0, c.response[6])
    assert.equals(41, c.finish[6])
    -- km: 1->2, 2->3, 3->3, back 3->2 (cut short at 40), 2->2, back 2->1 (41 to 51)
    assert.equals(5 + 5 + 0 + 5 + 0 + 5, r.ambulances.km[1])
    assert.equals(10 + 10, r.ambulances.back[1])
    assert.equals(15 + 10 + 5 + 1, r.ambulances.busy[1])
  end)

  it("gives the same answers with the baseline event loop", function()
    local p = R:run{bases = {1, 1, 4}, calls = calls, plain = true}
    assert.same(r.calls, p.calls)
    assert.same(r.ambulances, p.ambulances)
  end)

  it("serves waiting calls by priority, first-come-first-served within one", function()
    local q = R:run{bases = {1}, calls = {time = {0, 1, 2, 3}, loc = {1, 1, 1, 1}, onsite = {10, 1, 1, 1},
      dropoff = {0, 0, 0, 0}, to_hospital = {false, false, false, false}, priority = {1, 2, 1, 2}}}
    -- free at 10: call 3 (priority 1) first, then calls 2 and 4 in arrival order
    assert.same({0, 11 - 1, 10 - 2, 12 - 3}, q.calls.wait)
    assert.same({10, 12, 11, 13}, q.calls.finish)
    assert.raises(function() R:run{bases = {1}, calls = {time = {0}, loc = {1}, onsite = {1}, dropoff = {0},
      to_hospital = {false}, priority = {9}}} end, "bad argument #1 to 'run' (field 'priority'[1] must be an integer in 1..8)")
  end)

  it("goes to the closest hospital and hands over before it is free", function()
    local q = R:run{bases = {1}, calls = {time = {0, 1}, loc = {2, 2}, onsite = {3, 1}, dropoff = {4, 0},
      to_hospital = {true, false}}}
    assert.equals(4, q.calls.hospital[1])
    assert.equals(10, q.calls.to_hosp[1])
    assert.equals(5 + 3 + 10 + 4, q.calls.finish[1])
    -- call 2 waits for the ambulance at the hospital (location 4): 10 min back to location 2
    assert.equals(22 - 1, q.calls.wait[2])
    assert.equals(22 - 1 + 10, q.calls.response[2])
    assert.is_false(q.calls.hospital[2])
  end)
end)

describe("generated calls", function()
  local R = line_region()
  local o = {bases = {1, 4}, zones = {1, 2, 3, 4}, rate = {0.5, 0.5, 0.5, {0.5}}, hours = 2000, replications = 6,
    seed = 7, target = 8}

  it("are reproducible and independent of the thread count", function()
    o.threads = 1
    local a = R:replicate(o)
    o.threads = 3
    local b = R:replicate(o)
    assert.same(a.reps, b.reps)
    assert.same(a.zone_resp, b.zone_resp)
    assert.same(a.amb_busy, b.amb_busy)
    o.plain = true
    local p = R:replicate(o)
    o.plain = nil
    assert.same(a.reps, p.reps)
    -- about 2 calls per hour for 2000 hours
    for _, rep in ipairs(a.reps) do assert.is_true(math.abs(rep.calls - 4000) < 5 * math.sqrt(4000)) end
    assert.is_true(a.reps[1].calls ~= a.reps[2].calls or a.reps[1].mean_response ~= a.reps[2].mean_response)
    o.seed = 8
    local c = R:replicate(o)
    assert.is_true(c.reps[1].mean_response ~= a.reps[1].mean_response)
  end)

  it("split into batches (first =) gives the same replications", function()
    local whole = R:replicate{bases = {1, 4}, zones = {1, 2, 3, 4}, rate = {0.5, 0.5, 0.5, 0.5}, hours = 500,
      replications = 6, seed = 3, threads = 2}
    local a = R:replicate{bases = {1, 4}, zones = {1, 2, 3, 4}, rate = {0.5, 0.5, 0.5, 0.5}, hours = 500,
      replications = 2, seed = 3, threads = 1}
    local b = R:replicate{bases = {1, 4}, zones = {1, 2, 3, 4}, rate = {0.5, 0.5, 0.5, 0.5}, hours = 500,
      replications = 4, seed = 3, threads = 2, first = 2}
    assert.same(whole.reps, {a.reps[1], a.reps[2], b.reps[1], b.reps[2], b.reps[3], b.reps[4]})
    local n = 0
    for _, c in ipairs(whole.hist) do n = n + c end
    local calls = 0
    for _, r in ipairs(whole.reps) do calls = calls + r.calls end
    assert.equals(calls, n)
  end)

  it("draws priorities by their shares; urgent calls wait less", function()
    local z = R:replicate{bases = {1}, zones = {1, 2, 3, 4}, rate = {0.6, 0.6, 0.6, 0.6}, hours = 3000,
      priorities = {0.25, 0.75}, threads = 1, p_hospital = 0}
    local bp = z.reps[1].by_priority
    local n = bp[1].calls + bp[2].calls
    assert.equals(z.reps[1].calls, n)
    assert.is_true(math.abs(bp[1].calls / n - 0.25) < 0.03)
    assert.is_true(bp[1].mean_response < bp[2].mean_response)
  end)

  it("sends transported patients to hospitals by the plan's shares", function()
    local T = {}
    for a = 1, 4 do T[a] = {}; for b = 1, 4 do T[a][b] = 5 * math.abs(a - b) end end
    local R2 = sim.region{time = T, dist = T, x = {0, 10, 20, 30}, y = {0, 0, 0, 0}, hospitals = {1, 4}}
    local o2 = {bases = {1}, zones = {2}, rate = {0.02}, hours = 20000, p_hospital = 1, threads = 1}
    local function km_per_call(b)
      local km, n = 0, 0
      for r, row in ipairs(b.amb_km) do km, n = km + row[1], n + b.amb_calls[r][1] end
      return km / n
    end
    local closest = R2:replicate(o2)              -- location 2 -> hospital 1: 5 there, 5 back, 5 home... 10 km
    o2.hospital_shares = {{4, 1}}                 -- all to hospital 4: 5 + 10 + 15 = 30 km
    local planned = R2:replicate(o2)
    assert.is_true(math.abs(km_per_call(closest) - 10) < 0.5, "closest " .. km_per_call(closest))
    assert.is_true(math.abs(km_per_call(planned) - 30) < 1.5, "planned " .. km_per_call(planned))
    o2.hospital_shares = {{4, 1, 1, 1}}           -- half and half: 20 km
    assert.is_true(math.abs(km_per_call(R2:replicate(o2)) - 20) < 1.5)
    o2.hospital_shares = {{4, 0}}
    assert.raises(function() R2:replicate(o2) end,
      "bad argument #1 to 'replicate' (field 'hospital_shares'[1]: the shares sum to 0)")
  end)

  it("follows the rate per zone and period", function()
    local z = R:replicate{bases = {1}, zones = {1, 2}, rate = {{1, 0}, {0, 3}}, hours = 4000, p_hospital = 0,
      onsite = {0, 0, 1, 5}, threads = 1}
    -- zone 1 only in even hours, zone 2 only in odd hours: 2000 and 6000 calls expected
    assert.is_true(math.abs(z.zone_n[1] - 2000) < 5 * math.sqrt(2000))
    assert.is_true(math.abs(z.zone_n[2] - 6000) < 5 * math.sqrt(6000))
  end)

  it("rejects bad options with lauxlib wording", function()
    assert.raises(function() R:replicate{bases = {1}, zones = {1}, rate = {1}, hours = 1, colour = 1} end,
      "bad argument #1 to 'replicate' (unknown option 'colour')")
    assert.raises(function() R:replicate{bases = {9}, zones = {1}, rate = {1}, hours = 1} end,
      "bad argument #1 to 'replicate' (field 'bases'[1] must be an integer in 1..4)")
    assert.raises(function() R:replicate{bases = {1}, zones = {1}, rate = {-1}, hours = 1} end,
      "bad argument #1 to 'replicate' (field 'rate'[1][1] must be a number >= 0)")
    assert.raises(function() R:run{bases = {1}, calls = {time = {2, 1}, loc = {1, 1}, onsite = {1, 1}, dropoff = {0, 0},
      to_hospital = {false, false}}} end, "bad argument #1 to 'run' (call 2: arrives before call 1)")
    R:close()
    assert.raises(function() R:run{bases = {1}, calls = {}} end, "attempt to use a closed sim.region")
  end)
end)

-- a copy of diesel_3's streams in a scratch folder, one file altered
local function streams(change)
  local dir = spec.mkdir()
  for _, f in ipairs(E.STREAMS) do
    local s = assert(spec.read(DES .. "/diesel_3/" .. f))
    if change[f] then s = change[f](s) end
    spec.write(dir .. "/" .. f, s)
  end
  return dir
end

describe("models/simulate.lua on bad input", function()
  local function fails(args, pattern)
    local out = spec.mkdir()
    local a = {"models/simulate.lua", "instance=utrecht", "out=" .. out .. "/r.json"}
    for _, x in ipairs(args) do
      a[#a + 1] = x
      if x:match("^replay=") then a[#a + 1] = "patients=" .. out .. "/p.csv" end
    end
    local code, _, err = spec.run(a)
    assert.equals(1, code)
    assert.matches(pattern, err)
    assert.is_nil(err:find("traceback", 1, true), err)
    assert.same({}, spec.ls(out))
  end

  it("a location not in the matrix: FILE:LINE", function()
    local dir = streams{["location_IDs.csv"] = function(s) return (s:gsub("\n3769\n", "\n9999\n", 1)) end}
    fails({"replay=" .. dir, "allocation=" .. alloc(23), "calls=100"}, "location_IDs%.csv:3: location 9999 is not in the travel%-time matrix")
  end)

  it("a negative time: FILE:LINE", function()
    local dir = streams{["on_site_aid_times.csv"] = function(s) return (s:gsub("\n32%.24447329150819\n", "\n-1.5\n", 1)) end}
    fails({"replay=" .. dir, "allocation=" .. alloc(23), "calls=100"}, "on_site_aid_times%.csv:3: negative time %-1%.5")
  end)

  it("an allocation naming an unknown base: FILE:LINE", function()
    local f = spec.write(spec.tmpname(".csv"), "Ambulance,Base\n0,3645\n1,3584\n")
    fails({"replay=" .. DES .. "/diesel_3", "allocation=" .. f, "calls=100"}, "%.csv:3: base 3584 is not one of the region's bases")
  end)

  it("a rates file with an hour out of range or an unknown zone: FILE:LINE", function()
    local f = spec.write(spec.tmpname(".csv"), "zone,hour,rate\n3511,8,5\n3511,24,5\n")
    fails({"rates=" .. f}, "%.csv:3: hour 24 is not in 0%.%.23")
    f = spec.write(spec.tmpname(".csv"), "zone,hour,rate\n3511,8,5\n9999,8,1\n")
    fails({"rates=" .. f}, "%.csv:3: zone 9999 is not a location of the region")
    f = spec.write(spec.tmpname(".csv"), "zone,hour,rate\n3511,8,0\n")
    fails({"rates=" .. f}, "%.csv: every rate is 0 %(no calls%)")
    fails({"rate=0"}, "rate=0: no calls")
    fails({"priorities=0.3,x"}, "priorities=0%.3,x: share 2 is not a number >= 0")
    f = spec.write(spec.tmpname(".csv"), "zone,hospital,share\n3511,3584,0.5\n3511,3511,0.5\n")
    fails({"hospital_shares=" .. f}, "%.csv:3: 3511 is not one of the region's hospitals")
  end)

  it("an output folder that does not exist is named before any work", function()
    fails({"report=/nonexistent-folder/r.html"}, "report=/nonexistent%-folder/r%.html: folder /nonexistent%-folder does not exist")
    local code, _, err = spec.run({"models/simulate.lua", "replay=" .. DES .. "/diesel_3", "allocation=" .. alloc(23),
      "patients=/nonexistent-folder/p.csv"})
    assert.equals(1, code)
    assert.matches("patients=/nonexistent%-folder/p%.csv: folder /nonexistent%-folder does not exist", err)
  end)

  it("too few calls in the streams, unknown parameters", function()
    fails({"replay=" .. DES .. "/diesel_3", "allocation=" .. alloc(23), "calls=5000"}, "interarrival_times%.csv: 1400 values, 5000 calls asked for")
    fails({"replay=" .. DES .. "/diesel_3", "colour=red"}, "unknown parameter 'colour'")
  end)
end)

describe("Ctrl-C", function()
  it("stops a long generated run within a second, exit 130, no output", function()
    local dir = spec.mkdir()
    local h = start({"models/simulate.lua", "hours=200000", "replications=400", "out=" .. dir .. "/r.json",
      "report=" .. dir .. "/r.html"})
    h.wait_for("promised coverage", 60)
    os.execute(string.format("sleep %g", spec.t(0.5)))
    assert.is_true(h.alive(), "still simulating")
    local took = h.stop("INT")
    h.kill()
    local code, _, err = h.finish()
    assert.is_true(took < spec.t(1.0), string.format("stopped %.2f s after SIGINT", took))
    assert.equals(130, code)
    assert.matches("interrupted", err)
    assert.same({}, spec.ls(dir))
  end)
end)

describe("models/simulate.lua with generated calls", function()
  it("reports promised vs simulated coverage with intervals, a report and the JSON result", function()
    local dir = spec.mkdir()
    local code, out, err = spec.run({"models/simulate.lua", "hours=300", "replications=3", "threads=2",
      "report=" .. dir .. "/r.html", "out=" .. dir .. "/r.json"})
    assert.equals(0, code, err)
    assert.matches("promised coverage %(MEXCLP, q = 0%.6, 12 min%): 0%.852089", out)
    assert.matches("within 12 min: simulated 0%.%d+ %[0%.%d+, 0%.%d+%] vs promised 0%.8521", out)
    local r = require("json").decode(spec.read(dir .. "/r.json"))
    assert.rel(0.85208932, r.promised, 1e-8)
    assert.equals(20, r.ambulances)
    local s = r.summary
    assert.is_true(s.within.lo <= s.within.mean and s.within.mean <= s.within.hi)
    assert.is_true(s.busy.mean > 0.2 and s.busy.mean < 0.6, "busy " .. s.busy.mean)
    assert.is_true(s.calls.mean > 300 * 7.74 * 0.8 and s.calls.mean < 300 * 7.74 * 1.2)
    assert.matches("Mean response per zone", spec.read(dir .. "/r.html"))
    -- the same seed gives the same numbers with one thread
    local code2, out2 = spec.run({"models/simulate.lua", "hours=300", "replications=3", "threads=1"})
    assert.equals(0, code2)
    assert.equals(out:match("within 12 min[^\n]*"), out2:match("within 12 min[^\n]*"))
  end)
end)

describe("generated calls from a rates file", function()
  it("follows the zone and hour rates", function()
    local f = spec.write(spec.tmpname(".csv"), "zone,hour,rate\n3511,8,5\n3511,9,5\n3435,8,2\n")
    local dir = spec.mkdir()
    local code, out, err = spec.run({"models/simulate.lua", "rates=" .. f, "hours=2400", "replications=4",
      "out=" .. dir .. "/r.json"})
    assert.equals(0, code, err)
    assert.matches("at the rates of", out)
    code, out, err = spec.run({"models/simulate.lua", "rates=" .. f, "hours=2400", "replications=2",
      "priorities=0.5,0.5"})
    assert.equals(0, code, err)
    assert.matches("priority 1: mean response [%d.]+ %[", out)
    assert.matches("priority 2: mean response [%d.]+ %[", out)
    local r = require("json").decode(spec.read(dir .. "/r.json"))
    -- 100 days x (5 + 5 + 2) calls
    assert.is_true(math.abs(r.summary.calls.mean - 1200) < 4 * math.sqrt(1200 / 4), "calls " .. r.summary.calls.mean)
  end)
end)

describe("busy=simulated in the location models", function()
  it("mexclp: rounds of simulation and re-optimisation, promised vs simulated each round", function()
    local dir = spec.mkdir()
    local code, out, err = spec.run({"models/mexclp.lua", "busy=simulated", "curve_to=0", "sim_hours=400",
      "sim_replications=1", "rounds=3", "out=" .. dir .. "/m.json"})
    assert.equals(0, code, err)
    assert.matches("round 0: promised 0%.8521, simulated", out)
    local r = require("json").decode(spec.read(dir .. "/m.json"))
    local L = r.loop
    assert.is_true(#L.rounds >= 2 and #L.rounds <= 4)
    assert.rel(0.85208932, L.rounds[1].promised, 1e-8)
    for _, rd in ipairs(L.rounds) do
      assert.rel(rd.simulated - rd.promised, rd.gap, 1e-12)
      local n = 0
      for _, k in ipairs(rd.x) do n = n + k end
      assert.equals(20, n)
    end
    assert.is_true(L.status == "converged" or L.status == "cycle" or L.status == "rounds")
    assert.is_true(L.best >= 0 and L.best < #L.rounds)
    if L.status == "cycle" then assert.is_true(L.cycle_from < #L.rounds) end
  end)

  it("lr_mexclp takes busy=simulated too; bad values are named", function()
    local code, out, err = spec.run({"models/lr_mexclp.lua", "busy=simulated", "curve_to=0", "sim_hours=200",
      "sim_replications=1", "rounds=1"})
    assert.equals(0, code, err)
    assert.matches("round 1: promised", out)
    code, _, err = spec.run({"models/mexclp.lua", "busy=sometimes"})
    assert.equals(1, code)
    assert.matches("busy=sometimes: expected q %(the given busy fraction%) or simulated", err)
    code, _, err = spec.run({"models/mexclp.lua", "instance=sf", "busy=simulated", "radius=5000"})
    assert.equals(1, code)
    assert.matches("busy=simulated: instance=sf has no simulation region", err)
  end)
end)
