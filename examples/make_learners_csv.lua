-- Writes a CSV of N learners for listing 1 (make demo's bulk job):
--   lua5.4 examples/make_learners_csv.lua 5000 build/demo-learners.csv
local n, path = tonumber(arg[1] or "5000"), arg[2] or "learners.csv"
local f = assert(io.open(path, "w"))
f:write("listing_id,email,name\n")
for i = 1, n do f:write(("1,learner%d@school.example,Learner %d\n"):format(i, i)) end
f:close()
