# fish completion for nudgectl: commands, options, and reminder/promise ids asked from the
# running daemon (`nudgectl --json list`); nothing, silently, when it is not running.

function __nudgectl_ids
    set -l json (nudgectl --json $argv 2>/dev/null | string collect)
    or return 0
    if command -q jq
        printf '%s\n' $json | jq -r '(.reminders // .promises // [])[] | .id | tostring' 2>/dev/null
    else
        printf '%s\n' $json | string match -ar '"id":(?:"(?:[^"\\\\]|\\\\.)*"|[0-9]+)' |
            string replace -r '^"id":' '' | string replace -r '^"(.*)"$' '$1'
    end
end

set -l commands status list preview fire reload done skip snooze checkin journal promise history emit report export pause resume sync
complete -c nudgectl -f
complete -c nudgectl -l json -d 'Print the reply object as JSON'
complete -c nudgectl -s h -l help -d 'Show usage'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -l version -d 'Show the version'

complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a status -d 'pid, uptime, rules, backend'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a list -d 'Each reminder and its next fire'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a preview -d 'Upcoming notifications'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a fire -d 'Fire a reminder now'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a reload -d 'Reload the rules'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a done -d 'Answer a reminder: done'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a skip -d 'Answer a reminder: skip'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a snooze -d 'Show a reminder again later'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a checkin -d 'Log a check-in'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a promise -d 'Promises outside the rules'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a journal -d 'Check-ins logged, with mood and note'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a history -d 'What fired, what was answered'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a emit -d 'Raise a user event'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a report -d 'Follow-through, streaks, score'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a export -d 'Coming fires as iCalendar'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a pause -d 'Give space for a while'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a resume -d 'End a pause'
complete -c nudgectl -n "not __fish_seen_subcommand_from $commands" -a sync -d 'One CalDAV sync now'

complete -c nudgectl -n "__fish_seen_subcommand_from fire done skip snooze" -a '(__nudgectl_ids list)' -d 'reminder'
complete -c nudgectl -n "__fish_seen_subcommand_from preview" -l days -x -d 'Days to preview'
complete -c nudgectl -n "__fish_seen_subcommand_from checkin" -l mood -x -a '1 2 3 4 5' -d 'How it went'
complete -c nudgectl -n "__fish_seen_subcommand_from checkin" -l note -x -d 'A note'
complete -c nudgectl -n "__fish_seen_subcommand_from journal" -l days -x -d 'Days to read back'
complete -c nudgectl -n "__fish_seen_subcommand_from history" -s n -l limit -x -d 'Entries'
complete -c nudgectl -n "__fish_seen_subcommand_from history" -l since -x -d 'Since a timestamp'
complete -c nudgectl -n "__fish_seen_subcommand_from report" -l days -x -d 'Days to sum up'
complete -c nudgectl -n "__fish_seen_subcommand_from report" -l svg -r -F -d 'Write an SVG picture'
complete -c nudgectl -n "__fish_seen_subcommand_from report" -l html -r -F -d 'Write an HTML page'
complete -c nudgectl -n "__fish_seen_subcommand_from export" -l ics -d 'iCalendar on stdout'
complete -c nudgectl -n "__fish_seen_subcommand_from export" -l days -x -d 'Days ahead'
complete -c nudgectl -n "__fish_seen_subcommand_from pause" -l until -x -d 'Until a timestamp'
complete -c nudgectl -n "__fish_seen_subcommand_from pause" -l all -d 'Promises rest too'
complete -c nudgectl -n "__fish_seen_subcommand_from pause" -l note -x -d 'A note'
complete -c nudgectl -n "__fish_seen_subcommand_from sync" -l login -d 'Give the password (asked for)'
complete -c nudgectl -n "__fish_seen_subcommand_from promise; and not __fish_seen_subcommand_from add list kept broken reopen edit delete" -a 'add list kept broken reopen edit delete'
complete -c nudgectl -n "__fish_seen_subcommand_from promise; and __fish_seen_subcommand_from add" -l due -x -d 'When it is due'
complete -c nudgectl -n "__fish_seen_subcommand_from promise; and __fish_seen_subcommand_from kept broken reopen edit delete" -a '(__nudgectl_ids promise list)' -d 'promise'
complete -c nudgectl -n "__fish_seen_subcommand_from promise; and __fish_seen_subcommand_from edit" -l text -x -d 'New text'
complete -c nudgectl -n "__fish_seen_subcommand_from promise; and __fish_seen_subcommand_from edit" -l due -x -d 'New due time'
