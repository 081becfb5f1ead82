-- One request per learner in turn (a submission, a save of answers), so that no learner
-- sends two at once or meets a retake limit (see bench/README.md).
--
-- BENCH_REQUESTS names a file written by bench/run.py: the method on the first line, the
-- JSON body on the second, then one "<path> <token>" line per learner.
-- BENCH_WRK_THREADS is wrk's --threads: thread i takes lines i+1, i+1+threads, ...

local threads = {}

function setup(thread)
   thread:set("index", #threads)
   table.insert(threads, thread)
end

function init(args)
   local file = assert(io.open(os.getenv("BENCH_REQUESTS"), "r"))
   method = file:read("*l")
   body = file:read("*l")
   paths, tokens = {}, {}
   for line in file:lines() do
      local path, token = line:match("^(%S+) (%S+)$")
      paths[#paths + 1] = path
      tokens[#tokens + 1] = token
   end
   file:close()
   stride = tonumber(os.getenv("BENCH_WRK_THREADS"))
   position = index + 1
   wraps = 0
end

function request()
   local path, token = paths[position], tokens[position]
   position = position + stride
   if position > #tokens then
      position = index + 1
      wraps = wraps + 1
   end
   return wrk.format(method, path, {
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
