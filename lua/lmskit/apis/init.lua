-- The vendors with a declaration file in this directory, in the order
-- lmskit lists them: lmskit.<name>(opts) creates a client of each
-- (lua/lmskit/init.lua), and tools/gen_doc.lua documents each.  Data only.
return { "catalog", "cerego", "coursepath", "coggno", "matrix" }
