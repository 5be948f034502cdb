#!/usr/bin/env bash
# The benchmark harness: runs each workload natively and under each
# sandbox, alternating them, and prints Markdown tables of medians and of
# the ratio to native.
#
#   bash benches/run.sh [--quick] [--reps N] [--sandboxes LIST] [--out DIR]
#                       [WORKLOAD...]
#
# Workloads (default: all of them, in this order):
#   startup  `true`, 50 samples per sandbox (5 with --quick)
#   churn    2,000 fork+exec of /bin/true from a shell loop (200), @paludis
#   files    find plus stat over a generated tree of 100,000 files (5,000),
#            read sandboxing in deny mode
#   git      `git status` of a generated repository of 20,000 files (2,000),
#            read sandboxing in deny mode; 3 samples per repetition
#   hello    GNU hello from its Debian source: ./configure && make, @paludis
#   zlib     zlib from its Debian source: ./configure && make, @paludis
#   floor    the bare ptrace stop of tools/ptrace-floor.c in SYDBOX_SHARED_DIR
#   memory   the supervisor's peak resident size on the other workloads
#
# Sandboxes, in each repetition run one after the other (the order rotates
# from one repetition to the next):
#   native          the workload alone
#   sydbox          sydbox with the workload's profile
#   sydbox-lock     the same plus core/trace/magic_lock:on, which keeps
#                   stat-family calls in the kernel and, where the profile
#                   checks no exec, lets sydbox run without ptrace
#   sydbox-isolate  the same under --isolate (build-chroot template for
#                   the package builds, minimal otherwise)
#   sydbox-isolate-nomask
#                   the same without the templates' masks (/etc/shadow,
#                   /etc/gshadow and their backups), like bwrap's view,
#                   which masks nothing (startup and hello only)
#   bwrap           bubblewrap: new user, pid, ipc, uts and network
#                   namespaces, /usr /etc /bin /sbin /lib* read-only, /proc,
#                   /dev, tmpfs /tmp, the work directory bound read-write
#   ptrace-only     benches/micro/mintracer.c: follows every process with
#                   ptrace as sydbox does and does nothing else, the floor
#                   of that design (churn and the package builds)
#   notify-floor    benches/micro/notifyfloor.c: the same, plus a filter
#                   that sends each path stat to it as a user notification,
#                   which it reads and lets continue: the floor of sydbox
#                   with the magic lock off (the package builds)
#   strace          strace -f -qq -o /dev/null (a stop on every call)
#   strace-seccomp  strace -f -qq --seccomp-bpf -e trace=%file,%process
#                   -o /dev/null (seccomp-filtered stops, no policy work)
#   syd3            Syd 3, when $SYD3 or `syd` on PATH names it, with the
#                   policy of the syd3_policy function in this script; run
#                   by root, its package builds run as uid 65534 (see
#                   syd3_policy)
#
# --sandboxes LIST (comma-separated names from the list above) measures
# only those; native is always measured, since the ratios are to it. The
# memory workload measures sydbox, sydbox-isolate and, when found, syd3,
# whatever the list.
#
# --reps N sets the repetitions of the build, churn and files workloads
# (default 5; 1 with --quick). --quick also shrinks the generated trees and
# loops, to check the harness in a few minutes. Raw samples go to
# DIR/samples.tsv (default: a new /var/tmp/sydbox-bench-results.* folder).
#
# Environment:
#   SYDBOX                  sydbox binary to measure (default: build it
#                           with cargo --release, honouring CARGO_TARGET_DIR)
#   SYD3                    Syd 3 binary (default: `syd` on PATH, else skip)
#   SYDBOX_BENCH_SOURCES    unpacked Debian sources, one folder per package
#                           (default /var/tmp/sydbox-bench-sources); missing
#                           ones are fetched, which needs root
#   SYDBOX_SHARED_DIR       folder with tools/fetch-debian-source and
#                           tools/ptrace-floor.c (default ../shared)
#   SYDBOX_BENCH_TIMEOUT    seconds before one run is killed (default 900)
#
# Every run's exit status is checked: a failed run is counted in the
# table's failures column and its output kept in DIR/failures/.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# The command line as given, for the report's header.
given="$*"
quick=0
reps=
only=
out=
workloads=()
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1 ;;
    --reps) reps=${2:?--reps needs a number}; shift ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    --sandboxes) only=${2:?--sandboxes needs a comma-separated list}; shift ;;
    -h|--help) usage; exit 0 ;;
    startup|churn|files|git|hello|zlib|floor|memory) workloads+=("$1") ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
declare -A wanted_sandboxes=()
if [ -n "$only" ]; then
  IFS=, read -r -a names <<< "$only"
  for name in "${names[@]}"; do
    case $name in
      native|sydbox|sydbox-lock|sydbox-isolate|sydbox-isolate-nomask|bwrap|ptrace-only|notify-floor|strace|strace-seccomp|syd3)
        wanted_sandboxes[$name]=1 ;;
      *) echo "run.sh: unknown sandbox '$name' in --sandboxes '$only' (names are comma-separated, without spaces; see --help)" >&2; exit 2 ;;
    esac
  done
  [ ${#wanted_sandboxes[@]} -gt 0 ] || { echo "run.sh: --sandboxes '$only' names no sandbox (see --help)" >&2; exit 2; }
fi
[ ${#workloads[@]} -gt 0 ] || workloads=(startup churn files git hello zlib floor memory)

if [ "$quick" = 1 ]; then
  reps=${reps:-1}
  startup_samples=5
  churn_count=200
  files_count=5000
  git_count=2000
else
  reps=${reps:-5}
  startup_samples=50
  churn_count=2000
  files_count=100000
  git_count=20000
fi
git_samples=$((reps * 3))
timeout_seconds=${SYDBOX_BENCH_TIMEOUT:-900}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${SYDBOX_SHARED_DIR:-$repo/../shared}
sources=${SYDBOX_BENCH_SOURCES:-/var/tmp/sydbox-bench-sources}

# The work folder lives under /var/tmp, on disk, like a package manager's
# build folder. Inside bwrap and --isolate, /tmp is a fresh tmpfs.
work=$(mktemp -d /var/tmp/sydbox-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=${out:-$(mktemp -d /var/tmp/sydbox-bench-results.XXXXXX)}
mkdir -p "$out/failures"
samples_file="$out/samples.tsv"
printf 'workload\tsandbox\tmicroseconds\texit_status\n' > "$samples_file"

if [ -n "${SYDBOX:-}" ]; then
  sydbox=$SYDBOX
else
  cargo build --release --locked --quiet --manifest-path "$repo/Cargo.toml"
  sydbox="${CARGO_TARGET_DIR:-$repo/target}/x86_64-unknown-linux-gnu/release/sydbox"
fi
syd3=${SYD3:-$(command -v syd || true)}
syd3_user=65534
if [ -n "$syd3" ] && ! "$syd3" -V >/dev/null 2>&1; then
  echo "run.sh: $syd3 -V failed, so Syd 3 is left out" >&2
  syd3=
fi
for tool in bwrap strace git cc; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool not found (Debian: bubblewrap, strace, git, gcc)" >&2; exit 1; }
done
cc -O2 -o "$work/mintracer" "$repo/benches/micro/mintracer.c"
cc -O2 -pthread -o "$work/notifyfloor" "$repo/benches/micro/notifyfloor.c"

# ---------------------------------------------------------------------------
# Sandboxes

# The system trees every workload reads, as they exist on this host.
system_trees=()
for dir in usr etc bin sbin lib lib32 lib64 libx32; do
  [ -e "/$dir" ] && system_trees+=("/$dir")
done

bwrap_prefix=(bwrap --unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-net
  --die-with-parent --new-session)
for dir in "${system_trees[@]}"; do
  if [ -L "$dir" ]; then
    bwrap_prefix+=(--symlink "$(readlink "$dir")" "$dir")
  else
    bwrap_prefix+=(--ro-bind "$dir" "$dir")
  fi
done
bwrap_prefix+=(--proc /proc --dev /dev --tmpfs /tmp --bind "$work" "$work")

# The sydbox profile of a read-deny workload: only the system trees, the
# process's own /proc entries, /dev and the generated data are readable.
read_deny_profile=(-m core/sandbox/read:deny -m "whitelist/read+/dev/***" -m "whitelist/read+/proc/***")
for dir in "${system_trees[@]}"; do
  read_deny_profile+=(-m "whitelist/read+$dir/***")
done
read_deny_profile+=(-m "whitelist/read+$work/data/***")

# Prints the sydbox options of workload $1, one per line.
sydbox_profile() {
  case $1 in
    startup|churn) printf '%s\n' -c @paludis ;;
    files|git) printf '%s\n' "${read_deny_profile[@]}" ;;
    hello|zlib) printf '%s\n' -c @paludis -m "whitelist/write+$work/build/$1/***" ;;
  esac
}

# Prints the Syd 3 options of workload $1, one per line: Syd 3's built-in
# paludis profile (see sydtutorial(7)), which sandboxes writes and network
# like @paludis, plus the same read rules as the sydbox profile. Its
# Landlock layer is turned off, because with it Syd 3.59 fails every exec
# with EACCES on this machine. So Syd 3 runs without Landlock, as sydbox
# does with the magic lock off (with the lock on, sydbox adds a Landlock
# layer for its deny-mode categories). The profile's own `lock:exec`
# stays: once the command runs, Syd 3 serves no magic calls, but it still
# checks every stat-family call itself.
#
# Syd 3 denies a read with EACCES where sydbox returns EPERM, and git
# stops on EACCES for ~/.gitconfig, so Syd 3 may read that one file.
#
# Syd 3 refuses any set*uid call to uid 0, and make's posix_spawn makes
# one (POSIX_SPAWN_RESETIDS), so make cannot run a recipe under Syd 3 as
# root. When the harness runs as root, Syd 3's package builds run as
# $syd3_user on a build folder that user owns.
syd3_policy() {
  local dir
  printf '%s\n' -p paludis -m sandbox/lock:off
  case $1 in
    hello|zlib)
      printf '%s\n' -m "allow/write+$work/build/$1/***"
      ;;
    files|git)
      printf '%s\n' -m sandbox/read:on -m "allow/read+/dev/***" -m "allow/read+/proc/***"
      for dir in "${system_trees[@]}"; do
        printf '%s\n' -m "allow/read+$dir/***"
      done
      printf '%s\n' -m "allow/read+$work/data/***"
      if [ "$1" = git ] && [ -n "${HOME:-}" ]; then
        printf '%s\n' -m "allow/read+$HOME/.gitconfig"
      fi
      ;;
  esac
}

# Prints the sandboxes measured for workload $1.
sandboxes_for() {
  local list=(native sydbox)
  list+=(sydbox-lock)
  list+=(sydbox-isolate)
  case $1 in startup|hello) list+=(sydbox-isolate-nomask) ;; esac
  list+=(bwrap)
  case $1 in churn|hello|zlib) list+=(ptrace-only) ;; esac
  case $1 in hello|zlib) list+=(notify-floor) ;; esac
  list+=(strace strace-seccomp)
  [ -n "$syd3" ] && list+=(syd3)
  local name
  for name in "${list[@]}"; do
    if [ -z "$only" ] || [ "$name" = native ] || [ -n "${wanted_sandboxes[$name]:-}" ]; then
      printf '%s\n' "$name"
    fi
  done
}

# Fills the array `cmdline` with sandbox $2's command line for workload $1,
# ending with the workload's own command.
build_cmdline() {
  local workload=$1 sandbox=$2 profile=()
  mapfile -t profile < <(sydbox_profile "$workload")
  case $sandbox in
    native) cmdline=() ;;
    sydbox) cmdline=("$sydbox" "${profile[@]}" --) ;;
    sydbox-lock) cmdline=("$sydbox" "${profile[@]}" -m core/trace/magic_lock:on --) ;;
    sydbox-isolate)
      case $workload in
        hello|zlib) cmdline=("$sydbox" --isolate --template build-chroot "${profile[@]}" --) ;;
        *) cmdline=("$sydbox" --isolate "${profile[@]}" --) ;;
      esac
      ;;
    sydbox-isolate-nomask)
      local unmask=(-m isolate/mask-/etc/shadow -m isolate/mask-/etc/gshadow
        -m isolate/mask-/etc/shadow- -m isolate/mask-/etc/gshadow-)
      case $workload in
        hello|zlib) cmdline=("$sydbox" --isolate --template build-chroot "${profile[@]}" "${unmask[@]}" --) ;;
        *) cmdline=("$sydbox" --isolate "${profile[@]}" "${unmask[@]}" --) ;;
      esac
      ;;
    bwrap) cmdline=("${bwrap_prefix[@]}" --chdir "$(workload_dir "$workload")") ;;
    ptrace-only) cmdline=("$work/mintracer") ;;
    notify-floor) cmdline=("$work/notifyfloor") ;;
    strace) cmdline=(strace -f -qq -o /dev/null --) ;;
    strace-seccomp) cmdline=(strace -f -qq --seccomp-bpf -e trace=%file,%process -o /dev/null --) ;;
    syd3)
      local policy=()
      mapfile -t policy < <(syd3_policy "$workload")
      cmdline=("$syd3" "${policy[@]}" --)
      if syd3_as_user "$workload"; then
        cmdline=(setpriv --reuid="$syd3_user" --regid="$syd3_user" --clear-groups "${cmdline[@]}")
      fi
      ;;
  esac
  case $workload in
    startup) cmdline+=(/bin/true) ;;
    churn) cmdline+=(/bin/sh -c "i=0; while [ \$i -lt $churn_count ]; do /bin/true || exit 1; i=\$((i + 1)); done; echo \$i") ;;
    files) cmdline+=(/bin/sh -c 'find . -type f -print0 | xargs -0 stat -c %s | wc -l') ;;
    git) cmdline+=(git status --porcelain) ;;
    hello|zlib) cmdline+=(/bin/sh -c './configure && make') ;;
  esac
}

# Prints the folder workload $1 runs in.
workload_dir() {
  case $1 in
    startup|churn) echo "$work" ;;
    files) echo "$work/data/files" ;;
    git) echo "$work/data/git" ;;
    hello|zlib) echo "$work/build/$1" ;;
  esac
}

# ---------------------------------------------------------------------------
# Workload preparation

# Generates $files_count empty files in folders of 1,000.
make_file_tree() {
  local dir=$work/data/files d
  [ -d "$dir" ] && return
  mkdir -p "$dir"
  for d in $(seq 0 $(((files_count - 1) / 1000))); do
    mkdir "$dir/d$d"
    (cd "$dir/d$d" && seq -f 'f%04g' 0 $((files_count - d * 1000 > 1000 ? 999 : files_count - d * 1000 - 1)) | xargs touch)
  done
}

# Generates a committed git repository of $git_count small files in
# folders of 100, and refreshes its index so that `git status` only reads.
make_git_repo() {
  local dir=$work/data/git d i
  [ -d "$dir" ] && return
  mkdir -p "$dir" "$work/data/home"
  git -C "$dir" init -q
  for d in $(seq 0 $(((git_count - 1) / 100))); do
    mkdir "$dir/d$d"
    for i in $(seq 0 99); do
      echo "$d $i" > "$dir/d$d/f$i"
    done
  done
  git -C "$dir" add -A
  git -C "$dir" -c user.name=bench -c user.email=bench@localhost commit -q -m "generated tree"
  (cd "$dir" && git status --porcelain >/dev/null)
}

# Unpacks the Debian source of package $1 into $sources/$1 once.
ensure_source() {
  local package=$1 unpacked
  [ -x "$sources/$package/configure" ] && return
  mkdir -p "$sources"
  unpacked=$("$shared/tools/fetch-debian-source" "$package" "$sources/fetch" | tail -n 1)
  rm -rf "${sources:?}/$package"
  mv "$unpacked" "$sources/$package"
  rm -rf "$sources/fetch"
}

# Runs before every timed run of workload $1 as sandbox $2, outside the
# timed interval.
prepare_run() {
  case $1 in
    hello|zlib)
      rm -rf "$work/build/$1"
      mkdir -p "$work/build"
      cp -a "$sources/$1" "$work/build/$1"
      if [ "$2" = syd3 ] && syd3_as_user "$1"; then
        chmod 755 "$work" "$work/build"
        chown -R "$syd3_user:$syd3_user" "$work/build/$1"
      fi
      ;;
  esac
}

# Succeeds when Syd 3 runs workload $1 as $syd3_user (see syd3_policy).
syd3_as_user() {
  [ "$(id -u)" = 0 ] && case $1 in hello|zlib) true ;; *) false ;; esac
}

# ---------------------------------------------------------------------------
# Timing

# Runs `cmdline` once in workload $1's folder as sandbox $2, and appends its
# wall time in microseconds and exit status to $samples_file. Start-up runs
# go without `timeout`, whose own fork and exec would swamp them.
time_run() {
  local workload=$1 sandbox=$2 start end status=0
  prepare_run "$workload" "$sandbox"
  build_cmdline "$workload" "$sandbox"
  if [ "$workload" != startup ]; then
    cmdline=(timeout -k 10 "$timeout_seconds" "${cmdline[@]}")
  fi
  cd "$(workload_dir "$workload")"
  start=${EPOCHREALTIME/./}
  "${cmdline[@]}" >"$work/run.out" 2>"$work/run.err" </dev/null || status=$?
  end=${EPOCHREALTIME/./}
  cd "$work"

  # The small workloads print a result (a count, git's status), which must
  # match the native run's, so that a sandbox that breaks the work silently
  # is caught. Native runs first in the first round.
  local problem=
  [ "$status" = 0 ] || problem="exit status $status"
  case $workload in
    churn|files|git)
      if [ "$sandbox" = native ] && [ ! -e "$work/expected.$workload" ]; then
        cp "$work/run.out" "$work/expected.$workload"
      elif ! cmp -s "$work/run.out" "$work/expected.$workload"; then
        problem="${problem:+$problem, }output differs from the native run's"
        [ "$status" != 0 ] || status=255
      fi
      ;;
  esac
  printf '%s\t%s\t%s\t%s\n' "$workload" "$sandbox" $((end - start)) "$status" >> "$samples_file"
  if [ -n "$problem" ]; then
    {
      printf '%s:' "$problem"; printf ' %q' "${cmdline[@]}"; echo
      echo "--- stdout (last lines)"; tail -n 10 "$work/run.out"
      echo "--- stderr (last lines)"; tail -n 30 "$work/run.err"
    } > "$out/failures/$workload-$sandbox.log"
  fi
}

# Takes $2 samples of workload $1 under each of its sandboxes, one sandbox
# after the other, starting each round one sandbox later than the last.
measure() {
  local workload=$1 rounds=$2 list=() round k n
  mapfile -t list < <(sandboxes_for "$workload")
  n=${#list[@]}
  [ "$n" -gt 1 ] || echo "run.sh: none of --sandboxes '$only' applies to $workload, so only native runs (see --help)" >&2
  for round in $(seq 0 $((rounds - 1))); do
    for k in $(seq 0 $((n - 1))); do
      time_run "$workload" "${list[$(((round + k) % n))]}"
    done
  done
  report "$workload"
}

# Prints the Markdown table of workload $1 from $samples_file.
report() {
  awk -F '\t' -v w="$1" '
    function median(name,   i, j, t, m, a) {
      m = count[name]
      for (i = 1; i <= m; i++) a[i] = value[name, i]
      for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    NR > 1 && $1 == w {
      if (!($2 in count)) order[++sandboxes] = $2
      value[$2, ++count[$2]] = $3
      if ($4 != 0) failed[$2]++
    }
    END {
      base = median("native")
      printf "| sandbox | median | ratio to native | samples | failed runs |\n| --- | --- | --- | --- | --- |\n"
      for (k = 1; k <= sandboxes; k++) {
        s = order[k]; m = median(s)
        formatted = (m < 1e6) ? sprintf("%.2f ms", m / 1e3) : sprintf("%.3f s", m / 1e6)
        printf "| %s | %s | %.3f | %d | %d |\n", s, formatted, m / base, count[s], failed[s]
      }
    }' "$samples_file"
  local f
  for f in "$out/failures/$1"-*.log; do
    [ -e "$f" ] || continue
    echo
    echo "failed: $(basename "$f" .log) (last failure's output, from $f):"
    sed 's/^/    /' "$f" | head -n 12
  done
  echo
}

# ---------------------------------------------------------------------------
# Memory

# Prints the peak resident size (VmHWM, KiB) of the process that runs
# `cmdline`, the sydbox supervisor, sampled every 10 ms until it exits.
# VmHWM is the kernel's own high-water mark, so only growth in the last
# 10 ms can be missed. GNU time's %M is not used, because wait4 folds in
# the peaks of the children the supervisor reaps, such as the compilers.
peak_rss_kib() {
  local pid peak=0 line
  "${cmdline[@]}" >/dev/null 2>&1 </dev/null &
  pid=$!
  while [ -r "/proc/$pid/status" ]; do
    while read -r line; do
      case $line in VmHWM:*) line=${line#VmHWM:}; line=${line% kB}; peak=$((line)) ;; esac
    done < "/proc/$pid/status" 2>/dev/null || true
    # A read with a timeout on an idle FIFO is a sleep without a fork.
    read -r -t 0.01 -u 9 line || true
    kill -0 "$pid" 2>/dev/null || break
  done
  wait "$pid" || true
  echo "$peak"
}

measure_memory() {
  local workload sandbox kib
  mkfifo "$work/sleep.fifo"
  exec 9<>"$work/sleep.fifo"
  echo "| workload | sandbox | supervisor peak RSS |"
  echo "| --- | --- | --- |"
  for workload in "${selected[@]}"; do
    # A start-up run ends before the 10 ms sampling can see its peak.
    case $workload in
      startup|floor|memory) continue ;;
      files) make_file_tree ;;
      git) make_git_repo ;;
    esac
    for sandbox in sydbox sydbox-isolate ${syd3:+syd3}; do
      prepare_run "$workload" "$sandbox"
      build_cmdline "$workload" "$sandbox"
      cd "$(workload_dir "$workload")"
      kib=$(peak_rss_kib)
      cd "$work"
      printf '| %s | %s | %.1f MiB |\n' "$workload" "$sandbox" "$(echo "$kib / 1024" | bc -l)"
    done
  done
  exec 9>&-
  echo
}

# ---------------------------------------------------------------------------
# The run

selected=()
for workload in "${workloads[@]}"; do
  case $workload in
    hello|zlib) ensure_source "$workload" ;;
  esac
  selected+=("$workload")
done

echo "# sydbox benchmark run $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "- command: benches/run.sh $given"
echo "- workloads: ${workloads[*]}"
echo "- machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "- sydbox: $("$sydbox" -v 2>&1 | head -n 1)"
echo "- bwrap: $(bwrap --version); strace: $(strace -V | head -n 1); git: $(git --version)"
if [ -n "$syd3" ]; then
  echo "- Syd 3: $("$syd3" -V 2>&1 | head -n 1) ($syd3)"
else
  echo "- Syd 3: not found, left out"
fi
echo "- repetitions: $reps (start-up: $startup_samples samples, git: $git_samples), alternating sandboxes"
echo "- raw samples: $samples_file"
echo

for workload in "${selected[@]}"; do
  case $workload in
    startup)
      echo "## start-up: true"
      echo
      measure startup "$startup_samples"
      ;;
    churn)
      echo "## process churn: $churn_count fork+exec of /bin/true (@paludis)"
      echo
      measure churn "$reps"
      ;;
    files)
      echo "## files: find plus stat over $files_count files (read sandboxing: deny)"
      echo
      make_file_tree
      measure files "$reps"
      ;;
    git)
      echo "## git status of a repository of $git_count files (read sandboxing: deny)"
      echo
      make_git_repo
      measure git "$git_samples"
      ;;
    hello|zlib)
      echo "## $workload: ./configure && make (@paludis, build folder write-whitelisted)"
      echo
      measure "$workload" "$reps"
      ;;
    floor)
      echo "## bare ptrace stop (ptrace-floor.c)"
      echo
      cc -O2 -o "$work/ptrace-floor" "$shared/tools/ptrace-floor.c"
      "$work/ptrace-floor"
      echo
      ;;
    memory)
      echo "## supervisor peak resident size (one run each)"
      echo
      measure_memory
      ;;
  esac
done
