-- Replays the requests of a file, one per line:
--   METHOD <tab> PATH [<tab> BODY-IN-HEX]
-- Arguments after wrk's "--": the file, then "Name: value" headers sent
-- with every request. Each thread starts at a different line. done()
-- prints one line "BENCH {json}" that bench/benchlib/wrk.py reads.

local reqs = {}

-- wrk's own resolve() opens and closes a probe connection first; the
-- openssl ocsp responder (3.5) then spins on that empty connection and
-- serves nobody. Take the address without a probe.
function wrk.resolve(host, service)
	wrk.addrs = wrk.lookup(host, service)
end
local n, i = 0, 0
local threads = 0

function setup(thread)
	thread:set("offset", threads)
	threads = threads + 1
end

local function unhex(hex)
	return (hex:gsub("%x%x", function(c)
		return string.char(tonumber(c, 16))
	end))
end

function init(args)
	local headers = {}
	for k = 2, #args do
		local name, value = args[k]:match("^([^:]+):%s*(.*)$")
		headers[name] = value
	end
	for line in io.lines(args[1]) do
		local method, path, hex = line:match("^(%u+)\t([^\t]+)\t?(%x*)$")
		local h = {}
		for name, value in pairs(headers) do
			h[name] = value
		end
		local body = nil
		if hex ~= "" then
			body = unhex(hex)
		end
		n = n + 1
		reqs[n] = wrk.format(method, path, h, body)
	end
	i = ((offset or 0) * 7919) % n
end

function request()
	i = i % n + 1
	return reqs[i]
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format(
		'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
		'"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
		'"timeout": %d, "p50": %d, "p90": %d, "p99": %d, "max": %d, ' ..
		'"mean": %.1f}\n',
		summary.requests, summary.duration, summary.bytes, e.connect,
		e.read, e.write, e.status, e.timeout, latency:percentile(50),
		latency:percentile(90), latency:percentile(99), latency.max,
		latency.mean))
end
