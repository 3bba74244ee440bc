-- The vendors with a declaration file in this directory, in the order
-- lmskit lists them: the one list of them.  lmskit.<name>(opts) creates a
-- client of each (lua/lmskit/init.lua, which checks each declaration
-- against lmskit.schema), each has its workflows in
-- lua/lmskit/workflows/<name>.lua (lmskit.workflows), a command
-- `lmskit <name>` (bin/lmskit), and tools/gen_doc.lua documents each.
-- Data only.
return { "catalog", "cerego", "coursepath", "coggno", "matrix" }
