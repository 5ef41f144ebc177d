-- csv benchmark: grouped count (ZIP x call type x hour of week) and a 3-column load on generated
-- files shaped like the NYC EMS dispatch export, side by side with cat, Python's csv, pure Lua and
-- DuckDB, on one core and on all cores.
--   emsopt bench/csv_bench.lua [size_mb=1024] [runs=3] [shape=both] [python=true] [lua_mb=32]
--                              [duckdb=true] [threads=0] [pairs=3] [keep=false]
-- Two files are generated (bench/gen_dispatch.c) into a temporary directory, removed at the end
-- unless keep=true:
--   realistic  (ZIPCODE, INITIAL_CALL_TYPE) pairs drawn with the frequencies of the NYC EMS sample
--              (../shared/data/nyc_ems_incidents, sample A: 7,735 pairs, skewed) and hours of the
--              week with its weekly profile, both counted here with csv.count;
--   worst      ZIPs uniform over 199 codes, 34 call types, times uniform: ~1 group per 5 rows.
-- Every stage runs `runs` times; the table shows medians of CPU seconds (user + system: one core's
-- work, what the targets are about) and of wall seconds (the machine may be shared), and the ratio
-- to cat measured in the same run. Two floors (bench/floor_scan.c) show the least any reader does
-- with the file: bring its bytes in (read(2) into a 1 MiB buffer, or mmap) and look at each once
-- (count the line feeds).
-- All cores: csv.count with threads = 1 and threads = all cores (nproc, or threads=N), and DuckDB
-- (npm @duckdb/node-api, installed by this bench with npm into the temporary directory; skipped
-- with a message when node, npm or the registry is not there) running the same grouped count in
-- SQL (strptime on the NYC date format, isodow and hour) at 1 thread and at all cores on the same
-- file, in the same runs. Their groups are checked against csv.count's, and each compact count's
-- against the columnar one, outside the timed part on both sides. These rows are in wall
-- seconds (the time a user waits), the ratios taken run by run. csv.count returns its groups as
-- columns (columnar = true): as Lua tables, and for the targets compact (compact = true: each
-- array a csv.column, as DuckDB keeps its result in a columnar table), at 1 and at all threads;
-- this compact pair, on which the targets are taken, runs `pairs` times in each run, alternating
-- (the speed of a shared machine moves within seconds), and is compared with DuckDB run by run
-- through the median of each run's pairs. Beside each pair, bench/parallel_ref.c does the same
-- integer work (nothing shared, no memory) on 1 and on all threads: the machine's own speed-up at
-- those moments, a reference for csv.count's (on a virtual machine the cores may not be independent).
-- Quick run: emsopt bench/csv_bench.lua size_mb=128 runs=1 python=false
local csv = require "csv"
local sys = require "sys"

local P = params {
  size_mb = 1024,   -- MiB of generated CSV per file
  runs = 3,         -- repetitions of each stage (medians are shown)
  shape = "both",   -- "both", "realistic" or "worst"
  lua_mb = 32,      -- MiB slice parsed by the pure-Lua parser (its time is extrapolated)
  python = true,    -- run Python's csv module once on each file
  duckdb = true,    -- install DuckDB's Node.js client with npm and run it at 1 and all threads
  threads = 0,      -- the "all cores" thread count (0: nproc)
  pairs = 3,        -- in each run, compact at 1 and at all threads this many times, alternating
  seed = 42,        -- generator seed
  keep = false,     -- keep the generated files and print their paths
}

local function sh(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
local function run(cmd)
  local ok = os.execute(cmd)
  assert(ok, "command failed: " .. cmd)
end
local function slurp(cmd)
  local p = assert(io.popen(cmd))
  local s = p:read("a")
  p:close()
  return s
end
local function median(t)
  local s = {}
  for i, v in ipairs(t) do s[i] = v end
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
end

-- ---- Data ------------------------------------------------------------------------------------
local here = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
local dir = slurp("mktemp -d -t emsopt-csvbench.XXXXXX"):gsub("%s+$", "")
run(string.format("cc -O2 -o %s %s", sh(dir .. "/gen"), sh(here .. "gen_dispatch.c")))
run(string.format("cc -O2 -o %s %s", sh(dir .. "/floor"), sh(here .. "floor_scan.c")))
run(string.format("cc -O2 -pthread -o %s %s", sh(dir .. "/pref"), sh(here .. "parallel_ref.c")))

local files = {}
local function generate(name, size_mb, extra)
  local path = string.format("%s/%s_%d.csv", dir, name, size_mb)
  local t0 = sys.clock()
  run(string.format("%s %s %d %d %s", sh(dir .. "/gen"), sh(path), size_mb, P.seed, extra or ""))
  local f = assert(io.open(path, "rb"))
  local bytes = f:seek("end")
  f:close()
  io.write(string.format("generated %s: %.1f MB in %.1f s\n", path, bytes / 1e6, sys.clock() - t0))
  return {name = name, path = path, bytes = bytes}
end

local sample = here .. "../../shared/data/nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv"
local real_tables
if P.shape ~= "worst" then
  local pairs_g, info = csv.count(sample, {by = {"ZIPCODE", "INITIAL_CALL_TYPE"}, columnar = true})
  assert(pairs_g, info)
  local hours_g = assert(csv.count(sample, {by = {{column = "INCIDENT_DATETIME", bin = "hour_of_week"}},
    columnar = true}))
  local pt, ht = {}, {}
  for g = 1, #pairs_g.count do
    pt[g] = pairs_g.keys[1][g] .. "\t" .. pairs_g.keys[2][g] .. "\t" .. pairs_g.count[g]
  end
  for g = 1, #hours_g.count do ht[g] = hours_g.keys[1][g] .. "\t" .. hours_g.count[g] end
  sys.write_atomic(dir .. "/pairs.tsv", table.concat(pt, "\n") .. "\n")
  sys.write_atomic(dir .. "/hours.tsv", table.concat(ht, "\n") .. "\n")
  real_tables = sh(dir .. "/pairs.tsv") .. " " .. sh(dir .. "/hours.tsv")
  io.write(string.format("sample: %d rows, %d (ZIP, call type) pairs, %d hours of the week\n", info.rows,
    #pairs_g.count, #hours_g.count))
  files[#files + 1] = generate("realistic", P.size_mb, real_tables)
end
if P.shape ~= "realistic" then files[#files + 1] = generate("worst", P.size_mb) end

local ncores = P.threads > 0 and P.threads or tonumber((slurp("nproc 2>/dev/null"):match("%d+"))) or 1

-- DuckDB through its Node.js client, installed into the temporary directory
local duck_script, duck_skip
if P.duckdb then
  local ddir = dir .. "/duckdb"
  local have = os.execute("command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1")
  if not have then
    duck_skip = "node or npm not found"
  else
    io.write("installing @duckdb/node-api with npm into " .. ddir .. " ...\n")
    local ok = os.execute(string.format("mkdir -p %s && cd %s && npm install --no-audit --no-fund --loglevel=error "
      .. "--no-save @duckdb/node-api > %s 2>&1", sh(ddir), sh(ddir), sh(ddir .. "/npm.log")))
    if not ok then
      duck_skip = "npm install @duckdb/node-api failed: " .. (slurp("tail -3 " .. sh(ddir .. "/npm.log")):gsub("%s+$", ""))
    else
      duck_script = ddir .. "/count.mjs"
      local f = assert(io.open(duck_script, "w"))
      f:write([==[
import { DuckDBInstance } from '@duckdb/node-api';
const [file, threads] = [process.argv[2], process.argv[3]];
const inst = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await inst.connect();
const sql = `CREATE TEMP TABLE g AS
  SELECT ZIPCODE AS zip, INITIAL_CALL_TYPE AS call, (isodow(t) - 1) * 24 + hour(t) AS how, count(*) AS n
  FROM (SELECT ZIPCODE, INITIAL_CALL_TYPE, strptime(INCIDENT_DATETIME, '%m/%d/%Y %I:%M:%S %p') AS t
        FROM read_csv('${file.replace(/'/g, "''")}', header = true, all_varchar = true))
  GROUP BY ALL`;
const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
await con.run(sql);
const wall = Number(process.hrtime.bigint() - t0) / 1e9, cu = process.cpuUsage(c0);
const tot = (await con.runAndReadAll('SELECT count(*), sum(n) FROM g')).getRows()[0];
const ver = (await con.runAndReadAll('SELECT version()')).getRows()[0][0];
console.log(`${tot[0]} ${tot[1]} ${wall} ${(cu.user + cu.system) / 1e6} ${ver}`);
const rows = (await con.runAndReadAll(`SELECT zip, call, how, n FROM g WHERE hash(coalesce(zip, '') || '|' || coalesce(call, '') || '|' || how) % 97 = 0`)).getRows();
for (const r of rows) console.log(`${r[0] ?? ''}|${r[1] ?? ''}|${r[2]}\t${r[3]}`);
]==])
      f:close()
    end
  end
  if duck_skip then io.write("DuckDB: skipped (" .. duck_skip .. ")\n") end
end

-- ---- measuring -------------------------------------------------------------------------------
local function reset_peak()
  local cr = io.open("/proc/self/clear_refs", "w")
  if cr then cr:write("5"); cr:close() end
end
local function peak_mb()
  local s = io.open("/proc/self/status"):read("a")
  return tonumber(s:match("VmHWM:%s*(%d+)")) / 1024
end
local function loadavg() -- the 1-minute load average (the machine may be shared: wall times suffer)
  local f = io.open("/proc/loadavg")
  if not f then return nil end
  local l = tonumber(f:read("l"):match("^(%S+)"))
  f:close()
  return l
end
local function timed(cmd) -- wall, cpu, peak MB, stdout of a child under /usr/bin/time
  local tf = dir .. "/time.txt"
  local w0 = sys.clock()
  local out = slurp(string.format("/usr/bin/time -f '%%U %%S %%M' -o %s %s", sh(tf), cmd))
  local wall = sys.clock() - w0
  local u, s, m = io.open(tf):read("a"):match("([%d.]+) ([%d.]+) (%d+)")
  return wall, tonumber(u) + tonumber(s), tonumber(m) / 1024, out
end
-- an in-process stage: fn() -> note; CPU from os.clock(), peak from VmHWM (reset first)
local function stage(fn)
  collectgarbage()
  collectgarbage()
  reset_peak()
  local w0, c0 = sys.clock(), os.clock()
  local note = fn()
  local wall, cpu = sys.clock() - w0, os.clock() - c0
  local mem = peak_mb()
  collectgarbage()
  collectgarbage()
  return wall, cpu, mem, note
end

-- bench/parallel_ref.c on th threads: wall and CPU seconds of its work alone
local function reference(th)
  local out = slurp(sh(dir .. "/pref") .. " " .. th)
  local w, c = out:match("^(%S+) (%S+)")
  assert(tonumber(w) and tonumber(c), "parallel_ref printed: " .. out)
  return tonumber(w), tonumber(c)
end

local by = {"ZIPCODE", "INITIAL_CALL_TYPE", {column = "INCIDENT_DATETIME", bin = "hour_of_week"}}
local py_script = dir .. "/count.py"
do
  local pf = assert(io.open(py_script, "w"))
  pf:write([[
import csv, datetime, resource, sys
wk = {}
counts = {}
with open(sys.argv[1], newline="") as f:
    r = csv.reader(f)
    h = next(r)
    iz, ic, it = h.index("ZIPCODE"), h.index("INITIAL_CALL_TYPE"), h.index("INCIDENT_DATETIME")
    for row in r:
        d = row[it]
        day = d[:10]
        w = wk.get(day)
        if w is None:
            w = wk[day] = datetime.date(int(d[6:10]), int(d[0:2]), int(d[3:5])).isoweekday()
        hour = int(d[11:13]) % 12 + (12 if d[20] == "P" else 0)
        k = (row[iz], row[ic], (w - 1) * 24 + hour)
        counts[k] = counts.get(k, 0) + 1
print(len(counts), sum(counts.values()), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
for k, n in counts.items():
    if hash(k) % 97 == 0:
        print("%s|%s|%d\t%d" % (k[0], k[1], k[2], n))
]])
  pf:close()
end

local results = {}
for _, F in ipairs(files) do
  local rows = {}
  local function add(name, walls, cpus, mem, note, scanned)
    local cpu, wall = median(cpus), median(walls)
    rows[#rows + 1] = {name = name, wall = wall, cpu = cpu, gbps = (scanned or F.bytes) / cpu / 1e9, mem = mem,
      note = note or "", cpus = cpus}
    return rows[#rows]
  end
  io.write(string.format("\n== %s file (%.0f MB)\n", F.name, F.bytes / 1e6))
  run("cat " .. sh(F.path) .. " > /dev/null") -- warm the page cache

  -- cat and the two forms of csv.count, interleaved run by run (the load changes over time)
  local cw, cc, kw, kc, lw, lc, rw, rc = {}, {}, {}, {}, {}, {}, {}, {}
  local fw, fc, fmem, flines = {read = {}, mmap = {}}, {read = {}, mmap = {}}, {}, {}
  local cmem, kmem, lmem, rmem, knote, lnote, rnote
  local pw, pc, pmem, pnote, duck, check_keep = {}, {}, nil, nil, {}, nil
  local tw, tc, tmem, kw1, kc1, kmem1 = {}, {}, nil, {}, {}, nil
  local kw1_runs, pw_runs = {}, {} -- the compact pair's median in each run (against DuckDB's runs)
  local xw1, xw, xc = {}, {}, {} -- the reference work beside each pair: 1 thread, all (wall, CPU)
  local loads = {}
  local nrows, ngroups, check
  for _ = 1, P.runs do
    local w, c, m = timed("sh -c " .. sh("cat " .. sh(F.path) .. " > /dev/null"))
    cw[#cw + 1], cc[#cc + 1], cmem = w, math.max(c, 1e-3), m
    for _, how in ipairs({"read", "mmap"}) do
      local out
      w, c, m, out = timed(sh(dir .. "/floor") .. " " .. how .. " " .. sh(F.path))
      table.insert(fw[how], w)
      table.insert(fc[how], math.max(c, 1e-3))
      fmem[how], flines[how] = m, tonumber(out)
    end
    w, c, m, knote = stage(function()
      local g, info = csv.count(F.path, {by = by, threads = 1})
      assert(g, info)
      nrows, ngroups = info.rows, info.groups
      return string.format("%d rows, %d groups", info.rows, info.groups)
    end)
    kw[#kw + 1], kc[#kc + 1], kmem = w, c, m
    w, c, m, lnote = stage(function()
      local g, info = csv.count(F.path, {by = by, columnar = true, threads = 1})
      assert(g, info)
      if not check then
        check = {}
        for i = 1, info.groups do
          check[g.keys[1][i] .. "|" .. g.keys[2][i] .. "|" .. g.keys[3][i]] = g.count[i]
        end
        check_keep = check
      end
      return string.format("%d groups", info.groups)
    end)
    lw[#lw + 1], lc[#lc + 1], lmem = w, c, m
    -- csv.read of 3 columns (two compact integer columns, one string column)
    w, c, m, rnote = stage(function()
      local cols, rinfo = csv.read(F.path, {columns = {"ZIPCODE", "INITIAL_SEVERITY_LEVEL_CODE",
        "INCIDENT_RESPONSE_SECONDS_QY"}, types = {INITIAL_SEVERITY_LEVEL_CODE = "integer",
        INCIDENT_RESPONSE_SECONDS_QY = "integer"}, compact = true})
      assert(cols, rinfo)
      return string.format("%d rows, mean response %.1f s", rinfo.rows,
        cols.INCIDENT_RESPONSE_SECONDS_QY:sum() / rinfo.rows)
    end)
    rw[#rw + 1], rc[#rc + 1], rmem = w, c, m
    -- all cores: csv.count on 1 and ncores threads (compact columns; and the tables on ncores),
    -- DuckDB on 1 and on ncores threads
    loads[#loads + 1] = loadavg()
    w, c, m = stage(function()
      local g, info = csv.count(F.path, {by = by, threads = ncores, columnar = true})
      assert(g, info)
      assert(info.rows == nrows and info.groups == ngroups, "threads disagree")
    end)
    tw[#tw + 1], tc[#tc + 1], tmem = w, c, m
    -- the pair the targets are taken on, `pairs` times (this machine's speed moves within seconds);
    -- each result checked against the columnar one after its timing (as DuckDB's is)
    local kw_run, pw_run = {}, {}
    local res
    local function check_compact(what)
      local g, info = res[1], res[2]
      assert(g, info)
      assert(info.rows == nrows and info.groups == ngroups, what .. " disagrees on rows or groups")
      for i = 1, info.groups, 97 do
        assert(check_keep[g.keys[1][i] .. "|" .. g.keys[2][i] .. "|" .. g.keys[3][i]] == g.count[i],
          what .. " disagrees on group " .. i)
      end
      res = nil
      return string.format("%d rows, %d groups (the same as one thread)", info.rows, info.groups)
    end
    for _ = 1, P.pairs do
      w, c, m = stage(function()
        res = table.pack(csv.count(F.path, {by = by, threads = 1, columnar = true, compact = true}))
      end)
      check_compact("compact, 1 thread")
      kw1[#kw1 + 1], kc1[#kc1 + 1], kmem1, kw_run[#kw_run + 1] = w, c, m, w
      w, c, m = stage(function()
        res = table.pack(csv.count(F.path, {by = by, threads = ncores, columnar = true, compact = true}))
      end)
      pnote = check_compact(string.format("compact, %d threads", ncores))
      pw[#pw + 1], pc[#pc + 1], pmem, pw_run[#pw_run + 1] = w, c, m, w
      xw1[#xw1 + 1] = reference(1)
      xw[#xw + 1], xc[#xc + 1] = reference(ncores)
    end
    kw1_runs[#kw1_runs + 1], pw_runs[#pw_runs + 1] = median(kw_run), median(pw_run)
    if duck_script then
      for _, th in ipairs {1, ncores} do
        local _, _, dm, out = timed("node " .. sh(duck_script) .. " " .. sh(F.path) .. " " .. th)
        local dg, dn, dwall, dcpu, ver = out:match("^(%d+) (%d+) ([%d.e+-]+) ([%d.e+-]+) (%S+)")
        assert(tonumber(dg) == ngroups and tonumber(dn) == nrows,
          "DuckDB disagrees: " .. tostring(dg) .. " groups, " .. tostring(dn) .. " rows")
        local D = duck[th] or {w = {}, c = {}}
        duck[th] = D
        table.insert(D.w, tonumber(dwall))
        table.insert(D.c, tonumber(dcpu))
        D.mem, D.ver = dm, ver
        D.compared = 0
        for k, n in out:gmatch("\n([^\t\n]*)\t(%d+)") do
          assert(check_keep[k] == tonumber(n), "DuckDB disagrees on group " .. k)
          D.compared = D.compared + 1
        end
      end
    end
  end
  local cat = add("cat FILE > /dev/null", cw, cc, cmem)
  add("floor: read(2) + count line feeds", fw.read, fc.read, fmem.read,
    string.format("%d line feeds: bring the bytes in, look at each once", flines.read))
  add("floor: mmap + count line feeds", fw.mmap, fc.mmap, fmem.mmap, string.format("%d line feeds", flines.mmap))
  local count = add("csv.count ZIP x call x hour_of_week", kw, kc, kmem, knote)
  add("  the same, columnar = true", lw, lc, lmem, lnote)
  add("csv.read 3 columns (2 compact)", rw, rc, rmem, rnote)
  -- per-run ratio to cat (each run's count against the same run's cat)
  local ratios = {}
  for i = 1, P.runs do ratios[i] = cc[i] / kc[i] end
  local lratios = {}
  for i = 1, P.runs do lratios[i] = cc[i] / lc[i] end

  -- Python's csv module, same grouped count (once)
  local py
  if P.python then
    local t_py, c_py, m_py, out = timed("python3 " .. sh(py_script) .. " " .. sh(F.path))
    local pg, pn = out:match("^(%d+) (%d+) (%d+)")
    assert(tonumber(pg) == ngroups and tonumber(pn) == nrows,
      "Python disagrees: " .. tostring(pg) .. " groups, " .. tostring(pn) .. " rows")
    local checked = 0
    for k, n in out:gmatch("\n([^\t\n]*)\t(%d+)") do
      assert(check[k] == tonumber(n), "Python disagrees on group " .. k)
      checked = checked + 1
    end
    py = add("python3 csv module, same count (1 run)", {t_py}, {c_py}, m_py,
      string.format("agrees: %d groups, %d rows (%d groups compared)", pg, pn, checked))
  end
  check = nil

  -- pure Lua: a quote-aware line splitter (RFC 4180 without embedded line breaks) on a slice
  do
    local slice = dir .. "/slice.csv"
    local src = assert(io.open(F.path, "rb"))
    local data = src:read(P.lua_mb * 1048576)
    src:close()
    data = data:sub(1, data:match(".*()\n"))
    local out = assert(io.open(slice, "wb"))
    out:write(data)
    out:close()
    local nbytes = #data
    data = nil
    local function split(line, t)
      local n, pos, len = 0, 1, #line
      while true do
        n = n + 1
        if line:byte(pos) == 34 then -- quoted
          local buf, i = {}, pos + 1
          while true do
            local q = line:find('"', i, true)
            buf[#buf + 1] = line:sub(i, q - 1)
            if line:byte(q + 1) == 34 then buf[#buf + 1] = '"'; i = q + 2 else pos = q + 1; break end
          end
          t[n] = table.concat(buf)
        else
          local c = line:find(",", pos, true) or len + 1
          t[n] = line:sub(pos, c - 1)
          pos = c
        end
        if pos > len then break end
        pos = pos + 1
      end
      return n
    end
    local function days(y, m, d) -- days from 1970-01-01
      y = m <= 2 and y - 1 or y
      local era = y // 400
      local yoe = y - era * 400
      local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
      return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    end
    local t0, c0 = sys.clock(), os.clock()
    local counts, t, iz, ic, it = {}, {}, nil, nil, nil
    local first = true
    local n = 0
    for line in io.lines(slice) do
      split(line, t)
      if first then
        for i, name in ipairs(t) do
          if name == "ZIPCODE" then iz = i elseif name == "INITIAL_CALL_TYPE" then ic = i
          elseif name == "INCIDENT_DATETIME" then it = i end
        end
        first = false
      else
        local d = t[it]
        local wd = (days(tonumber(d:sub(7, 10)), tonumber(d:sub(1, 2)), tonumber(d:sub(4, 5))) + 3) % 7
        local hour = tonumber(d:sub(12, 13)) % 12 + (d:byte(21) == 80 and 12 or 0)
        local k = t[iz] .. "|" .. t[ic] .. "|" .. (wd * 24 + hour)
        counts[k] = (counts[k] or 0) + 1
        n = n + 1
      end
    end
    local t_lua, c_lua = sys.clock() - t0, os.clock() - c0
    add("pure Lua parser (slice, extrapolated)", {t_lua * F.bytes / nbytes}, {c_lua * F.bytes / nbytes}, nil,
      string.format("%.0f MB slice, %d rows in %.2f s CPU; times extrapolated to the file", nbytes / 1e6, n,
        c_lua))
  end

  -- ---- Report (this file) ----------------------------------------------------------------------
  io.write(string.format("%-40s %8s %8s %8s %7s %8s %8s  %s\n", "", "wall s", "CPU s", "GB/s", "x cat",
    "x Python", "peak MB", "note"))
  io.write(string.format("(medians of %d runs; GB/s and ratios per CPU second: one core's throughput)\n", P.runs))
  for _, r in ipairs(rows) do
    io.write(string.format("%-40s %8.3f %8.3f %8.3f %7.2f %8s %8s  %s\n", r.name, r.wall, r.cpu, r.gbps,
      r.gbps / cat.gbps, py and string.format("%.1f", r.gbps / py.gbps) or "-",
      r.mem and string.format("%.0f", r.mem) or "-", r.note))
  end
  local rk = median(ratios)
  io.write(string.format("csv.count / cat per run (CPU): %s; median %.2f\n", table.concat((function()
    local t = {}
    for i, v in ipairs(ratios) do t[i] = string.format("%.2f", v) end
    return t
  end)(), " "), rk))
  io.write(string.format("targets: >= 1 GB/s (issue 3's 0.7 x its 1.4 GB/s cat) -> %s (%.2f GB/s); "
    .. ">= 0.7 x this machine's cat -> %s (%.2f); >= 13 x Python -> %s\n",
    count.gbps >= 1 and "met" or "NOT met", count.gbps, rk >= 0.7 and "met" or "NOT met", rk,
    py and (count.gbps / py.gbps >= 13 and string.format("met (%.1f)", count.gbps / py.gbps)
      or string.format("NOT met (%.1f)", count.gbps / py.gbps)) or "not run"))
  -- all cores, in wall seconds, ratios run by run
  local function ratio(a, b)
    local t = {}
    for i = 1, math.min(#a, #b) do t[i] = a[i] / b[i] end
    return #t > 0 and median(t) or nil
  end
  io.write(string.format("\nall cores (%d threads here), wall seconds, medians of %d runs (the compact rows: "
    .. "%d pairs in each run); ratios run by run (pair by pair); load average %s (above %d the cores are shared "
    .. "and the wall-clock ratios are low):\n", ncores, P.runs, P.pairs,
    #loads > 0 and table.concat((function()
      local t = {}
      for i, v in ipairs(loads) do t[i] = string.format("%.1f", v) end
      return t
    end)(), " ") or "unknown", ncores))
  io.write(string.format("%-40s %8s %8s %8s  %s\n", "", "wall s", "CPU s", "peak MB", "note"))
  local function line(name, w, c, mem, note)
    io.write(string.format("%-40s %8.3f %8.3f %8s  %s\n", name, median(w), median(c),
      mem and string.format("%.0f", mem) or "-", note))
  end
  local speedup = ratio(kw1, pw)
  line("csv.count columnar, 1 thread", lw, lc, lmem, "the columnar row above (groups as Lua tables)")
  line(string.format("csv.count columnar, %d threads", ncores), tw, tc, tmem,
    string.format("%.2f x one thread", ratio(lw, tw)))
  line("csv.count compact, 1 thread", kw1, kc1, kmem1,
    "columnar, compact = true: each array a csv.column (no Lua value per group)")
  line(string.format("csv.count compact, %d threads", ncores), pw, pc, pmem,
    string.format("%s; %.3f x one thread (target >= 1.7: %s)", pnote, speedup,
      speedup >= 1.7 and "met" or "NOT met"))
  local xspeedup = ratio(xw1, xw)
  line(string.format("reference work, %d threads", ncores), xw, xc, nil,
    string.format("%.3f x one thread (%.3f s): integer work sharing nothing, beside each pair (the machine's "
      .. "own speed-up then)", xspeedup, median(xw1)))
  local duck_res = {}
  if duck_script then
    for _, th in ipairs {1, ncores} do
      local D = duck[th]
      local ours = th == 1 and kw1_runs or pw_runs
      local r = ratio(D.w, ours)
      line(string.format("DuckDB %s, %d thread%s", D.ver, th, th > 1 and "s" or ""), D.w, D.c, D.mem,
        string.format("same groups (%d compared); csv.count compact %.2f x faster (target >= 4: %s)", D.compared, r,
          r >= 4 and "met" or "NOT met"))
      duck_res[th] = {wall = median(D.w), cpu = median(D.c), ours_faster = r}
    end
  else
    io.write("DuckDB: skipped (" .. tostring(duck_skip or "duckdb=false") .. ")\n")
  end
  local res = {bytes = F.bytes, rows = nrows, groups = ngroups, count_over_cat = rk, columnar_over_cat = median(lratios),
    threads = ncores, speedup = speedup, reference_speedup = xspeedup, duckdb = duck_res, load = loads}
  for _, r in ipairs(rows) do res[r.name] = {wall = r.wall, cpu = r.cpu, gbps = r.gbps, peak_mb = r.mem} end
  results[F.name] = res
end

if P.keep then
  for _, F in ipairs(files) do io.write("kept " .. F.path .. "\n") end
else
  run("rm -rf " .. sh(dir))
end
return results
