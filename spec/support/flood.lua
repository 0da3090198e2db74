-- A client that floods an echo server on 127.0.0.1:PORT: it sends lines
-- as fast as the connection takes them and reads the replies as they
-- come, until the server closes the connection or SECONDS pass.
-- Usage: lua5.4 flood.lua PORT [SECONDS]
local socket = require "socket"

io.stdout:setvbuf("line")
local port = assert(tonumber(arg[1]), "usage: flood.lua PORT [SECONDS]")
local deadline = socket.gettime() + (tonumber(arg[2]) or 60)

local c = assert(socket.connect("127.0.0.1", port))
c:settimeout(0)
local batch = ("flood flood flood flood flood flood flood flood\n"):rep(1000)
local pending, replies, told = batch, 0, false
print("flood: connected")
while socket.gettime() < deadline do
  local _, w = socket.select({ c }, { c }, 1)
  if w[c] then
    local sent, err, last = c:send(pending)
    if err == "closed" then break end
    pending = pending:sub((sent or last or 0) + 1)
    if pending == "" then pending = batch end
  end
  local data, err, partial = c:receive(65536)
  data = data or partial
  if data then
    local _, n = data:gsub("\n", "")
    replies = replies + n
  end
  if err == "closed" then break end
  if not told and replies >= 20000 then
    told = true
    print("flood: flowing, " .. replies .. " replies")
  end
end
print(("flood: stopped after %d replies"):format(replies))
c:close()
