-- sweep: one model script over a grid of parameters -- on this machine's cores, over many
-- machines through GNU parallel and SSH, or as a Slurm job array -- resumable, with every point's
-- result merged into one CSV, one JSON and an HTML summary.
--
--   emsopt sweep SCRIPT key=v1,v2,... key=lo..hi[:step] key=value key==literal,with,commas ...
--         [engine=local|parallel|slurm] [jobs=N] [dir=RUN_DIR] [hosts=FILE] [wait=true]
--         [replications=N | seeds=LIST] [sbatch="--partition=p --time=10"] [quiet=false]
--   emsopt sweep --merge RUN_DIR
--
--   local sweep = require "sweep"
--   local run = sweep.run{script = "models/x.lua",
--     grid = {{"beta", {"2000", "4000"}}, {"seed", {"1", "2"}}},   -- varying: every combination
--     args = {{"region", "demo"}},                                 -- fixed, for every point
--     engine = "local", jobs = 2, dir = "RUN_DIR", hosts = FILE, wait = true, quiet = true}
--   -> {dir =, keys =, points = {{name =, params = {k = v}, status = "done" | "failed" | "pending",
--       result = <the point's JSON>, exit =, signal =, message = <its last line>, output = <the
--       end of what it printed>}}, done =, failed =, pending =,
--       job = <Slurm job id>}
--   sweep.merge(dir) -> the same, and writes RUN_DIR/results.csv, results.json, summary.html
--
-- Each point is the process `emsopt SCRIPT key=value ... out=RUN_DIR/points/NAME.json`, started
-- from an argument vector: no value ever passes through a shell. Under parallel and Slurm the
-- job runs `emsopt sweep --point RUN_DIR NAME`, which reads the point's arguments from
-- RUN_DIR/sweep.json (the exact command, emsopt's version, the script's absolute path, the
-- working directory and every point's parameters): only those two fixed words reach a shell.
-- A point is done when its JSON exists; a rerun skips it. A failed point leaves NAME.fail.json
-- (exit code or signal, and the last line it printed) and its log NAME.log, and does not stop the
-- others; a rerun tries it again. Points are named after their varying values and a hash of all
-- their arguments, so a changed fixed parameter never reuses an old result.
local sys = require "sys"
local json = require "json"

local M = {}
local fmt = string.format

M.ENGINES = {["local"] = true, parallel = true, slurm = true}
M.OPTIONS = {engine = true, jobs = true, dir = true, hosts = true, wait = true, replications = true,
  seeds = true, sbatch = true, quiet = true}
M.MAX_POINTS = 100000

local UsageError = require("emsopt.params").UsageError
local function usage(f, ...)
  error(setmetatable({msg = fmt(f, ...)}, UsageError), 0)
end

-- ---- the grid ----------------------------------------------------------------------------------

local function number_text(x)
  if math.type(x) == "integer" then return tostring(x) end
  local s = fmt("%.12g", x)
  if not s:find("[%.eEn]") then s = s .. ".0" end
  return s
end

-- Reads one value spec: a list "a,b,c", a range "lo..hi[:step]" or one value. Returns the list
-- of values (strings) and whether it varies.
function M.values(key, text)
  if text:sub(1, 1) == "=" then return {text:sub(2)}, false end
  local lo, hi, step = text:match("^([^:]-)%.%.([^:]+):?(.*)$")
  if lo and tonumber(lo) and tonumber(hi) then
    local a, b = tonumber(lo), tonumber(hi)
    local s = step ~= "" and tonumber(step) or 1
    if not s then usage("%s=%s: the step '%s' is not a number", key, text, step) end
    if not (s > 0) or s ~= s or s == math.huge then usage("%s=%s: the step must be positive", key, text) end
    if a ~= a or b ~= b or math.abs(a) == math.huge or math.abs(b) == math.huge then
      usage("%s=%s: the bounds must be finite numbers", key, text)
    end
    if b < a then usage("%s=%s: the range is empty (%s > %s)", key, text, lo, hi) end
    local n = math.floor((b - a) / s + 1e-9) + 1
    if n > M.MAX_POINTS then usage("%s=%s: %d values, more than %d", key, text, n, M.MAX_POINTS) end
    local ints = math.tointeger(a) and math.tointeger(s) and not lo:find("[%.eE]") and not step:find("[%.eE]")
    local out = {}
    for i = 0, n - 1 do
      out[#out + 1] = ints and tostring(math.tointeger(a) + i * math.tointeger(s)) or number_text(a + i * s)
    end
    return out, true
  end
  if text:find(",", 1, true) then
    local out = {}
    for v in (text .. ","):gmatch("([^,]*),") do
      v = v:match("^%s*(.-)%s*$")
      if v == "" then usage("%s=%s: an empty value in the list", key, text) end
      out[#out + 1] = v
    end
    return out, true
  end
  return {text}, false
end

-- Every combination of the grid, the first key varying slowest: a list of {{key, value}, ...}.
function M.expand(grid)
  local total = 1
  for _, g in ipairs(grid) do
    total = total * #g[2]
    if total > M.MAX_POINTS then usage("the grid has more than %d points", M.MAX_POINTS) end
  end
  local points = {{}}
  for _, g in ipairs(grid) do
    local nxt = {}
    for _, p in ipairs(points) do
      for _, v in ipairs(g[2]) do
        local q = table.move(p, 1, #p, 1, {})
        q[#q + 1] = {g[1], v}
        nxt[#nxt + 1] = q
      end
    end
    points = nxt
  end
  return points
end

local function fnv1a(s)
  local h = 2166136261
  for i = 1, #s do h = ((h ~ s:byte(i)) * 16777619) & 0xffffffff end
  return fmt("%08x", h)
end

-- A file name for a point: its varying values, readable, and a hash of all its arguments.
function M.name(vary, args)
  local parts = {}
  for _, kv in ipairs(vary) do parts[#parts + 1] = kv[1] .. "=" .. kv[2] end
  local readable = table.concat(parts, "_"):gsub("[^%w%.%-%+=_]", "_")
  if #readable > 80 then readable = readable:sub(1, 80) end
  if readable == "" then readable = "point" end
  return readable .. "-" .. fnv1a(table.concat(args, "\0"))
end

-- ---- the run directory -----------------------------------------------------------------------

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function load_meta(dir)
  local text = read(dir .. "/sweep.json")
  if not text then return nil, dir .. ": not a sweep run directory (no sweep.json)" end
  local meta, err = json.decode(text)
  if type(meta) ~= "table" or type(meta.points) ~= "table" then
    return nil, dir .. "/sweep.json: " .. tostring(err or "not a sweep description")
  end
  return meta
end
M.load_meta = load_meta

local function abs(path)
  if path:sub(1, 1) == "/" then return path end
  return assert(sys.cwd()) .. "/" .. path
end

local function paths(dir, name)
  local base = dir .. "/points/" .. name
  return base .. ".json", base .. ".fail.json", base .. ".log"
end

local function status_of(dir, p)
  local out, fail = paths(dir, p.name)
  if sys.exists(out) then return "done" end
  if sys.exists(fail) then return "failed" end
  return "pending"
end

-- The last line a failed point printed, without the program's prefix.
local function last_line(log)
  local text = read(log) or ""
  local line = text:gsub("%s+$", ""):match("([^\n]*)$") or ""
  if #line > 500 then line = line:sub(1, 500) .. "..." end
  return line ~= "" and line or "no output"
end

local SIGNALS = {[1] = "SIGHUP", [2] = "SIGINT", [6] = "SIGABRT", [9] = "SIGKILL", [11] = "SIGSEGV",
  [13] = "SIGPIPE", [15] = "SIGTERM", [24] = "SIGXCPU"}

-- Records a finished point: on success its JSON is there (the script wrote it atomically);
-- otherwise NAME.fail.json says how it ended.
local function finish_point(dir, p, ok, how, code)
  local out, fail, log = paths(dir, p.name)
  if ok and sys.exists(out) then
    os.remove(fail)
    return true
  end
  local text = read(log) or ""
  local rec = {point = p.name, params = p.params, log = log, message = last_line(log),
    output = #text > 4000 and text:sub(-4000) or text}
  if how == "signal" then rec.signal = SIGNALS[code] or ("signal " .. code)
  else rec.exit = code end
  if ok then rec.exit, rec.message = 0, "exit 0 but no result written (does the script return a table?)" end
  assert(json.write(fail, rec, {indent = "  "}))
  return false, rec
end

local function point_argv(meta, p)
  local argv = {meta.exe, meta.script}
  for _, a in ipairs(p.args) do argv[#argv + 1] = a end
  argv[#argv + 1] = "out=" .. (paths(meta.dir, p.name))
  return argv
end

local function spawn_point(meta, p)
  local _, fail, log = paths(meta.dir, p.name)
  os.remove(fail)
  local proc, err = sys.spawn(point_argv(meta, p), {cwd = meta.cwd, stdin = "/dev/null", stdout = log,
    stderr = "stdout"})
  if not proc then error(fmt("cannot start %s: %s", meta.exe, err), 0) end
  return proc
end

-- `emsopt sweep --point RUN_DIR NAME|INDEX`: runs one point (the job of parallel and Slurm).
function M.point(dir, which)
  local meta = assert(load_meta(dir))
  meta.dir = dir
  local p
  local idx = math.tointeger(tonumber(which))
  if idx then p = meta.points[idx]
  else for _, q in ipairs(meta.points) do if q.name == which then p = q end end end
  if not p then error(fmt("%s: no point '%s' in sweep.json", dir, tostring(which)), 0) end
  if status_of(dir, p) == "done" then return 0 end
  local proc = spawn_point(meta, p)
  local ok, how, code = proc:wait()
  if how == "interrupted" then error("interrupted", 0) end
  if finish_point(dir, p, ok, how, code) then return 0 end
  return how == "exit" and code ~= 0 and code or 1
end

-- ---- engines ---------------------------------------------------------------------------------

local function progress(o, done, failed, total)
  if o.quiet or not sys.isatty("stderr") then return end
  io.stderr:write(fmt("\rsweep: %d of %d points done, %d failed ", done, total, failed))
  if done + failed == total then io.stderr:write("\n") end
  io.stderr:flush()
end

local function engine_local(meta, todo, o)
  local jobs = o.jobs or sys.cpus()
  local running, procs = {}, {}
  local nexti, done, failed, total = 1, 0, 0, #todo
  -- an error or a signal outside the wait (which stops them itself): no point keeps running
  local guard <close> = setmetatable({}, {__close = function()
    for _, proc in ipairs(procs) do proc:close() end
  end})
  while nexti <= #todo or #running > 0 do
    while #running < jobs and nexti <= #todo do
      local p = todo[nexti]
      nexti = nexti + 1
      running[#running + 1] = p
      procs[#procs + 1] = spawn_point(meta, p)
    end
    local i, ok, how, code = sys.wait_any(procs)
    if not i then error("interrupted", 0) end
    if finish_point(meta.dir, running[i], ok, how, code) then done = done + 1 else failed = failed + 1 end
    table.remove(running, i)
    table.remove(procs, i)
    progress(o, done, failed, total)
  end
end

local function write_lines(path, lines)
  assert(sys.write_atomic(path, table.concat(lines, "\n") .. "\n"))
end

local function engine_parallel(meta, _, o)
  local dir = meta.dir
  local names = {}
  for i, p in ipairs(meta.points) do names[i] = p.name end
  local list = dir .. "/parallel.points"
  if read(list) ~= table.concat(names, "\n") .. "\n" then
    os.remove(dir .. "/parallel.joblog") -- a different sweep: the old job numbers mean nothing
    write_lines(list, names)
  end
  local argv = {"parallel", "--will-cite", "--quote", "--halt", "never",
    "--joblog", dir .. "/parallel.joblog", "--resume-failed"}
  if o.jobs then argv[#argv + 1] = "--jobs"; argv[#argv + 1] = tostring(o.jobs) end
  if o.hosts then argv[#argv + 1] = "--sshloginfile"; argv[#argv + 1] = o.hosts end
  for _, a in ipairs{meta.exe, "sweep", "--point", dir, "::::", list} do argv[#argv + 1] = a end
  local ok, how, code = sys.run(argv, {stdout = dir .. "/parallel.log", stderr = "stdout"})
  if how == "interrupted" then error("interrupted", 0) end
  if how ~= "exit" and how ~= "signal" then
    error("engine=parallel needs GNU parallel (Debian package parallel): " .. tostring(how), 0)
  end
  return ok, how, code
end

-- Indices as Slurm's --array takes them: "1-3,5,8-9".
local function ranges(idx)
  local out, i = {}, 1
  while i <= #idx do
    local j = i
    while j < #idx and idx[j + 1] == idx[j] + 1 do j = j + 1 end
    out[#out + 1] = i == j and tostring(idx[i]) or fmt("%d-%d", idx[i], idx[j])
    i = j + 1
  end
  return table.concat(out, ",")
end
M.ranges = ranges

local function shquote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- The job script: one array task per point, by its index in sweep.json.
function M.job_script(meta)
  return table.concat({
    "#!/bin/sh",
    "# emsopt sweep: one array task per point; the task id is the point's index in sweep.json",
    fmt("exec %s sweep --point %s \"$SLURM_ARRAY_TASK_ID\"", shquote(meta.exe), shquote(meta.dir)),
    ""}, "\n")
end

local function slurm_pending(dir, job)
  local out = dir .. "/slurm/squeue.out"
  local ok = sys.run({"squeue", "--noheader", "--jobs", job, "--format", "%i %T"}, {stdout = out, stderr = "/dev/null"})
  local text = read(out) or ""
  if not ok then return false end -- the job has left the queue (squeue no longer knows the id)
  return text:find("%S") ~= nil
end

local function engine_slurm(meta, todo, o)
  local dir = meta.dir
  assert(sys.mkdir(dir .. "/slurm"))
  local script = dir .. "/slurm/job.sh"
  assert(sys.write_atomic(script, M.job_script(meta)))
  local idx = {}
  for _, p in ipairs(todo) do idx[#idx + 1] = p.index end
  local argv = {"sbatch", "--parsable", "--job-name=emsopt-sweep",
    "--output=" .. dir .. "/slurm/%A_%a.out", "--chdir=" .. meta.cwd,
    "--array=" .. ranges(idx) .. (o.jobs and ("%" .. o.jobs) or "")}
  for a in (o.sbatch or ""):gmatch("%S+") do argv[#argv + 1] = a end
  argv[#argv + 1] = script
  local out = dir .. "/slurm/sbatch.out"
  local ok, how, code = sys.run(argv, {stdout = out, stderr = dir .. "/slurm/sbatch.err"})
  if how == "interrupted" then error("interrupted", 0) end
  if how ~= "exit" and how ~= "signal" then
    error("engine=slurm needs sbatch (Debian package slurm-client): " .. tostring(how), 0)
  end
  if not ok then
    local why = (read(dir .. "/slurm/sbatch.err") or ""):gsub("%s+$", "")
    error(fmt("sbatch failed (%s %s): %s", how, tostring(code), why ~= "" and why or "no message"), 0)
  end
  local job = (read(out) or ""):match("^%s*(%d+)")
  if not job then error("sbatch printed no job id: " .. (read(out) or ""), 0) end
  assert(sys.write_atomic(dir .. "/slurm/job_id", job .. "\n"))
  if o.wait == false then return job end
  -- wait for the array to leave the queue; Ctrl-C cancels it
  local guard <close> = setmetatable({}, {__close = function(_, err)
    if err ~= nil then sys.run({"scancel", job}, {stdout = "/dev/null", stderr = "/dev/null"}) end
  end})
  local pause = 0.2
  while slurm_pending(dir, job) do
    sys.sleep(pause)
    pause = math.min(pause * 1.5, 5)
  end
  return job
end

-- ---- merge -------------------------------------------------------------------------------------

-- The scalar results of a point: top-level numbers, strings and booleans, and those of nested
-- objects as "a.b" (lists are left out).
local function flatten(v, prefix, out, depth)
  for k, x in pairs(v) do
    if type(k) == "string" then
      local key = prefix .. k
      local t = type(x)
      if t == "number" or t == "string" or t == "boolean" then out[key] = x
      elseif t == "table" and depth < 3 and next(x) ~= nil and #x == 0 then flatten(x, key .. ".", out, depth + 1) end
    end
  end
  return out
end

local function is_number(s) return tonumber(s) ~= nil end

function M.summary_html(run, path)
  local report = require "report"
  local keys = run.keys
  local resultcols = {}
  for _, c in ipairs(run.columns) do if c.result and c.numeric then resultcols[#resultcols + 1] = c.name end end
  local sections = {}
  local n, d, f = #run.points, run.done, run.failed
  sections[#sections + 1] = {heading = "Run", text = {
    fmt("%s over %d points: %d done, %d failed, %d not run.", run.meta.script, n, d, f, n - d - f),
    "Command: " .. table.concat(run.meta.command or {}, " "),
    fmt("emsopt %s; engine %s; working directory %s.", run.meta.version, run.meta.engine or "?", run.meta.cwd)}}
  local x = keys[1]
  local numeric_x = x ~= nil
  for _, p in ipairs(run.points) do if x and not is_number(p.params[x]) then numeric_x = false end end
  local svgs = {}
  for ci, col in ipairs(resultcols) do
    if ci > 12 then break end
    if numeric_x then
      local groups, order = {}, {}
      for _, p in ipairs(run.points) do
        local v = p.row[col]
        if type(v) == "number" then
          local label = {}
          for k = 2, #keys do label[#label + 1] = keys[k] .. "=" .. p.params[keys[k]] end
          local g = table.concat(label, ", ")
          if not groups[g] then groups[g] = {x = {}, y = {}}; order[#order + 1] = g end
          groups[g].x[#groups[g].x + 1] = tonumber(p.params[x])
          groups[g].y[#groups[g].y + 1] = v
        end
      end
      local series = {}
      for gi, g in ipairs(order) do
        if gi > 8 then break end
        series[#series + 1] = {name = g ~= "" and g or col, x = groups[g].x, y = groups[g].y}
      end
      if #series > 0 then
        svgs[#svgs + 1] = report.line_chart{title = col .. " by " .. x, xlabel = x, ylabel = col, series = series,
          points = true}
      end
    else
      local cats, vals = {}, {}
      for _, p in ipairs(run.points) do
        if type(p.row[col]) == "number" and #cats < 60 then
          local label = {}
          for _, k in ipairs(keys) do label[#label + 1] = p.params[k] end
          cats[#cats + 1] = table.concat(label, " ")
          vals[#vals + 1] = p.row[col]
        end
      end
      if #cats > 0 then
        svgs[#svgs + 1] = report.bar_chart{title = col .. " by point", categories = cats,
          series = {{name = col, values = vals}}, ylabel = col}
      end
    end
  end
  if #svgs > 0 then sections[#sections + 1] = {heading = "Results against the varying parameters", svg = svgs} end
  local cols = {}
  for _, c in ipairs(run.columns) do cols[#cols + 1] = c.name end
  local rows = {}
  for _, p in ipairs(run.points) do rows[#rows + 1] = p.row end
  sections[#sections + 1] = {heading = "Points", table = {columns = cols, rows = rows, limit = 2000}}
  return report.page{path = path, title = "Sweep of " .. (run.meta.script:match("[^/]+$") or run.meta.script),
    subtitle = table.concat(keys, " x "), sections = sections}
end

function M.merge(dir, o)
  o = o or {}
  local meta, err = load_meta(dir)
  if not meta then return nil, err end
  meta.dir = dir
  local run = {dir = dir, keys = meta.keys, meta = meta, points = {}, done = 0, failed = 0, pending = 0}
  local seen, rescols = {}, {}
  local numeric = {}
  -- a result named like a column of the sweep's own (a varying key the script echoes) is left out
  local reserved = {point = true, status = true, exit = true, signal = true, message = true}
  for _, k in ipairs(meta.keys) do reserved[k] = true end
  for i, p in ipairs(meta.points) do
    local out, fail, log = paths(dir, p.name)
    local pt = {index = i, name = p.name, params = p.params, args = p.args, status = status_of(dir, p), log = log}
    local row = {point = p.name, status = pt.status}
    for _, k in ipairs(meta.keys) do
      row[k] = p.params[k]
      if tonumber(p.params[k]) then row[k] = tonumber(p.params[k]) end
    end
    if pt.status == "done" then
      local v, jerr = json.decode(read(out) or "")
      if type(v) ~= "table" then return nil, out .. ": " .. tostring(jerr) end
      pt.result = v
      run.done = run.done + 1
      local flat = flatten(v, "", {}, 1)
      for k, x in pairs(flat) do
        if reserved[k] then goto skip end
        if not seen[k] then seen[k] = true; rescols[#rescols + 1] = k end
        if type(x) ~= "number" then numeric[k] = false elseif numeric[k] == nil then numeric[k] = true end
        row[k] = x
        ::skip::
      end
    elseif pt.status == "failed" then
      local rec = json.decode(read(fail) or "") or {}
      pt.exit, pt.signal, pt.message, pt.output = rec.exit, rec.signal, rec.message, rec.output
      row.exit, row.signal, row.message = rec.exit, rec.signal, rec.message
      run.failed = run.failed + 1
    else
      run.pending = run.pending + 1
    end
    pt.row = row
    run.points[i] = pt
  end
  table.sort(rescols)
  local columns = {{name = "point"}}
  for _, k in ipairs(meta.keys) do columns[#columns + 1] = {name = k} end
  columns[#columns + 1] = {name = "status"}
  for _, k in ipairs(rescols) do columns[#columns + 1] = {name = k, result = true, numeric = numeric[k]} end
  if run.failed > 0 then
    for _, k in ipairs{"exit", "signal", "message"} do columns[#columns + 1] = {name = k} end
  end
  run.columns = columns
  if o.write ~= false then
    local names, lines = {}, {}
    for i, c in ipairs(columns) do names[i] = c.name end
    for i, pt in ipairs(run.points) do
      local line = {}
      for j, c in ipairs(columns) do line[j] = pt.row[c.name] end
      lines[i] = line
    end
    local csv = require "csv"
    local ok, werr = csv.write(dir .. "/results.csv", names, lines)
    if not ok then return nil, werr end
    local list = {}
    for i, pt in ipairs(run.points) do
      list[i] = {point = pt.name, params = pt.params, status = pt.status, result = pt.result,
        exit = pt.exit, signal = pt.signal, message = pt.message}
    end
    ok, werr = json.write(dir .. "/results.json", {script = meta.script, keys = meta.keys, points = list})
    if not ok then return nil, werr end
    ok, werr = M.summary_html(run, dir .. "/summary.html")
    if not ok then return nil, werr end
  end
  return run
end

-- ---- run -------------------------------------------------------------------------------------

local function check_opts(o)
  for k in pairs(o) do
    if not ({script = true, grid = true, args = true, engine = true, jobs = true, dir = true, hosts = true,
      wait = true, quiet = true, sbatch = true, command = true})[k] then
      error(fmt("sweep.run: unknown option '%s'", tostring(k)), 3)
    end
  end
end

-- The script's parameters, as `emsopt SCRIPT --help` lists them (nil when it lists none): a key
-- the script does not have is refused before any point runs.
local function check_keys(exe, script, dir, given)
  local out = dir .. "/help.txt"
  local ok = sys.run({exe, script, "--help"}, {stdin = "/dev/null", stdout = out, stderr = "/dev/null"})
  local text = read(out) or ""
  os.remove(out)
  local list = ok and text:match("\nparameters:\n(.*)$")
  if not list then return end
  local have, names = {}, {}
  for k in list:gmatch("\n?  ([%a_][%w_%.]*)%s*=") do have[k] = true; names[#names + 1] = k end
  if #names == 0 then return end
  local keys = {}
  for k in pairs(given) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    if not have[k] then
      usage("sweep: %s has no parameter '%s' (it has %s)", script:match("[^/]*$"), k, table.concat(names, ", "))
    end
  end
end

-- Plans the run directory: sweep.json with every point; returns meta.
local function plan(o)
  local host = require "emsopt.host"
  local found = host.find_script(o.script)
  local script = sys.realpath(found)
  if not script or sys.exists(script) ~= "file" then usage("sweep: %s: no such script", o.script) end
  local exe = assert(sys.realpath((sys.exe_dir() or ".") .. "/emsopt"))
  local fixed, keys, params_set = {}, {}, {}
  for _, kv in ipairs(o.args or {}) do
    fixed[#fixed + 1] = kv[1] .. "=" .. kv[2]
    params_set[kv[1]] = true
  end
  for _, g in ipairs(o.grid or {}) do keys[#keys + 1] = g[1]; params_set[g[1]] = true end
  if params_set.out then usage("sweep: out= is set by the sweep for each point (RUN_DIR/points/NAME.json)") end
  local grid = M.expand(o.grid or {})
  local dir = o.dir
  local existed = sys.exists(dir)
  local ok, err = sys.mkdir(dir)
  if not ok then usage("dir=%s: %s", o.dir, err) end
  dir = assert(sys.realpath(dir))
  assert(sys.mkdir(dir .. "/points"))
  local old = load_meta(dir)
  if old and old.script ~= script then
    usage("dir=%s holds a sweep of %s, not %s: choose another dir=", o.dir, old.script, script)
  end
  local kok, kerr = pcall(check_keys, exe, script, dir, params_set)
  if not kok then
    if not existed then sys.run({"rm", "-rf", "--", dir}) end -- nothing left of a refused sweep
    error(kerr, 0)
  end
  local points, names = {}, {}
  for i, vary in ipairs(grid) do
    local args, params = {}, {}
    for _, kv in ipairs(vary) do args[#args + 1] = kv[1] .. "=" .. kv[2]; params[kv[1]] = kv[2] end
    for _, kv in ipairs(o.args or {}) do params[kv[1]] = kv[2] end
    table.move(fixed, 1, #fixed, #args + 1, args)
    local name = M.name(vary, args)
    if names[name] then usage("sweep: the point %s is listed twice", name) end
    names[name] = true
    points[i] = {name = name, args = args, params = params}
  end
  local cwd = assert(sys.cwd())
  local meta = {version = sys.version, command = o.command, cwd = cwd, exe = exe, script = script,
    engine = o.engine, keys = keys, args = fixed, points = points}
  assert(json.write(dir .. "/sweep.json", meta, {indent = "  "}))
  meta.dir = dir
  return meta
end

function M.run(o)
  check_opts(o)
  local engine = o.engine or "local"
  if not M.ENGINES[engine] then usage("engine=%s: expected local, parallel or slurm", tostring(engine)) end
  if o.jobs ~= nil and not (math.tointeger(o.jobs) and o.jobs >= 1) then
    usage("jobs=%s: expected a whole number of at least 1", tostring(o.jobs))
  end
  if o.hosts and engine ~= "parallel" then usage("hosts= is for engine=parallel") end
  local hosts = o.hosts
  if hosts then
    if sys.exists(hosts) ~= "file" then usage("hosts=%s: no such file", hosts) end
    hosts = assert(sys.realpath(hosts))
  end
  local tmp
  local cleanup <close> = setmetatable({}, {__close = function()
    if tmp then sys.run({"rm", "-rf", "--", tmp}) end
  end})
  local dir = o.dir
  if not dir then
    if engine ~= "local" then usage("engine=%s needs dir= (a directory every machine sees at the same path)", engine) end
    tmp = assert(sys.mkdtemp((os.getenv("TMPDIR") or "/tmp") .. "/emsopt-sweep"))
    dir = tmp
  end
  local meta = plan{script = o.script, grid = o.grid, args = o.args, dir = dir, engine = engine,
    command = o.command}
  local todo = {}
  for i, p in ipairs(meta.points) do
    p.index = i
    if status_of(meta.dir, p) ~= "done" then todo[#todo + 1] = p end
  end
  local skipped = #meta.points - #todo
  if not o.quiet and skipped > 0 then
    io.stderr:write(fmt("sweep: %d of %d points already done in %s\n", skipped, #meta.points, meta.dir))
  end
  local job
  if #todo > 0 then
    local eo = {jobs = o.jobs, hosts = hosts, quiet = o.quiet, wait = o.wait, sbatch = o.sbatch}
    if engine == "local" then engine_local(meta, todo, eo)
    elseif engine == "parallel" then engine_parallel(meta, todo, eo)
    else
      job = engine_slurm(meta, todo, eo)
      if o.wait == false then
        return {dir = meta.dir, job = job, keys = meta.keys, points = meta.points, submitted = #todo}
      end
    end
  end
  local run = assert(M.merge(meta.dir, {write = not tmp}))
  run.job = job
  run.skipped = skipped
  if tmp then run.dir = nil end
  return run
end

-- ---- command line ----------------------------------------------------------------------------

M.USAGE = [[
usage: emsopt sweep SCRIPT key=v1,v2,... key=lo..hi[:step] key=value ... [options]
       emsopt sweep --merge RUN_DIR
Runs SCRIPT once per point of the grid (every combination of the listed values) as
  emsopt SCRIPT key=value ... out=RUN_DIR/points/NAME.json
and merges the results into RUN_DIR/results.csv, results.json and summary.html.
  key=a,b,c          a list of values          key=lo..hi:step   a range (step 1 when left out)
  key=value          the same for every point  key==a,b          one value that holds commas
options:
  engine=local       processes on this machine (default); jobs=N at a time (default: the cores)
  engine=parallel    GNU parallel; hosts=FILE is its --sshloginfile (lines like
                     "4/ssh -p 2222 user@node1"; ":" is this machine), jobs=N per host
  engine=slurm       a job array (sbatch --array, jobs=N at a time); wait=false returns after
                     submitting: merge later with emsopt sweep --merge RUN_DIR;
                     sbatch="--partition=p --time=30" adds options
  dir=RUN_DIR        the run directory (needed for parallel and slurm: the same path on every
                     machine, as must be emsopt and the script); a rerun skips the points done
  replications=N     adds seed=1..N (seeds=LIST: the given seeds)
  quiet=true         no table on stdout
Points run from the working directory, with stdin closed; each leaves NAME.json, or NAME.fail.json
(exit code or signal, last line) and NAME.log. A rerun with the same dir= skips the points done
and retries the failed ones. Exit status 0 when every point is done, 1 otherwise.]]

local function bool(key, v)
  if v == "true" or v == "yes" or v == "1" or v == "on" then return true end
  if v == "false" or v == "no" or v == "0" or v == "off" then return false end
  usage("%s=%s: expected true or false", key, v)
end

-- Parses `SCRIPT key=value ...` into sweep.run's options.
function M.parse(argv, first)
  local script = argv[first]
  if not script or script:find("=", 1, true) then usage("sweep: the first argument is the script to run") end
  local o = {script = script, grid = {}, args = {}, command = {}}
  for i = 0, #argv do if argv[i] then o.command[#o.command + 1] = argv[i] end end
  local given = {}
  local seeds
  for i = first + 1, #argv do
    local a = argv[i]
    local k, v = a:match("^([%a_][%w_%.]*)=(.*)$")
    if not k then usage("sweep: '%s' is not key=value", a) end
    if given[k] then usage("sweep: parameter '%s' given twice", k) end
    given[k] = true
    if k == "engine" then o.engine = v
    elseif k == "jobs" then
      o.jobs = math.tointeger(tonumber(v))
      if not o.jobs or o.jobs < 1 then usage("jobs=%s: expected a whole number of at least 1", v) end
    elseif k == "dir" then o.dir = v
    elseif k == "hosts" then o.hosts = v
    elseif k == "wait" then o.wait = bool(k, v)
    elseif k == "quiet" then o.quiet = bool(k, v)
    elseif k == "sbatch" then o.sbatch = v
    elseif k == "replications" then
      local n = math.tointeger(tonumber(v))
      if not n or n < 1 then usage("replications=%s: expected a whole number of at least 1", v) end
      seeds = {}
      for s = 1, n do seeds[s] = tostring(s) end
    elseif k == "seeds" then
      seeds = M.values(k, v)
    else
      local vals, varies = M.values(k, v)
      if varies then o.grid[#o.grid + 1] = {k, vals}
      else o.args[#o.args + 1] = {k, vals[1]} end
    end
  end
  if given.replications and given.seeds then usage("sweep: give replications= or seeds=, not both") end
  if seeds then
    if given.seed then usage("sweep: seed= and replications=/seeds= set the same parameter") end
    o.grid[#o.grid + 1] = {"seed", seeds}
  end
  return o
end

local function print_table(run)
  local cols = {}
  for _, c in ipairs(run.columns) do
    if c.name ~= "point" and (not c.result or c.numeric) and #cols < 10 then cols[#cols + 1] = c.name end
  end
  local widths = {}
  for i, c in ipairs(cols) do widths[i] = math.max(#c, 8) end
  local function cell(v)
    if v == nil then return "" end
    if math.type(v) == "float" then return fmt("%.6g", v) end
    return tostring(v)
  end
  for _, pt in ipairs(run.points) do
    for i, c in ipairs(cols) do widths[i] = math.min(40, math.max(widths[i], #cell(pt.row[c]))) end
  end
  local head = {}
  for i, c in ipairs(cols) do head[i] = fmt("%-" .. widths[i] .. "s", c) end
  print((table.concat(head, "  "):gsub("%s+$", "")))
  for _, pt in ipairs(run.points) do
    local line = {}
    for i, c in ipairs(cols) do line[i] = fmt("%-" .. widths[i] .. "s", cell(pt.row[c]):sub(1, 40)) end
    print((table.concat(line, "  "):gsub("%s+$", "")))
  end
end

local function report_run(run, quiet)
  if not quiet then print_table(run) end
  local n = #run.points
  if run.dir then
    io.stderr:write(fmt("sweep: %d of %d points done, %d failed, %d not run; %s/results.csv, summary.html\n",
      run.done, n, run.failed, run.pending, run.dir))
  end
  for _, pt in ipairs(run.points) do
    if pt.status == "failed" then
      io.stderr:write(fmt("sweep: %s failed (%s): %s\n", pt.name,
        pt.signal or ("exit " .. tostring(pt.exit)), tostring(pt.message)))
    end
  end
  if run.failed > 0 or run.pending > 0 then return 1 end
  return 0
end

-- emsopt sweep ... (argv[first] is the word after "sweep")
function M.main(argv, first)
  local a = argv[first]
  if a == nil then io.stderr:write(M.USAGE, "\n"); return 1 end
  if a == "--help" or a == "-h" then print(M.USAGE); return 0 end
  local ok, res = pcall(function()
    if a == "--point" then
      if not argv[first + 1] or not argv[first + 2] then usage("usage: emsopt sweep --point RUN_DIR NAME|INDEX") end
      return M.point(argv[first + 1], argv[first + 2])
    end
    if a == "--merge" then
      local dir = argv[first + 1]
      if not dir or argv[first + 2] then usage("usage: emsopt sweep --merge RUN_DIR") end
      local run, err = M.merge(dir)
      if not run then error(err, 0) end
      return report_run(run, false)
    end
    local o = M.parse(argv, first)
    local run = M.run(o)
    if run.job and not run.columns then
      print(fmt("submitted Slurm job %s (%d points); merge with: emsopt sweep --merge %s", run.job,
        run.submitted, run.dir))
      return 0
    end
    return report_run(run, o.quiet)
  end)
  if ok then return res end
  local msg = getmetatable(res) == UsageError and res.msg or tostring(res)
  if msg:match("interrupted$") or msg:match("terminated$") then
    msg = "sweep stopped by a signal; finished points are kept, a rerun resumes"
  end
  io.stderr:write("emsopt: ", msg, "\n")
  return 1
end

return M
