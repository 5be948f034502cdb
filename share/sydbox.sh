# sydbox.sh: shell functions for build scripts that run under sydbox.
#
# Source it from a POSIX shell (`. /usr/share/sydbox/sydbox.sh`). Each
# function sends magic commands through stat(2) on /dev/sydbox, so it acts
# on the calling shell and on the commands it starts afterwards, never on
# its parent. Every function returns 0 on success and 1, with a message on
# standard error, when the command was rejected: sydbox is not running, the
# magic lock is on, or the value is invalid.

# Reports whether the shell runs under sydbox with the magic lock off.
sydbox_running() {
    test -e /dev/sydbox
}

# Applies magic commands, one per argument, e.g. `core/sandbox/write:deny`.
sydbox_magic() {
    for sydbox_command in "$@"; do
        if ! test -e "/dev/sydbox/$sydbox_command"; then
            echo "sydbox.sh: magic command \`$sydbox_command' failed (sydbox not running, magic lock on, or invalid command)" >&2
            return 1
        fi
    done
}

# Reports whether a query is true: a sandbox category (exec, read, write,
# network) is on, or a boolean key such as core/violation/raise_fail is set.
sydbox_query() {
    case $1 in
        exec|read|write|network) test -e "/dev/sydbox/core/sandbox/$1?" ;;
        *) test -e "/dev/sydbox/$1?" ;;
    esac
}

# Turns a category on: sydbox_enable CATEGORY [deny|allow] (deny by default).
sydbox_enable() {
    sydbox_magic "core/sandbox/$1:${2:-deny}"
}

# Turns a category off.
sydbox_disable() {
    sydbox_magic "core/sandbox/$1:off"
}

# Adds path patterns to a whitelist: sydbox_allow CATEGORY PATTERN...
# CATEGORY is exec, read, write, network/bind or network/connect.
sydbox_allow() {
    sydbox_list=$1
    shift
    for sydbox_pattern in "$@"; do
        sydbox_magic "whitelist/$sydbox_list+$sydbox_pattern" || return 1
    done
}

# Removes path patterns added with sydbox_allow: sydbox_disallow CATEGORY PATTERN...
sydbox_disallow() {
    sydbox_list=$1
    shift
    for sydbox_pattern in "$@"; do
        sydbox_magic "whitelist/$sydbox_list-$sydbox_pattern" || return 1
    done
}

# Allows writes below each directory and to the directory itself.
sydbox_allow_write() {
    for sydbox_dir in "$@"; do
        sydbox_allow write "${sydbox_dir%/}/***" || return 1
    done
}

# Undoes sydbox_allow_write for each directory.
sydbox_disallow_write() {
    for sydbox_dir in "$@"; do
        sydbox_disallow write "${sydbox_dir%/}/***" || return 1
    done
}

# Locks the magic interface for this shell and its later children: no
# further policy change is possible.
sydbox_lock() {
    sydbox_magic core/trace/magic_lock:on
}

# Runs a command outside the sandbox (cmd/exec), in this shell's working
# directory and environment. The command runs unsandboxed and may outlive
# sydbox; sydbox does not wait for it.
sydbox_exec() {
    sydbox_argv=$1
    shift
    for sydbox_arg in "$@"; do
        sydbox_argv="$sydbox_argv$(printf '\037')$sydbox_arg"
    done
    sydbox_magic "cmd/exec!$sydbox_argv"
}
