-- GET of a path list: each request takes the next path from the file named
-- by QZ_PATHS (one per line), so case views hit many different cases.
wrk.headers["Cookie"] = os.getenv("QZ_COOKIE")
local paths = {}
for line in io.lines(os.getenv("QZ_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n",
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
