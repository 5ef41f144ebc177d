-- ER routing: for each emergency type and ZIP code, which hospital ERs should receive what share
-- of patients (least expected travel time within ER capacity), and how loaded is each ER?
--   emsopt models/er_routing.lua                      (the synthetic demo region in examples/data)
--   emsopt models/er_routing.lua incidents=../shared/data/nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv hospitals=../shared/data/hospitals/hifld_hospitals_nyc5boroughs.csv zcta=../shared/data/zcta_centroids/Gaz_zcta_national.txt
local er = require "er_routing"
local paths = require "emsopt.paths"

local P = params {
  incidents = paths.home "examples/data/incidents.csv", -- incidents in the NYC EMS dispatch format
  hospitals = paths.home "examples/data/hospitals.csv", -- HIFLD hospitals (TYPE, STATUS, BEDS, TRAUMA, LATITUDE, LONGITUDE)
  zcta = paths.home "examples/data/zcta.tsv",          -- ZIP centroids (GEOID, INTPTLAT, INTPTLONG; read by name)
  fraction = params.num(0.2, "(0,1]"), -- sampling fraction of the incident file (0.2 for the NYC samples)
  days = "1-5",                -- time-of-week window: ISO weekdays (Monday = 1)
  hours = "8-20",              -- time-of-week window: hours, end exclusive
  period_hours = params.num(1.0, "(0,inf)"), -- length of one planning period, hours (rates and capacity are per period)
  level = params.num(0.95, "(0,1)"), -- confidence level of the rate intervals (Garwood)
  speed = params.num(30.0, "[1,300]"), -- km/h, average ambulance speed
  detour = params.num(1.3, "[1,10]"), -- road distance / straight-line distance
  network = "",                -- road network for travel times: "manhattan" (shared data), an OpenStreetMap file (.osm.pbf, .osm), or "" = haversine
  profile = "ambulance",       -- speed profile of an OpenStreetMap network: ambulance, car or a .lua file
  network_weight = "week_12",  -- weight set of the road network (DAY_HOUR)
  access = params.quantity("1km", "distance"), -- with a network: largest distance from a ZIP centroid or ER to the nearest road node
  far = params.choice("error", {"error", "drop", "keep"}), -- points beyond access: error, drop (ZIPs left out) or keep (straight-line legs)
  er_types = "GENERAL ACUTE CARE,CHILDREN", -- hospital TYPEs that have an ER
  hospital_columns = "",       -- other hospital column names, e.g. ID:FAC_ID,LATITUDE:Y,LONGITUDE:X,BEDS:BEDCOUNT (no STATUS/TYPE/TRAUMA: open, general, none)
  call_types = "",             -- CSV code,type mapping call-type codes to the types below (or excluded) instead of the built-in lists
  capacity_factor = params.num(0.006, "[0,inf)"), -- ER patients per licensed bed per hour (C = ceil(beds x factor x period))
  capacity_column = "",        -- a hospitals column with C per period instead of the rule
  alpha = params.num(0.05, "[0,1)"), -- overflow probability per ER and period; 0 = mu is C itself
  k_nearest = params.int(3, "[1,inf)"), -- column generation starts from the k nearest capable ERs per demand
  unknown_type = "general_illness", -- type for call-type codes not in the table (they are reported)
  solver = params.choice("cbc", {"cbc", "lp_solve"}), -- LP backend: cbc (Clp; fast duals) or lp_solve (its sensitivity pass costs seconds here)
  mc_periods = params.int(20000, "[0,inf)"), -- Monte Carlo periods (0 = no simulation)
  seed = 20240601,             -- Monte Carlo seed
  show = params.int(15, "[0,inf)"), -- routing rows printed
  routes = params.output(),    -- write every route to this file (.csv or .json)
  ers = params.output(),       -- write the ER table to this file (.csv or .json)
  report = params.output(),    -- write an HTML report (map, utilisation chart, tables) to this file
  geojson = params.output(),   -- GeoJSON layers for QGIS: F.geojson gives F.zips, F.ers, F.routes .geojson
  quiet = false,               -- no report on screen (files are still written)
  code_column = "INITIAL_CALL_TYPE",      -- incidents: call-type code column
  zip_column = "ZIPCODE",                 -- incidents: ZIP column
  datetime_column = "INCIDENT_DATETIME",  -- incidents: date-time column (ISO 8601 or MM/DD/YYYY hh:mm:ss AM/PM)
  datetime_format = "",                   -- incidents: other date-times, strptime-style, e.g. %d.%m.%Y %H:%M (%Y %y %m %d %e %H %I %M %S %p %b %j %z %T %F %D)
}

-- Emergency types: call-type codes (call_type_descriptions.csv) -> type -> capability needed.
local TYPES = {
  {key = "cardiac", needs = "general", codes = "ARREST ARREFC ARREFT ARRERF ARSTFC T-ARST CARD CARDFC CARDFT CARDRF T-CARD CARDBR CDBRFC CDBRFT CDBRRF T-CDBR HYPTN"},
  {key = "stroke", needs = "stroke", codes = "CVA CVAC CVAFC CVARF CVACFC CVACFT CVACRF T-CVAC"},
  {key = "trauma", needs = "trauma", codes = "TRAUMA TRAUMS T-TRMA INJMAJ SHOT T-SHOT STAB T-STAB PEDSTR PEDSTS MVAINJ MVAINM MVAINS T-MVAI JUMPDN JUMPUP AMPMAJ BURNMA BURNHZ BURNHM ELECT DROWN ACTIVE T-ACTV MCI21P MCI22P MCI23P MCI24P MCI25P MCI26P MCI27P MCI28P MCI29P MCI30P MCI31P MCI32P MCI33P MCI34P MCI35P MCI38P MCI39P MCI40P MCI42P MCI43P MCI44P MCI48P MCI50P MCI58P MCI59P MCI76 MCI77 MCI80P MCI21 MCI22 MCI23 MCI24 MCI25 MCI26 MCI27 MCI28 MCI29 MCI30 MCI31 MCI32 MCI33 MCI34 MCI35 MCI36 MCI37 MCI38 MCI39 MCI40 MCI42 MCI43 MCI44 MCI48 MCI50 MCI57 MCI58 MCI59 MCI80 FIRE75 FIRE76 FIRE77 PD13 PD13C"},
  {key = "respiratory", needs = "general", codes = "ASTHMA ASTHMC ASTHMB ASTHFC ASTHFT ASTHRF T-ASTH DIFFBR DIFFFC DIFFFT DIFFRF T-DFBR RESPIR RESPFC RESPFT RESPRF RESCUE CHOKE CHOKFC CHOKRF ANAPH ANAPFC ANAPFT ANAPRF INHALE"},
  {key = "psychiatric", needs = "general", codes = "EDP EDPC EDPE EDPM EDPW EDPT T-EDP DRUG DRUGFC DRUGFT DRUGRF"},
  {key = "pediatric", needs = "pediatric", codes = "ASTHMP SICPED PEDFC PEDFT PEDRF CHILDA PREMIE"},
  {key = "obstetric", needs = "general", codes = "OBCOMP OBMAJ OBOUT OBLAB OBMIS T-OBST GYNMAJ GYNHEM RAPE SAFE"},
  {key = "general_illness", needs = "general", codes = "SICK SICKFC SICKFT SICKRF T-SICK SICMIN SICMFC SICMFT SICMRF UNC UNCFC UNCFT UNCRF T-UNC ALTMEN ALMNFC ALTMFC ALTMFT ALTMRF T-ALTM STATEP STATFC STATFT STATRF T-STEP SEIZR SEIZFC SEIZFT SEIZRF ABDPN ABDFC ABDPFC ABDPFT ABDPRF T-ABDP INBLED INBLFC INBLFT INBLRF T-INBL INJURY INJMIN INJALS T-INJ AMPMIN BURNMI MVA MEDRXN MEDRFC MEDRFT MEDRRF COLD HEAT VENOM DIALYS UNKNOW T-UNKN OTHER T-OTHR T-TEXT MEDVAC EVAC"},
  excluded = "DOA DOAU STNDBY STNDBM SPEVNT STRANS COVINF", -- not a patient for an ER: counted, not routed
}

-- Capabilities of a hospital h = {type, beds, trauma = {adult = level, pediatric = level}}.
local CAPABILITY = {
  general = function(h) return h.type == "GENERAL ACUTE CARE" end,
  trauma = function(h) return h.type == "GENERAL ACUTE CARE" and (h.trauma.adult or 9) <= 2 end,
  stroke = function(h) return h.type == "GENERAL ACUTE CARE" and (h.beds >= 200 or h.trauma.adult ~= nil) end,
  pediatric = function(h) return h.type == "CHILDREN" or h.trauma.pediatric ~= nil or (h.type == "GENERAL ACUTE CARE" and h.beds >= 300) end,
}

-- Data: incidents -> rates per type x ZIP; hospitals -> capability and capacity; travel minutes
local data = er.load(P, TYPES, CAPABILITY)

-- Model and Solve: min sum rate*minutes*x, every type x ZIP routed, ER loads <= mu (column generation)
local plan = er.solve(data, P)
local mc = P.mc_periods > 0 and er.monte_carlo(data, plan, P) or nil

-- Report
local result = er.result(data, plan, mc, P)
er.report(result, P)
return result
