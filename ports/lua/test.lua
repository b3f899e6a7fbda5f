-- The Lua port's test (ports/lua/README.md): the interpreter, the io and os
-- libraries against the file system, and the language itself.  One result
-- line per check, as tests/run-suites.sh reads them; exit status 1 if any
-- failed.  Runs the same on the Linux host and in the VM.
--
--   lua test.lua DIR      DIR: a writable directory (/tmp)
local dir = assert(arg[1], "usage: lua test.lua DIR")
local failures = 0

local function check(name, ok, why)
  if ok then
    print("PASS lua/" .. name)
  else
    print("FAIL lua/" .. name .. ": " .. tostring(why))
    failures = failures + 1
  end
  io.stdout:flush()
end

check("version-is-5.4", _VERSION == "Lua 5.4", _VERSION)
check("arg-table", arg[0]:match("test%.lua$") and arg[-1] ~= nil, "arg[0] = " .. tostring(arg[0]))

-- io: write a file, append, read it back by lines and whole, seek.
local path = dir .. "/lua-test-" .. tostring(os.time()) .. ".txt"
local f, err = io.open(path, "w")
check("io-open-for-writing", f, err)
if f then
  for i = 1, 100 do f:write(string.format("line %d %s\n", i, string.rep("x", i))) end
  f:close()
  local a = assert(io.open(path, "a"))
  a:write("last\n")
  a:close()
  local n, last = 0, nil
  for line in io.lines(path) do n = n + 1; last = line end
  check("io-lines-counts-what-was-written", n == 101 and last == "last", n .. " lines, last " .. tostring(last))
  local r = assert(io.open(path, "r"))
  local size = r:seek("end")
  r:seek("set", 0)
  local all = r:read("a")
  r:close()
  check("io-seek-and-read-all", size == #all and all:sub(1, 9) == "line 1 x\n", "seek says " .. size .. ", read " .. #all)
  local newpath = path .. ".renamed"
  local ok, rerr = os.rename(path, newpath)
  check("os-rename", ok and io.open(path) == nil, rerr)
  ok, rerr = os.remove(newpath)
  check("os-remove", ok and io.open(newpath) == nil, rerr)
end
local missing, merr = io.open(dir .. "/does/not/exist", "r")
check("io-open-missing-file-fails", missing == nil and merr:match("No such file"), merr)

local t = os.tmpname()
check("os-tmpname-is-creatable", t and io.open(t, "w"), t)
os.remove(t)

-- os: the clock, the date, the environment.
local now = os.time()
check("os-time-is-after-2020", now > 1577836800, now)
local d = os.date("!*t", 86400 * 365)
check("os-date-utc-fields", d.year == 1971 and d.month == 1 and d.day == 1 and d.hour == 0, os.date("!%c", 86400 * 365))
check("os-date-format", os.date("!%Y-%m-%d %H:%M:%S", 0) == "1970-01-01 00:00:00", os.date("!%Y-%m-%d %H:%M:%S", 0))
check("os-time-of-a-table", os.time({year = 2000, month = 1, day = 1, hour = 12}) ~= nil, "nil")
local c0 = os.clock()
local s = 0
for i = 1, 200000 do s = s + i % 7 end
check("os-clock-advances", os.clock() >= c0 and s > 0, os.clock() .. " < " .. c0)
check("os-getenv-missing-is-nil", os.getenv("NUTSHELL_SURELY_UNSET") == nil, "set?")
check("os-difftime", os.difftime(now + 5, now) == 5.0, os.difftime(now + 5, now))

-- The language and the other libraries.
local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); return b * 2 end)
check("coroutines", co(1) == 2 and co(21) == 42, "yield/resume")
local ok, e = pcall(error, {code = 7})
check("pcall-catches-errors", not ok and e.code == 7, tostring(e))
local words = {}
for w in ("the quick brown fox"):gmatch("%a+") do words[#words + 1] = w:upper() end
table.sort(words)
check("string-and-table", table.concat(words, ",") == "BROWN,FOX,QUICK,THE", table.concat(words, ","))
check("integer-and-float-math", 7 // 2 == 3 and 2^10 == 1024.0 and math.type(1) == "integer"
  and math.maxinteger == 0x7fffffffffffffff and math.abs(math.sin(math.pi)) < 1e-12, "arithmetic")
check("utf8", utf8.len("h\u{e9}llo") == 5 and utf8.char(0x263a) == "\u{263a}", "utf8")
check("string-pack", string.unpack("<i4", string.pack("<i4", -2)) == -2, "pack")
local big = {}
for i = 1, 100000 do big[i] = tostring(i) end
collectgarbage()
check("garbage-collector", #big == 100000 and collectgarbage("count") > 0, "count")

os.exit(failures == 0 and 0 or 1)
