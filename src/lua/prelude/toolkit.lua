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

-- discreet = true|false on any kind (SPEC 2.4); nil leaves it to nudge.config{discreet}.
local function opt_discreet(t, fn)
  if t.discreet ~= nil and type(t.discreet) ~= "boolean" then
    fail("nudge.%s: 'discreet' must be true or false", fn)
  end
end

-- What is wrong with the first key of t that allowed (a set) lacks, or nil: the earliest in
-- sorted order, so every run names the same one, worded by the C binding's rule
-- (T.unknown: "unknown field 'titel' (did you mean 'title'?)", else the known names).
-- names: the allowed ones in the order to list them (default: sorted).
local function unknown_key(t, allowed, what, names)
  local bad
  for k in pairs(t) do
    if not allowed[k] and (bad == nil or tostring(k) < tostring(bad)) then bad = k end
  end
  if bad == nil then return nil end
  if not names then
    names = {}
    for name in pairs(allowed) do names[#names + 1] = name end
    table.sort(names)
  end
  return T.unknown(what or "field", bad, names)
end

local function check_fields(t, fn, allowed)
  local e = unknown_key(t, allowed)
  if e then fail("nudge.%s: %s", fn, e) end
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

-- The placeholders every body string may use; question and milestone come where they apply.
local PLACEHOLDERS = { "days", "streak", "phase", "kept", "promised" }

-- Edits (insert, delete, change a letter) from a to b, for "did you mean"; short words only.
local function distance(a, b)
  if #a > 32 or #b > 32 then return math.huge end
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

-- A body as the rules give it, looked at once at load (SPEC 2.5): an unknown {placeholder} in
-- a string is a warning (it would be shown as typed); a function is tried once by --check on
-- a sample day. `extra` holds the sample values of the placeholders this kind adds.
local function note_body(body, fn, field, extra)
  if type(body) == "function" then
    T.sample_body(body, extra)
    return
  end
  if type(body) ~= "string" or not body:find("{", 1, true) then return end
  local known, names = {}, {}
  for _, k in ipairs(PLACEHOLDERS) do
    known[k] = true
    names[#names + 1] = "{" .. k .. "}"
  end
  for k in pairs(extra or {}) do
    known[k] = true
    names[#names + 1] = "{" .. k .. "}"
  end
  local told = {}
  for key in body:gmatch("{([%w_]+)}") do
    if not known[key] and not told[key] then
      told[key] = true
      local best, best_d = nil, 3
      for _, name in ipairs(names) do
        local d = distance(key:lower(), name:sub(2, -2))
        if d < best_d then best, best_d = name, d end
      end
      T.warn(string.format("nudge.%s: unknown placeholder {%s} in '%s'%s: it would be shown "
                           .. "as typed (known ones: %s)", fn, key, field,
                           best and " (did you mean " .. best .. "?)" or "",
                           table.concat(names, ", ")))
    end
  end
end

local SCHEDULE_FIELDS = { "id", "when", "window", "jitter", "quiet", "catch_up", "late_cancel",
                          "discreet" }

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
  local bad = unknown_key(when, known, "phase", names)
  if bad then fail("nudge.%s: when: %s", fn, bad) end
  local any = false
  for k, v in pairs(when) do
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
-- Pools that rotate: check-in questions and gestures. An entry is a string or a table
-- { text = "...", phases = { "early", ... }, at = "morning" | "HH:MM..HH:MM" } (at: gestures
-- only). Rule files are hostile input: sizes are bounded and every field checked.

local POOL_MAX, TEXT_MAX, PHASES_MAX = 1000, 2000, 16
local POOL_FIELDS, POOL_AT_FIELDS = { text = true, phases = true },
    { text = true, phases = true, at = true }

-- Parts of the day a gesture may name, in seconds after local midnight.
local PARTS_OF_DAY = {
  morning = { 7 * 3600, 11 * 3600 },
  afternoon = { 12 * 3600, 17 * 3600 },
  evening = { 18 * 3600, 21 * 3600 + 1800 },
}

-- "HH:MM..HH:MM" (same day, start before end) -> {start, end} in seconds after midnight.
local function day_window(s)
  if type(s) ~= "string" or #s > 16 then return nil end
  local h1, m1, h2, m2 = s:match("^(%d%d?):(%d%d)%.%.(%d%d?):(%d%d)$")
  if not h1 then return nil end
  local a = tonumber(h1) * 3600 + tonumber(m1) * 60
  local b = tonumber(h2) * 3600 + tonumber(m2) * 60
  if tonumber(m1) > 59 or tonumber(m2) > 59 or b > 24 * 3600 or a >= b then return nil end
  return { a, b }
end

local function window_of(at)
  return PARTS_OF_DAY[at] or day_window(at)
end

-- "unknown phase 'erly' (did you mean 'early'?)" when name is not a phase of the plan but
-- close to one; nil otherwise (also before nudge.config{since}, when no phase applies).
local function phase_typo(name)
  local phases = T.phases()
  if not phases then return nil end
  local names = {}
  for _, p in ipairs(phases) do
    if p.name == name then return nil end
    names[#names + 1] = p.name
  end
  local e = T.unknown("phase", name, names, "", false)
  return e:find("did you mean", 1, true) and e or nil
end

-- A checked copy of a pool: a list of { text=, phases=set or nil, at={s,e} or nil }.
local function read_pool(list, fn, field, allow_at)
  if type(list) ~= "table" or #list == 0 then
    fail("nudge.%s: '%s' must be a non-empty list of texts", fn, field)
  end
  if #list > POOL_MAX then fail("nudge.%s: '%s' holds more than %d entries", fn, field, POOL_MAX) end
  local out = {}
  for i = 1, #list do
    local e, where = list[i], string.format("%s[%d]", field, i)
    local text, phases, at = e, nil, nil
    if type(e) == "table" then
      local bad = unknown_key(e, allow_at and POOL_AT_FIELDS or POOL_FIELDS)
      if bad then fail("nudge.%s: %s: %s", fn, where, bad) end
      text = e.text
      if e.phases ~= nil then
        if type(e.phases) ~= "table" or #e.phases == 0 or #e.phases > PHASES_MAX then
          fail("nudge.%s: %s.phases must be a list of phase names like { \"early\" }", fn, where)
        end
        phases = {}
        for j = 1, #e.phases do
          if type(e.phases[j]) ~= "string" then
            fail("nudge.%s: %s.phases[%d] is not a phase name", fn, where, j)
          end
          -- A name one slip from a phase of the plan is a typo that would silently keep
          -- the entry from ever showing. Other names stay allowed: the shipped library
          -- names the default phases, which a plan may have renamed.
          local typo = phase_typo(e.phases[j])
          if typo then fail("nudge.%s: %s.phases: %s", fn, where, typo) end
          phases[e.phases[j]] = true
        end
      end
      if e.at ~= nil then
        at = window_of(e.at)
        if not at then
          fail("nudge.%s: %s.at must be \"morning\", \"afternoon\", \"evening\" or a window "
               .. "like \"10:00..12:00\"", fn, where)
        end
      end
    end
    if type(text) ~= "string" or text == "" then
      fail("nudge.%s: %s needs a text (a string, or a table with 'text')", fn, where)
    end
    if #text > TEXT_MAX then fail("nudge.%s: %s is longer than %d bytes", fn, where, TEXT_MAX) end
    out[i] = { text = text, phases = phases, at = at }
  end
  return out
end

-- Seconds after local midnight of epoch seconds t.
local function time_of_day(t)
  local d = nudge.date("*t", t)
  return d.hour * 3600 + d.min * 60 + d.sec
end

-- One entry of `pool` for a showing at epoch seconds t: of t's phase (every entry when none
-- is), passing `fits` when given, and not among the last `no_repeat` texts remembered under
-- `key` nor in `taken` (texts planned, not yet shown). When every candidate is that recent,
-- the one shown longest ago comes back. nil when nothing passes `fits`.
local function pick(pool, key, no_repeat, t, fits, taken)
  local phase = phase_name_at(t)
  local cands = {}
  for _, e in ipairs(pool) do
    if (not fits or fits(e)) and (e.phases == nil or (phase and e.phases[phase])) then
      cands[#cands + 1] = e
    end
  end
  if #cands == 0 then
    for _, e in ipairs(pool) do
      if not fits or fits(e) then cands[#cands + 1] = e end
    end
  end
  if #cands == 0 then return nil end
  -- age[text]: 1 for the newest pick; texts not in it are free.
  local age, n = {}, 0
  for _, text in ipairs(taken or {}) do
    n = n + 1
    age[text] = age[text] or n
  end
  for _, text in ipairs(T.gesture_recent(key, no_repeat)) do
    n = n + 1
    age[text] = age[text] or n
  end
  local free = {}
  for _, e in ipairs(cands) do
    if not age[e.text] or age[e.text] > no_repeat then free[#free + 1] = e end
  end
  if #free > 0 then return free[nudge.random(#free)] end
  local oldest = cands[1]
  for _, e in ipairs(cands) do
    if age[e.text] > age[oldest.text] then oldest = e end
  end
  return oldest
end

---------------------------------------------------------------------------------------------
-- Check-ins: a regular conversation prompt. Done / Snooze / Skip; silent when a check-in
-- logged for this one (nudgectl checkin [ID]) silenced this prompt: the ledger decides, and
-- other check-ins are not touched. A hand fire (nudgectl fire) always shows.

nudge.checkin = api(function(t)
  need_table(t, "checkin")
  check_fields(t, "checkin", fields({ "title", "body", "snooze", "urgency", "questions",
                                       "no_repeat" }))
  need_string(t, "id", "checkin")
  need_when(t.when, "checkin")
  check_body(t, "checkin")
  opt_string(t, "title", "checkin")
  opt_string(t, "urgency", "checkin")
  opt_discreet(t, "checkin")
  local title = t.title or "Check-in"
  local snooze = t.snooze or "1h"
  nudge.span(snooze)
  -- Rotating questions: remembered in the gesture memory under "question:ID", so a restart
  -- does not bring back one asked last week.
  local questions, no_repeat
  if t.questions ~= nil then
    questions = read_pool(t.questions, "checkin", "questions", false)
    no_repeat = t.no_repeat or math.min(10, #questions - 1)
    if math.type(no_repeat) ~= "integer" or no_repeat < 0 then
      fail("nudge.checkin: 'no_repeat' must be a whole number >= 0")
    end
    if type(t.body) == "string" and not t.body:find("{question}", 1, true) then
      fail("nudge.checkin: with 'questions', a 'body' string is a frame and needs the "
           .. "{question} placeholder")
    end
  elseif t.no_repeat ~= nil then
    fail("nudge.checkin: 'no_repeat' only applies with 'questions'")
  end
  note_body(t.body, "checkin", "body",
            questions and { question = "What is one thing you appreciated today?" })
  local memory = "question:" .. t.id
  return on_when(t.when, function(ev)
    if not T.by_hand() and T.checkin_silenced(t.id, ev.scheduled) then
      nudge.log("check-in '" .. t.id .. "' silenced: you logged it with nudgectl checkin")
      return
    end
    local body
    if questions then
      local q = pick(questions, memory, no_repeat, nudge.now())
      T.gesture_add(memory, q.text)
      body = t.body and render(t.body, { question = q.text }) or q.text
    else
      body = render(t.body)
    end
    nudge.notify {
      title = title,
      body = body,
      urgency = t.urgency,
      actions = { { id = "done", label = "Done" }, { id = "snooze", label = "Snooze" },
                  { id = "skip", label = "Skip" } },
      _snooze = snooze,
      discreet = t.discreet,
    }
  end, schedule_options(t, "checkin"), "checkin")
end)

---------------------------------------------------------------------------------------------
-- Gestures: one small kind act from a pool, never one of the last no_repeat picks. An entry
-- with `at` is only ever shown inside its part of the day. With `when`, each fire picks among
-- the entries that fit its time of day; with `per_week = N`, each week (Monday to Sunday,
-- local) gets N distinct days, planned once and kept in nudge.store (a restart or reload does
-- not re-roll them), each with its gesture picked first and a time inside that gesture's
-- window: one-shot reminders "ID@YYYY-MM-DD", so nudgectl list shows the real next one; what
-- they show is recorded as reminder ID (nudge.notify{_reminder}).

local GESTURE_WINDOW = "10:00..20:00" -- per_week's default window for entries without `at`

-- Local calendar day of epoch seconds t, shifted by `plus` days, at the wall-clock time `secs`
-- after midnight names (18:00 is 18:00 also on the 25-hour day daylight saving ends).
local function day_at(t, plus, secs)
  local d = nudge.date("*t", t)
  return os.time { year = d.year, month = d.month, day = d.day + plus, hour = secs // 3600,
                   min = secs % 3600 // 60, sec = secs % 60 }
end

local function show_gesture(title, id, text, discreet, one_day)
  T.gesture_add(id, text)
  nudge.notify {
    title = title,
    body = text,
    actions = { { id = "done", label = "Done" }, { id = "skip", label = "Skip" } },
    discreet = discreet,
    -- A per_week day's one-shot shows as the gesture itself (nudgectl done ID answers it).
    _reminder = one_day and id or nil,
  }
end

-- A per_week gesture: plans weeks (each once, stored) and arms their days as one-shots.
local function weekly_gesture(g)
  local armed = {}
  local handles = {}
  local stopped = false

  local function store_key(monday)
    return "toolkit:gesture:" .. g.id .. ":" .. nudge.date("%Y-%m-%d", monday)
  end

  -- The plan of the week holding epoch seconds t: { {day=, at=, text=, windowed=}, ... };
  -- `ahead` holds the texts planned but not yet shown, newest first (for no_repeat).
  local function plan_week(t, ahead)
    local wd = tonumber(nudge.date("%u", t))
    local monday = day_at(t, 1 - wd, 12 * 3600)
    local key = store_key(monday)
    local plan = nudge.store.get(key)
    if type(plan) == "table" then return plan end
    local now = nudge.now()
    -- Days not yet begun: a week first planned midway gets what is left of it.
    local days = {}
    for i = 0, 6 do
      local start = day_at(monday, i, 0)
      if start >= now then days[#days + 1] = start end
    end
    -- How many this week: per_week, or its entry for the phase of the week's first day left
    -- (a week that starts a new phase takes the new phase's pace from its first day on).
    local n = g.per_week
    if type(n) == "table" then
      local by_phase = n
      n = 0
      local kept = {}
      for _, start in ipairs(days) do
        local count = by_phase[phase_name_at(start + 12 * 3600) or ""]
        if count then
          if n == 0 then n = count end
          kept[#kept + 1] = start
        end
      end
      days = kept
    end
    for i = 1, math.min(n, #days) do
      local j = nudge.random(i, #days)
      days[i], days[j] = days[j], days[i]
    end
    local chosen = {}
    for i = 1, math.min(n, #days) do chosen[i] = days[i] end
    table.sort(chosen)
    plan = {}
    local taken = table.move(ahead, 1, #ahead, 1, {})
    for _, start in ipairs(chosen) do
      local e = pick(g.pool, g.id, g.no_repeat, start + 12 * 3600, nil, taken)
      table.insert(taken, 1, e.text)
      local w = e.at or g.window
      local at = day_at(start + 12 * 3600, 0, nudge.random(w[1], w[2] - 1))
      plan[#plan + 1] = { day = nudge.date("%Y-%m-%d", start + 12 * 3600), at = at,
                          text = e.text, windowed = e.at ~= nil }
    end
    nudge.store.set(key, plan)
    -- The week before the current one is over (plans reach two weeks ahead).
    nudge.store.set(store_key(day_at(monday, -21, 12 * 3600)), nil)
    return plan
  end

  local arm_ahead
  local function arm(p)
    if stopped or armed[p.day] or type(p.at) ~= "number" or p.at <= nudge.now() then return end
    armed[p.day] = true
    handles[#handles + 1] = nudge.at(p.at, function()
      -- An edited pool: a planned text that left it is swapped for one that fits the hour.
      local text = p.text
      local still = false
      for _, e in ipairs(g.pool) do still = still or e.text == text end
      if not still then
        local tod = time_of_day(nudge.now())
        local e = pick(g.pool, g.id, g.no_repeat, nudge.now(),
                       function(x) return not x.at or (x.at[1] <= tod and tod <= x.at[2]) end)
        text = e and e.text
      end
      if text then show_gesture(g.title, g.id, text, g.discreet, true) end
      arm_ahead()
    end, { id = g.id .. "@" .. p.day, _kind = "gesture",
           quiet = p.windowed and "drop" or g.quiet })
  end

  -- This week and the next two are always planned, so a week whose gestures all fell in
  -- quiet hours or a pause does not end the plan.
  arm_ahead = function()
    local now = nudge.now()
    local ahead = {}
    for w = 0, 2 do
      for _, p in ipairs(plan_week(now + w * 7 * DAY, ahead)) do
        if type(p) == "table" then
          arm(p)
          if type(p.at) == "number" and p.at > now and type(p.text) == "string" then
            table.insert(ahead, 1, p.text)
          end
        end
      end
    end
  end
  arm_ahead()
  -- Shown days re-arm the plan, but a pause (or quiet hours) longer than the weeks planned
  -- silences every armed day and nothing would plan again: look ahead each night too. Kind
  -- "plan": it shows nothing, and no pause silences it.
  local planner = nudge.on("*-*-* 00:00", function() arm_ahead() end,
                           { id = g.id .. ":plan", quiet = "ignore", _kind = "plan" })

  -- One handle for the whole plan, like the core API's.
  return {
    id = g.id,
    cancel = function()
      stopped = true
      planner:cancel()
      for _, h in ipairs(handles) do h:cancel() end
    end,
    next = function()
      local best
      for _, h in ipairs(handles) do
        local n = h:next()
        if n and (not best or n < best) then best = n end
      end
      return best
    end,
  }
end

nudge.gesture = api(function(t)
  need_table(t, "gesture")
  check_fields(t, "gesture", fields({ "title", "pool", "no_repeat", "per_week" }))
  need_string(t, "id", "gesture")
  opt_string(t, "title", "gesture")
  opt_discreet(t, "gesture")
  local pool = read_pool(t.pool, "gesture", "pool", true)
  local no_repeat = t.no_repeat or 0
  if math.type(no_repeat) ~= "integer" or no_repeat < 0 then
    fail("nudge.gesture: 'no_repeat' must be a whole number >= 0")
  end
  local title = t.title or "A small gesture"
  if t.per_week ~= nil then
    -- A number, or a table keyed by phase name so the gestures ease off as trust returns (a
    -- phase the table leaves out has none).
    local function days_ok(n) return math.type(n) == "integer" and n >= 1 and n <= 7 end
    if type(t.per_week) == "table" then
      local phases = T.phases()
      if not phases then
        fail("nudge.gesture: a 'per_week' keyed by phase needs nudge.config{since = ...} before it")
      end
      local known, names, any = {}, {}, false
      for _, p in ipairs(phases) do
        known[p.name] = true
        names[#names + 1] = p.name
      end
      local bad = unknown_key(t.per_week, known, "phase", names)
      if bad then fail("nudge.gesture: per_week: %s", bad) end
      for k, v in pairs(t.per_week) do
        if not days_ok(v) then
          fail("nudge.gesture: per_week.%s must be a whole number of days from 1 to 7", k)
        end
        any = true
      end
      if not any then fail("nudge.gesture: 'per_week' names no phase, so it would never fire") end
    elseif not days_ok(t.per_week) then
      fail("nudge.gesture: 'per_week' must be a whole number of days from 1 to 7, or a table "
           .. "keyed by phase (per_week = { early = 5, months = 3, settled = 2 })")
    end
    if t.when ~= nil then
      fail("nudge.gesture: give either 'when' or 'per_week', not both")
    end
    if t.jitter ~= nil or t.catch_up ~= nil or t.late_cancel ~= nil then
      fail("nudge.gesture: with 'per_week', the time is already random inside the window "
           .. "(no jitter, catch_up or late_cancel)")
    end
    local window = day_window(t.window or GESTURE_WINDOW)
    if not window then
      fail("nudge.gesture: with 'per_week', 'window' must be a window within one day like "
           .. "\"10:00..20:00\"")
    end
    return weekly_gesture { id = t.id, title = title, pool = pool, no_repeat = no_repeat,
                            per_week = t.per_week, window = window, quiet = t.quiet,
                            discreet = t.discreet }
  end
  return on_when(t.when, function()
    local tod = time_of_day(nudge.now())
    local e = pick(pool, t.id, no_repeat, nudge.now(),
                   function(x) return not x.at or (x.at[1] <= tod and tod <= x.at[2]) end)
    if not e then
      nudge.log("gesture '" .. t.id .. "': no gesture in the pool fits "
                .. nudge.date("%H:%M") .. " (each names another part of the day)")
      return
    end
    show_gesture(title, t.id, e.text, t.discreet)
  end, schedule_options(t, "gesture"), "gesture")
end)

---------------------------------------------------------------------------------------------
-- Setbacks and support (nudge.support). A promise answered "broken" and each `nudgectl emit
-- conflict` is a setback, kept in nudge.store ("toolkit:care", durable across restarts). The
-- next evening brings a short repair prompt (kind "repair"); when the setbacks within
-- `within` reach a count, the evening after that brings a suggestion of couples counselling
-- with a first step (kind "support"), at most once a calendar month, and never once the
-- promise `promise` (a rule promise id) has been kept.

local CARE_KEY = "toolkit:care"
local SETBACKS_MAX = 200 -- kept setbacks (the oldest go first)
local care                -- nudge.support's settings, nil until it is called
local care_armed = {}     -- prompt ids armed in this rule set (an id is registered once)

local REPAIR_TEXTS = {
  broken = "Yesterday a promise did not hold: “%s”. Talk about it plainly for a few minutes: "
      .. "what happened, how it felt for each of you, and one small, concrete thing that will "
      .. "be different this week.",
  conflict = "Yesterday was a hard moment between you. When you both feel calm, take ten "
      .. "minutes: each says what they needed in that moment, then choose one small thing to "
      .. "try next time.",
}
local REPAIR_CLOSE = "Setbacks are part of repair. One honest conversation is enough for tonight."
local SUPPORT_TEXT = "The last weeks have held some hard moments, and that happens on the way "
    .. "back to trust. Many couples find a counsellor makes the work lighter: a neutral place "
    .. "where both of you are heard. It is a strong, ordinary step, not a verdict. A first step "
    .. "for this week: look up two couples counsellors near you and write down their numbers. "
    .. "No need to call yet."

local function care_state()
  local s = nudge.store.get(CARE_KEY)
  if type(s) ~= "table" then s = {} end
  if type(s.setbacks) ~= "table" then s.setbacks = {} end
  if type(s.broken) ~= "table" then s.broken = {} end
  if type(s.planned) ~= "table" then s.planned = {} end
  return s
end

local function care_save(s)
  while #s.setbacks > SETBACKS_MAX do table.remove(s.setbacks, 1) end
  local now, planned = nudge.now(), {}
  for _, p in ipairs(s.planned) do
    if type(p) == "table" and type(p.at) == "number" and p.at > now - DAY then
      planned[#planned + 1] = p
    end
  end
  s.planned = planned
  local n = 0
  for k in pairs(s.broken) do
    n = n + 1
    if n > SETBACKS_MAX then s.broken[k] = nil end
  end
  nudge.store.set(CARE_KEY, s)
end

-- Whether the counselling promise of nudge.support has been kept.
local promise_ids = {} -- rule promise id -> ledger promise id
local function counselling_kept()
  local id = promise_ids[care.promise]
  local p = id and T.promise(id)
  return p ~= nil and p.state == "kept"
end

local function shorten(text)
  if #text <= 120 then return text end
  return text:sub(1, 117):gsub("[\128-\191]*$", ""):gsub("[\192-\255]$", "") .. "..."
end

local function repair_body(p)
  local parts = {}
  local said = {}
  for _, w in ipairs(p.what or {}) do
    if type(w) == "table" and w.kind == "broken" and type(w.text) == "string" then
      parts[#parts + 1] = string.format(REPAIR_TEXTS.broken, shorten(w.text))
    elseif type(w) == "table" and w.kind == "conflict" and not said.conflict then
      said.conflict = true
      parts[#parts + 1] = REPAIR_TEXTS.conflict
    end
    if #parts >= 2 then break end
  end
  if #parts == 0 then parts[1] = REPAIR_TEXTS.conflict end
  parts[#parts + 1] = REPAIR_CLOSE
  return table.concat(parts, " ")
end

-- Arms a planned prompt {kind=, at=, id=, what=} once in this rule set.
local function care_arm(p)
  if care_armed[p.id] or type(p.at) ~= "number" or p.at <= nudge.now() then return end
  care_armed[p.id] = true
  nudge.at(p.at, function()
    local title, body
    if p.kind == "support" then
      if counselling_kept() then
        nudge.log("no counselling suggestion: the promise '" .. care.promise .. "' was kept")
        return
      end
      title, body = "Support for the two of you", SUPPORT_TEXT
    else
      -- The stored plan holds every setback of the day, also those after this rule set armed it.
      title, body = "A small repair", repair_body(p)
      for _, q in ipairs(care_state().planned) do
        if type(q) == "table" and q.id == p.id then body = repair_body(q) end
      end
    end
    nudge.notify {
      title = title,
      body = body,
      actions = { { id = "done", label = "Done" }, { id = "skip", label = "Skip" } },
      discreet = care.discreet,
    }
  end, { id = p.id, _kind = p.kind })
end

-- The same wall-clock time one calendar month after epoch seconds t.
local function month_after(t)
  local d = nudge.date("*t", t)
  d.month = d.month + 1
  d.isdst = nil
  return os.time(d)
end

-- Records a setback at `now` and plans what follows it.
local function care_setback(kind, text)
  local s = care_state()
  local now = nudge.now()
  s.setbacks[#s.setbacks + 1] = { kind = kind, at = now, text = text }
  local evening = care.repair or care.support_time
  if care.repair then
    local at = day_at(now, 1, care.repair)
    local id = "repair:" .. nudge.date("%Y-%m-%d", at)
    local plan
    for _, p in ipairs(s.planned) do
      if type(p) == "table" and p.id == id then plan = p end
    end
    if not plan then
      plan = { kind = "repair", at = at, id = id, what = {} }
      s.planned[#s.planned + 1] = plan
    end
    if #plan.what < 20 then plan.what[#plan.what + 1] = { kind = kind, text = text } end
    care_arm(plan)
  end
  -- Counselling: counted over `within`, the evening after the repair prompt.
  local broken, conflicts = 0, 0
  for _, b in ipairs(s.setbacks) do
    if type(b) == "table" and type(b.at) == "number" and b.at > now - care.within then
      if b.kind == "broken" then broken = broken + 1 end
      if b.kind == "conflict" then conflicts = conflicts + 1 end
    end
  end
  local reached = (care.broken and broken >= care.broken)
      or (care.conflicts and conflicts >= care.conflicts)
  local at = day_at(now, care.repair and 2 or 1, evening)
  if reached and not counselling_kept()
      and (type(s.last_support) ~= "number" or at >= month_after(s.last_support)) then
    s.last_support = at
    local plan = { kind = "support", at = at, id = "support:" .. nudge.date("%Y-%m-%d", at) }
    s.planned[#s.planned + 1] = plan
    care_arm(plan)
  end
  care_save(s)
end

-- A promise changed (called from T.promise_changed): a new "broken" is a setback; a promise
-- reopened may count again when it is broken again.
local function care_promise(id, p)
  if not care then return end
  local s = care_state()
  local key = tostring(id)
  if p and p.state == "broken" then
    if s.broken[key] then return end
    s.broken[key] = true
    care_save(s)
    care_setback("broken", p.text)
  elseif s.broken[key] then
    s.broken[key] = nil
    care_save(s)
  end
end

local function count_or_false(v, what)
  if v == nil or v == false then return nil end
  if math.type(v) ~= "integer" or v < 1 or v > 1000 then
    fail("nudge.support: 'after.%s' must be a whole number from 1 to 1000 (or false)", what)
  end
  return v
end

nudge.support = api(function(t)
  t = t or {}
  need_table(t, "support")
  check_fields(t, "support", set({ "after", "within", "promise", "repair", "discreet" }))
  opt_discreet(t, "support")
  if care then fail("nudge.support: already called once in these rules") end
  local after = t.after or { broken = 2, conflicts = 3 }
  if type(after) ~= "table" then
    fail("nudge.support: 'after' must be a table like { broken = 2, conflicts = 3 }")
  end
  check_fields(after, "support", set({ "broken", "conflicts" }))
  local within = nudge.span(t.within or "14d")
  if within < DAY or within > 366 * DAY then
    fail("nudge.support: 'within' must be a span from 1d to 1y")
  end
  opt_string(t, "promise", "support")
  local repair
  if t.repair == nil or t.repair == true then
    repair = 19 * 3600 + 1800
  elseif t.repair ~= false then
    local w = type(t.repair) == "string" and t.repair:match("^%d%d?:%d%d$")
        and day_window(t.repair .. "..24:00")
    if not w then fail("nudge.support: 'repair' must be a time like \"19:30\", or false") end
    repair = w[1]
  end
  care = {
    broken = count_or_false(after.broken, "broken"),
    conflicts = count_or_false(after.conflicts, "conflicts"),
    within = within,
    promise = t.promise or "counselling",
    repair = repair,
    support_time = 19 * 3600 + 1800,
    discreet = t.discreet,
  }
  -- Prompts planned before a restart or reload come back.
  for _, p in ipairs(care_state().planned) do
    if type(p) == "table" and (p.kind == "repair" or p.kind == "support")
        and type(p.id) == "string" then
      care_arm(p)
    end
  end
  nudge.listen("conflict", function() care_setback("conflict") end)
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
local function schedule_promise(key, id, text, due, remind, title, discreet)
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
          discreet = discreet,
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
        discreet = discreet,
      }
    end, { id = key .. ":due:" .. stamp, _kind = "promise" })
  end
  promise_handles[id] = handles
  return handles
end

nudge.promise = api(function(t)
  need_table(t, "promise")
  check_fields(t, "promise", set({ "id", "text", "due", "remind", "title", "discreet" }))
  need_string(t, "id", "promise")
  need_string(t, "text", "promise")
  opt_string(t, "title", "promise")
  opt_discreet(t, "promise")
  if t.due == nil then fail("nudge.promise: 'due' is required (a time like \"2026-12-24 18:00\" or a calendar event like \"Sat 11:00\")") end
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
  promise_rules[id] = { remind = remind, title = t.title, discreet = t.discreet }
  promise_ids[t.id] = id
  if state ~= "open" then return nil end
  if due <= nudge.now() then
    -- Said so even for one asked before (a restart): a "Not yet" it got is asked again by
    -- the ledger, but nothing more comes from this line.
    T.warn(string.format("nudge.promise '%s': due %s is in the past, so it gets no reminders "
                         .. "and no \"Kept?\" at its due (give a date still to come, or remove "
                         .. "it once it is settled)", t.id, nudge.date("%Y-%m-%d %H:%M", due)))
  end
  return schedule_promise(key, id, t.text, due, remind, t.title, t.discreet)
end)

-- Promise id changed in the ledger (added with nudgectl, settled, reopened, edited, deleted):
-- its reminders go, and come back from its current due when it is open.
function T.promise_changed(id)
  for _, h in ipairs(promise_handles[id] or {}) do h:cancel() end
  promise_handles[id] = nil
  local p = T.promise(id)
  care_promise(id, p)
  if not p or p.state ~= "open" then return end
  local rule = promise_rules[id]
  if p.key and not rule then return end -- a rule promise no longer in the files
  rule = rule or { remind = DEFAULT_REMIND }
  schedule_promise(p.key or ("promise:ctl:" .. p.id), p.id, p.text, p.due, rule.remind, rule.title,
                   rule.discreet)
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
  opt_discreet(t, "patience")
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
  for i, p in ipairs(phases or {}) do note_body(p.body, "patience", "phases[" .. i .. "].body") end
  local title = t.title or "Patience"
  return on_when(t.when, function()
    local since = T.since()
    if not since then error("nudge.patience needs nudge.config{since = ...}", 0) end
    -- Before since nothing has begun: no stage to speak of.
    if nudge.now() < since then return end
    local body = phases and phase_at(phases, since, nudge.now()).body or default_patience()
    nudge.notify { title = title, body = render(body), urgency = "low", discreet = t.discreet }
  end, schedule_options(t, "patience"), "patience")
end)

---------------------------------------------------------------------------------------------
-- Milestones: time since the repair began, and check-in streaks, each celebrated once.

nudge.milestone = api(function(t)
  need_table(t, "milestone")
  check_fields(t, "milestone", set({ "id", "at", "streaks", "title", "body", "when", "discreet" }))
  check_body(t, "milestone")
  opt_string(t, "id", "milestone")
  opt_string(t, "title", "milestone")
  if t.id == "" then fail("nudge.milestone: 'id' must be a non-empty string") end
  if t.when ~= nil then need_when(t.when, "milestone") end
  -- Its one-shots and its streak check take their ids from it: "milestone:6M".
  local id = t.id or "milestone"
  opt_discreet(t, "milestone")
  local since = T.since()
  local at = t.at or { "7d", "30d", "90d", "6M", "1y" }
  if type(at) ~= "table" then fail("nudge.milestone: 'at' must be a list of spans") end
  if #at > 0 and not since then
    fail("nudge.milestone needs nudge.config{since = ...} before it")
  end
  local title = t.title or "A milestone"
  local body = t.body or "{days} days since you began. Look how far you have come together."
  note_body(t.body, "milestone", "body", { milestone = "30d" })
  local now = nudge.now()
  for i, span in ipairs(at) do
    if type(span) ~= "string" and type(span) ~= "number" then
      fail("nudge.milestone: at[%d] is not a span", i)
    end
    -- Months and years land on the calendar day: "6M" after Nov 1 is May 1.
    local when = T.span_add(since, span)
    if when and when > now then
      nudge.at(when, function()
        nudge.notify { title = title, body = render(body, { milestone = span }),
                       discreet = t.discreet }
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
            discreet = t.discreet,
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
