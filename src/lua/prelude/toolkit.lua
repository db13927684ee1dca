-- The trust toolkit: check-ins, gestures, promises, patience and milestones, built on the core
-- API (nudge.on/at/notify) and the state kept by nudged (nudge._toolkit, C in src/lua/toolkit.c).
-- Compiled into the binary; runs before the user's rule files.

local nudge = nudge
local T = nudge._toolkit

local DAY = 86400

-- The three stages of repair: listening, rebuilding routines, maintenance, by the names of
-- the default phases (nudge.config{phases}). Which phase applies is the ledger's figure
-- (T.phase(t), the same as nudgectl report's).
local PHASE_BODIES = {
  early = "Early days. Listen more than you explain, answer questions openly, and let "
      .. "trust come back at its own pace.",
  months = "Keep the routines going and keep every promise, however small: "
      .. "consistency is what rebuilds trust.",
  settled = "Keep nurturing the connection: make time for each other and raise small "
      .. "worries before they grow.",
}

-- The one place that asks which phase a time falls in: its name (a key of `when` tables and
-- of tags), or nil without since or before it (nothing has begun).
local function phase_name_at(t)
  return (T.phase(t))
end

-- Errors raised in here carry a "prelude/...:N: " position (fail's own, or that of nudge.on,
-- nudge.span, ... called from the prelude); api() swaps it for the rule's line.
local function fail(fmt, ...)
  error(string.format(fmt, ...), 1)
end

-- A public toolkit function: any error it raises names the line of the rule that called it,
-- however deep in the prelude it was raised.
local function api(fn)
  return function(...)
    local r = table.pack(pcall(fn, ...))
    if r[1] then return table.unpack(r, 2, r.n) end
    local e = r[2]
    -- "prelude/file:line: message" -> "message", by plain finds: a pattern over the whole
    -- message would be costed (and refused) by its length.
    local pos = type(e) == "string" and e:sub(1, 8) == "prelude/" and e:find(": ", 9, true)
    local bare = pos and e:sub(9, pos - 1):find("^[^:]*:%d+$") and e:sub(pos + 2)
    if bare then error(bare, 2) end
    error(e, 0)
  end
end

local function opt_string(t, k, fn)
  if t[k] ~= nil and type(t[k]) ~= "string" then
    fail("nudge.%s: '%s' must be a string", fn, k)
  end
end

local function need_table(t, fn)
  if type(t) ~= "table" then fail("nudge.%s needs a table: nudge.%s{...}", fn, fn) end
end

local function need_string(t, k, fn)
  if type(t[k]) ~= "string" or t[k] == "" then
    fail("nudge.%s: '%s' must be a non-empty string", fn, k)
  end
end

local function check_fields(t, fn, allowed)
  for k in pairs(t) do
    if not allowed[k] then
      local names = {}
      for name in pairs(allowed) do names[#names + 1] = name end
      table.sort(names)
      fail("nudge.%s: unknown field '%s' (%s)", fn, tostring(k), table.concat(names, ", "))
    end
  end
end

local function set(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

-- Which of a rule's own phases applies at now: each `upto` counts from since on the calendar
-- ("6M" after Nov 1 ends on May 1), like nudge.config{phases}.
local function phase_at(phases, since, now)
  for _, p in ipairs(phases) do
    if p.upto == nil then return p end
    local ends = T.span_add(since, p.upto)
    if ends == nil or now < ends then return p end
  end
  return phases[#phases]
end

-- Calendar days from the local date of a to that of b: six months after Nov 1 is day 181,
-- whatever daylight saving did to the hours in between.
local function days_between(a, b)
  local function day(t)
    local d = os.date("*t", math.floor(t))
    return os.time { year = d.year, month = d.month, day = d.day, hour = 12 } // DAY
  end
  return day(b) - day(a)
end

-- Before `since` nothing has begun: there are no days to count and no phase, so ctx.days and
-- ctx.phase are nil then, as without since. The second value says it is before since.
local function context()
  local since = T.since()
  local kept, promised = T.promise_counts()
  local ctx = { streak = T.streak(), kept = kept, promised = promised }
  if since and nudge.now() >= since then
    ctx.days = days_between(since, nudge.now())
    ctx.phase_name, ctx.phase = T.phase()
  end
  return ctx, since ~= nil and nudge.now() < since
end

-- {streak} in words: a count of days, and never a zero.
local function streak_words(n)
  if n == 0 then return "a fresh start" end
  if n == 1 then return "1 day" end
  return n .. " days"
end

-- A body: a string with {days} {streak} {phase} {kept} {promised}, or function(ctx) (which
-- gets ctx.streak as a number). A string body that counts from since ({days}, {phase}) has
-- nothing to say before it: render gives nil, and the notification shows its title alone.
local function render(body, extra)
  if body == nil then return nil end
  if type(body) == "string" and not body:find("{", 1, true) then return body end
  local ctx, before_since = context()
  for k, v in pairs(extra or {}) do ctx[k] = v end
  if type(body) == "function" then
    local s = body(ctx)
    if s ~= nil and type(s) ~= "string" then error("a body function must return a string", 0) end
    return s
  end
  local missing = false
  local out = body:gsub("{(%w+)}", function(key)
    if key == "streak" then return streak_words(ctx.streak) end
    local v = ctx[key]
    if v == nil then
      if before_since and (key == "days" or key == "phase") then missing = true end
      return "{" .. key .. "}"
    end
    return tostring(v)
  end)
  if missing then return nil end
  return out
end

local function check_body(t, fn)
  if t.body ~= nil and type(t.body) ~= "string" and type(t.body) ~= "function" then
    fail("nudge.%s: 'body' must be a string or a function(ctx)", fn)
  end
end

local function schedule_options(t, kind)
  return { id = t.id, window = t.window, jitter = t.jitter, quiet = t.quiet,
           catch_up = t.catch_up, late_cancel = t.late_cancel, _kind = kind }
end

local SCHEDULE_FIELDS = { "id", "when", "window", "jitter", "quiet", "catch_up", "late_cancel" }

-- A toolkit `when`: a calendar event, or a table keyed by phase name (nudge.config{phases})
-- so a plan eases off as trust returns; a phase the table leaves out has no fires.
local function need_when(when, fn)
  if type(when) == "string" and when ~= "" then return end
  if type(when) ~= "table" then
    fail("nudge.%s: 'when' must be a calendar event or a table keyed by phase "
         .. "(when = { early = \"*-*-* 20:30\", settled = \"Sun 18:00\" })", fn)
  end
  local phases = T.phases()
  if not phases then
    fail("nudge.%s: a 'when' keyed by phase needs nudge.config{since = ...} before it", fn)
  end
  local known, names = {}, {}
  for _, p in ipairs(phases) do
    known[p.name] = true
    names[#names + 1] = p.name
  end
  local any = false
  for k, v in pairs(when) do
    if type(k) ~= "string" or not known[k] then
      fail("nudge.%s: when: unknown phase '%s' (phases: %s)", fn, tostring(k),
           table.concat(names, ", "))
    end
    if type(v) ~= "string" or v == "" then
      fail("nudge.%s: when.%s must be a calendar event like \"Mon,Wed,Fri 20:30\"", fn, k)
    end
    any = true
  end
  if not any then fail("nudge.%s: 'when' names no phase, so it would never fire", fn) end
end

-- The one way every kind schedules its `when`: nudge.on with the calendar, or, for a table,
-- one reminder (one id) whose calendar changes phase by phase (the engine's segments).
local function on_when(when, fn, opts, kind)
  need_when(when, kind)
  if type(when) == "string" then return nudge.on(when, fn, opts) end
  local segments, shown = {}, {}
  for _, p in ipairs(T.phases()) do
    local cal = when[p.name]
    if cal then
      segments[#segments + 1] = { cal = cal, from = p.from, ["until"] = p["until"] }
      shown[#shown + 1] = p.name .. ": " .. cal
    end
  end
  opts._segments = segments
  return nudge.on(table.concat(shown, "; "), fn, opts)
end

local function fields(extra)
  local all = {}
  for _, k in ipairs(SCHEDULE_FIELDS) do all[#all + 1] = k end
  for _, k in ipairs(extra) do all[#all + 1] = k end
  return set(all)
end

---------------------------------------------------------------------------------------------
-- Check-ins: a regular conversation prompt. Done / Snooze / Skip; silent when a check-in
-- logged for this one (nudgectl checkin [ID]) silenced this prompt: the ledger decides, and
-- other check-ins are not touched. A hand fire (nudgectl fire) always shows.

nudge.checkin = api(function(t)
  need_table(t, "checkin")
  check_fields(t, "checkin", fields({ "title", "body", "snooze", "urgency" }))
  need_string(t, "id", "checkin")
  need_when(t.when, "checkin")
  check_body(t, "checkin")
  opt_string(t, "title", "checkin")
  opt_string(t, "urgency", "checkin")
  local title = t.title or "Check-in"
  local snooze = t.snooze or "1h"
  nudge.span(snooze)
  return on_when(t.when, function(ev)
    if not T.by_hand() and T.checkin_silenced(t.id, ev.scheduled) then
      nudge.log("check-in '" .. t.id .. "' silenced: you logged it with nudgectl checkin")
      return
    end
    nudge.notify {
      title = title,
      body = render(t.body),
      urgency = t.urgency,
      actions = { { id = "done", label = "Done" }, { id = "snooze", label = "Snooze" },
                  { id = "skip", label = "Skip" } },
      _snooze = snooze,
    }
  end, schedule_options(t, "checkin"), "checkin")
end)

---------------------------------------------------------------------------------------------
-- Gestures: one small kind act from a pool, never one of the last no_repeat picks.

nudge.gesture = api(function(t)
  need_table(t, "gesture")
  check_fields(t, "gesture", fields({ "title", "pool", "no_repeat" }))
  need_string(t, "id", "gesture")
  need_when(t.when, "gesture")
  opt_string(t, "title", "gesture")
  if type(t.pool) ~= "table" or #t.pool == 0 then
    fail("nudge.gesture: 'pool' must be a non-empty list of strings")
  end
  for i, g in ipairs(t.pool) do
    if type(g) ~= "string" or g == "" then fail("nudge.gesture: pool[%d] is not a string", i) end
  end
  local no_repeat = t.no_repeat or 0
  if math.type(no_repeat) ~= "integer" or no_repeat < 0 then
    fail("nudge.gesture: 'no_repeat' must be a whole number >= 0")
  end
  local pool = {}
  for i, g in ipairs(t.pool) do pool[i] = g end
  local title = t.title or "A small gesture"
  return on_when(t.when, function(ev)
    local recent = set(T.gesture_recent(t.id, no_repeat))
    local choices = {}
    for _, g in ipairs(pool) do
      if not recent[g] then choices[#choices + 1] = g end
    end
    -- A pool no larger than no_repeat: the oldest pick is allowed back.
    if #choices == 0 then
      local last = T.gesture_recent(t.id, #pool - 1 > 0 and #pool - 1 or 0)
      local recent2 = set(last)
      for _, g in ipairs(pool) do
        if not recent2[g] then choices[#choices + 1] = g end
      end
      if #choices == 0 then choices = pool end
    end
    local g = choices[nudge.random(#choices)]
    T.gesture_add(t.id, g)
    nudge.notify {
      title = title,
      body = g,
      actions = { { id = "done", label = "Done" }, { id = "skip", label = "Skip" } },
    }
  end, schedule_options(t, "gesture"), "gesture")
end)

---------------------------------------------------------------------------------------------
-- Promises: reminders before they are due, and "Kept?" at due (Kept / Not yet / Broken; the
-- ledger plans the re-asks after "Not yet"). A promise that settles, is deleted, reopened or
-- edited has its reminders cancelled at once and, when open, planned again
-- (T.promise_changed, called by nudged); a reminder of a promise no longer open shows nothing.

local DEFAULT_REMIND = { "1d", "2h" }
-- What a rule promise asked for (remind spans, title) by promise id, to plan it again.
local promise_rules = {}
-- The reminders of each promise by id, to cancel them when it changes.
local promise_handles = {}

local function still_open(id)
  local p = T.promise(id)
  return p ~= nil and p.state == "open"
end

-- Ids carry the due, so a promise moved to a new due is reminded again (a named `at` fires
-- once ever).
local function schedule_promise(key, id, text, due, remind, title)
  local now = nudge.now()
  local stamp = nudge.date("%Y%m%dT%H%M%S", due)
  local handles = {}
  for _, span in ipairs(remind) do
    local at = due - nudge.span(span)
    if at > now then
      handles[#handles + 1] = nudge.at(at, function()
        if not still_open(id) then return end
        nudge.notify {
          title = title or "A promise",
          body = text .. " (due " .. nudge.date("%a %d %b %H:%M", due) .. ")",
          _promise = tostring(id),
        }
      end, { id = key .. ":remind:" .. span .. ":" .. stamp, _kind = "promise", _before = due })
    end
  end
  if due > now then
    handles[#handles + 1] = nudge.at(due, function()
      if not still_open(id) then return end
      nudge.notify {
        title = "Kept?",
        body = text,
        urgency = "normal",
        actions = { { id = "kept", label = "Kept" }, { id = "not_yet", label = "Not yet" },
                    { id = "broken", label = "Broken" } },
        _promise = tostring(id),
      }
    end, { id = key .. ":due:" .. stamp, _kind = "promise" })
  end
  promise_handles[id] = handles
  return handles
end

nudge.promise = api(function(t)
  need_table(t, "promise")
  check_fields(t, "promise", set({ "id", "text", "due", "remind", "title" }))
  need_string(t, "id", "promise")
  need_string(t, "text", "promise")
  opt_string(t, "title", "promise")
  if t.due == nil then fail("nudge.promise: 'due' is required (a timestamp)") end
  local due = nudge.time(t.due)
  local remind = t.remind or DEFAULT_REMIND
  if type(remind) ~= "table" then fail("nudge.promise: 'remind' must be a list of spans") end
  for i, span in ipairs(remind) do
    if type(span) ~= "string" and type(span) ~= "number" then
      fail("nudge.promise: remind[%d] is not a span", i)
    end
    nudge.span(span)
  end
  -- By its id the store keeps its state across reloads: kept, broken or deleted stays so.
  local key = "promise:" .. t.id
  local id, state = T.promise_add(key, t.text, due)
  promise_rules[id] = { remind = remind, title = t.title }
  if state ~= "open" then return nil end
  return schedule_promise(key, id, t.text, due, remind, t.title)
end)

-- Promise id changed in the ledger (added with nudgectl, settled, reopened, edited, deleted):
-- its reminders go, and come back from its current due when it is open.
function T.promise_changed(id)
  for _, h in ipairs(promise_handles[id] or {}) do h:cancel() end
  promise_handles[id] = nil
  local p = T.promise(id)
  if not p or p.state ~= "open" then return end
  local rule = promise_rules[id]
  if p.key and not rule then return end -- a rule promise no longer in the files
  rule = rule or { remind = DEFAULT_REMIND }
  schedule_promise(p.key or ("promise:ctl:" .. p.id), p.id, p.text, p.due, rule.remind, rule.title)
end

---------------------------------------------------------------------------------------------
-- Patience: a reminder whose words follow how far along the repair is.

-- The default words for the phase now: by its name, or for phases of the rules' own naming
-- by place (the first listens, the last maintains, the ones between rebuild).
local function default_patience()
  local name = phase_name_at(nudge.now())
  if PHASE_BODIES[name] then return PHASE_BODIES[name] end
  local phases = T.phases() or {}
  for i, p in ipairs(phases) do
    if p.name == name then
      if i == 1 then return PHASE_BODIES.early end
      if i == #phases then return PHASE_BODIES.settled end
    end
  end
  return PHASE_BODIES.months
end

nudge.patience = api(function(t)
  need_table(t, "patience")
  check_fields(t, "patience", fields({ "title", "phases" }))
  need_string(t, "id", "patience")
  need_when(t.when, "patience")
  opt_string(t, "title", "patience")
  local phases = t.phases
  if phases ~= nil and (type(phases) ~= "table" or #phases == 0) then
    fail("nudge.patience: 'phases' must be a list of {upto=span, body=...}")
  end
  for i, p in ipairs(phases or {}) do
    if type(p) ~= "table" then fail("nudge.patience: phases[%d] is not a table", i) end
    if p.upto ~= nil then
      if i == #phases then fail("nudge.patience: the last phase must not have 'upto' (it lasts from then on)") end
      nudge.span(p.upto)
    elseif i < #phases then
      fail("nudge.patience: phases[%d] needs 'upto' (only the last has none)", i)
    end
    if type(p.body) ~= "string" and type(p.body) ~= "function" then
      fail("nudge.patience: phases[%d].body must be a string or a function(ctx)", i)
    end
  end
  local title = t.title or "Patience"
  return on_when(t.when, function()
    local since = T.since()
    if not since then error("nudge.patience needs nudge.config{since = ...}", 0) end
    -- Before since nothing has begun: no stage to speak of.
    if nudge.now() < since then return end
    local body = phases and phase_at(phases, since, nudge.now()).body or default_patience()
    nudge.notify { title = title, body = render(body), urgency = "low" }
  end, schedule_options(t, "patience"), "patience")
end)

---------------------------------------------------------------------------------------------
-- Milestones: time since the repair began, and check-in streaks, each celebrated once.

nudge.milestone = api(function(t)
  need_table(t, "milestone")
  check_fields(t, "milestone", set({ "id", "at", "streaks", "title", "body", "when" }))
  check_body(t, "milestone")
  opt_string(t, "id", "milestone")
  opt_string(t, "title", "milestone")
  if t.id == "" then fail("nudge.milestone: 'id' must be a non-empty string") end
  if t.when ~= nil then need_when(t.when, "milestone") end
  -- Its one-shots and its streak check take their ids from it: "milestone:6M".
  local id = t.id or "milestone"
  local since = T.since()
  local at = t.at or { "7d", "30d", "90d", "6M", "1y" }
  if type(at) ~= "table" then fail("nudge.milestone: 'at' must be a list of spans") end
  if #at > 0 and not since then
    fail("nudge.milestone needs nudge.config{since = ...} before it")
  end
  local title = t.title or "A milestone"
  local body = t.body or "{days} days since you began. Look how far you have come together."
  local now = nudge.now()
  for i, span in ipairs(at) do
    if type(span) ~= "string" and type(span) ~= "number" then
      fail("nudge.milestone: at[%d] is not a span", i)
    end
    -- Months and years land on the calendar day: "6M" after Nov 1 is May 1.
    local when = T.span_add(since, span)
    if when and when > now then
      nudge.at(when, function()
        nudge.notify { title = title, body = render(body, { milestone = span }) }
      end, { id = id .. ":" .. span, _kind = "milestone" })
    end
  end
  local streaks = t.streaks or { 7, 30 }
  if type(streaks) ~= "table" then fail("nudge.milestone: 'streaks' must be a list of day counts") end
  if #streaks > 0 then
    for i, n in ipairs(streaks) do
      if math.type(n) ~= "integer" or n < 1 then
        fail("nudge.milestone: streaks[%d] must be a whole number of days", i)
      end
    end
    on_when(t.when or "*-*-* 21:00", function()
      local began = T.since()
      if began and nudge.now() < began then return end -- nothing has begun: nothing to mark
      local streak = T.streak()
      for _, n in ipairs(streaks) do
        local key = id .. ":streak:" .. n
        if streak >= n and not nudge.store.get(key) then
          nudge.store.set(key, nudge.now())
          nudge.notify {
            title = title,
            body = render("{streak} of check-ins in a row. That consistency matters.",
                          { milestone = n .. " days" }),
          }
        end
      end
    end, { id = id .. ":streaks", _kind = "milestone" }, "milestone")
  end
end)

-- Open promises from nudgectl get their reminders like the rule file's.
for _, p in ipairs(T.ctl_promises()) do
  schedule_promise("promise:ctl:" .. p.id, p.id, p.text, p.due, DEFAULT_REMIND)
end
