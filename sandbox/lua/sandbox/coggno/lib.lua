-- sandbox.coggno.lib: what the other files of this simulator use, in one table
-- (the exports of state, views): one require instead of one per part.

return require("sandbox.common").merged("sandbox.coggno", { "state", "views" })
