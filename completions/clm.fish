function __clm_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __clm_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __clm_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __clm_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __clm_parse_tokens -S
    set -l unparsed_tokens (__clm_tokens -pc)
    switch $unparsed_tokens[1]
    case 'clm'
        __clm_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'scan'
            __clm_parse_subcommand -r 1 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'exclude=+' 'max-file-size=' 'pkcs12-password-file=' 'format=' 'endpoint=+' 'sni=' 'starttls=' 'targets=+' 'ports=' 'concurrency=' 'timeout=' 'ca-file=' 'nginx=+' 'haproxy=+' 'postfix=+' 'dovecot=+' 'mail-configs' 'version' 'h/help'
        case 'inventory'
            __clm_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __clm_parse_subcommand 0 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'host=' 'all-hosts' 'expiring=' 'include-gone' 'format=' 'version' 'h/help'
            case 'show'
                __clm_parse_subcommand 1 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'host=' 'all-hosts' 'format=' 'version' 'h/help'
            end
        case 'diagnose'
            __clm_parse_subcommand 1 'q/quiet' 'v/verbose' 'log-format=' 'postfix=' 'dovecot=' 'sni=' 'starttls=' 'ca-file=' 'timeout=' 'format=' 'version' 'h/help'
        case 'account'
            __clm_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'register'
                __clm_parse_subcommand 0 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'server=' 'ca-file=' 'timeout=' 'format=' 'email=+' 'eab-kid=' 'eab-hmac-key=' 'eab-hmac-key-file=' 'key=' 'version' 'h/help'
            case 'rollover'
                __clm_parse_subcommand 0 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'server=' 'ca-file=' 'timeout=' 'format=' 'key=' 'version' 'h/help'
            case 'deactivate'
                __clm_parse_subcommand 0 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'server=' 'ca-file=' 'timeout=' 'format=' 'yes' 'version' 'h/help'
            end
        case 'request'
            __clm_parse_subcommand -r 1 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'server=' 'ca-file=' 'timeout=' 'format=' 'domains=' 'key=' 'reuse-key' 'challenge=' 'webroot=' 'standalone' 'http-port=' 'http-address=' 'dns-hook=' 'propagation-wait=' 'preferred-chain=' 'concurrency=' 'version' 'h/help'
        case 'revoke'
            __clm_parse_subcommand 1 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'server=' 'ca-file=' 'timeout=' 'format=' 'reason=' 'version' 'h/help'
        case 'renew'
            __clm_parse_subcommand -r 1 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'config=' 'due=' 'dry-run' 'plan-only' 'force' 'concurrency=' 'jitter=' 'format=' 'version' 'h/help'
        case 'deploy'
            __clm_parse_subcommand -r 1 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'config=' 'all' 'format=' 'version' 'h/help'
        case 'hooks'
            __clm_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __clm_parse_subcommand 0 'config=' 'q/quiet' 'v/verbose' 'log-format=' 'format=' 'version' 'h/help'
            case 'test'
                __clm_parse_subcommand 1 'config=' 'q/quiet' 'v/verbose' 'log-format=' 'format=' 'version' 'h/help'
            end
        case 'adopt'
            __clm_parse_subcommand 1 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'config=' 'name=' 'webroot=' 'standalone-port=' 'dns-hook=' 'print' 'format=' 'version' 'h/help'
        case 'config'
            __clm_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'check'
                __clm_parse_subcommand 0 'config=' 'q/quiet' 'v/verbose' 'log-format=' 'format=' 'no-run-checks' 'version' 'h/help'
            case 'systemd'
                __clm_parse_subcommand 0 'config=' 'q/quiet' 'v/verbose' 'log-format=' 'output=' 'version' 'h/help'
            end
        case 'audit'
            __clm_parse_subcommand 0 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'host=' 'all-hosts' 'policy=' 'format=' 'fail-on=' 'only=+' 'sarif-root=' 'rescan' 'version' 'h/help'
        case 'policy'
            __clm_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'check'
                __clm_parse_subcommand 1 'q/quiet' 'v/verbose' 'log-format=' 'format=' 'version' 'h/help'
            end
        case 'metrics'
            __clm_parse_subcommand 0 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'host=' 'all-hosts' 'textfile=' 'version' 'h/help'
        case 'serve'
            __clm_parse_subcommand 0 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'host=' 'all-hosts' 'metrics=' 'version' 'h/help'
        case 'report'
            __clm_parse_subcommand 0 'db=' 'host-id=' 'db-password-file=' 'q/quiet' 'v/verbose' 'log-format=' 'host=' 'all-hosts' 'html=' 'format=' 'version' 'h/help'
        case 'help'
            __clm_parse_subcommand -r 1 'version'
        end
    end
end

function __clm_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __clm_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __clm_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __clm_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__clm_tokens -p)
    if test -z "$(__clm_tokens -t)"
        set -l index (count (__clm_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'clm' -f
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'scan' -d 'Find certificates and keys and record them in the inventory.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'inventory' -d 'List and show what the inventory holds.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'diagnose' -d 'Explain why a client would refuse a TLS server, with the fix.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'account' -d 'Manage the ACME account (register, key rollover, deactivate).'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'request' -d 'Obtain a certificate over ACME now and store it in the state dir.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'revoke' -d 'Revoke the current certificate of NAME at the CA that issued it.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'renew' -d 'Renew managed certificates that are due, deploy them, verify, roll back on failure.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'deploy' -d 'Deploy the current certificate of managed certificates again (check, reload, verify, roll back on failure).'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'hooks' -d 'Show or try the configured deploy hooks.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'adopt' -d 'Put a discovered certificate under management: writes conf.d/NAME.yaml beside the config.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'config' -d 'Work with clm.yaml.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'audit' -d 'Judge the inventory against a policy.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'policy' -d 'Work with audit policy files.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'metrics' -d 'Print Prometheus metrics (x509-certificate-exporter names) or write a node_exporter textfile.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'serve' -d 'Serve /metrics over HTTP (read-only, from the inventory).'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'report' -d 'Write a self-contained HTML report: expiry timeline, findings, renewals, locations.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm scan" -ge 1' -fa '(__clm_complete_directories)'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan"' -l 'exclude' -d 'Skip paths matching this glob (full path or file name); repeatable.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" max-file-size' -l 'max-file-size' -d 'Skip files larger than this many bytes (suffixes k, M, G).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" pkcs12-password-file' -l 'pkcs12-password-file' -d 'File with passwords to try on PKCS#12 files, one per line.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" format' -l 'format' -d 'Summary format.' -rfka 'table json csv'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan"' -l 'endpoint' -d 'A TLS endpoint to probe (host:port, [v6]:port); repeatable.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" sni' -l 'sni' -d 'Server name to send to each --endpoint (default: its host).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" starttls' -l 'starttls' -d 'STARTTLS for each --endpoint: smtp, imap, pop3 or none (default: from the port).' -rfka 'none smtp imap pop3'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan"' -l 'targets' -d 'A targets file (host:port [sni=NAME] [starttls=smtp], one a line) or a CIDR block; repeatable.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" ports' -l 'ports' -d 'Ports for CIDR blocks and bare hosts, comma-separated (e.g. 443,465,993,995).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" concurrency' -l 'concurrency' -d 'Endpoints probed at once.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" timeout' -l 'timeout' -d 'Connect and handshake timeout each (e.g. 10s).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" ca-file' -l 'ca-file' -d 'Verify endpoints against these CAs (PEM) instead of the system store.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan"' -l 'nginx' -d 'nginx main config to read (follows include); repeatable.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan"' -l 'haproxy' -d 'HAProxy config to read (bind ... crt, crt-list); repeatable.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan"' -l 'postfix' -d 'Postfix config directory to read (main.cf, master.cf -o, SNI maps); repeatable.' -rfa '(__clm_complete_directories)'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan"' -l 'dovecot' -d 'Dovecot config to read (follows !include); repeatable.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" mail-configs' -l 'mail-configs' -d 'Also read the mail servers\' configs in the standard places (/etc/postfix, /etc/dovecot/dovecot.conf).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm scan" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm inventory" -eq 1' -fa 'list' -d 'Certificates by expiry, soonest first.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm inventory" -eq 1' -fa 'show' -d 'One certificate with its locations and matching private keys.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" host' -l 'host' -d 'Show this host\'s records of a shared inventory (read-only).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" all-hosts' -l 'all-hosts' -d 'Show every host\'s records of a shared inventory.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" expiring' -l 'expiring' -d 'Only certificates expiring within this duration (90s, 45m, 12h, 60d, 8w); expired ones included.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" include-gone' -l 'include-gone' -d 'Include certificates whose every location is gone.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" format' -l 'format' -d 'Output format.' -rfka 'table json csv'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" host' -l 'host' -d 'Show this host\'s records of a shared inventory (read-only).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" all-hosts' -l 'all-hosts' -d 'Show every host\'s records of a shared inventory.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" format' -l 'format' -d 'Output format.' -rfka 'table json csv'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm inventory show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" postfix' -l 'postfix' -d 'Postfix config directory of this server: fixes name its files and lines.' -rfa '(__clm_complete_directories)'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" dovecot' -l 'dovecot' -d 'Dovecot config of this server: fixes name its files and lines.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" sni' -l 'sni' -d 'Server name to send and check (default: the host).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" starttls' -l 'starttls' -d 'STARTTLS dialogue: smtp, imap, pop3 or none (default: from the port: 25/587 smtp, 143 imap, 110 pop3).' -rfka 'none smtp imap pop3'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" ca-file' -l 'ca-file' -d 'Trust these CAs (PEM) instead of the system store, e.g. a private CA.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" timeout' -l 'timeout' -d 'Connect and handshake timeout each (e.g. 10s).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" format' -l 'format' -d 'Output format: table or json.' -rfka 'table json csv'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm diagnose" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm account" -eq 1' -fa 'register' -d 'Register an ACME account (agreeing to the CA\'s terms) and store its key in the state dir.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm account" -eq 1' -fa 'rollover' -d 'Replace the account key at the CA (RFC 8555 key change).'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm account" -eq 1' -fa 'deactivate' -d 'Deactivate the account at the CA for good.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" server' -l 'server' -d 'ACME directory URL (default: the one account registered in the state dir).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" ca-file' -l 'ca-file' -d 'PEM file of CAs to trust for the ACME server instead of the system store.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" timeout' -l 'timeout' -d 'Give up on the CA after this long (e.g. 90s, 5m).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" format' -l 'format' -d 'Output format.' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register"' -l 'email' -d 'Contact e-mail address; repeatable.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" eab-kid' -l 'eab-kid' -d 'External account binding key ID from the CA.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" eab-hmac-key' -l 'eab-hmac-key' -d 'External account binding HMAC key (base64url). Visible in `ps` to every user: prefer --eab-hmac-key-file or CLM_EAB_HMAC_KEY.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" eab-hmac-key-file' -l 'eab-hmac-key-file' -d 'File holding the external account binding HMAC key (base64url).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" key' -l 'key' -d 'Account key. Key type: ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account register" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" server' -l 'server' -d 'ACME directory URL (default: the one account registered in the state dir).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" ca-file' -l 'ca-file' -d 'PEM file of CAs to trust for the ACME server instead of the system store.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" timeout' -l 'timeout' -d 'Give up on the CA after this long (e.g. 90s, 5m).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" format' -l 'format' -d 'Output format.' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" key' -l 'key' -d 'New account key. Key type: ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account rollover" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" server' -l 'server' -d 'ACME directory URL (default: the one account registered in the state dir).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" ca-file' -l 'ca-file' -d 'PEM file of CAs to trust for the ACME server instead of the system store.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" timeout' -l 'timeout' -d 'Give up on the CA after this long (e.g. 90s, 5m).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" format' -l 'format' -d 'Output format.' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" yes' -l 'yes' -d 'Confirm: a deactivated account cannot be used again.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm account deactivate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" server' -l 'server' -d 'ACME directory URL (default: the one account registered in the state dir).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" ca-file' -l 'ca-file' -d 'PEM file of CAs to trust for the ACME server instead of the system store.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" timeout' -l 'timeout' -d 'Give up on the CA after this long (e.g. 90s, 5m).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" format' -l 'format' -d 'Output format.' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" domains' -l 'domains' -d 'DNS names and IP addresses, comma-separated (for a single NAME).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" key' -l 'key' -d 'Certificate key. Key type: ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" reuse-key' -l 'reuse-key' -d 'Keep the current certificate\'s key instead of generating a new one.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" challenge' -l 'challenge' -d 'Challenge type.' -rfka 'http-01 dns-01'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" webroot' -l 'webroot' -d 'http-01: write tokens under this web root (served by your web server).' -rfa '(__clm_complete_directories)'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" standalone' -l 'standalone' -d 'http-01: answer with clm\'s own HTTP responder.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" http-port' -l 'http-port' -d 'http-01 standalone: port to listen on.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" http-address' -l 'http-address' -d 'http-01 standalone: address to listen on.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" dns-hook' -l 'dns-hook' -d 'dns-01: executable called as HOOK present|cleanup DOMAIN RECORD VALUE.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" propagation-wait' -l 'propagation-wait' -d 'dns-01: wait this long after publishing records.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" preferred-chain' -l 'preferred-chain' -d 'Prefer the CA\'s alternate chain whose top issuer has this CN.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" concurrency' -l 'concurrency' -d 'Orders to run at once when several certificates are requested.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm request" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" server' -l 'server' -d 'ACME directory URL (default: the one account registered in the state dir).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" ca-file' -l 'ca-file' -d 'PEM file of CAs to trust for the ACME server instead of the system store.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" timeout' -l 'timeout' -d 'Give up on the CA after this long (e.g. 90s, 5m).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" format' -l 'format' -d 'Output format.' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" reason' -l 'reason' -d 'RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, removeFromCRL, privilegeWithdrawn, aACompromise.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" config' -l 'config' -d 'Configuration file (default: $CLM_CONFIG, else /etc/clm/clm.yaml).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" due' -l 'due' -d 'Renew with at most this much left (e.g. 30d).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" dry-run' -l 'dry-run' -d 'Never orders from the production CA. With acme.staging_server: order from it, deploy nothing, run no hooks. Without: plan and preflight only.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" plan-only' -l 'plan-only' -d 'Print the plan only; do not contact the CA.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" force' -l 'force' -d 'Renew even if not due.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" concurrency' -l 'concurrency' -d 'Orders at a time (default: renew.concurrency from the config).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" jitter' -l 'jitter' -d 'Wait a random time up to this long first (spreads cron runs).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" format' -l 'format' -d 'Output format.' -rfka 'table json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm renew" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" config' -l 'config' -d 'Configuration file (default: $CLM_CONFIG, else /etc/clm/clm.yaml).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" all' -l 'all' -d 'Deploy every managed certificate.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" format' -l 'format' -d 'Output format.' -rfka 'table json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm deploy" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm hooks" -eq 1' -fa 'list' -d 'List hooks, checks and reloads per certificate.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm hooks" -eq 1' -fa 'test' -d 'Run a certificate\'s pre/deploy/post hooks and config checks with CLM_HOOK_TEST=1, and try its HAProxy runtime-API sockets; writes and reloads nothing.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks list" config' -l 'config' -d 'Configuration file (default: $CLM_CONFIG, else /etc/clm/clm.yaml).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks list" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks list" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks list" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks list" format' -l 'format' -d 'Output format.' -rfka 'table json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks list" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks test" config' -l 'config' -d 'Configuration file (default: $CLM_CONFIG, else /etc/clm/clm.yaml).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks test" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks test" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks test" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks test" format' -l 'format' -d 'Output format.' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks test" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm hooks test" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" config' -l 'config' -d 'Configuration file (default: $CLM_CONFIG, else /etc/clm/clm.yaml).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" name' -l 'name' -d 'Name for the managed certificate (default: from its first name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" webroot' -l 'webroot' -d 'http-01 through this web root.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" standalone-port' -l 'standalone-port' -d 'http-01 with clm\'s own responder on this port.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" dns-hook' -l 'dns-hook' -d 'dns-01 through this hook.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" print' -l 'print' -d 'Print the entry instead of writing it.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" format' -l 'format' -d 'Output format (json: the entry and what was done, as one object).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm adopt" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm config" -eq 1' -fa 'check' -d 'Validate the configuration and run the preflight checks `clm renew` runs before ordering (exit 2 on any problem).'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm config" -eq 1' -fa 'systemd' -d 'Print (or write) a systemd drop-in with ReadWritePaths= for every directory the config deploys to.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config check" config' -l 'config' -d 'Configuration file (default: $CLM_CONFIG, else /etc/clm/clm.yaml).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config check" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config check" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config check" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config check" format' -l 'format' -d 'Output format.' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config check" no-run-checks' -l 'no-run-checks' -d 'Do not run the targets\' config test commands.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config check" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config systemd" config' -l 'config' -d 'Configuration file (default: $CLM_CONFIG, else /etc/clm/clm.yaml).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config systemd" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config systemd" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config systemd" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config systemd" output' -l 'output' -d 'Write the drop-in here (0644) instead of printing it.' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config systemd" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm config systemd" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" host' -l 'host' -d 'Show this host\'s records of a shared inventory (read-only).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" all-hosts' -l 'all-hosts' -d 'Show every host\'s records of a shared inventory.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" policy' -l 'policy' -d 'Policy file (default: the built-in default policy).' -rfa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" format' -l 'format' -d 'Output format.' -rfka 'table json sarif csv'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" fail-on' -l 'fail-on' -d 'Exit 1 when a finding is at or above this severity (info, low, medium, high, critical).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit"' -l 'only' -d 'Run only these rules (comma-separated; repeatable).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" sarif-root' -l 'sarif-root' -d 'Make SARIF file URIs relative to this directory (default: the scan roots; for GitHub code scanning, the repository checkout).' -rfa '(__clm_complete_directories)'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" rescan' -l 'rescan' -d 'Rescan the paths of the last scan before auditing.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm audit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm policy" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm policy" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm policy" -eq 1' -fa 'check' -d 'Check a policy file: syntax, keys, rule names, scopes, extends.'
complete -c 'clm' -n '__clm_should_offer_completions_for_positional "clm policy check" -eq 1' -fa '(set -l exts \'yaml\' \'yml\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm policy check" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm policy check" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm policy check" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm policy check" format' -l 'format' -d 'Output format.' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm policy check" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm policy check" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" host' -l 'host' -d 'Show this host\'s records of a shared inventory (read-only).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" all-hosts' -l 'all-hosts' -d 'Show every host\'s records of a shared inventory.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" textfile' -l 'textfile' -d 'Write atomically to this file (node_exporter textfile collector) instead of stdout.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'prom\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm metrics" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" host' -l 'host' -d 'Show this host\'s records of a shared inventory (read-only).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" all-hosts' -l 'all-hosts' -d 'Show every host\'s records of a shared inventory.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" metrics' -l 'metrics' -d 'Listen address.' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" db' -l 'db' -d 'Inventory: a SQLite file, or a fleet\'s shared postgresql://... URL (default: $CLM_DB, else STATE_DIR/inventory.sqlite).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" host-id' -l 'host-id' -d 'This host\'s name in a shared inventory (default: $CLM_HOST_ID, else the host name).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" db-password-file' -l 'db-password-file' -d 'File holding the shared inventory\'s password, mode 0600 (default: $CLM_DB_PASSWORD_FILE; libpq\'s PGPASSFILE works too).' -rF
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" q quiet' -s 'q' -l 'quiet' -d 'Print only results and errors: no progress, summary lines or warnings (cron: a good run prints nothing).'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" v verbose' -s 'v' -l 'verbose' -d 'Log debug details.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" log-format' -l 'log-format' -d 'Log line format on standard error: text or json (for log shippers).' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" host' -l 'host' -d 'Show this host\'s records of a shared inventory (read-only).' -rfka ''
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" all-hosts' -l 'all-hosts' -d 'Show every host\'s records of a shared inventory.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" html' -l 'html' -d 'Output file.' -rfa '(for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.\'html\';printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" format' -l 'format' -d 'Format of the summary on standard output.' -rfka 'text json'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" version' -l 'version' -d 'Show the version.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'clm' -n '__clm_should_offer_completions_for_flags_or_options "clm help" version' -l 'version' -d 'Show the version.'
