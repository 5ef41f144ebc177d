-- make_demo: writes the SYNTHETIC demo region in examples/data (no real place, no real people).
--   emsopt examples/make_demo.lua [dir=examples/data] [seed=2016]
-- Every file has exactly the header and formats of the real files it stands in for, so the same
-- code reads both:
--   incidents.csv   like nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv (a 20% sample;
--                            "MM/DD/YYYY hh:mm:ss AM/PM" times; real call-type codes, plus 5 rows with
--                            the made-up code XDEMO to exercise the unknown-code report; some rows
--                            without ZIP and with a ZIP that has no centroid, as in the real sample)
--   hospitals.csv like hospitals/hifld_hospitals_nyc5boroughs.csv (32 HIFLD columns;
--                            TYPE, STATUS, BEDS with one -999, TRAUMA levels, a children's hospital,
--                            a psychiatric and a closed hospital that are not ERs)
--   zcta.tsv            like zcta_centroids/zcta_nyc_area.tsv (TAB separated, INTPTLONG before
--                            INTPTLAT); ZIP-like zone codes 99101..99116 (no real ZCTA uses 991xx)
--   tracts.csv   like census_tracts/cenpop2010_tracts_jefferson_ky_21111.csv (STATEFP 99:
--                            no such state)
-- Deterministic: the seeded generator of the stats module; regenerating gives identical files.
local csv = require "csv"
local outputs = require "emsopt.outputs"
local stats = require "stats"

local P = params {
  dir = "examples/data", -- output directory (must exist)
  seed = 2016,           -- generator seed
  days = 120,            -- days of incidents from 2016-01-04 (a Monday)
  rate = 4.0,            -- mean incidents per hour over the whole region (before the 20% sampling)
}

local fmt = string.format
local rng = stats.rng(P.seed)

-- zones: a 4 x 4 grid of ZIP-like zones around an invented centre, population denser in the middle
local LAT0, LON0 = 40.20, -74.60
local zones = {}
for r = 0, 3 do
  for c = 0, 3 do
    local k = #zones + 1
    local lat = LAT0 + (r - 1.5) * 0.025 + rng:uniform(-0.006, 0.006)
    local lon = LON0 + (c - 1.5) * 0.033 + rng:uniform(-0.008, 0.008)
    local centre = math.abs(r - 1.5) + math.abs(c - 1.5)
    local pop = math.floor(9000 + 26000 / (1 + centre) + rng:uniform(0, 6000))
    local aland = math.floor(rng:uniform(3.5e6, 7.5e6))
    zones[k] = {geoid = fmt("991%02d", k), lat = lat, lon = lon, pop = pop, aland = aland,
      awater = k % 5 == 0 and math.floor(rng:uniform(1e4, 4e5)) or 0}
  end
end

-- hospitals: name, type, status, beds, trauma, zone near which it stands
local H = {
  {"DEMO GENERAL HOSPITAL", "GENERAL ACUTE CARE", "OPEN", 640, "LEVEL I", 6},
  {"DEMO UNIVERSITY HOSPITAL", "GENERAL ACUTE CARE", "OPEN", 520, "LEVEL I, LEVEL II PEDIATRIC", 11},
  {"DEMO CHILDREN'S HOSPITAL", "CHILDREN", "OPEN", 160, "LEVEL I PEDIATRIC", 7},
  {"DEMO RIVERSIDE HOSPITAL", "GENERAL ACUTE CARE", "OPEN", 260, "LEVEL II", 1},
  {"DEMO COMMUNITY MEDICAL CENTER", "GENERAL ACUTE CARE", "OPEN", 190, "NOT AVAILABLE", 16},
  {"DEMO NORTH SHORE HOSPITAL", "GENERAL ACUTE CARE", "OPEN", -999, "NOT AVAILABLE", 14},
  {"DEMO EAST VALLEY HOSPITAL", "GENERAL ACUTE CARE", "OPEN", 130, "NOT AVAILABLE", 4},
  {"DEMO BEHAVIORAL HEALTH CENTER", "PSYCHIATRIC", "OPEN", 90, "NOT AVAILABLE", 10},
  {"DEMO OLD CITY HOSPITAL", "GENERAL ACUTE CARE", "CLOSED", 210, "NOT AVAILABLE", 8},
}
local HCOLS = {"FID", "ID", "NAME", "ADDRESS", "CITY", "STATE", "ZIP", "ZIP4", "TELEPHONE", "TYPE", "STATUS",
  "POPULATION", "COUNTY", "COUNTYFIPS", "COUNTRY", "LATITUDE", "LONGITUDE", "NAICS_CODE", "NAICS_DESC", "SOURCE",
  "SOURCEDATE", "VAL_METHOD", "VAL_DATE", "WEBSITE", "STATE_ID", "ALT_NAME", "ST_FIPS", "OWNER", "TTL_STAFF", "BEDS",
  "TRAUMA", "HELIPAD"}
local hrows = {}
for i, h in ipairs(H) do
  local z = zones[h[6]]
  local lat = z.lat + rng:uniform(-0.004, 0.004)
  local lon = z.lon + rng:uniform(-0.004, 0.004)
  local psych = h[2] == "PSYCHIATRIC"
  hrows[i] = {
    FID = 9000 + i, ID = fmt("99%08d", 1000 + i), NAME = h[1], ADDRESS = fmt("%d DEMO AVENUE", 100 * i),
    CITY = "DEMOTOWN", STATE = "ZZ", ZIP = z.geoid, ZIP4 = "NOT AVAILABLE", TELEPHONE = fmt("(555) 010-%04d", i),
    TYPE = h[2], STATUS = h[3], POPULATION = h[4] > 0 and h[4] or -999, COUNTY = "DEMO", COUNTYFIPS = "99001",
    COUNTRY = "USA", LATITUDE = fmt("%.9f", lat), LONGITUDE = fmt("%.9f", lon),
    NAICS_CODE = psych and 622210 or 622110,
    NAICS_DESC = psych and "PSYCHIATRIC AND SUBSTANCE ABUSE HOSPITALS" or (h[2] == "CHILDREN" and "CHILDREN'S HOSPITALS" or "GENERAL MEDICAL AND SURGICAL HOSPITALS"),
    SOURCE = "SYNTHETIC (emsopt examples/make_demo.lua)", SOURCEDATE = "2016/01/01 00:00:00", VAL_METHOD = "SYNTHETIC",
    VAL_DATE = "2016/01/01 00:00:00", WEBSITE = "NOT AVAILABLE", STATE_ID = fmt("DEMO%03d", i), ALT_NAME = "NOT AVAILABLE",
    ST_FIPS = 99, OWNER = i % 3 == 0 and "GOVERNMENT - LOCAL" or "NON-PROFIT", TTL_STAFF = -999, BEDS = h[4],
    TRAUMA = h[5], HELIPAD = (h[5] ~= "NOT AVAILABLE") and "Y" or "N",
  }
end

-- call types: real codes with weights close to their frequency in the NYC sample, and the NYC
-- severity level of each
local CODES = {
  {"SICK", 312, 6}, {"INJURY", 273, 5}, {"DIFFBR", 171, 2}, {"EDP", 137, 7}, {"DRUG", 117, 4}, {"UNC", 106, 2},
  {"UNKNOW", 92, 4}, {"ABDPN", 88, 5}, {"CARD", 70, 3}, {"MVAINJ", 58, 5}, {"RESPIR", 35, 2}, {"PEDSTR", 32, 3},
  {"STATEP", 31, 2}, {"ASTHMB", 30, 3}, {"ALTMEN", 29, 4}, {"INJMAJ", 29, 2}, {"OTHER", 27, 6}, {"ARREST", 25, 1},
  {"SEIZR", 22, 5}, {"SICPED", 16, 4}, {"INBLED", 16, 4}, {"CVAC", 15, 2}, {"INJMIN", 15, 7}, {"OBLAB", 12, 5},
  {"ANAPH", 10, 2}, {"OBMAJ", 8, 4}, {"STAB", 8, 3}, {"TRAUMA", 8, 2}, {"CVA", 8, 4}, {"SHOT", 5, 3},
  {"STNDBY", 5, 8}, {"ASTHMP", 4, 3}, {"PEDFC", 2, 4}, {"DOA", 1, 8},
}
local cw, wsum = {}, 0
for i, c in ipairs(CODES) do wsum = wsum + c[2]; cw[i] = wsum end
local function pick(cum, total)
  local u = rng:uniform() * total
  for i = 1, #cum do if cum[i] > u then return i end end
  return #cum
end
local zw, zsum = {}, 0
for i, z in ipairs(zones) do zsum = zsum + z.pop; zw[i] = zsum end
-- hour-of-day profile (calls peak late morning to evening)
local PROFILE = {0.55, 0.45, 0.4, 0.35, 0.35, 0.4, 0.55, 0.8, 1.05, 1.2, 1.3, 1.35, 1.35, 1.35, 1.3, 1.3, 1.3, 1.3, 1.25, 1.2, 1.1, 1.0, 0.85, 0.7}
local psum = 0
for _, p in ipairs(PROFILE) do psum = psum + p end

local ICOLS = {"CAD_INCIDENT_ID", "INCIDENT_DATETIME", "INITIAL_CALL_TYPE", "INITIAL_SEVERITY_LEVEL_CODE",
  "VALID_INCIDENT_RSPNS_TIME_INDC", "HELD_INDICATOR", "BOROUGH", "ATOM", "INCIDENT_DISPATCH_AREA", "ZIPCODE",
  "POLICEPRECINCT", "CITYCOUNCILDISTRICT", "COMMUNITYDISTRICT", "COMMUNITYSCHOOLDISTRICT", "CONGRESSIONALDISTRICT",
  "SPECIAL_EVENT_INDICATOR", "INCIDENT_RESPONSE_SECONDS_QY"}
local start = csv.datetime("2016-01-04T00:00:00", "iso")
local irows, id, extra_unknown = {}, 160040000, 0
for day = 0, P.days - 1 do
  for hour = 0, 23 do
    local mu = P.rate * 24 * PROFILE[hour + 1] / psum * 0.2 -- a 20% sample
    local n = rng:poisson(mu)
    for _ = 1, n do
      local t = start + day * 86400 + hour * 3600 + rng:integer(0, 3599)
      local b = csv.bins(t)
      local h12 = b.hour % 12 == 0 and 12 or b.hour % 12
      local c = CODES[pick(cw, wsum)]
      local code, sev = c[1], c[3]
      if extra_unknown < 5 and rng:uniform() < 0.004 then code, sev, extra_unknown = "XDEMO", 6, extra_unknown + 1 end
      local zi = pick(zw, zsum)
      local zip = zones[zi].geoid
      local u = rng:uniform()
      if u < 0.01 then zip = "" elseif u < 0.014 then zip = "99199" end
      id = id + 1
      irows[#irows + 1] = {
        id, fmt("%02d/%02d/%04d %02d:%02d:%02d %s", b.month, b.day, b.year, h12, b.minute, b.second, b.hour < 12 and "AM" or "PM"),
        code, sev, "Y", rng:uniform() < 0.03 and "Y" or "N", "DEMO", "", fmt("D%d", (zi - 1) // 4 + 1), zip,
        zip == "" and "" or 900 + (zi - 1) // 2, zip == "" and "" or 90 + (zi - 1) // 3, zip == "" and "" or 990 + (zi - 1) // 4,
        zip == "" and "" or 99, zip == "" and "" or 99, "N", math.floor(240 + 700 * rng:uniform() ^ 2 + 60 * sev),
      }
    end
  end
end

-- census tracts: 3 per zone, population split, centres near the zone centroid
local trows = {}
for zi, z in ipairs(zones) do
  local parts = {rng:uniform(0.2, 1), rng:uniform(0.2, 1), rng:uniform(0.2, 1)}
  local s = parts[1] + parts[2] + parts[3]
  local left = z.pop
  for q = 1, 3 do
    local p = q < 3 and math.floor(z.pop * parts[q] / s) or left
    left = left - p
    trows[#trows + 1] = {"99", "001", fmt("%04d%02d", zi * 10 + q, 0), p,
      fmt("%.6f", z.lat + rng:uniform(-0.008, 0.008)), fmt("%.6f", z.lon + rng:uniform(-0.01, 0.01))}
  end
end

local zrows = {}
for i, z in ipairs(zones) do
  zrows[i] = {z.geoid, z.aland, z.awater, fmt("%.3f", z.aland / 2589988.11), fmt("%.3f", z.awater / 2589988.11),
    fmt("%.6f", z.lon), fmt("%.6f", z.lat)}
end

local dir = P.dir
local function check(ok, err) if not ok then error(err, 0) end end
check(outputs.csv(dir .. "/incidents.csv", ICOLS, irows))
check(outputs.csv(dir .. "/hospitals.csv", HCOLS, hrows))
check(outputs.csv(dir .. "/zcta.tsv", {"GEOID", "ALAND", "AWATER", "ALAND_SQMI", "AWATER_SQMI", "INTPTLONG", "INTPTLAT"},
  zrows, {delimiter = "\t"}))
check(outputs.csv(dir .. "/tracts.csv", {"STATEFP", "COUNTYFP", "TRACTCE", "POPULATION", "LATITUDE", "LONGITUDE"}, trows))
print(fmt("demo region in %s: %d incidents, %d hospitals, %d zones, %d tracts (seed %d)", dir, #irows, #hrows, #zrows, #trows, P.seed))
return {incidents = #irows, hospitals = #hrows, zones = #zrows, tracts = #trows, unknown = extra_unknown, dir = dir, seed = P.seed}
