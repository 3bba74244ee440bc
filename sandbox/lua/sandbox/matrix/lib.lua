-- sandbox.matrix.lib: what the other files of this simulator use, in one table
-- (the exports of base, state, views, registry): one require instead of one per part.

return require("sandbox.common").merged("sandbox.matrix", { "base", "state", "views", "registry" })
