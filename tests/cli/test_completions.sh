#!/usr/bin/env bash
# Shell completions (packaging/completions): the bash one is sourced and its function called
# with COMP_WORDS as bash would, against a running nudged (stdout backend, private XDG
# folders): commands, options, reminder ids from `nudgectl --json list` (with jq and with the
# sed/grep fallback), promise ids, and silence when the daemon is not running. The command
# lists must match `nudgectl --help`. zsh and fish files are syntax-checked (and fish asked
# for completions) when those shells are installed.
. "$(dirname "$0")/lib.sh"
NUDGECTL=${NUDGECTL:-$(dirname "$NUDGED")/nudgectl}
COMP=$NUDGE_SRC/packaging/completions
mkdir -p "$XDG_CONFIG_HOME/nudge" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

cat >"$XDG_CONFIG_HOME/nudge/rules.lua" <<'LUA'
nudge.on("Mon..Fri 20:30", function() nudge.notify { title = "Evening check-in" } end, { id = "evening" })
nudge.every("1h", function() nudge.notify { title = "Stretch" } end, { id = "gesture-walk" })
nudge.on("Sat 10:00", function() nudge.notify { title = "Weekend" } end)
LUA

"$NUDGED" --backend stdout >"$TMP/daemon.out" 2>&1 &
DAEMON=$!
trap 'kill $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null; rm -rf "$TMP"' EXIT
answers() { "$NUDGECTL" status >/dev/null 2>&1; }
check "daemon answers" wait_until 30 answers
PROMISE=$("$NUDGECTL" --json promise add "Call her mother" --due "+2d" | grep -oE '"id":[0-9]+' | cut -d: -f2)
check "promise added" [ -n "$PROMISE" ]

. "$COMP/nudgectl.bash"
. "$COMP/nudged.bash"

# complete WORD... : runs the completion function for the words (the last is the one being
# completed) and leaves the candidates in $TMP/reply, one a line.
complete_words() {
    local fn=$1; shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    "$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}" 2>"$TMP/comp.err"
    printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' >"$TMP/reply"
}
reply_is() { [ "$(tr '\n' ' ' <"$TMP/reply")" = "$1" ]; }
reply_has() { grep -qxF -- "$1" "$TMP/reply"; }

run_suite() { # run_suite LABEL
    local l=$1
    complete_words _nudgectl "$NUDGECTL" fi
    check "$l: nudgectl fi<TAB> is fire" reply_is "fire "
    complete_words _nudgectl "$NUDGECTL" ""
    check "$l: every command offered" reply_is "status list preview fire reload done skip snooze checkin journal promise history emit report export pause resume sync "
    complete_words _nudgectl "$NUDGECTL" done ""
    check "$l: done <TAB> offers evening" reply_has evening
    check "$l: done <TAB> offers gesture-walk" reply_has gesture-walk
    check "$l: done <TAB> offers the derived id, quoted" reply_has 'on:Sat\ \*-\*-\*\ 10:00:00'
    check "$l: done <TAB> offers ids only" [ "$(grep -cvE '^(evening|gesture-walk|on:Sat.*|promise:ctl:[0-9]+:.*)$' "$TMP/reply")" = 0 ]
    check "$l: nothing on stderr" [ ! -s "$TMP/comp.err" ]
    complete_words _nudgectl "$NUDGECTL" done ev
    check "$l: done ev<TAB> is evening" reply_is "evening "
    complete_words _nudgectl "$NUDGECTL" --json snooze g
    check "$l: --json snooze g<TAB> is gesture-walk" reply_is "gesture-walk "
    complete_words _nudgectl "$NUDGECTL" snooze evening ""
    check "$l: no id for snooze's SPAN" reply_is ""
    complete_words _nudgectl "$NUDGECTL" promise ""
    check "$l: promise <TAB>" reply_is "add list kept broken reopen edit delete "
    complete_words _nudgectl "$NUDGECTL" promise kept ""
    check "$l: promise kept <TAB> offers the promise id" reply_has "$PROMISE"
    check "$l: promise kept <TAB> offers numbers only" [ "$(grep -cvE '^[0-9]+$' "$TMP/reply")" = 0 ]
    complete_words _nudgectl "$NUDGECTL" checkin --
    check "$l: checkin --<TAB>" reply_is "--json --help --mood --note "
    complete_words _nudgectl "$NUDGECTL" pause --
    check "$l: pause --<TAB>" reply_is "--json --help --until --all --note "
    complete_words _nudgectl "$NUDGECTL" sync --
    check "$l: sync --<TAB>" reply_is "--json --help --login "
    complete_words _nudgectl "$NUDGECTL" checkin --mood ""
    check "$l: --mood values" reply_is "1 2 3 4 5 "
    complete_words _nudgectl "$NUDGECTL" journal -
    check "$l: journal options" reply_is "--json --help --days "
    complete_words _nudgectl "$NUDGECTL" history -
    check "$l: history options" reply_is "--json --help -n --limit --since "
}

run_suite "jq"
# The fallback without jq: a PATH with grep and sed only.
mkdir -p "$TMP/nojq"
for t in grep sed tr wc cat; do ln -s "$(command -v $t)" "$TMP/nojq/$t"; done
SAVED_PATH=$PATH
PATH=$TMP/nojq
run_suite "sed/grep"
PATH=$SAVED_PATH

# With bash-completion's helpers loaded (as in an interactive shell), ids keep their colons.
if [ -r /usr/share/bash-completion/bash_completion ]; then
    (
        set +u
        . /usr/share/bash-completion/bash_completion >/dev/null 2>&1
        . "$COMP/nudgectl.bash"
        COMP_WORDBREAKS=${COMP_WORDBREAKS:-$' \t\n"\'><=;|&(:'}
        PASS=0 FAIL=0
        run_suite "bash-completion"
        complete_words _nudgectl "$NUDGECTL" done on:Sat
        check "bash-completion: done on:Sat<TAB> drops the part before the colon" \
            reply_is 'Sat\ \*-\*-\*\ 10:00:00 '
        echo "$PASS $FAIL" >"$TMP/sub-counts"
    )
    read -r p f <"$TMP/sub-counts"
    PASS=$((PASS + p)) FAIL=$((FAIL + f))
else
    echo "note: bash-completion is not installed; its helpers are not exercised"
fi

complete_words _nudged nudged --back
check "nudged --back<TAB>" reply_is "--backend "
complete_words _nudged nudged --backend ""
check "nudged --backend <TAB>" reply_is "auto libnotify stdout "

# Every command of `nudgectl --help` is offered by each shell's completion.
help_cmds=$("$NUDGECTL" --help | sed -n 's/^ *\(usage:\)\{0,1\} *nudgectl \([a-z][a-z]*\).*/\2/p' | sort -u)
for c in $help_cmds; do
    check "bash completion offers '$c'" grep -qE "commands=\".*\\b$c\\b" "$COMP/nudgectl.bash"
    check "zsh completion offers '$c'" grep -qE "^ *'$c:" "$COMP/_nudgectl"
    check "fish completion offers '$c'" grep -qE -- "-a $c -d" "$COMP/nudgectl.fish"
done
check "nudgectl --help lists commands" [ "$(echo "$help_cmds" | wc -w)" -ge 10 ]
for o in $("$NUDGED" --help | grep -oE -- '--[a-z]+' | sort -u); do
    check "bash nudged completion offers $o" grep -qE -- "$o\\b" "$COMP/nudged.bash"
    check "zsh nudged completion offers $o" grep -qE -- "$o\\b" "$COMP/_nudged"
    check "fish nudged completion offers $o" grep -qE -- "-l ${o#--}\\b" "$COMP/nudged.fish"
done

if command -v zsh >/dev/null; then
    check "zsh: _nudgectl parses" zsh -n "$COMP/_nudgectl"
    check "zsh: _nudged parses" zsh -n "$COMP/_nudged"
else
    echo "note: zsh is not installed; its completion is not checked"
fi
if command -v fish >/dev/null; then
    check "fish: nudgectl.fish parses" fish -n "$COMP/nudgectl.fish"
    check "fish: nudged.fish parses" fish -n "$COMP/nudged.fish"
    fishc() { # fishc CMDLINE: what fish completes, the candidates only
        HOME=$TMP PATH="$(dirname "$NUDGECTL"):$PATH" fish --no-config -c \
            "source $COMP/nudgectl.fish; source $COMP/nudged.fish; complete -C '$1'" 2>&1 | cut -f1
    }
    check "fish: nudgectl fi<TAB> is fire" [ "$(fishc 'nudgectl fi')" = fire ]
    check "fish: done <TAB> offers evening" grep -qxF evening <(fishc 'nudgectl done ')
    check "fish: done <TAB> offers the derived id" grep -qxF 'on:Sat *-*-* 10:00:00' <(fishc 'nudgectl done ')
    check "fish: promise kept <TAB>" grep -qxF "$PROMISE" <(fishc 'nudgectl promise kept ')
    check "fish: nudged --backend <TAB>" [ "$(fishc 'nudged --backend ' | tr '\n' ' ')" = "auto libnotify stdout " ]
else
    echo "note: fish is not installed; its completion is not checked"
fi

# The daemon gone: no candidates and not a word on the terminal.
kill "$DAEMON"
wait "$DAEMON" 2>/dev/null
complete_words _nudgectl "$NUDGECTL" done ""
check "daemon not running: no ids" reply_is ""
check "daemon not running: silent" [ ! -s "$TMP/comp.err" ]
finish
