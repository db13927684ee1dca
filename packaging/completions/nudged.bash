# bash completion for nudged                                        -*- shell-script -*-
_nudged()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()
    case $prev in
    --rules | -r | --answers)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
        ;;
    --state)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -d -- "$cur"))
        return 0
        ;;
    --backend) COMPREPLY=($(compgen -W "auto libnotify stdout" -- "$cur")); return 0 ;;
    --from | --days | --seed) return 0 ;;
    esac
    COMPREPLY=($(compgen -W "--rules --state --backend --watch --verbose --quiet --check
        --preview --from --days --seed --json --answers --version --help" -- "$cur"))
    return 0
}
complete -F _nudged nudged
