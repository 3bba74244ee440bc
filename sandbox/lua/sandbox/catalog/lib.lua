-- sandbox.catalog.lib: what the other files of this simulator use, in one table
-- (the exports of state, views, params): one require instead of one per part.

return require("sandbox.common").merged("sandbox.catalog", { "state", "views", "params" })
