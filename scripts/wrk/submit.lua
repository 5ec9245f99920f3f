-- POST /api/cases: a portal application for the unemployed registration.
-- Cookie and CSRF token come from the environment (set by bench-http).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("QZ_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("QZ_CSRF")
wrk.body = '{"regulation":"kyzylorda/2015-141/unemployed-registration","provider":"kyzylorda-city","documents":["application"],"consent":true}'

done = function(summary, latency, requests)
  io.write(string.format("non-2xx or socket errors: %d\n",
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
