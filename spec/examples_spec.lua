-- Every scenario script in examples/ runs, and its answers hold up when checked by other means.
local json = require "json"

local function run(args)
  local out = spec.tmpname(".json")
  args[#args + 1] = "out=" .. out
  local code, stdout, err = spec.run(args)
  assert.equals(0, code, err)
  return json.decode(spec.read(out)), stdout
end

describe("examples", function()
  it("incident_rates: hourly counts add up to the file's rows, intervals contain the rates", function()
    local res = run({"examples/incident_rates.lua"})
    local h = io.popen("tail -n +2 examples/data/incidents.csv | wc -l")
    local rows = tonumber(h:read("a"))
    h:close()
    local total = 0
    for _, r in ipairs(res.hours) do
      total = total + r.count
      assert.truthy(r.lo <= r.rate and r.rate <= r.hi, "interval around the rate at " .. r.hour)
    end
    assert.equals(rows, total)
    assert.equals(24, #res.hours)
    assert.truthy(res.dispersion.index > 0)
  end)

  it("er_alpha_sweep: a stricter overflow target never shortens travel and is kept", function()
    local res = run({"examples/er_alpha_sweep.lua", "alphas=0.2,0.1,0.05,0.01"})
    local prev
    for _, r in ipairs(res.runs) do
      if r.status == "INFEASIBLE" then
        assert.equals(0.01, r.alpha)
      else
        assert.truthy(r.worst_overflow <= r.alpha + 1e-9, "overflow within alpha " .. r.alpha)
        if prev then assert.truthy(r.mean >= prev - 1e-9, "mean travel non-decreasing") end
        prev = r.mean
      end
    end
    assert.equals(4, #res.runs)
  end)
end)
