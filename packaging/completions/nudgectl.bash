# bash completion for nudgectl                                      -*- shell-script -*-
# Commands and options, and reminder/promise ids asked from the running daemon
# (`nudgectl --json list`); nothing is offered, silently, when the daemon is not running.

# Prints the values of "id" in the JSON reply of `nudgectl --json CMD...`, one a line.
_nudgectl_ids()
{
    local json
    json=$("${_nudgectl_prog:-nudgectl}" --json "$@" 2>/dev/null) || return 0
    if command -v jq >/dev/null 2>&1; then
        jq -r '(.reminders // .promises // [])[] | .id | tostring' <<<"$json" 2>/dev/null
    else
        # One line of JSON; ids are strings (reminders) or numbers (promises).
        grep -oE '"id":("([^"\\]|\\.)*"|[0-9]+)' <<<"$json" |
            sed -e 's/^"id"://' -e 's/^"\(.*\)"$/\1/' -e 's/\\"/"/g' -e 's/\\\\/\\/g'
    fi
}

_nudgectl()
{
    local cur prev words cword
    # Ids hold colons: with bash-completion, take words whole rather than split at ':'.
    if declare -F _get_comp_words_by_ref >/dev/null; then
        _get_comp_words_by_ref -n : -w words -i cword cur prev
    else
        words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
        cur=${words[cword]} prev=${words[cword-1]}
    fi
    # Ask the nudgectl being completed (./build/nudgectl too), else the one on PATH.
    local _nudgectl_prog=nudgectl
    [[ ${words[0]} == */* && -x ${words[0]} ]] && _nudgectl_prog=${words[0]}
    local commands="status list preview fire reload done skip snooze checkin journal promise history emit report export pause resume sync"
    COMPREPLY=()

    # The command (and sub-command) after the global options.
    local i cmd="" sub="" cmd_at=0
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        -*) [ -z "$cmd" ] && continue ;;
        esac
        if [ -z "$cmd" ]; then
            cmd=${words[i]} cmd_at=$i
        elif [ "$cmd" = promise ] && [ -z "$sub" ]; then
            sub=${words[i]}
        fi
    done

    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--json --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return 0
    fi

    local opts="--json --help"
    case $cmd in
    preview) opts+=" --days" ;;
    checkin) opts+=" --mood --note" ;;
    journal) opts+=" --days" ;;
    history) opts+=" -n --limit --since" ;;
    report) opts+=" --days --svg --html" ;;
    export) opts+=" --ics --days" ;;
    pause) opts+=" --until --all --note" ;;
    sync) opts+=" --login" ;;
    promise)
        [ "$sub" = add ] && opts+=" --due"
        [ "$sub" = edit ] && opts+=" --text --due"
        ;;
    esac
    case $prev in
    --svg | --html)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
        ;;
    --mood) COMPREPLY=($(compgen -W "1 2 3 4 5" -- "$cur")); return 0 ;;
    --days | --note | --due | --since | -n | --limit | --until) return 0 ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return 0
    fi

    # Positional arguments: how many came after the command?
    local npos=0
    for ((i = cmd_at + 1; i < cword; i++)); do
        case ${words[i]} in
        --days | --mood | --note | --due | --since | -n | --limit | --svg | --html | --until) i=$((i + 1)) ;;
        -*) ;;
        *) npos=$((npos + 1)) ;;
        esac
    done

    local ids=""
    case $cmd in
    fire | done | skip | snooze)
        [ "$npos" -eq 0 ] || return 0
        ids=$(_nudgectl_ids list)
        ;;
    promise)
        if [ "$npos" -eq 0 ]; then
            COMPREPLY=($(compgen -W "add list kept broken reopen edit delete" -- "$cur"))
            return 0
        fi
        case $sub in
        kept | broken | reopen | edit | delete) [ "$npos" -eq 1 ] && ids=$(_nudgectl_ids promise list) ;;
        esac
        ;;
    esac
    [ -n "${ids:-}" ] || return 0
    # Ids may hold spaces and colons ("on:Mon..Fri *-*-* 20:30:00"): match them whole and
    # hand them back quoted for the command line.
    local id
    while IFS= read -r id; do
        [[ -n $id && $id == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$id")")
    done <<<"$ids"
    if declare -F __ltrim_colon_completions >/dev/null; then
        __ltrim_colon_completions "$cur"
    fi
    return 0
}
complete -F _nudgectl nudgectl
