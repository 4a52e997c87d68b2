#!/bin/bash

__clm_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__clm_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__clm_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__clm_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_clm() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __clm_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    scan|inventory|diagnose|account|request|revoke|renew|deploy|hooks|adopt|config|audit|policy|metrics|serve|report|help)
        # Offer subcommand argument completions
        "_clm_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'scan inventory diagnose account request revoke renew deploy hooks adopt config audit policy metrics serve report help' -- "${cur}"))
        ;;
    esac
}

_clm_scan() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --mail-configs --version -h --help)
    repeating_options=(--exclude --endpoint --targets --nginx --haproxy --postfix --dovecot)
    non_repeating_options=(--db --host-id --db-password-file --log-format --max-file-size --pkcs12-password-file --format --sni --starttls --ports --concurrency --timeout --ca-file)
    __clm_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--exclude')
        return
        ;;
    '--max-file-size')
        return
        ;;
    '--pkcs12-password-file')
        __clm_add_completions -f
        return
        ;;
    '--format')
        __clm_add_completions -W 'table'$'\n''json'$'\n''csv'
        return
        ;;
    '--endpoint')
        return
        ;;
    '--sni')
        return
        ;;
    '--starttls')
        __clm_add_completions -W 'none'$'\n''smtp'$'\n''imap'$'\n''pop3'
        return
        ;;
    '--targets')
        return
        ;;
    '--ports')
        return
        ;;
    '--concurrency')
        return
        ;;
    '--timeout')
        return
        ;;
    '--ca-file')
        __clm_add_completions -f
        return
        ;;
    '--nginx')
        __clm_add_completions -f
        return
        ;;
    '--haproxy')
        __clm_add_completions -f
        return
        ;;
    '--postfix')
        __clm_add_completions -d
        return
        ;;
    '--dovecot')
        __clm_add_completions -f
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    *)
        __clm_add_completions -d
        return
        ;;
    esac
}

_clm_inventory() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __clm_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|show)
        # Offer subcommand argument completions
        "_clm_inventory_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list show' -- "${cur}"))
        ;;
    esac
}

_clm_inventory_list() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --all-hosts --include-gone --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --host --expiring --format)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--host')
        return
        ;;
    '--expiring')
        return
        ;;
    '--format')
        __clm_add_completions -W 'table'$'\n''json'$'\n''csv'
        return
        ;;
    esac
}

_clm_inventory_show() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --all-hosts --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --host --format)
    __clm_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--host')
        return
        ;;
    '--format')
        __clm_add_completions -W 'table'$'\n''json'$'\n''csv'
        return
        ;;
    esac
}

_clm_diagnose() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-format --postfix --dovecot --sni --starttls --ca-file --timeout --format)
    __clm_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--postfix')
        __clm_add_completions -d
        return
        ;;
    '--dovecot')
        __clm_add_completions -f
        return
        ;;
    '--sni')
        return
        ;;
    '--starttls')
        __clm_add_completions -W 'none'$'\n''smtp'$'\n''imap'$'\n''pop3'
        return
        ;;
    '--ca-file')
        __clm_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--format')
        __clm_add_completions -W 'table'$'\n''json'$'\n''csv'
        return
        ;;
    esac
}

_clm_account() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __clm_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    register|rollover|deactivate)
        # Offer subcommand argument completions
        "_clm_account_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'register rollover deactivate' -- "${cur}"))
        ;;
    esac
}

_clm_account_register() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --version -h --help)
    repeating_options=(--email)
    non_repeating_options=(--db --host-id --db-password-file --log-format --server --ca-file --timeout --format --eab-kid --eab-hmac-key --eab-hmac-key-file --key)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--server')
        return
        ;;
    '--ca-file')
        __clm_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--email')
        return
        ;;
    '--eab-kid')
        return
        ;;
    '--eab-hmac-key')
        return
        ;;
    '--eab-hmac-key-file')
        __clm_add_completions -f
        return
        ;;
    '--key')
        return
        ;;
    esac
}

_clm_account_rollover() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --server --ca-file --timeout --format --key)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--server')
        return
        ;;
    '--ca-file')
        __clm_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--key')
        return
        ;;
    esac
}

_clm_account_deactivate() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --yes --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --server --ca-file --timeout --format)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--server')
        return
        ;;
    '--ca-file')
        __clm_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    esac
}

_clm_request() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --reuse-key --standalone --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --server --ca-file --timeout --format --domains --key --challenge --webroot --http-port --http-address --dns-hook --propagation-wait --preferred-chain --concurrency)
    __clm_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--server')
        return
        ;;
    '--ca-file')
        __clm_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--domains')
        return
        ;;
    '--key')
        return
        ;;
    '--challenge')
        __clm_add_completions -W 'http-01'$'\n''dns-01'
        return
        ;;
    '--webroot')
        __clm_add_completions -d
        return
        ;;
    '--http-port')
        return
        ;;
    '--http-address')
        return
        ;;
    '--dns-hook')
        __clm_add_completions -f
        return
        ;;
    '--propagation-wait')
        return
        ;;
    '--preferred-chain')
        return
        ;;
    '--concurrency')
        return
        ;;
    esac
}

_clm_revoke() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --server --ca-file --timeout --format --reason)
    __clm_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--server')
        return
        ;;
    '--ca-file')
        __clm_add_completions -f
        return
        ;;
    '--timeout')
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--reason')
        return
        ;;
    esac
}

_clm_renew() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --dry-run --plan-only --force --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --config --due --concurrency --jitter --format)
    __clm_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--config')
        __clm_add_completions -f
        return
        ;;
    '--due')
        return
        ;;
    '--concurrency')
        return
        ;;
    '--jitter')
        return
        ;;
    '--format')
        __clm_add_completions -W 'table'$'\n''json'
        return
        ;;
    esac
}

_clm_deploy() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --all --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --config --format)
    __clm_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--config')
        __clm_add_completions -f
        return
        ;;
    '--format')
        __clm_add_completions -W 'table'$'\n''json'
        return
        ;;
    esac
}

_clm_hooks() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __clm_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|test)
        # Offer subcommand argument completions
        "_clm_hooks_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list test' -- "${cur}"))
        ;;
    esac
}

_clm_hooks_list() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --log-format --format)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--format')
        __clm_add_completions -W 'table'$'\n''json'
        return
        ;;
    esac
}

_clm_hooks_test() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --log-format --format)
    __clm_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--config')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    esac
}

_clm_adopt() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --print --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --config --name --webroot --standalone-port --dns-hook --format)
    __clm_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--config')
        __clm_add_completions -f
        return
        ;;
    '--name')
        return
        ;;
    '--webroot')
        return
        ;;
    '--standalone-port')
        return
        ;;
    '--dns-hook')
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    esac
}

_clm_config() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __clm_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    check|systemd)
        # Offer subcommand argument completions
        "_clm_config_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'check systemd' -- "${cur}"))
        ;;
    esac
}

_clm_config_check() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --no-run-checks --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --log-format --format)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    esac
}

_clm_config_systemd() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --log-format --output)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--output')
        __clm_add_completions -f
        return
        ;;
    esac
}

_clm_audit() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --all-hosts --rescan --version -h --help)
    repeating_options=(--only)
    non_repeating_options=(--db --host-id --db-password-file --log-format --host --policy --format --fail-on --sarif-root)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--host')
        return
        ;;
    '--policy')
        __clm_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    '--format')
        __clm_add_completions -W 'table'$'\n''json'$'\n''sarif'$'\n''csv'
        return
        ;;
    '--fail-on')
        return
        ;;
    '--only')
        return
        ;;
    '--sarif-root')
        __clm_add_completions -d
        return
        ;;
    esac
}

_clm_policy() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __clm_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    check)
        # Offer subcommand argument completions
        "_clm_policy_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'check' -- "${cur}"))
        ;;
    esac
}

_clm_policy_check() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --version -h --help)
    repeating_options=()
    non_repeating_options=(--log-format --format)
    __clm_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __clm_add_completions -o plusdirs -fX '!*.@(yaml|yml)'
        return
        ;;
    esac
}

_clm_metrics() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --all-hosts --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --host --textfile)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--host')
        return
        ;;
    '--textfile')
        __clm_add_completions -o plusdirs -fX '!*.@(prom)'
        return
        ;;
    esac
}

_clm_serve() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --all-hosts --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --host --metrics)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--host')
        return
        ;;
    '--metrics')
        return
        ;;
    esac
}

_clm_report() {
    repeating_flags=()
    non_repeating_flags=(-q --quiet -v --verbose --all-hosts --version -h --help)
    repeating_options=()
    non_repeating_options=(--db --host-id --db-password-file --log-format --host --html --format)
    __clm_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--db')
        __clm_add_completions -f
        return
        ;;
    '--host-id')
        return
        ;;
    '--db-password-file')
        __clm_add_completions -f
        return
        ;;
    '--log-format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    '--host')
        return
        ;;
    '--html')
        __clm_add_completions -o plusdirs -fX '!*.@(html)'
        return
        ;;
    '--format')
        __clm_add_completions -W 'text'$'\n''json'
        return
        ;;
    esac
}

_clm_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __clm_offer_flags_options -1
}

complete -o filenames -F _clm clm
