-- The declaration schema (lmskit.schema) over every declaration of
-- lua/lmskit/apis/: all five fit it, and an unknown key, a wrong type, a
-- missing required key or a name pointing nowhere is refused with a
-- message naming the vendor and the key's path.  MATRIX's row type and
-- api_version, read from its declaration by generic code.
local lmskit = require "lmskit"
local schema = require "lmskit.schema"
local names = require "lmskit.apis"
local sandbox = require "sandbox"

-- A deep copy of a declaration, so a spec may break it.
local function copy(t)
  if type(t) ~= "table" then return t end
  local out = {}
  for k, v in pairs(t) do out[k] = copy(v) end
  return out
end

local function decl(name) return copy(require("lmskit.apis." .. name)) end

-- The message schema.check gives when it refuses a copy of name's
-- declaration after change(copy), checked as `as` (default: name).
local function refused(name, change, as)
  local d = decl(name)
  if change then change(d) end
  local ok, why = schema.check(d, as or name)
  assert.is_nil(ok)
  return why
end

describe("the declaration schema", function()
  it("accepts every declaration lmskit lists (the five among them); lmskit has a constructor for each", function()
    local listed = {}
    for _, name in ipairs(names) do
      listed[name] = true
      assert.same({ true }, { schema.check(require("lmskit.apis." .. name), name) })
      assert.is_function(lmskit[name])
    end
    for _, name in ipairs { "catalog", "cerego", "coursepath", "coggno", "matrix" } do
      assert.is_true(listed[name], name)
    end
  end)

  it("refuses an unknown key at any depth, naming the vendor and the key's path", function()
    assert.matches("^catalog: paging%.strategey: unknown key %(known: .*strategy",
                   refused("catalog", function(d) d.paging.strategey = "link" end))
    assert.matches("^matrix: sections%.users%.add_user%.efect: unknown key",
                   refused("matrix", function(d)
                     d.sections.users.add_user.efect = d.sections.users.add_user.effect
                   end))
    assert.matches("^coggno: resources%.users%.actions%.create%.effect%[2%]%.mach: unknown key",
                   refused("coggno", function(d) d.resources.users.actions.create.effect[2].mach = {} end))
    assert.matches("^cerego: colour: unknown key",
                   refused("cerego", function(d) d.colour = "blue" end))
    assert.matches('^catalog: resources%.courses%.actions%.create%.effect%.match%[1%]: a key here must be a name',
                   refused("catalog", function(d) d.resources.courses.actions.create.effect.match[1] = "title" end))
  end)

  it("refuses a wrong type, saying what it must be", function()
    assert.equal('matrix: rate.calls: must be a number, not string "120"',
                 refused("matrix", function(d) d.rate.calls = "120" end))
    assert.matches("^coursepath: resources%.courses%.actions%.list%.page_size: must be a whole number",
                   refused("coursepath", function(d) d.resources.courses.actions.list.page_size = 0 end))
    assert.matches("^catalog: resources%.courses%.actions%.create%.body%.title: names no type: 'strnig'",
                   refused("catalog", function(d) d.resources.courses.actions.create.body.title = "strnig!" end))
    assert.matches("^cerego: resources%.courses%.actions%.get%[1%]: must be one of GET, HEAD, POST",
                   refused("cerego", function(d) d.resources.courses.actions.get[1] = "FETCH" end))
    assert.matches("^matrix: sections%.grades%.set_grades_for_assignment%[2%]: names no type: 'gardes'",
                   refused("matrix", function(d) d.sections.grades.set_grades_for_assignment[2] = "grades:gardes" end))
    assert.matches("^coggno: resources%.groups%.actions%.create%.idempotent: must be a boolean, an argument path",
                   refused("coggno", function(d) d.resources.groups.actions.create.idempotent = 0 end))
  end)

  it("refuses a missing required key", function()
    assert.equal("catalog: resources.courses.path: is required and missing",
                 refused("catalog", function(d) d.resources.courses.path = nil end))
    assert.equal("matrix: sections.users.add_user.effect[1].lookup: is required and missing",
                 refused("matrix", function(d) d.sections.users.add_user.effect[1].lookup = nil end))
    assert.matches("^coursepath: auth%.alg: is required and missing",
                   refused("coursepath", function(d) d.auth.alg = nil end))
    assert.equal("cerego: title: is required and missing",
                 refused("cerego", function(d) d.title = nil end))
  end)

  it("refuses a name that points nowhere: an option, a host, a look-up, a file's name", function()
    assert.matches("^coggno: account_header%.option: names option 'lsm'",
                   refused("coggno", function(d) d.account_header.option = "lsm" end))
    assert.matches("^coggno: hosts%.default: names no host",
                   refused("coggno", function(d) d.hosts.default = "staging" end))
    assert.matches("^catalog: resources%.enrollments%.actions%.create%.effect%.lookup: names no read of "
                   .. "catalog: 'lsit'",
                   refused("catalog", function(d) d.resources.enrollments.actions.create.effect.lookup = "lsit" end))
    assert.matches("^matrix: sections%.users%.archive_users%.effect%.lookup: names no read",
                   refused("matrix", function(d)
                     d.sections.users.archive_users.effect.lookup = "get_user_with_ids"
                   end))
    assert.matches("^cerego: name: must be 'cerego'", refused("catalog", nil, "cerego"))
  end)

  it("is what lmskit checks as it loads a declaration: a bad one is raised with its vendor", function()
    local d = decl("matrix")
    d.sections.users.get_all_users.pagd = true
    local ok, err = pcall(schema.assert, d, "matrix")
    assert.is_false(ok)
    assert.matches("^lmskit%.apis%.matrix: sections%.users%.get_all_users%.pagd: unknown key", err)
    assert.equal(require("lmskit.apis.catalog"), schema.assert(require("lmskit.apis.catalog"), "catalog"))
  end)
end)

describe("MATRIX's declared rules, read by generic code", function()
  it("a row type (grades) refuses an item that lacks a field, before anything is sent", function()
    local matrix = lmskit.matrix { base_url = "https://lms.example", api_key = "k" }
    local ok, err = pcall(matrix.grades.set_grades_for_assignment, matrix.grades, 1,
                          { { user_id = 1, grade = "A" }, { user_id = 2 } })
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.equal("set_grades_for_assignment: grades[2] must be { user_id = , grade = }", err.message)
    ok, err = pcall(matrix.grades.set_grades_for_assignment, matrix.grades, 1, { "A" })
    assert.is_false(ok)
    assert.equal("set_grades_for_assignment: grades[1] must be { user_id = , grade = }", err.message)
  end)

  it("api_version (option_args) goes with every call as its argument, declared or not", function()
    sandbox.reset()
    local urls = {}
    local matrix = sandbox.matrix { api_version = 1, log = function(e)
      if e.event == "response" then urls[#urls + 1] = e.url end
    end }
    matrix.version:get_version()
    matrix:call("get_version", {})
    assert.equal(2, #urls)
    for _, url in ipairs(urls) do assert.matches("[?&]api_version=1", url) end
    urls = {}
    sandbox.matrix { log = function(e) urls[#urls + 1] = e.url end }.version:get_version()
    assert.is_nil(urls[1]:find("api_version", 1, true))
  end)
end)
