-- Strict globals: reading an undeclared global raises with its name; in scripts, so does
-- assigning one (model scripts use locals). In the REPL an assignment declares the global.
local M = {}

function M.enable(G, mode)
  local declared = {}
  setmetatable(G, {
    __index = function(_, name)
      if declared[name] then return nil end
      error(string.format("undeclared global '%s'", tostring(name)), 2)
    end,
    __newindex = function(t, name, value)
      if mode ~= "repl" then
        error(string.format("assignment to undeclared global '%s' (use local)", tostring(name)), 2)
      end
      declared[name] = true
      rawset(t, name, value)
    end,
  })
end

function M.relax(G, mode) -- switch mode (a script followed by -i continues in the REPL)
  setmetatable(G, nil)
  M.enable(G, mode)
end

return M
