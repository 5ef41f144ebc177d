-- Throwaway "clusters" on 127.0.0.1 for the sweep engines: an sshd with generated host and user
-- keys (for GNU parallel's --sshloginfile), and a single-node Slurm (munged, slurmctld, slurmd)
-- with a generated slurm.conf and munge key. Everything lives in one temporary directory; stop()
-- ends the daemons. Waits scale with spec.t.
local sys = require "sys"
local spec = require "spec"

local M = {}
local fmt = string.format

local function quiet(argv, o)
  o = o or {}
  o.stdout, o.stderr = o.stdout or "/dev/null", o.stderr or "stdout"
  return sys.run(argv, o)
end

local function capture(argv, o)
  local out = spec.tmpname(".out")
  o = o or {}
  o.stdout, o.stderr = out, o.stderr or "/dev/null"
  local ok = sys.run(argv, o)
  local text = spec.read(out) or ""
  os.remove(out)
  return ok, text
end
M.capture = capture

-- A port unlikely to be taken, different per process and per attempt.
local function port(attempt, offset)
  return 20000 + (sys.getpid() * 7919 + attempt * 104729 + (offset or 0) * 613) % 40000
end

local function user()
  local ok, name = capture({"id", "-un"})
  assert(ok, "id -un failed")
  return (name:gsub("%s+$", ""))
end

local function wait_until(limit, fn)
  local t0 = sys.clock()
  while sys.clock() - t0 < spec.t(limit) do
    local v = fn()
    if v ~= nil then return v end
    sys.sleep(0.1)
  end
end

-- sshd on 127.0.0.1 for the current user: returns {port =, user =, ssh = {argv prefix},
-- hosts(path, n) writes a --sshloginfile naming it n times as different "machines", stop()}.
function M.sshd()
  local d = spec.mkdir()
  assert(sys.mkdir("/run/sshd") or sys.exists("/run/sshd")) -- sshd's privilege separation directory
  for _, k in ipairs{"host_key", "user_key"} do
    assert(quiet({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "emsopt-spec", "-f", d .. "/" .. k}))
  end
  spec.write(d .. "/authorized_keys", spec.read(d .. "/user_key.pub"))
  local s = {user = user(), dir = d}
  for attempt = 1, 6 do
    s.port = port(attempt)
    spec.write(d .. "/sshd_config", table.concat({
      "Port " .. s.port, "ListenAddress 127.0.0.1", "HostKey " .. d .. "/host_key",
      "PidFile " .. d .. "/sshd.pid", "AuthorizedKeysFile " .. d .. "/authorized_keys",
      "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password", "StrictModes no", "UsePAM no", "PrintMotd no",
      "LogLevel ERROR", ""}, "\n"))
    s.ssh = {"ssh", "-F", "/dev/null", "-p", tostring(s.port), "-i", d .. "/user_key",
      "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
      "-o", "LogLevel=ERROR"}
    s.proc = assert(sys.spawn({"/usr/sbin/sshd", "-D", "-e", "-f", d .. "/sshd_config"},
      {stdout = d .. "/sshd.log", stderr = "stdout"}))
    local ready = wait_until(20, function()
      if s.proc:poll() then return false end -- it ended: the port was taken, or a setup error
      local argv = table.move(s.ssh, 1, #s.ssh, 1, {})
      argv[#argv + 1] = s.user .. "@127.0.0.1"
      argv[#argv + 1] = "true"
      if quiet(argv) then return true end
    end)
    if ready then break end
    s.proc:close()
    s.proc = nil
  end
  assert(s.proc, "sshd did not start: " .. (spec.read(d .. "/sshd.log") or ""))
  function s.login(i) -- the i-th "machine": the same sshd, told apart by a harmless option
    return table.concat(s.ssh, " ") .. fmt(" -o ServerAliveInterval=%d", 60 + i) .. " " .. s.user .. "@127.0.0.1"
  end
  function s.hosts(path, n, slots)
    local lines = {}
    for i = 1, n do lines[i] = fmt("%d/%s", slots or 1, s.login(i)) end
    return spec.write(path, table.concat(lines, "\n") .. "\n")
  end
  function s.stop()
    if s.proc then s.proc:close(); s.proc = nil end
  end
  return s
end

-- A single-node Slurm: returns {conf =, env = {SLURM_CONF = conf}, node =, stop()}. Raises with
-- the daemons' logs when it does not come up.
function M.slurm(cpus)
  local d = spec.mkdir()
  local c = {dir = d, procs = {}}
  local host = (spec.read("/proc/sys/kernel/hostname") or "localhost"):gsub("%s+$", ""):match("^[^%.]+")
  c.node = host
  local rnd = assert(io.open("/dev/urandom", "rb"))
  local f = assert(io.open(d .. "/munge.key", "wb"))
  f:write(rnd:read(1024))
  f:close()
  rnd:close()
  assert(quiet({"chmod", "600", d .. "/munge.key"}))
  -- munged wants every directory above its socket searchable by all: not the spec's private one
  c.sockdir = assert(sys.mkdtemp((os.getenv("TMPDIR") or "/tmp") .. "/emsopt-munge"))
  assert(quiet({"chmod", "755", c.sockdir}))
  local sock = c.sockdir .. "/munge.sock"
  c.procs.munged = assert(sys.spawn({"/usr/sbin/munged", "-F", "--socket=" .. sock, "--key-file=" .. d .. "/munge.key",
    "--pid-file=" .. d .. "/munged.pid", "--log-file=" .. d .. "/munged.log", "--seed-file=" .. d .. "/munge.seed"},
    {stdout = d .. "/munged.out", stderr = "stdout"}))
  assert(wait_until(20, function() if sys.exists(sock) then return true end end),
    "munged did not start: " .. (spec.read(d .. "/munged.out") or "") .. (spec.read(d .. "/munged.log") or ""))
  for _, sub in ipairs{"spool", "log"} do assert(sys.mkdir(d .. "/" .. sub)) end
  c.conf = d .. "/slurm.conf"
  -- slurmd 22.05 starts its cgroup plugin even with proctrack/linuxproc and task/none, and stops
  -- when no cgroup file system is mounted (a chroot has no /sys): cgroup v1 on a directory of a
  -- tmpfs passes its check, and with nothing confined it never creates a group there
  if #spec.ls("/sys/fs/cgroup") == 0 then
    local cgdir, err = sys.mkdtemp("/dev/shm/emsopt-cgroup")
    assert(cgdir, "no cgroup file system at /sys/fs/cgroup, and no tmpfs at /dev/shm to stand in: " .. tostring(err))
    c.cgdir = cgdir
    spec.write(d .. "/cgroup.conf", "CgroupPlugin=cgroup/v1\nCgroupMountpoint=" .. cgdir .. "\nCgroupAutomount=no\n")
  end
  c.env = {SLURM_CONF = c.conf}
  local function logs()
    return (spec.read(d .. "/log/slurmctld.log") or "") .. (spec.read(d .. "/log/slurmd.log") or "")
      .. (spec.read(d .. "/slurmctld.out") or "") .. (spec.read(d .. "/slurmd.out") or "")
  end
  local up
  for attempt = 1, 4 do
    local state = d .. "/state" .. attempt -- a fresh one: it remembers the cluster's name
    assert(sys.mkdir(state))
    spec.write(c.conf, table.concat({
      "ClusterName=emsoptspec" .. attempt,
      fmt("SlurmctldHost=%s(127.0.0.1)", host),
      "SlurmctldPort=" .. port(attempt, 1), "SlurmdPort=" .. port(attempt, 2),
      "SlurmUser=root", "SlurmdUser=root",
      "AuthType=auth/munge", "CredType=cred/munge", "AuthInfo=socket=" .. sock,
      "StateSaveLocation=" .. state, "SlurmdSpoolDir=" .. d .. "/spool",
      "SlurmctldPidFile=" .. d .. "/slurmctld.pid", "SlurmdPidFile=" .. d .. "/slurmd.pid",
      "SlurmctldLogFile=" .. d .. "/log/slurmctld.log", "SlurmdLogFile=" .. d .. "/log/slurmd.log",
      "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none", "SwitchType=switch/none", "MpiDefault=none",
      "SchedulerType=sched/builtin", "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core",
      "ReturnToService=2", "MaxArraySize=10001", "SlurmdTimeout=60", "InactiveLimit=0", "KillWait=5",
      fmt("NodeName=%s NodeAddr=127.0.0.1 CPUs=%d State=UNKNOWN", host, cpus or 2),
      fmt("PartitionName=spec Nodes=%s Default=YES MaxTime=INFINITE State=UP", host), ""}, "\n"))
    c.procs.slurmctld = assert(sys.spawn({"/usr/sbin/slurmctld", "-D", "-c", "-i", "-f", c.conf},
      {stdout = d .. "/slurmctld.out", stderr = "stdout", env = c.env}))
    c.procs.slurmd = assert(sys.spawn({"/usr/sbin/slurmd", "-D", "-f", c.conf},
      {stdout = d .. "/slurmd.out", stderr = "stdout", env = c.env}))
    up = wait_until(60, function()
      if c.procs.slurmctld:poll() or c.procs.slurmd:poll() then return false end
      local ok, text = capture({"sinfo", "--noheader", "--format=%T"}, {env = c.env})
      if ok and text:match("^%s*idle") then return true end
    end)
    if up then break end
    c.procs.slurmd:close()
    c.procs.slurmctld:close()
  end
  assert(up, "slurm did not start: " .. logs())
  function c.stop()
    for _, k in ipairs{"slurmd", "slurmctld", "munged"} do
      if c.procs[k] then c.procs[k]:close(); c.procs[k] = nil end
    end
    if c.sockdir then quiet({"rm", "-rf", "--", c.sockdir}); c.sockdir = nil end
    if c.cgdir then quiet({"rm", "-rf", "--", c.cgdir}); c.cgdir = nil end
  end
  c.logs = logs
  return c
end

return M
