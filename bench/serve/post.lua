-- wrk script of the serve figures (bench/src/bin/serve_figures.rs): every request is
-- `POST <url>` with a JSON body and the `serve_multiplexed_model_id` header, and the run ends
-- with one machine-readable line on stdout:
--
--   @wrk {"requests":N,"duration_us":N,"rps":F,"p50_us":N,"p90_us":N,"p99_us":N,"max_us":N,
--         "errors":{"connect":N,"read":N,"write":N,"status":N,"timeout":N}}
--
-- (`status` counts answers other than 2xx/3xx; latencies are wrk's, in microseconds.)
--
-- Environment: SERVE_MODEL_HEADER (required) the header's value, a plain model id or a model
-- token; SERVE_BODY (default {"values":[1,2,3]}) the JSON body.
--
--   SERVE_MODEL_HEADER="$TOKEN" wrk -t1 -c32 -d10s -s bench/serve/post.lua http://127.0.0.1:8000/

local header = os.getenv("SERVE_MODEL_HEADER")
if header == nil or header == "" then
  io.stderr:write("post.lua: SERVE_MODEL_HEADER is not set (the serve_multiplexed_model_id header's value)\n")
  os.exit(2)
end

wrk.method = "POST"
wrk.body = os.getenv("SERVE_BODY") or '{"values":[1,2,3]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["serve_multiplexed_model_id"] = header

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '@wrk {"requests":%d,"duration_us":%d,"rps":%.2f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
