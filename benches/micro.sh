#!/usr/bin/env bash
# Per-call and per-process costs of the supervisor, measured side by side
# with the machine's floors: a native call, a bare ptrace stop
# (ptrace-floor.c) and a tracer that does no work (micro/mintracer.c).
#
#   bash benches/micro.sh [--rounds N]
#
# Each round runs every case once, in a fixed order, and the table gives
# the median over the rounds (default 5) of each case's mean cost per
# operation, in microseconds:
#   stat     stat(2) of an existing file. Runs native, under sydbox -c
#            @paludis, and with core/trace/magic_lock:on too. With the
#            lock off each call is a user notification; with it on, none.
#            Also under micro/notifyfloor.c, which lets each such call
#            continue with no policy work: with a thread that blocks
#            in the receive call, and with -p, polling as sydbox does.
#   open     a read-only open(2) of an existing file. Runs native, under
#            sydbox with read sandboxing in deny mode, the same under
#            --isolate, and under --isolate -c @paludis. Deny mode resolves
#            and checks each open; @paludis checks reads only against the
#            view's masks.
#   process  fork, exec of /bin/true and wait. Runs native, under
#            mintracer (the ptrace floor of following every process), and
#            under sydbox -c @paludis.
#   floor    ptrace-floor.c: a native openat, the same with a bare
#            SECCOMP_RET_TRACE stop, and their difference.
#
# Environment: SYDBOX (default: build it with cargo --release) and
# SYDBOX_SHARED_DIR (default ../shared, for tools/ptrace-floor.c).
set -euo pipefail

rounds=5
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=${2:?--rounds needs a number}; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "micro.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${SYDBOX_SHARED_DIR:-$repo/../shared}
if [ -n "${SYDBOX:-}" ]; then
  sydbox=$SYDBOX
else
  cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml"
  sydbox="${CARGO_TARGET_DIR:-$repo/target}/x86_64-unknown-linux-gnu/release/sydbox"
fi
[ -f "$shared/tools/ptrace-floor.c" ] || { echo "micro.sh: $shared/tools/ptrace-floor.c not found (set SYDBOX_SHARED_DIR)" >&2; exit 1; }

# The programs live under /var/tmp, which @paludis whitelists, so the
# --isolate view contains them.
work=$(mktemp -d /var/tmp/sydbox-micro.XXXXXX)
trap 'rm -rf "$work"' EXIT
for program in statloop openloop churn mintracer notifyfloor; do
  cc -O2 -pthread -o "$work/$program" "$repo/benches/micro/$program.c"
done
cc -O2 -o "$work/floor" "$shared/tools/ptrace-floor.c"
file=/etc/hostname
[ -r "$file" ] || file=/etc/passwd

read_deny=(-m core/sandbox/read:deny -m "whitelist/read+$work/***" -m "whitelist/read+/proc/***" -m "whitelist/read+/dev/***")
for dir in /usr /etc /bin /sbin /lib /lib64; do
  [ -e "$dir" ] && read_deny+=(-m "whitelist/read+$dir/***")
done

# case name | command line (words separated by spaces; none contain one)
cases=(
  "stat native|$work/statloop 100000 $file"
  "stat sydbox @paludis|$sydbox -c @paludis -- $work/statloop 100000 $file"
  "stat notifyfloor (two threads)|$work/notifyfloor $work/statloop 100000 $file"
  "stat notifyfloor -p (one thread, poll)|$work/notifyfloor -p $work/statloop 100000 $file"
  "stat sydbox @paludis, magic lock on|$sydbox -c @paludis -m core/trace/magic_lock:on -- $work/statloop 100000 $file"
  "open native|$work/openloop 20000 $file"
  "open sydbox read:deny|$sydbox ${read_deny[*]} -- $work/openloop 20000 $file"
  "open sydbox --isolate read:deny|$sydbox --isolate ${read_deny[*]} -- $work/openloop 20000 $file"
  "open sydbox --isolate @paludis (masks only)|$sydbox --isolate -c @paludis -- $work/openloop 20000 $file"
  "process native|$work/churn 1000 /bin/true"
  "process mintracer|$work/mintracer $work/churn 1000 /bin/true"
  "process sydbox @paludis|$sydbox -c @paludis -- $work/churn 1000 /bin/true"
)

# Inside the view the command starts in the same folder, which is bound.
cd "$work"
declare -A samples
for ((round = 1; round <= rounds; round++)); do
  for entry in "${cases[@]}"; do
    name=${entry%%|*}
    read -r -a cmdline <<< "${entry#*|}"
    value=$("${cmdline[@]}")
    samples[$name]+="$value "
  done
  floor=$("$work/floor")
  samples[floor]+="$(echo "$floor" | awk '/bare stop/ { for (i = 1; i <= NF; i++) if ($i == "stop") print $(i + 1) }') "
  echo "micro.sh: round $round of $rounds done" >&2
done

median() {
  tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "| case | median cost per operation (us) |"
echo "| --- | --- |"
for entry in "${cases[@]}"; do
  name=${entry%%|*}
  echo "| $name | $(echo "${samples[$name]}" | median) |"
done
echo "| bare SECCOMP_RET_TRACE stop (ptrace-floor.c) | $(echo "${samples[floor]}" | median) |"
