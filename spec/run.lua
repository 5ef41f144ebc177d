-- Runs the spec suite: every spec/*_spec.lua, or the files given.
--   emsopt spec/run.lua [spec/x_spec.lua ...]
local spec = require "spec"

local files = {}
for _, a in ipairs(arg) do files[#files + 1] = a end
if #files == 0 then
  local p = io.popen("ls spec/*_spec.lua 2>/dev/null")
  for l in p:lines() do files[#files + 1] = l end
  p:close()
end
os.exit(spec.main(files) and 0 or 1, true)
