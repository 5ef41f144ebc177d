-- The REPL, driven as a person would: through a real terminal (tmux), typing keys and reading
-- the screen.
local sys = require "sys"

local session = "emsopt-spec-" .. sys.getpid()
local hist

local function sh(cmd)
  local h = io.popen(cmd .. " 2>&1")
  local out = h:read("a")
  h:close()
  return out
end

-- Sends keys: names such as Enter, Tab, Up, C-c are keys; anything else is typed literally.
local KEYS = {Enter = true, Tab = true, Up = true, ["C-c"] = true, ["C-d"] = true, ["C-l"] = true,
  ["C-u"] = true}
local function keys(...)
  for _, k in ipairs({...}) do
    sh("tmux send-keys -t " .. session .. (KEYS[k] and " " or " -l ") .. spec.shquote(k))
  end
end

-- The visible screen, trailing blanks removed (tmux trims them on each line anyway).
local function screen()
  local s = sh("tmux capture-pane -p -t " .. session)
  return (s:gsub("[ \t]+\n", "\n"):gsub("\n+$", ""))
end

-- Waits until the screen matches the pattern (or times out) and returns the screen.
local function wait_for(pattern, seconds)
  local deadline = sys.clock() + spec.t(seconds or 5)
  local s
  repeat
    s = screen()
    if s:find(pattern) then return s end
    sh("sleep 0.05")
  until sys.clock() > deadline
  error(string.format("screen never matched %q; screen was:\n%s", pattern, s), 2)
end

local function clear()
  keys("C-l")
  sh("tmux clear-history -t " .. session)
  sh("sleep 0.1")
end

describe("REPL in a terminal", function()
  setup(function()
    assert.truthy(sh("command -v tmux") ~= "", "tmux is needed (make deps installs it)")
    hist = spec.tmpname(".history")
    local bin = os.getenv("EMSOPT") or "./emsopt"
    sh(string.format("tmux new-session -d -s %s -x 120 -y 40 'EMSOPT_HISTORY=%s %s'",
      session, hist, bin))
    wait_for("Ctrl%-D exits")
  end)

  teardown(function()
    sh("tmux kill-session -t " .. session)
  end)

  it("prints the value of an expression", function()
    clear()
    keys("6 * 7", "Enter")
    wait_for("\n42\n>$")
  end)

  it("prints tables readably, keys sorted", function()
    clear()
    keys("{zeta = 1, alpha = {1, 2}, [10] = 'x'}", "Enter")
    wait_for('{%[10%] = "x", alpha = {1, 2}, zeta = 1}')
  end)

  it("continues incomplete input on a second prompt", function()
    clear()
    keys("for i = 1, 3 do", "Enter")
    wait_for(">>$")
    keys("io.write(i * 11, ' ')", "Enter", "end", "Enter")
    wait_for("\n>> end\n11 22 33 >$")
  end)

  it("keeps declared globals and rejects undeclared ones", function()
    clear()
    keys("answer = 41", "Enter", "answer + 1", "Enter")
    wait_for("\n42\n")
    keys("nosuchname", "Enter")
    wait_for("undeclared global 'nosuchname'")
  end)

  it("completes globals and table fields with Tab", function()
    clear()
    keys("string.form", "Tab")
    wait_for("> string%.format")
    keys("('%03d', 7)", "Enter")
    wait_for('"007"')
    clear()
    keys("require('json').enc", "Tab")
    wait_for("json'%)%.enc") -- not a plain name chain: nothing to complete
    keys("C-u")
    clear()
    keys("J = require('json')", "Enter", "J.enc", "Tab")
    wait_for("> J%.encode")
    keys("C-u")
  end)

  it("interrupts a running computation with Ctrl-C and returns to the prompt", function()
    clear()
    keys("while true do end", "Enter")
    sh(string.format("sleep %g", spec.t(0.3)))
    keys("C-c")
    wait_for("interrupted")
    keys("1 + 2", "Enter")
    wait_for("\n3\n>$")
  end)

  it("clears the line on Ctrl-C at the prompt", function()
    clear()
    keys("this is not lua", "C-c")
    wait_for("this is not lua\n>$")
    keys("'still here'", "Enter")
    wait_for('"still here"')
  end)

  it("keeps a history across sessions and exits on Ctrl-D", function()
    keys("C-d")
    sh(string.format("sleep %g", spec.t(0.3)))
    local h = spec.read(hist) or ""
    assert.truthy(h:find("6 * 7", 1, true), "history holds the typed lines")
    assert.matches("no server running", sh("tmux has-session -t " .. session))
    -- a new session sees the history: Up recalls the last line
    local bin = os.getenv("EMSOPT") or "./emsopt"
    sh(string.format("tmux new-session -d -s %s -x 120 -y 40 'EMSOPT_HISTORY=%s %s'", session, hist, bin))
    wait_for("Ctrl%-D exits")
    keys("Up")
    wait_for("> 'still here'")
    keys("Enter")
    wait_for('"still here"\n>$')
  end)
end)

describe("REPL with piped input", function()
  it("prints results without prompts", function()
    local code, out = spec.run({}, {stdin = "1 + 1\nx = {b = 2, a = 1}\nx\n"})
    assert.equals(0, code)
    assert.equals("2\n{a = 1, b = 2}\n", out)
  end)
  it("reports errors and carries on", function()
    local code, out, err = spec.run({}, {stdin = "error('bad')\n'after'\n"})
    assert.equals(0, code)
    assert.equals('"after"\n', out)
    assert.matches("^stdin:1: bad\n", err)
  end)
  it("leaves a script's result in 'result' with -i", function()
    local p = spec.write(spec.tmpname(".lua"), "return {answer = 42}")
    local code, out = spec.run({"-i", p}, {stdin = "result.answer\n"})
    assert.equals(0, code)
    assert.equals("(the script's result is in 'result')\n42\n", out)
  end)
end)
