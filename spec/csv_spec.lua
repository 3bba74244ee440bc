-- CSV through libcsv: the edge cases spreadsheets produce.
local csv = require "lmskit.csv"
local files = require "support.files"

describe("lmskit.csv", function()
  it("reads quoted fields with commas, quotes, newlines, CRLF and a BOM", function()
    local path = files.with('\239\187\191email, name ,note\r\n"a@x.edu","Lee, Ann","line1\r\nline2"\r\n' ..
                       'b@x.edu,Bob,"say ""hi"""\r\n')
    local rows = csv.read(path)
    os.remove(path)
    assert.equal(2, #rows)
    assert.same({ [0] = 2, email = "a@x.edu", name = "Lee, Ann", note = "line1\r\nline2" }, rows[1])
    assert.same({ [0] = 3, email = "b@x.edu", name = "Bob", note = 'say "hi"' }, rows[2])
  end)

  it("skips blank lines, keeps UTF-8, leaves missing trailing fields nil", function()
    local path = files.with("email,name\n\nz@x.edu,Zoë\n\ny@x.edu\n")
    local rows = csv.read(path)
    os.remove(path)
    assert.equal(2, #rows)
    assert.equal("Zoë", rows[1].name)
    assert.is_nil(rows[2].name)
  end)

  it("streams large files without reading them whole", function()
    local lines = { "id,email" }
    for i = 1, 20000 do lines[#lines + 1] = ("%d,user%d@x.edu"):format(i, i) end
    local path = files.with(table.concat(lines, "\n"))
    local n, last = 0, nil
    for row in csv.rows(path) do n, last = n + 1, row end
    os.remove(path)
    assert.equal(20000, n)
    assert.equal("user20000@x.edu", last.email)
  end)

  it("reports malformed files and headers as decode errors", function()
    local cases = {
      "a,b\n1,2,3\n",    -- more fields than the header
      "a,a\n1,2\n",      -- duplicate column
      "a,,b\n1,2,3\n",   -- unnamed column
    }
    for _, text in ipairs(cases) do
      local path = files.with(text)
      local ok, err = pcall(csv.read, path)
      os.remove(path)
      assert.is_false(ok, text)
      assert.equal("decode", err.kind)
    end
    local ok, err = pcall(csv.read, "/nonexistent/file.csv")
    assert.is_false(ok)
    assert.equal("usage", err.kind)
    assert.matches("No such file", err.message)
  end)

  it("names the line of a malformed record, counting lines, not records", function()
    -- record 3 spans lines 3 and 4, a blank line 5: record 4 starts on line 6
    local head = 'a,b\n1,2\n3,"x\ny"\n\n'
    local cases = {
      { head .. '4,5,6\n', "line 6: 3 fields, the header names 2" },
      { head .. '4,5"6\n', "line 6: malformed quotes" },
      { head .. '4,"5"6\n', "line 6: malformed quotes" },
      { head .. '4,5\n7,"8\n9,10\n', "line 7: a quoted field is never closed" },
    }
    for _, case in ipairs(cases) do
      local path = files.with(case[1])
      local ok, err = pcall(csv.read, path)
      os.remove(path)
      assert.is_false(ok, case[1])
      assert.equal("decode", err.kind)
      assert.matches(case[2], err.message, 1, true)
    end
    local path = files.with(head .. "4,5\r\n")
    local header, rows = csv.open(path)
    assert.same({ "a", "b" }, header)
    local lines = {}
    for row, line in rows do lines[#lines + 1] = row[0] .. "@" .. line end
    os.remove(path)
    assert.same({ "2@2", "3@3", "4@6" }, lines)
  end)

  it("returns nothing for an empty file", function()
    local path = files.with("")
    assert.same({}, csv.read(path))
    os.remove(path)
  end)
end)
