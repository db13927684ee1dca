---@meta nudge
-- LuaLS annotations for nudge rule files (installed as share/nudge/lua/nudge.lua).
--
-- This file only describes the API so that an editor can complete names, show help when
-- you hover over them, and warn about a misspelled field. It is never run: nudged
-- provides the real `nudge`. Point your editor at it with `workspace.library` (see the
-- README, "Editor support"). The reference is the man page nudge-rules(5).

---------------------------------------------------------------------------------------------
-- The time language (nudge-rules(5), TIME LANGUAGE)

---A calendar event, as in systemd's OnCalendar= ("Mon..Fri 20:30", "Sat,Sun 10:00",
---"*-*~1 18:00", "daily") or a five-field cron line ("30 20 * * 1-5", "@daily").
---@alias nudge.Calendar string

---A time span: "45min", "2h 30min", "1d", "3w", "6M", "1y", or a number of seconds.
---@alias nudge.Span string|number

---A point in time: "2026-12-24 18:00", "2026-12-24", "18:00" (today), "tomorrow", "+3h",
---"@1798000000", or a number of epoch seconds. A due or an `at` also takes a calendar event,
---meaning its next elapse ("Sat 11:00" is next Saturday at 11:00); `since` does not.
---@alias nudge.Timestamp string|number

---A time-of-day range "HH:MM..HH:MM"; it may cross midnight ("22:30..07:30").
---@alias nudge.Window string

---When a toolkit reminder comes: a calendar event, or a table keyed by phase name so the
---plan eases off as trust returns: `{ early = "*-*-* 20:30", months = "Mon,Wed,Fri 20:30",
---settled = "Sun 18:00" }` (a phase the table leaves out has no fires).
---@alias nudge.When nudge.Calendar|table<string, nudge.Calendar>

---A notification text: a string with placeholders {days}, {streak}, {phase}, {kept},
---{promised} (and {milestone}, {question} where they apply), or a function(ctx) that
---returns the text.
---@alias nudge.Body string|fun(ctx: nudge.Context): string?

---------------------------------------------------------------------------------------------
-- What callbacks receive and what scheduling calls return

---The handle a scheduling call returns.
---@class nudge.Handle
---@field id string The reminder's id (as `nudgectl list`, `fire`, `done` show it).
---@field kind string "notify" for the core API, else the toolkit kind ("checkin", "gesture", ...).
local Handle = {}

---Stop the reminder: it will not fire again.
function Handle:cancel() end

---When the reminder fires next, in epoch seconds, or nil when it never fires again.
---@return number?
function Handle:next() end

---What a reminder's callback receives.
---@class nudge.Event
---@field id string The reminder's id.
---@field kind string "notify" for the core API, else the toolkit kind.
---@field scheduled number When the fire was due (epoch seconds).
---@field fired number When it actually ran (epoch seconds; later after quiet hours or a catch-up).

---What a `nudge.listen` handler receives when `nudgectl emit NAME KEY=VALUE...` runs.
---@class nudge.EmitEvent
---@field name string The event name given to `nudgectl emit`.
---@field fired number When it was emitted (epoch seconds).
---@field data table<string, string> The KEY=VALUE pairs, as strings.

---What a body function receives. Before `since`, `days` and `phase` are nil.
---@class nudge.Context
---@field days? integer Calendar days since the date of `since`.
---@field streak integer Days in a row with every check-in due done (0: a fresh start).
---@field phase? string The label of the current phase ("first weeks", ...).
---@field phase_name? string The name of the current phase ("early", "months", "settled").
---@field kept integer Promises kept so far.
---@field promised integer Promises due or settled so far.
---@field milestone? string|number The milestone being celebrated (milestone bodies only): "30d", "7 days".
---@field question? string The question picked for this prompt (check-ins with `questions`).

---------------------------------------------------------------------------------------------
-- Option tables

---Options of nudge.on, nudge.every, nudge.after and nudge.at.
---@class nudge.ScheduleOptions
---@field id? string A stable, unique name, used by `nudgectl fire/done/skip/snooze` and the history.
---@field jitter? nudge.Span Add a random delay in [0, span) to each fire.
---@field window? nudge.Window On each day the calendar selects, fire once at a random time inside this window.
---@field quiet? "defer"|"drop"|"ignore" Inside quiet hours: wait for their end (default), skip the fire, or fire anyway.
---@field catch_up? boolean A fire missed while nudged was not running fires once at start or resume.
---@field late_cancel? nudge.Span A missed fire older than this is dropped, not caught up (default "1d").

---A button on a notification.
---@class nudge.Action
---@field id string What on_action receives and the history records ("done", "skip", "snooze" are answers).
---@field label string The text on the button.

---Fields of nudge.notify{}.
---@class nudge.Notification
---@field title string The headline (required).
---@field body? string The text; servers may render a little markup.
---@field icon? string An icon name or path.
---@field urgency? "low"|"normal"|"critical" How urgent it is (default "normal").
---@field timeout? nudge.Span|"never" How long it stays; default: the notification server's.
---@field category? string A freedesktop notification category, e.g. "reminder".
---@field actions? nudge.Action[]|table<string, string> Buttons: a list of {id=, label=} (in order) or a map id -> label (sorted by id); at most 16.
---@field on_action? fun(action_id: string, ev: nudge.Event) Called when the user picks an action.
---@field on_close? fun(reason: "expired"|"dismissed"|"closed"|"undefined", ev: nudge.Event) Called when the notification closes.
---@field discreet? boolean Show only "nudge" / "A reminder for you" until the user clicks Show (default: nudge.config{discreet}).

---One stage of the repair, in nudge.config{phases}.
---@class nudge.Phase
---@field name string An identifier (letters, digits, _) that keys toolkit `when` tables and pool `phases`.
---@field label string What {phase} prints and `nudgectl report` shows.
---@field upto? nudge.Span Lasts until `since` plus this span ("3w", "6M"); the last phase has none.

---The limits of nudge.config{limits}.
---@class nudge.Limits
---@field instructions? integer Instruction budget of each callback (default 10000000, at least 1000).
---@field memory? string|integer Memory cap of the whole rule state: "64M" (default), K/M/G suffixes, or bytes.
---@field time? nudge.Span Wall-clock deadline of each callback (default "1s", from "10ms" to "10s").

---The CalDAV settings of nudge.config{sync}: a task list a phone shows (nudge-rules(5)).
---@class nudge.Sync
---@field caldav string URL of the task list (a calendar collection holding tasks), "https://..."; plain http:// only to this machine without a warning.
---@field user? string The login name; the password comes from `nudgectl sync --login` (the keyring) or ~/.config/nudge/caldav-password (mode 0600).
---@field every? nudge.Span Time between syncs (default "15min", from "1min" to "1d").
---@field days? integer Days of coming fires sent as tasks (default 14, 1 to 60).

---Fields of nudge.config{}.
---@class nudge.Config
---@field since? nudge.Timestamp The day the repair began: drives {days}, the phases, patience and milestones.
---@field phases? nudge.Phase[] The stages of the repair, named once (1 to 8); default early/months/settled.
---@field quiet_hours? nudge.Window|false No notifications in this window ("22:30..07:30"); false turns them off.
---@field pause? string[] Times to give space: "2027-01-09", "2026-12-24..2026-12-26" or "2026-12-24 18:00..2026-12-27 09:00".
---@field backend? "auto"|"libnotify"|"stdout" Where notifications go, as `nudged --backend`.
---@field app_name? string The application name the notifications carry.
---@field discreet? boolean Make every notification discreet unless it says discreet = false (default false).
---@field limits? nudge.Limits Instruction budget, memory cap and deadline of the rules.
---@field sync? nudge.Sync Keep a CalDAV task list in step with the plan, for a phone.

---An entry of a question or gesture pool, when it is a table rather than a plain string.
---@class nudge.PoolEntry
---@field text string The question or the gesture.
---@field phases? string[] Only in these phases ({ "early", "months" }); without it, in every phase.
---@field at? "morning"|"afternoon"|"evening"|nudge.Window Gestures only: show it only in this part of the day.

---Options every toolkit kind with a `when` shares (check-ins, gestures, patience).
---@class nudge.ToolkitOptions
---@field id string A stable, unique name (required), used by `nudgectl` and the history.
---@field when nudge.When When it comes: a calendar event, or a table keyed by phase name.
---@field window? nudge.Window On each day `when` selects, come once at a random time inside this window.
---@field jitter? nudge.Span Add a random delay in [0, span) to each prompt.
---@field quiet? "defer"|"drop"|"ignore" Inside quiet hours: wait for their end (default), skip it, or come anyway.
---@field catch_up? boolean A prompt missed while nudged was not running comes once at start.
---@field late_cancel? nudge.Span A missed prompt older than this is dropped (default "1d").
---@field discreet? boolean Discreet notifications for this reminder (overrides nudge.config{discreet}).

---Fields of nudge.checkin{}.
---@class nudge.CheckinOptions: nudge.ToolkitOptions
---@field title? string The headline (default "Check-in").
---@field body? nudge.Body The text; with `questions`, a frame holding the question at {question}.
---@field snooze? nudge.Span How long Snooze waits (default "1h").
---@field urgency? "low"|"normal"|"critical" How urgent the notification is.
---@field questions? (string|nudge.PoolEntry)[] Rotate the body through these questions (or nudge.questions).
---@field no_repeat? integer With `questions`: never one of the last N asked (default 10, or one less than the list).

---Fields of nudge.gesture{}.
---@class nudge.GestureOptions: nudge.ToolkitOptions
---@field when? nudge.When When it comes (or give `per_week` instead).
---@field title? string The headline (default "A small gesture").
---@field pool (string|nudge.PoolEntry)[] The gestures to pick from (required).
---@field no_repeat? integer Never one of the last N picked (default 0).
---@field per_week? integer|table<string, integer> Instead of `when`: N distinct days a week (1 to 7), or a table keyed by phase; no jitter, catch_up or late_cancel then.
---@field window? nudge.Window With `when`: once at a random time inside it; with `per_week`: the hours a day's gesture may come (default "10:00..20:00").

---Fields of nudge.promise{}.
---@class nudge.PromiseOptions
---@field id string A stable, unique name (required): the promise keeps its state by it.
---@field text string What was promised (required).
---@field due nudge.Timestamp When it is due (required); then it asks "Kept?".
---@field remind? nudge.Span[] Reminders that long before the due (default { "1d", "2h" }).
---@field title? string The headline of the reminders (default "A promise").
---@field discreet? boolean Discreet notifications for this promise.

---A stage of nudge.patience{phases}.
---@class nudge.PatiencePhase
---@field upto? nudge.Span Until `since` plus this span; the last stage has none.
---@field body nudge.Body The words for this stage (required).

---Fields of nudge.patience{}.
---@class nudge.PatienceOptions: nudge.ToolkitOptions
---@field title? string The headline (default "Patience").
---@field phases? nudge.PatiencePhase[] Words by time since `since`; default: those of the configured phases.

---Fields of nudge.milestone{}.
---@class nudge.MilestoneOptions
---@field id? string Its name (default "milestone"): one-shots are ID:SPAN, the streak check ID:streaks.
---@field at? nudge.Span[] Times since `since` to celebrate (default { "7d", "30d", "90d", "6M", "1y" }).
---@field streaks? integer[] Check-in streaks to celebrate, in days (default { 7, 30 }).
---@field when? nudge.When When streaks are checked (default "*-*-* 21:00").
---@field title? string The headline (default "A milestone").
---@field body? nudge.Body The text (default "{days} days since you began. ...").
---@field discreet? boolean Discreet notifications for the milestones.

---The counts of nudge.support{after}.
---@class nudge.SupportAfter
---@field broken? integer|false Promises answered Broken within `within` (1 to 1000; default 2; false leaves it out).
---@field conflicts? integer|false `nudgectl emit conflict` events within `within` (1 to 1000; default 3; false leaves it out).

---Fields of nudge.support{}.
---@class nudge.SupportOptions
---@field after? nudge.SupportAfter When to suggest couples counselling (default { broken = 2, conflicts = 3 }).
---@field within? nudge.Span How far back setbacks count (default "14d", from 1d to 1y).
---@field promise? string The id of the rule promise that, once kept, stops the suggestion (default "counselling").
---@field repair? string|false Time of day of the repair prompt the evening after a setback (default "19:30"); false: none.
---@field discreet? boolean Discreet repair and support prompts.

---------------------------------------------------------------------------------------------
-- The API

---The nudge API: the global `nudge`, also `require "nudge"`.
---@class nudge
nudge = {}

---Call `fn(ev)` at each elapse of a calendar event or cron line.
---
---```lua
---nudge.on("Mon..Fri 20:30", function(ev)
---  nudge.notify { title = "Evening check-in" }
---end, { id = "evening" })
---```
---@param calendar nudge.Calendar
---@param fn fun(ev: nudge.Event)
---@param opts? nudge.ScheduleOptions
---@return nudge.Handle
function nudge.on(calendar, fn, opts) end

---Call `fn(ev)` every span (at least 1s), the first time one span after the rules load.
---@param span nudge.Span
---@param fn fun(ev: nudge.Event)
---@param opts? nudge.ScheduleOptions
---@return nudge.Handle
function nudge.every(span, fn, opts) end

---Call `fn(ev)` once, span after nudged starts (a reload keeps its timer).
---@param span nudge.Span
---@param fn fun(ev: nudge.Event)
---@param opts? nudge.ScheduleOptions
---@return nudge.Handle
function nudge.after(span, fn, opts) end

---Call `fn(ev)` once at that time. With an `id` it never fires again, across reloads and
---restarts.
---@param timestamp nudge.Timestamp
---@param fn fun(ev: nudge.Event)
---@param opts? nudge.ScheduleOptions
---@return nudge.Handle
function nudge.at(timestamp, fn, opts) end

---Show a notification now. Returns its id, or nil when it was not shown (it could not be, or
---it was answered on a synced device already).
---
---```lua
---nudge.notify { title = "A walk together?", actions = { done = "Done", skip = "Skip" } }
---```
---@param n nudge.Notification
---@return integer?
function nudge.notify(n) end

---Settings of this rule set. Set `since` (and `phases`) before the rules that use them.
---
---```lua
---nudge.config { since = "2026-11-01", quiet_hours = "22:30..07:30" }
---```
---@param c nudge.Config
function nudge.config(c) end

---The current time in epoch seconds (the simulated clock in `nudged --preview`).
---@return number
function nudge.now() end

---Parse a timestamp to epoch seconds: `nudge.time("tomorrow 9:00")`.
---@param timestamp nudge.Timestamp
---@return number
function nudge.time(timestamp) end

---Parse a span to seconds: `nudge.span("2h 30min")` is 9000.
---@param span nudge.Span
---@return number
function nudge.span(span) end

---`os.date` in the rule set's zone; `t` is a timestamp or epoch seconds (default now).
---`nudge.date("%A")` is today's weekday name.
---@param fmt? string
---@param t? nudge.Timestamp
---@return string|osdate
function nudge.date(fmt, t) end

---Whole days since `timestamp`, by default since nudge.config{since}.
---@param timestamp? nudge.Timestamp
---@return integer
function nudge.days_since(timestamp) end

---Like math.random, from the rule set's seeded generator (same `--seed`, same choices).
---No argument: a float in [0,1); `m`: an integer in [1,m]; `m, n`: an integer in [m,n].
---@param m? integer
---@param n? integer
---@return number
function nudge.random(m, n) end

---Call `fn(ev)` when `nudgectl emit NAME [KEY=VALUE...]` runs; `ev.data` holds the pairs.
---
---```lua
---nudge.listen("conflict", function(ev)
---  nudge.after("20min", function()
---    nudge.notify { title = "Calmer now?", body = "Come back to it gently." }
---  end)
---end)
---```
---@param name string
---@param fn fun(ev: nudge.EmitEvent)
function nudge.listen(name, fn) end

---Start a program without a shell and without waiting: `nudge.spawn{ "program", "arg" }`.
---Returns its pid; nil in `--check` and `--preview`, where nothing is started.
---@param argv string[]
---@return integer?
function nudge.spawn(argv) end

---Write to the daemon's log (info level), prefixed with file:line. `print` does the same.
---@param ... any
function nudge.log(...) end

---Write a warning to the daemon's log, prefixed with file:line.
---@param ... any
function nudge.warn(...) end

---Values that survive reloads and restarts.
---@class nudge.store
nudge.store = {}

---A value saved with nudge.store.set, or `default`.
---@param key string
---@param default? any
---@return any
function nudge.store.get(key, default) end

---Save a value (nil, boolean, number, string, or tables of those); nil deletes it.
---@param key string
---@param value any
function nudge.store.set(key, value) end

---------------------------------------------------------------------------------------------
-- The trust toolkit

---A regular conversation prompt with actions Done / Snooze / Skip. Skipped when you
---already logged a check-in for it with `nudgectl checkin`.
---
---```lua
---nudge.checkin { id = "evening", when = "Mon..Fri 20:30",
---                title = "Evening check-in",
---                body = "Day {days} ({phase}). Listen first." }
---```
---@param opts nudge.CheckinOptions
---@return nudge.Handle
function nudge.checkin(opts) end

---Picks one small gesture from `pool` and shows it, with actions Done / Skip.
---
---```lua
---nudge.gesture { id = "kind", per_week = 3, no_repeat = 3,
---                pool = { "Leave a kind note",
---                         { text = "Say good morning first", at = "morning" } } }
---```
---@param opts nudge.GestureOptions
---@return nudge.Handle
function nudge.gesture(opts) end

---Reminders before `due`, then "Kept?" with actions Kept / Not yet / Broken. Returns the
---handles of its reminders, or nil once the promise is settled.
---
---```lua
---nudge.promise { id = "call-mum", text = "Call her mother",
---                due = "2026-11-28 11:00", remind = { "1d", "1h" } }
---```
---@param opts nudge.PromiseOptions
---@return nudge.Handle[]?
function nudge.promise(opts) end

---A reminder whose words follow the time since `since` (needs nudge.config{since}).
---
---```lua
---nudge.patience { id = "patience", when = "Wed 12:00" }
---```
---@param opts nudge.PatienceOptions
---@return nudge.Handle
function nudge.patience(opts) end

---Celebrates, each once, time since `since` and check-in streaks.
---
---```lua
---nudge.milestone { at = { "30d", "100d", "1y" }, streaks = { 14 } }
---```
---@param opts? nudge.MilestoneOptions
function nudge.milestone(opts) end

---Care after setbacks: a repair prompt the evening after a broken promise or a conflict,
---and a gentle suggestion of couples counselling when they add up. Call it once.
---
---```lua
---nudge.support { after = { broken = 2, conflicts = 3 }, within = "14d" }
---```
---@param opts? nudge.SupportOptions
function nudge.support(opts) end

---The shipped library of check-in questions, tagged by phase: give it to a check-in as
---`questions = nudge.questions`, or copy it into your file and change it.
---@type nudge.PoolEntry[]
nudge.questions = {}

return nudge
