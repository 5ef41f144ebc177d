-- csv module: reader, grouped count, lines, writer, date-times (see modules/csv/lua_csv.c).
local csv = require "csv"

local function file(content)
  return spec.write(spec.tmpname(".csv"), content)
end

-- error messages name the file: write "F" in expected messages
local function with_file(msg, path) return (msg:gsub("^F", function() return path end)) end

describe("require", function()
  it("adds no globals", function()
    assert.equals("function", type(spec.fresh_require("csv").read))
  end)
end)

describe("csv.read", function()
  local cases = {
    {"plain", "a,b\n1,2\n3,4\n", nil, {a = {"1", "3"}, b = {"2", "4"}}, 2},
    {"CRLF and no final newline", "a,b\r\n1,2\r\n3,4", nil, {a = {"1", "3"}, b = {"2", "4"}}, 2},
    {"BOM", "\239\187\191a,b\n1,2\n", nil, {a = {"1"}, b = {"2"}}, 1},
    {"quotes", 'a,b\n"x,y","say ""hi"""\n', nil, {a = {"x,y"}, b = {'say "hi"'}}, 1},
    {"embedded newline", 'a,b\n"x\ny",2\n3,4\n', nil, {a = {"x\ny", "3"}, b = {"2", "4"}}, 2},
    {"tab detected", "a\tb\n1,5\t2\n", nil, {a = {"1,5"}, b = {"2"}}, 1},
    {"semicolon detected", "a;b\n1,5;2\n", nil, {a = {"1,5"}, b = {"2"}}, 1},
    {"pipe given", "a|b,c\n1|2,3\n", {delimiter = "|"}, {a = {"1"}, ["b,c"] = {"2,3"}}, 1},
    {"columns by name", "a,b,c\n1,2,3\n", {columns = {"c", "a"}}, {c = {"3"}, a = {"1"}}, 1},
    {"types", "i,n,s\n1,2.5,x\n-3,1e3,\n", {types = {i = "integer", n = "number"}},
      {i = {1, -3}, n = {2.5, 1000.0}, s = {"x", ""}}, 2},
    {"empty = nil", "i,n\n,1\n2,\n", {types = {i = "integer", n = "number"}, empty = "nil"},
      {i = {nil, 2}, n = {1.0, nil}}, 2},
    {"empty = value", "i,n\n,1\n2,\n", {types = {i = "integer", n = "number"}, empty = -1},
      {i = {-1, 2}, n = {1.0, -1.0}}, 2},
    {"blank lines skipped", "a\n\nx\n\r\ny\n", nil, {a = {"x", "y"}}, 2},
    {"header only", "a,b\n", nil, {a = {}, b = {}}, 0},
    {"skip_bad", "a,b\n1,2\n3\n4,5\n6,7,8\n", {skip_bad = true}, {a = {"1", "4"}, b = {"2", "5"}}, 2},
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local cols, info = csv.read(file(c[2]), c[3])
      assert.same(c[4], cols)
      assert.equals(c[5], info.rows)
    end)
  end

  it("info", function()
    local p = file("a;b\n1;2\nx\n3;4\ny\nz\n")
    local _, info = csv.read(p, {skip_bad = true})
    assert.same({a = "a", header = {"a", "b"}, file = p, delimiter = ";", rows = 2, bad = 3,
      bad_lines = {3, 5, 6}, first_bad = p .. ":3:2: row has 1 fields, header has 2"},
      {a = "a", header = info.header, file = info.file, delimiter = info.delimiter, rows = info.rows,
        bad = info.bad, bad_lines = info.bad_lines, first_bad = info.first_bad})
  end)

  it("reports at most 10 bad lines", function()
    local t = {"a,b"}
    for i = 1, 25 do t[#t + 1] = "x" end
    local _, info = csv.read(file(table.concat(t, "\n")), {skip_bad = true})
    assert.equals(25, info.bad)
    assert.same({2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, info.bad_lines)
  end)

  local errors = {
    {"ragged short", "a,b,c\n1,2,3\n4,5\n", nil, "F:3:4: row has 2 fields, header has 3"},
    {"ragged long", "a,b\n1,2,3\n", nil, "F:2:5: row has 3 fields, header has 2"},
    {"unterminated quote", 'a,b\n1,"2\n3,4\n', nil, "F:2:3: unterminated quoted field"},
    {"text after quote", 'a,b\n"1"x,2\n', nil, "F:2:4: unexpected text after closing quote"},
    {"not an integer", "a,b\n1,2\nx,3\n", {types = {a = "integer"}}, "F:3:1: invalid integer 'x' in column 'a'"},
    {"float in integer column", "a\n1.5\n", {types = {a = "integer"}}, "F:2:1: invalid integer '1.5' in column 'a'"},
    {"not a number", "a,b\n1,2,5\n", {types = {b = "number"}}, "F:2:5: row has 3 fields, header has 2"},
    {"bad number", "a,b\n1,\"2,5\"\n", {types = {b = "number"}}, "F:2:3: invalid number '2,5' in column 'b'"},
    {"empty integer", "a,b\n1,\n", {types = {b = "integer"}}, "F:2:3: empty value in integer column 'b'"},
    {"empty number", "a,b\n,1\n", {types = {a = "number"}}, "F:2:1: empty value in number column 'a'"},
    {"unknown column", "a,b\n1,2\n", {columns = {"a", "zz"}}, "F:1: unknown column 'zz'"},
    {"unknown typed column", "a,b\n1,2\n", {types = {zz = "integer"}}, "F:1: unknown column 'zz'"},
    {"duplicate column", "a,a\n1,2\n", {columns = {"a"}}, "F:1: duplicate column 'a' in header"},
    {"empty file", "", nil, "F: empty file"},
    {"only blank lines", "\n\r\n\n", nil, "F: empty file"},
    {"unterminated header", 'a,"b\n', nil, "F:1:3: unterminated quoted field"},
    {"line numbers count embedded newlines", 'a,b\n"x\n\ny",2\n3\n', nil, "F:5:2: row has 1 fields, header has 2"},
  }
  for _, c in ipairs(errors) do
    it("error: " .. c[1], function()
      local p = file(c[2])
      assert.fails(function() return csv.read(p, c[3]) end, with_file(c[4], p))
    end)
  end

  it("error: missing file", function()
    local p = spec.tmpname(".csv")
    assert.fails(function() return csv.read(p) end, p .. ": No such file or directory")
  end)

  it("error: a directory", function()
    local p = spec.tmpname("")
    os.execute("mkdir " .. spec.shquote(p))
    assert.fails(function() return csv.read(p) end, p .. ": Is a directory")
  end)

  it("error: unreadable file", function()
    local p = file("a\n1\n")
    os.execute("chmod 000 " .. spec.shquote(p))
    local f = io.open(p)
    if f then -- running as root: permissions do not stop reads; a file whose read(2) fails does
      f:close()
      assert.fails(function() return csv.read("/proc/self/mem") end, "/proc/self/mem: Input/output error")
    else
      assert.fails(function() return csv.read(p) end, p .. ": Permission denied")
    end
  end)

  local misuse = {
    {{foo = 1}, "bad argument #2 to 'read' (unknown option 'foo')"},
    {{types = {a = "int"}}, "bad argument #2 to 'read' (option 'types': {NAME = \"integer\"|\"number\"|\"string\"} expected)"},
    {{empty = "zero"}, "bad argument #2 to 'read' (option 'empty': \"error\", \"nil\" or a number expected)"},
    {{empty = 0.5, types = {a = "integer"}}, "bad argument #2 to 'read' (option 'empty': an integer is needed for integer columns)"},
    {{delimiter = ",,"}, "bad argument #2 to 'read' (option 'delimiter': one character expected (not a quote or line break))"},
    {{skip_bad = 1}, "bad argument #2 to 'read' (option 'skip_bad': boolean expected, got number)"},
    {{columns = {"a", 2}}, "bad argument #2 to 'read' (option 'columns': item 2 is not a string)"},
    {{columns = {"a"}, types = {b = "integer"}}, "bad argument #2 to 'read' (option 'types': column 'b' is not in 'columns')"},
    {{buffer_size = 2}, "bad argument #2 to 'read' (option 'buffer_size': integer from 4 to 2^30 expected)"},
  }
  for i, c in ipairs(misuse) do
    it("misuse raises " .. i, function()
      local p = file("a,b\n1,2\n")
      assert.raises(function() csv.read(p, c[1]) end, c[2])
    end)
  end

  -- fields and rows of every size around the read block, quoted or not
  for _, bs in ipairs {16, 64, 1024} do
    it("fields around buffer_size " .. bs, function()
      for len = bs - 3, bs + 3 do
        local plain = ("x"):rep(len)
        local quoted = ('a"b\n,'):rep(len // 5 + 1):sub(1, len)
        local content = "h1,h2\r\n" .. plain .. ",1\r\n\"" .. quoted:gsub('"', '""') .. '",' .. plain .. "\r\n2,3"
        local cols, info = csv.read(file(content), {buffer_size = bs, types = {}})
        assert.equals(3, info.rows)
        assert.same({plain, quoted, "2"}, cols.h1)
        assert.same({"1", plain, "3"}, cols.h2)
      end
    end)
  end

  it("a row longer than the default 1 MiB block", function()
    local big = ("y"):rep((1 << 20) + 1)
    local cols = csv.read(file("a,b\n" .. big .. ',"' .. big .. '"\n1,2\n'))
    assert.equals(#big, #cols.a[1])
    assert.equals(big, cols.b[1])
    assert.equals("2", cols.b[2])
  end)

  it("the same result at every buffer size", function()
    local t = {"id,name,value"}
    for i = 1, 300 do
      t[#t + 1] = string.format('%d,"n,%s""%d",%d.5', i, ("q"):rep(i % 37), i, i)
    end
    local p = file(table.concat(t, "\r\n"))
    local ref = csv.read(p, {types = {id = "integer", value = "number"}})
    assert.equals(300, #ref.id)
    assert.equals('n,qqq""3', ref.name[3]:gsub('"', '""'))
    for bs = 4, 80, 7 do
      assert.same(ref, (csv.read(p, {buffer_size = bs, types = {id = "integer", value = "number"}})))
    end
  end)
end)

describe("csv.column (compact)", function()
  it("holds numeric columns in C", function()
    local cols, info = csv.read(file("i,n,s\n1,1.5,a\n2,,b\n,3,c\n"),
      {types = {i = "integer", n = "number"}, compact = true, empty = "nil"})
    local i, n = cols.i, cols.n
    assert.equals(3, info.rows)
    assert.equals("userdata", type(i))
    assert.same({"a", "b", "c"}, cols.s)
    assert.equals(3, #i)
    assert.equals(1, i[1])
    assert.is_nil(i[3])
    assert.is_nil(i[4])
    assert.is_nil(i[0])
    assert.equals(3, i:sum())
    assert.equals(4.5, n:sum())
    assert.equals("integer", i:type())
    assert.equals("number", n:type())
    assert.same({1.5, nil, 3.0}, n:totable())
    assert.equals("csv.column (integer, 3 values)", tostring(i))
    i:close()
    i:close()
    assert.raises(function() return #i end, "attempt to use a closed csv.column")
    assert.raises(function() return i:sum() end, "attempt to use a closed csv.column")
  end)

  it("sums integers exactly", function()
    local cols = csv.read(file("v\n9007199254740993\n1\n"), {types = {v = "integer"}, compact = true})
    assert.equals(9007199254740994, cols.v:sum())
  end)
end)

describe("csv.count", function()
  local data = table.concat({
    "zip,type,when,secs",
    '10001,CARD,"01/07/2013 12:30:00 AM",10', -- Monday 00h
    "10001,CARD,01/07/2013 12:59:59 AM,20",   -- Monday 00h
    '10002,"CA,RD",01/13/2013 11:00:00 PM,5', -- Sunday 23h
    "10001,CARD,01/08/2013 01:00:00 AM,",     -- Tuesday 01h, no secs
    ",SICK,2013-02-01T10:00:00,7",            -- Friday 10h, no zip
  }, "\n") .. "\n"

  local function shape(groups)
    local out = {}
    for _, g in ipairs(groups) do
      out[#out + 1] = {table.concat(g.keys, "|"), g.count, g.sums, g.n}
    end
    return out
  end

  local cases = {
    {"one key", {by = {"zip"}}, {{"10001", 3}, {"10002", 1}, {"", 1}}},
    {"two keys", {by = {"zip", "type"}}, {{"10001|CARD", 3}, {"10002|CA,RD", 1}, {"|SICK", 1}}},
    {"no key", {}, {{"", 5}}},
    {"hour_of_week", {by = {{column = "when", bin = "hour_of_week"}}}, {{"0", 2}, {"167", 1}, {"25", 1}, {"106", 1}}},
    {"weekday", {by = {{column = "when", bin = "weekday"}}}, {{"1", 2}, {"7", 1}, {"2", 1}, {"5", 1}}},
    {"hour", {by = {{column = "when", bin = "hour"}}}, {{"0", 2}, {"23", 1}, {"1", 1}, {"10", 1}}},
    {"month and year", {by = {{column = "when", bin = "year"}, {column = "when", bin = "month"}}},
      {{"2013|1", 4}, {"2013|2", 1}}},
    {"date", {by = {{column = "when", bin = "date"}}},
      {{"2013-01-07", 2}, {"2013-01-13", 1}, {"2013-01-08", 1}, {"2013-02-01", 1}}},
    {"where one value", {by = {"type"}, where = {zip = "10001"}}, {{"CARD", 3}}},
    {"where a set", {by = {"zip"}, where = {type = {"CA,RD", "SICK"}}}, {{"10002", 1}, {"", 1}}},
    {"where a number", {by = {"type"}, where = {secs = 5}}, {{"CA,RD", 1}}},
    {"where two columns", {where = {zip = "10001", secs = {"10", "20"}}}, {{"", 2}}},
    {"sum with empty = nil", {by = {"zip"}, sum = {"secs"}, empty = "nil"},
      {{"10001", 3, {secs = 30.0}, {secs = 2}}, {"10002", 1, {secs = 5.0}, {secs = 1}}, {"", 1, {secs = 7.0}, {secs = 1}}}},
  }
  -- the columnar result turned back into rows
  local function from_columns(res, nkeys)
    local out = {}
    for g = 1, #res.count do
      local keys = {}
      for k = 1, nkeys do keys[k] = res.keys[k][g] end
      local row = {keys = keys, count = res.count[g]}
      if next(res.sums) then
        row.sums, row.n = {}, {}
        for name, arr in pairs(res.sums) do row.sums[name] = arr[g] end
        for name, arr in pairs(res.n) do row.n[name] = arr[g] end
      end
      out[g] = row
    end
    return out
  end

  for _, c in ipairs(cases) do
    it(c[1], function()
      local groups, info = csv.count(file(data), c[2])
      assert.same(c[3], shape(groups))
      assert.equals(5, info.rows)
      assert.equals(#groups, info.groups)
    end)
    it(c[1] .. " (columnar)", function()
      local opts = {columnar = true}
      for k, v in pairs(c[2]) do opts[k] = v end
      local res, info = csv.count(file(data), opts)
      assert.equals(#c[3], #res.count)
      assert.equals(#c[3], info.groups)
      assert.equals(#(c[2].by or {}), #res.keys)
      for _, arr in ipairs(res.keys) do assert.equals(#res.count, #arr) end
      assert.same(c[3], shape(from_columns(res, #(c[2].by or {}))))
    end)
    it(c[1] .. " (compact)", function()
      local opts = {columnar = true, compact = true}
      for k, v in pairs(c[2]) do opts[k] = v end
      local res, info = csv.count(file(data), opts)
      assert.equals(#c[3], info.groups)
      assert.equals("csv.column (integer, " .. #c[3] .. " values)", tostring(res.count))
      for _, col in ipairs(res.keys) do
        assert.equals("userdata", type(col))
        assert.equals(#c[3], #col)
      end
      for _, col in pairs(res.sums) do assert.equals("number", col:type()) end
      assert.same(c[3], shape(from_columns(res, #(c[2].by or {}))))
    end)
  end

  it("compact columns: strings, dates and integers, as the tables", function()
    local p = file("when,zip\n" .. table.concat({
      '"01/29/2013 03:10:13 AM",10001', '"01/29/2013 04:10:13 PM",', '"12/31/2016 11:59:59 PM",10001',
      '"01/29/2013 03:40:00 AM",' .. ("Z"):rep(300)}, "\n") .. "\n")
    local by = {"zip", {column = "when", bin = "date"}, {column = "when", bin = "hour"}}
    local t = csv.count(p, {by = by, columnar = true})
    local k = csv.count(p, {by = by, columnar = true, compact = true})
    assert.equals("string", k.keys[1]:type())
    assert.equals("string", k.keys[2]:type())
    assert.equals("integer", k.keys[3]:type())
    for j = 1, 3 do assert.same(t.keys[j], k.keys[j]:totable()) end
    assert.same(t.count, k.count:totable())
    assert.equals("", k.keys[1][2])
    assert.equals(("Z"):rep(300), k.keys[1][4])
    assert.equals("2016-12-31", k.keys[2][3])
    assert.is_nil(k.keys[1][5])
    assert.raises(function() k.keys[1]:sum() end, "csv.column: sum of a string column")
  end)

  it("compact columns of many groups, filled on several threads, as the tables", function()
    -- 120,000 groups: ranges of the groups are filled on threads of their own (from 32,768 groups a
    -- range) and their strings moved after the ranges before them; on several threads the groups
    -- are read from the tables of the threads that kept them, merged by first row
    local rows = {"zip,when,secs"}
    for i = 1, 120000 do
      local zip = i % 11 == 0 and "" or (i % 5 == 0 and ("long-zip-code-%09d"):format(i) or tostring(i))
      rows[#rows + 1] = ('%s,"%02d/%02d/%04d %02d:00:00 AM",%d'):format(zip, i % 12 + 1, i % 28 + 1, 2000 + i % 20,
        i % 12 + 1, i % 1000)
    end
    local p = file(table.concat(rows, "\n") .. "\n")
    local by = {"zip", {column = "when", bin = "date"}, {column = "when", bin = "hour"}}
    local t = csv.count(p, {by = by, sum = {"secs"}, columnar = true, threads = 1})
    assert.is_true(#t.count > 100000)
    for _, threads in ipairs{1, 2, 3} do
      local k = csv.count(p, {by = by, sum = {"secs"}, columnar = true, compact = true, threads = threads})
      for j = 1, 3 do assert.same(t.keys[j], k.keys[j]:totable()) end
      assert.same(t.count, k.count:totable())
      assert.same(t.sums.secs, k.sums.secs:totable())
      assert.same(t.n.secs, k.n.secs:totable())
    end
  end)

  -- a file the row parser and the block scanner must agree on: quotes, delimiters, CRLF and
  -- line breaks inside quotes, blank lines, a BOM, keys longer than 16 and than 255 bytes
  local function tricky(n)
    local t = {"\239\187\191zip,type,when,secs"}
    for i = 1, n do
      local zip = i % 7 == 0 and "" or tostring(10000 + i % 13)
      local typ = ({"CARD", '"CA,RD"', '"say ""hi"""', '"two\r\nlines"', ("L"):rep(20), ("M"):rep(300)})[i % 6 + 1]
      local when = string.format('"%02d/%02d/2015 %02d:%02d:00 %s"', i % 12 + 1, i % 28 + 1, i % 12 + 1, i % 60,
        i % 2 == 0 and "AM" or "PM")
      t[#t + 1] = string.format("%s,%s,%s,%d", zip, typ, when, i % 5)
      if i % 17 == 0 then t[#t + 1] = "" end
    end
    return table.concat(t, "\r\n") .. "\r\n"
  end

  it("the same groups at every buffer size, rows and columnar", function()
    local p = file(tricky(400))
    local by = {"zip", "type", {column = "when", bin = "hour_of_week"}}
    local ref, rinfo = csv.count(p, {by = by, sum = {"secs"}})
    assert.equals(400, rinfo.rows)
    assert.equals(0, rinfo.bad)
    local n = 0
    for _, g in ipairs(ref) do n = n + g.count end
    assert.equals(400, n)
    -- checked against csv.read of the same file, grouped in Lua
    local cols = assert(csv.read(p))
    local want, order = {}, {}
    for i = 1, #cols.zip do
      local how = csv.bins(csv.datetime(cols.when[i])).hour_of_week
      local k = cols.zip[i] .. "|" .. cols.type[i] .. "|" .. how
      if not want[k] then want[k] = 0; order[#order + 1] = k end
      want[k] = want[k] + 1
    end
    assert.equals(#order, #ref)
    for i, g in ipairs(ref) do
      assert.equals(order[i], table.concat(g.keys, "|"))
      assert.equals(want[order[i]], g.count)
    end
    for _, bs in ipairs {4, 17, 63, 64, 65, 300, 4096} do
      assert.same(ref, (csv.count(p, {by = by, sum = {"secs"}, buffer_size = bs})))
      local res = csv.count(p, {by = by, sum = {"secs"}, buffer_size = bs, columnar = true})
      assert.same(ref, from_columns(res, 3))
    end
  end)

  it("many groups: the table grows and keeps the order of first appearance", function()
    local t = {"k,v"}
    for i = 1, 30000 do t[#t + 1] = string.format("key%d,%d", (i * 7919) % 20011, i) end
    local res, info = csv.count(file(table.concat(t, "\n")), {by = {"k"}, columnar = true})
    assert.equals(20011, info.groups)
    assert.equals("key7919", res.keys[1][1])
    local total = 0
    for g = 1, info.groups do
      local i = (g * 7919) % 20011
      assert.equals("key" .. i, res.keys[1][g])
      assert.equals(g <= 30000 - 20011 and 2 or 1, res.count[g])
      total = total + res.count[g]
    end
    assert.equals(30000, total)
  end)

  it("key types: strings for columns, integers for bins, strings for dates", function()
    local g = csv.count(file(data), {by = {"zip", {column = "when", bin = "hour"}, {column = "when", bin = "date"}}})
    assert.equals("string", type(g[1].keys[1]))
    assert.equals("integer", math.type(g[1].keys[2]))
    assert.equals("2013-01-07", g[1].keys[3])
  end)

  local errors = {
    {"empty summed value", {sum = {"secs"}}, "F:5:35: empty value in number column 'secs'"},
    {"unknown key", {by = {"nope"}}, "F:1: unknown column 'nope'"},
    {"unknown sum", {sum = {"nope"}}, "F:1: unknown column 'nope'"},
    {"unknown where", {where = {nope = "1"}}, "F:1: unknown column 'nope'"},
    {"date in the wrong format", {by = {{column = "when", bin = "hour", format = "iso"}}},
      "F:2:12: invalid date-time '01/07/2013 12:30:00 AM' in column 'when'"},
    {"not a date", {by = {{column = "type", bin = "hour"}}}, "F:2:7: invalid date-time 'CARD' in column 'type'"},
    {"date not in the format given", {by = {{column = "when", bin = "hour", format = "%d.%m.%Y %H:%M"}}},
      "F:2:12: invalid date-time '01/07/2013 12:30:00 AM' in column 'when' (format '%d.%m.%Y %H:%M')"},
  }
  for _, c in ipairs(errors) do
    it("error: " .. c[1], function()
      local p = file(data)
      assert.fails(function() return csv.count(p, c[2]) end, with_file(c[3], p))
    end)
  end

  it("a strptime-style format gives the bins the native reader gives", function()
    local dotted = {"zip,type,when,secs"}
    for line in data:gmatch("[^\n]+") do
      local a, b, when, d = line:match('^([^,]*),("?[^"]*"?),"?([^,"]*)"?,(.*)$')
      local t = a ~= "zip" and csv.datetime(when)
      if t then dotted[#dotted + 1] = table.concat({a, b, os.date("!%d.%m.%Y %H:%M:%S", t), d}, ",") end
    end
    local by = {"zip", {column = "when", bin = "hour_of_week"}, {column = "when", bin = "date"}}
    local native = csv.count(file(data), {by = by})
    local fby = {"zip", {column = "when", bin = "hour_of_week", format = "%d.%m.%Y %H:%M:%S"},
      {column = "when", bin = "date", format = "%d.%m.%Y %T"}}
    assert.same(shape(native), shape(csv.count(file(table.concat(dotted, "\n") .. "\n"), {by = fby})))
    assert.raises(function() csv.count(file(data), {by = {{column = "when", bin = "hour", format = "%d.%o"}}}) end,
      "bad argument #2 to 'count' (option 'by': item 1: format: unknown directive %o in '%d.%o' (%Y %y %m %d %e %H %I %M %S %p %b %B %j %z %T %F %D %%))")
  end)

  it("skip_bad counts and reports bad rows", function()
    local p = file(data .. "1,2\n10001,CARD,garbage,1\n")
    local g, info = csv.count(p, {by = {{column = "when", bin = "year"}}, skip_bad = true})
    assert.same({{"2013", 5}}, shape(g))
    assert.equals(7, info.rows)
    assert.equals(5, info.counted)
    assert.equals(2, info.bad)
    assert.same({7, 8}, info.bad_lines)
    assert.equals(p .. ":7:4: row has 2 fields, header has 4", info.first_bad)
  end)

  it("error: empty date in a binned key", function()
    local p = file("a,t\n1,\n")
    assert.fails(function() return csv.count(p, {by = {{column = "t", bin = "hour"}}}) end,
      p .. ":2:3: empty date-time in column 't'")
  end)

  local misuse = {
    {{by = "zip"}, "bad argument #2 to 'count' (option 'by': list expected)"},
    {{by = {{column = "when", bin = "minute"}}}, "bad argument #2 to 'count' (option 'by': item 1: invalid bin 'minute')"},
    {{by = {{bin = "hour"}}}, "bad argument #2 to 'count' (option 'by': item 1 needs a 'column' name)"},
    {{by = {{column = "when", bins = "hour"}}}, "bad argument #2 to 'count' (option 'by': item 1: unknown key 'bins')"},
    {{where = {zip = {}}}, "bad argument #2 to 'count' (option 'where': empty list of values)"},
    {{empty = 0}, "bad argument #2 to 'count' (option 'empty': \"error\" or \"nil\" expected)"},
    {{group = {}}, "bad argument #2 to 'count' (unknown option 'group')"},
    {{columnar = 1}, "bad argument #2 to 'count' (option 'columnar': boolean expected, got number)"},
    {{compact = true}, "bad argument #2 to 'count' (option 'compact' is for columnar = true)"},
  }
  for i, c in ipairs(misuse) do
    it("misuse raises " .. i, function()
      local p = file(data)
      assert.raises(function() csv.count(p, c[1]) end, c[2])
    end)
  end

  it("agrees with awk on the NYC sample: ZIPCODE x INITIAL_CALL_TYPE, every group", function()
    local path = spec.data("nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv")
    -- the sample has no quoted fields (SOURCE.md: quotes removed), so awk -F, splits it exactly
    local probe = assert(io.open(path, "rb"))
    local text = probe:read("a")
    probe:close()
    assert.is_nil(text:find('"', 1, true))
    local p = assert(io.popen("awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }"
      .. " { n[$col[\"ZIPCODE\"] \"\\t\" $col[\"INITIAL_CALL_TYPE\"]]++ }"
      .. " END { for (k in n) print k \"\\t\" n[k] }' " .. spec.shquote(path)))
    local want, nwant = {}, 0
    for line in p:lines() do
      local zip, call, n = line:match("^([^\t]*)\t([^\t]*)\t(%d+)$")
      want[zip .. "|" .. call] = tonumber(n)
      nwant = nwant + 1
    end
    p:close()
    local groups, info = csv.count(path, {by = {"ZIPCODE", "INITIAL_CALL_TYPE"}})
    assert.equals(186577, info.rows)
    assert.equals(186577, info.counted)
    assert.equals(0, info.bad)
    assert.equals(nwant, #groups)
    local total, empty_zip = 0, 0
    for _, g in ipairs(groups) do
      local k = g.keys[1] .. "|" .. g.keys[2]
      assert.equals(want[k], g.count, k)
      total = total + g.count
      if g.keys[1] == "" then empty_zip = empty_zip + g.count end
    end
    assert.equals(186577, total)
    assert.equals(4387, empty_zip) -- SOURCE.md: ZIPCODE empty in 4,387 rows of A
  end)

  it("agrees with gawk on the NYC sample: ZIPCODE x hour_of_week (date-times read by gawk's mktime)", function()
    local path = spec.data("nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv")
    local p = assert(io.popen("TZ=UTC gawk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }"
      .. " { split($col[\"INCIDENT_DATETIME\"], a, /[\\/ :]/); h = a[4] % 12 + (a[7] == \"PM\" ? 12 : 0);"
      .. " t = mktime(a[3] \" \" a[1] \" \" a[2] \" \" h \" \" a[5] \" \" a[6], 1);"
      .. " n[$col[\"ZIPCODE\"] \"|\" ((strftime(\"%u\", t, 1) - 1) * 24 + h)]++ }"
      .. " END { for (k in n) print k \"\\t\" n[k] }' " .. spec.shquote(path)))
    local want, nwant = {}, 0
    for line in p:lines() do
      local k, n = line:match("^([^\t]*)\t(%d+)$")
      want[k] = tonumber(n)
      nwant = nwant + 1
    end
    p:close()
    local res, info = csv.count(path, {by = {"ZIPCODE", {column = "INCIDENT_DATETIME", bin = "hour_of_week"}},
      columnar = true})
    assert.equals(186577, info.counted)
    assert.equals(nwant, info.groups)
    assert.is_true(nwant > 20000)
    for g = 1, info.groups do
      local k = res.keys[1][g] .. "|" .. res.keys[2][g]
      assert.equals(want[k], res.count[g], k)
    end
  end)
end)

describe("csv.lines", function()
  it("iterates rows by header name with types", function()
    local p = file('a,b\n1,"x,y"\n2,z\n')
    local got = {}
    for row, line in csv.lines(p, {types = {a = "integer"}}) do got[#got + 1] = {row, line} end
    assert.same({{{a = 1, b = "x,y"}, 2}, {{a = 2, b = "z"}, 3}}, got)
  end)

  it("columns and skip_bad", function()
    local got = {}
    for row in csv.lines(file("a,b\n1,2\n3\n4,5\n"), {columns = {"b"}, skip_bad = true}) do got[#got + 1] = row end
    assert.same({{b = "2"}, {b = "5"}}, got)
  end)

  it("raises file errors", function()
    local p = file("a,b\n1,2\n3\n")
    assert.has_error(function() for _ in csv.lines(p) do end end, p .. ":3:2: row has 1 fields, header has 2")
    local q = spec.tmpname(".csv")
    assert.has_error(function() csv.lines(q) end, q .. ": No such file or directory")
    assert.raises(function() csv.lines(p, {compact = true}) end,
      "bad argument #2 to 'lines' (option 'compact' is for csv.read)")
  end)

  it("can stop early (the reader is to-be-closed)", function()
    local n = 0
    for _ in csv.lines(file("a\n1\n2\n3\n")) do
      n = n + 1
      if n == 2 then break end
    end
    assert.equals(2, n)
  end)
end)

describe("csv.write", function()
  local cases = {
    {"plain", {"a", "b"}, {{"1", "2"}, {3, 4.5}}, nil, "a,b\n1,2\n3,4.5\n"},
    {"quotes when needed", {"a", "b"},
      {{"x,y", 'say "hi"'}, {"line\nbreak", "cr\rhere"}, {" lead", "trail "}, {"in side", ""}}, nil,
      'a,b\n"x,y","say ""hi"""\n"line\nbreak","cr\rhere"\n" lead","trail "\nin side,\n'},
    {"named fields and nil", {"a", "b"}, {{a = "1", b = "2"}, {b = "3"}, {nil, true}}, nil, "a,b\n1,2\n,3\n,true\n"},
    {"delimiter and crlf", {"a", "b"}, {{"x;y", "x,y"}}, {delimiter = ";", crlf = true}, 'a;b\r\n"x;y";x,y\r\n'},
    {"one column keeps empty rows", {"a"}, {{""}, {"x"}}, nil, 'a\n""\nx\n'},
    {"numbers", {"i", "f"}, {{math.maxinteger, 0.1}, {-0, 1e300}, {2, 2.0}}, nil,
      "i,f\n9223372036854775807,0.1\n0,1e+300\n2,2.0\n"},
    {"columns", {"a", "b"}, {a = {"1", "2"}, b = {"x"}}, {columns = true}, "a,b\n1,x\n2,\n"},
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local p = spec.tmpname(".csv")
      assert.is_true(csv.write(p, c[2], c[3], c[4]))
      assert.equals(c[5], spec.read(p))
    end)
  end

  it("round-trips through csv.read, compact columns too", function()
    local rows = {}
    for i = 1, 200 do rows[i] = {i, i / 8, ('v"%d,\n'):rep(i % 4) .. " "} end
    local p = spec.tmpname(".csv")
    assert.is_true(csv.write(p, {"i", "x", "s"}, rows))
    local cols = csv.read(p, {types = {i = "integer", x = "number"}, compact = true})
    for i = 1, 200 do
      assert.equals(i, cols.i[i])
      assert.equals(i / 8, cols.x[i])
      assert.equals(rows[i][3], cols.s[i])
    end
    local q = spec.tmpname(".csv")
    assert.is_true(csv.write(q, {"i", "x", "s"}, cols, {columns = true}))
    assert.equals(spec.read(p), spec.read(q))
  end)

  it("is atomic: a failed write leaves the old file and no temporary", function()
    local dir = spec.mkdir()
    local p = dir .. "/out.csv"
    spec.write(p, "old\n")
    assert.error_matches(function() csv.write(p, {"a"}, {{"1"}, {{}}}) end,
      "row 2, column 'a': string, number, boolean or nil expected, got table")
    assert.equals("old\n", spec.read(p))
    assert.same({"out.csv"}, spec.ls(dir))
  end)

  it("returns nil, message when the directory is missing", function()
    local p = spec.tmpname("") .. "/nodir/out.csv"
    local ok, err = csv.write(p, {"a"}, {})
    assert.is_nil(ok)
    assert.matches("^" .. p:gsub("%p", "%%%0") .. ": ", err)
  end)

  it("misuse raises", function()
    local p = spec.tmpname(".csv")
    assert.raises(function() csv.write(p, {}, {}) end,
      "bad argument #2 to 'write' (non-empty list of column names expected)")
    assert.raises(function() csv.write(p, {"a"}, {}, {sep = ","}) end,
      "bad argument #4 to 'write' (unknown option 'sep')")
    assert.raises(function() csv.write(p, {"a"}, {1}) end, "bad argument #3 to 'write' (row 1 is not a table)")
  end)
end)

describe("date-times", function()
  local cases = {
    {"05/06/2007 06:21:01 AM", nil, 1178432461},
    {"05/06/2007 06:21:01 PM", "mdy", 1178475661},
    {"01/01/2013 12:00:04 AM", nil, 1356998404},
    {"01/01/2013 12:59:59 PM", nil, 1357045199},
    {"12/31/2016 11:59:59 PM", nil, 1483228799},
    {"02/29/2016 00:00", "mdy", 1456704000},
    {"2016-03-01T12:00:00", nil, 1456833600},
    {"2016-03-01T12:00:00Z", "iso", 1456833600},
    {"2016-03-01T12:00:00.5Z", "iso", 1456833600.5},
    {"2016-03-01T14:00:00+02:00", nil, 1456833600},
    {"2016-03-01", nil, 1456790400},
    {"1970-01-01T00:00:00", nil, 0},
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local t = csv.datetime(c[1], c[2])
      assert.equals(c[3], t)
      assert.equals(math.type(c[3]), math.type(t))
    end)
  end

  local bad = {{"02/30/2016 01:00:00 AM"}, {"2016-03-01T12:00:00", "mdy"}, {"05/06/2007 13:00:00 PM"}, {""},
    {"2016-13-01"}, {"noon"}}
  for _, c in ipairs(bad) do
    it("invalid: '" .. c[1] .. "'", function()
      assert.fails(function() return csv.datetime(c[1], c[2]) end, "invalid date-time '" .. c[1] .. "'")
    end)
  end

  local formatted = {
    {"01.03.2016 12:00", "%d.%m.%Y %H:%M", 1456833600},
    {"1 Mar 2016 12:00:00 pm", "%d %b %Y %I:%M:%S %p", 1456833600},
    {"2016-03-01 13:00:00 +0100", "%F %T %z", 1456833600},
    {"16/061 12h", "%y/%j %Hh", 1456833600},
    {"2016-03-01 12:00:00.25", "%Y-%m-%d %H:%M:%S", 1456833600.25},
  }
  for _, c in ipairs(formatted) do
    it(c[1] .. " with format " .. c[2], function()
      local t = csv.datetime(c[1], c[2])
      assert.equals(c[3], t)
      assert.equals(math.type(c[3]), math.type(t))
    end)
  end

  it("a format that does not fit is named in the message", function()
    local t, err = csv.datetime("2016-03-01 12:00", "%d.%m.%Y %H:%M")
    assert.is_nil(t)
    assert.equals("invalid date-time '2016-03-01 12:00' (format '%d.%m.%Y %H:%M')", err)
  end)

  it("csv.datetime_format checks a user's format", function()
    assert.is_true(csv.datetime_format("%d.%m.%Y %H:%M"))
    local ok, err = csv.datetime_format("%d.%m.%Y %Q")
    assert.is_nil(ok)
    assert.equals("unknown directive %Q in '%d.%m.%Y %Q' (%Y %y %m %d %e %H %I %M %S %p %b %B %j %z %T %F %D %%)", err)
    ok, err = csv.datetime_format("%Y-%")
    assert.is_nil(ok)
    assert.equals("a lone % at the end of '%Y-%' (%% for a percent sign; %Y %y %m %d %e %H %I %M %S %p %b %B %j %z %T %F %D %%)", err)
  end)

  it("misuse raises", function()
    assert.raises(function() csv.datetime("2016-03-01", "dmy") end,
      "bad argument #2 to 'datetime' (invalid option 'dmy')")
    assert.raises(function() csv.datetime("2016-03-01", "%d.%q") end,
      "bad argument #2 to 'datetime' (unknown directive %q in '%d.%q' (%Y %y %m %d %e %H %I %M %S %p %b %B %j %z %T %F %D %%))")
    assert.raises(function() csv.bins("x") end, "bad argument #1 to 'bins' (number expected, got string)")
  end)

  local bins = {
    -- epoch, then the fields os.date("!*t") gives, plus ISO weekday and hour of week
    0, 1178432461, 1456833600, 1483228799, -1, 951782400, 4102444800,
  }
  for _, t in ipairs(bins) do
    it("bins of " .. t .. " agree with os.date", function()
      local d = os.date("!*t", t)
      local iso = (d.wday + 5) % 7 + 1
      assert.same({year = d.year, month = d.month, day = d.day, hour = d.hour, minute = d.min, second = d.sec,
        weekday = iso, hour_of_week = (iso - 1) * 24 + d.hour, date = os.date("!%Y-%m-%d", t)}, csv.bins(t))
    end)
  end

  it("monday is 1 and hour_of_week starts monday 00h", function()
    local b = csv.bins(csv.datetime("01/07/2013 12:30:00 AM")) -- a Monday
    assert.equals(1, b.weekday)
    assert.equals(0, b.hour_of_week)
    b = csv.bins(csv.datetime("01/13/2013 11:59:59 PM")) -- a Sunday
    assert.equals(7, b.weekday)
    assert.equals(167, b.hour_of_week)
  end)
end)

describe("csv.count on several threads", function()
  -- Rows whose quoted fields hold line breaks followed by text that reads like whole rows of the
  -- same width, so a part that starts inside one of them guesses wrong and must be counted again;
  -- they fill most of the file, so the cuts fall inside them.
  local function adversarial(nrows, eol, final_eol)
    local t = {"zip,type,when,secs"}
    for i = 1, nrows do
      local zip = tostring(10000 + i % 97)
      local typ
      if i % 3 == 0 then
        local fake = {}
        for j = 1, 8 do
          fake[j] = string.format('%d,FAKE%d,01/07/2013 0%d:00:00 AM,%d', 20000 + j, j, j % 9 + 1, j)
        end
        typ = '"' .. table.concat(fake, eol):gsub('"', '""') .. eol .. '"'
      elseif i % 3 == 1 then
        typ = '"CA,""RD"""'
      else
        typ = "CARD"
      end
      local when = string.format('"%02d/%02d/2015 %02d:%02d:00 %s"', i % 12 + 1, i % 28 + 1, i % 12 + 1, i % 60,
        i % 2 == 0 and "AM" or "PM")
      local secs = i % 11 == 0 and "" or string.format("%d.%d", i % 7, i % 10)
      t[#t + 1] = string.format("%s,%s,%s,%s", zip, typ, when, secs)
      if i % 50 == 0 then t[#t + 1] = "" end
    end
    return table.concat(t, eol) .. (final_eol and eol or "")
  end

  -- the cuts csv.count makes (parts of at least 64 KiB, one per thread), to check that the file
  -- does put some of them inside quoted line breaks
  local function cuts_inside_quotes(content, parts)
    local data = #content:match("^[^\n]*\n")
    local rest = #content - data
    if rest // parts < 65536 then return 0 end
    local inq, hits = {}, 0
    do -- quote state per byte (RFC 4180: doubled quotes toggle twice)
      local q = false
      for i = 1, #content do
        if content:byte(i) == 34 then q = not q end
        inq[i] = q
      end
    end
    for t = 1, parts - 1 do
      local cut = data + rest // parts * t
      if inq[cut + 1] then hits = hits + 1 end
    end
    return hits
  end

  local by = {"zip", "type", {column = "when", bin = "hour_of_week"}}
  local function same_at_all_threads(path, opts, label)
    local o1 = {threads = 1}
    for k, v in pairs(opts) do o1[k] = v end
    local ref, rinfo = csv.count(path, o1)
    for _, th in ipairs {2, 3, 7} do
      local o = {threads = th}
      for k, v in pairs(opts) do o[k] = v end
      local g, info = csv.count(path, o)
      assert.same(ref, g, label .. ": groups at " .. th .. " threads")
      assert.same(rinfo, info, label .. ": info at " .. th .. " threads")
    end
    return ref, rinfo
  end

  for _, v in ipairs {{"LF", "\n", true}, {"CRLF", "\r\n", true}, {"no final line break", "\n", false}} do
    it("the same groups, sums, rows and order at 1, 2, 3 and 7 threads: " .. v[1], function()
      local content = adversarial(4000, v[2], v[3])
      local p = file(content)
      assert.is_true(#content > 7 * 65536)
      local hits = cuts_inside_quotes(content, 2) + cuts_inside_quotes(content, 3) + cuts_inside_quotes(content, 7)
      assert.is_true(hits >= 3, "cuts inside quoted fields: " .. hits)
      local ref, info = same_at_all_threads(p, {by = by, sum = {"secs"}, empty = "nil"}, v[1])
      assert.equals(4000, info.rows)
      local n = 0
      for _, g in ipairs(ref) do n = n + g.count end
      assert.equals(4000, n)
      same_at_all_threads(p, {by = by, columnar = true, buffer_size = 1000}, v[1] .. ", small buffer")
      same_at_all_threads(p, {by = {"zip"}, where = {zip = {"10001", "10050"}}}, v[1] .. ", where")
    end)
  end

  it("bad rows: the same count, lines and first message at every thread count", function()
    local content = adversarial(4000, "\n", true)
    -- a short row, a bad date and an unterminated quote at the end
    content = content:gsub("\n10040,", "\n10040,short\n10040,", 1):gsub("\n(10060,CARD,)\"[^\"]*\"", "\n%1\"garbage\"", 1)
      .. '10001,"unterminated,x\n'
    local p = file(content)
    local _, info = same_at_all_threads(p, {by = by, skip_bad = true}, "skip_bad")
    assert.is_true(info.bad >= 3)
    assert.equals(p, info.first_bad:sub(1, #p))
    -- without skip_bad: the first error in the file, with its line
    local msgs = {}
    for _, th in ipairs {1, 2, 3, 7} do
      local g, err = csv.count(p, {by = by, threads = th})
      assert.is_nil(g)
      msgs[#msgs + 1] = err
    end
    assert.equals(info.first_bad, msgs[1])
    for i = 2, #msgs do assert.equals(msgs[1], msgs[i]) end
  end)

  it("sums that are not exact in fixed point come out the same (counted again on one thread)", function()
    local t = {"k,v"}
    for i = 1, 40000 do t[#t + 1] = string.format("k%d,%s", i % 5, i % 3 == 0 and "1e-300" or "0.1") end
    local p = file(table.concat(t, "\n") .. "\n")
    local ref = same_at_all_threads(p, {by = {"k"}, sum = {"v"}}, "inexact sums")
    assert.equals(5, #ref)
  end)

  it("sums are exact, then rounded once", function()
    local t = {"k,v"}
    for _ = 1, 10 do t[#t + 1] = "a,0.1" end
    local g = csv.count(file(table.concat(t, "\n")), {by = {"k"}, sum = {"v"}})
    assert.equals(1.0, g[1].sums.v) -- 0.1 ten times in floating point is 0.9999999999999999
  end)

  local tiny = {
    {"header only", "a,b\n"},
    {"header without line break", "a,b"},
    {"one row, no final line break", "a,b\n1,2"},
    {"CRLF", "a,b\r\n1,2\r\n3,4\r\n"},
    {"quoted line break", 'a,b\n"x\n1,2",2\n3,4\n'},
    {"blank lines", "a,b\n\n\n1,2\n\r\n"},
  }
  for _, c in ipairs(tiny) do
    it("tiny file: " .. c[1], function()
      same_at_all_threads(file(c[2]), {by = {"a"}}, c[1])
    end)
  end

  it("empty file", function()
    local p = file("")
    for _, th in ipairs {1, 2, 3, 7} do
      assert.fails(function() return csv.count(p, {threads = th}) end, p .. ": empty file")
    end
  end)

  it("misuse", function()
    local p = file("a\n1\n")
    assert.raises(function() csv.count(p, {threads = 0}) end,
      "bad argument #2 to 'count' (option 'threads': integer from 1 to 256 expected)")
    assert.raises(function() csv.count(p, {threads = "all"}) end,
      "bad argument #2 to 'count' (option 'threads': integer from 1 to 256 expected)")
  end)
end)

describe("hostile input", function()
  it("a header of 200,000 columns is resolved in linear time", function()
    local names = {}
    for i = 1, 200000 do names[i] = "c" .. i end
    local p = file(table.concat(names, ",") .. "\n" .. string.rep("1,", 199999) .. "2\n")
    local t0 = os.clock()
    local cols, info = csv.read(p)
    assert.equals(1, info.rows)
    assert.equals("2", cols.c200000[1])
    local g, cinfo = csv.count(p, {by = {"c199999", "c200000"}})
    assert.equals(1, cinfo.groups)
    assert.same({"1", "2"}, g[1].keys)
    -- quadratic lookup took minutes here (100,000 columns: 71 s); linear takes well under a second
    assert.is_true(os.clock() - t0 < spec.t(20), "took " .. (os.clock() - t0) .. " s")
  end)

  it("a duplicate column among many is still reported", function()
    local p = file("a,b,c,b\n1,2,3,4\n")
    assert.fails(function() return csv.read(p) end, p .. ":1: duplicate column 'b' in header")
  end)

  it("/dev/zero ends at once: NUL in the header line", function()
    local msg = "/dev/zero:1:1: NUL byte in the header line (UTF-16 or binary data? the reader takes UTF-8 text)"
    assert.fails(function() return csv.read("/dev/zero") end, msg)
    assert.fails(function() return csv.count("/dev/zero") end, msg)
    assert.has_error(function() for _ in csv.lines("/dev/zero") do end end, msg)
  end)

  it("a row longer than max_row is an error naming its line", function()
    local p = file("a,b\n1,2\n" .. string.rep("x", 300000))
    local msg = p .. ":3: row longer than 65536 bytes (the limit; a file without line breaks?)"
    assert.fails(function() return csv.read(p, {max_row = 65536}) end, msg)
    assert.fails(function() return csv.count(p, {max_row = 65536, buffer_size = 4096}) end, msg)
    assert.has_error(function() for _ in csv.lines(p, {max_row = 65536}) do end end, msg)
    -- the default limit (64 MiB) lets it through: a ragged row
    assert.fails(function() return csv.read(p) end, p .. ":3:300001: row has 1 fields, header has 2")
    assert.raises(function() csv.read(p, {max_row = 0}) end,
      "bad argument #2 to 'read' (option 'max_row': integer from 1 to 2^40 (bytes) expected)")
  end)

  it("a header line without line break past the limit", function()
    local p = file(string.rep("a", 200000))
    assert.fails(function() return csv.read(p, {max_row = 100000}) end,
      p .. ":1: row longer than 100000 bytes (the limit; a file without line breaks?)")
  end)

  local utf16 = {
    {"UTF-16LE with BOM", "\255\254a\0,\0b\0\n\0001\0,\0002\0\n\0", "F: UTF-16 text (byte-order mark FF FE): convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"},
    {"UTF-16BE with BOM", "\254\255\0a\0,\0b\0\n\0001\0,\0002\0\n", "F: UTF-16 text (byte-order mark FE FF): convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)"},
    {"UTF-32LE with BOM", "\255\254\0\0a\0\0\0\n\0\0\0", "F: UTF-32 text (byte-order mark FF FE 00 00): convert it to UTF-8 (iconv -f UTF-32 -t UTF-8)"},
    {"UTF-16LE without BOM", "a\0,\0b\0\n\0001\0,\0002\0\n\0", "F:1:2: NUL byte in the header line (UTF-16 or binary data? the reader takes UTF-8 text)"},
  }
  for _, c in ipairs(utf16) do
    it(c[1] .. " is reported as such, not as an unknown column", function()
      local p = file(c[2])
      assert.fails(function() return csv.read(p, {columns = {"a"}}) end, with_file(c[3], p))
      assert.fails(function() return csv.count(p, {by = {"a"}}) end, with_file(c[3], p))
    end)
  end

  it("a NUL inside a number names file, line and column", function()
    local p = file("a,n\n1,2\n1,40.\0005\n")
    assert.fails(function() return csv.read(p, {types = {n = "number"}}) end,
      p .. ":3:6: NUL byte in number column 'n' (binary or UTF-16 data?)")
    assert.fails(function() return csv.count(p, {sum = {"n"}}) end,
      p .. ":3:6: NUL byte in number column 'n' (binary or UTF-16 data?)")
    p = file("a,n\n1,4\0002\n")
    assert.fails(function() return csv.read(p, {types = {n = "integer"}}) end,
      p .. ":2:4: NUL byte in integer column 'n' (binary or UTF-16 data?)")
    p = file("a,t\n1,01/07/2013\000 12:30:00 AM\n")
    assert.fails(function() return csv.count(p, {by = {{column = "t", bin = "hour"}}}) end,
      p .. ":2:13: NUL byte in date-time column 't' (binary or UTF-16 data?)")
  end)

  it("control bytes in a bad value are shown escaped", function()
    local p = file("a,n\n1,4\t2\1\n")
    assert.fails(function() return csv.read(p, {types = {n = "number"}}) end,
      p .. "\058" .. "2:3: invalid number '4\\t2\\x01' in column 'n'")
  end)
end)
