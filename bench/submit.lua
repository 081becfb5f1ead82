-- POST one submission per request, each from the next learner in turn, so that no
-- learner submits twice at once or meets a retake limit (see bench/README.md).
--
-- BENCH_SUBMIT_DATA names a file written by bench/run.py: the request path on the first
-- line, the JSON body on the second, then one learner token per line.
-- BENCH_WRK_THREADS is wrk's --threads: thread i takes tokens i+1, i+1+threads, ...

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

function init(args)
   local file = assert(io.open(os.getenv("BENCH_SUBMIT_DATA"), "r"))
   path = file:read("*l")
   body = file:read("*l")
   tokens = {}
   for line in file:lines() do
      tokens[#tokens + 1] = line
   end
   file:close()
   stride = tonumber(os.getenv("BENCH_WRK_THREADS"))
   position = index + 1
   wraps = 0
end

function request()
   local token = tokens[position]
   position = position + stride
   if position > #tokens then
      position = index + 1
      wraps = wraps + 1
   end
   return wrk.format("POST", path, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
   }, body)
end

function done(summary, latency, requests)
   local wrapped = 0
   for _, thread in ipairs(threads) do
      -- thread:get reads a global of that thread's own Lua state.
      wrapped = wrapped + (thread:get("wraps") or 0)
   end
   -- bench/run.py reads this line: learners were reused when it is not 0.
   io.write(string.format("bench: learner list wrapped %d times\n", wrapped))
end
