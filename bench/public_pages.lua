-- wrk script for bench/public_pages.py: cycles through the URL paths listed, one per
-- line, in the file named after `--`; each thread starts at a different place in the list.
-- At the end it prints one line `WRK_JSON {...}` that the bench parses.

local threads = {}
local started = 0

function setup(thread)
  started = started + 1
  thread:set("offset", started)
  table.insert(threads, thread)
end

function init(args)
  prepared = {}
  local file = assert(io.open(args[1], "r"))
  for line in file:lines() do
    if #line > 0 then
      table.insert(prepared, wrk.format("GET", line))
    end
  end
  file:close()
  position = (offset * 7919) % #prepared
end

function request()
  position = position % #prepared + 1
  return prepared[position]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d,'
      .. ' "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d,'
      .. ' "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max
  ))
end
