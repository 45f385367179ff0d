-- replay.lua at a fixed pace: each connection waits PAUSE milliseconds
-- (the environment variable BENCH_PAUSE_MS) before each request, so that
-- C connections offer about C * 1000 / (PAUSE + latency) requests a
-- second whatever the server's capacity.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "replay.lua")

local pause = tonumber(os.getenv("BENCH_PAUSE_MS") or "10")

function delay()
	return pause
end
