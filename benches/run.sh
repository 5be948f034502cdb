#!/usr/bin/env bash
# The benchmark harness: runs each workload natively and under sydbox,
# alternating the two, and prints medians and the ratio to native.
#
#   bash benches/run.sh [REPETITIONS]      (default 5)
#
# Workloads: GNU hello from its Debian source (configure, make, make check)
# under @paludis with the build tree write-whitelisted, and `true` for
# start-up. It also measures the bare ptrace/seccomp stop of
# shared/tools/ptrace-floor.c in the same run. Needs root the first time,
# to fetch the source with shared/tools/fetch-debian-source.
set -euo pipefail

reps=${1:-5}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared="$repo/../shared"
work=$(mktemp -d /tmp/sydbox-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
sydbox="$repo/target/release/sydbox"

sources=${SYDBOX_BENCH_SOURCES:-/var/tmp/sydbox-bench-sources}
if [ ! -x "$sources/hello/configure" ]; then
  mkdir -p "$sources"
  unpacked=$("$shared/tools/fetch-debian-source" hello "$sources/fetch" | tail -n 1)
  rm -rf "$sources/hello"
  mv "$unpacked" "$sources/hello"
  rm -rf "$sources/fetch"
fi

cc -O2 -o "$work/ptrace-floor" "$shared/tools/ptrace-floor.c"

# Prints the wall time of one run in seconds.
time_run() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

median() {
  sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

build_hello() {
  rm -rf "$work/tree"
  cp -a "$sources/hello" "$work/tree"
  (cd "$work/tree" && "$@" /bin/sh -c './configure && make && make check')
}

sandboxed() {
  "$sydbox" -c @paludis -m "whitelist/write+$work/tree/***" -- "$@"
}

native() {
  "$@"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
echo "cpu: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
echo "repetitions: $reps, alternating native and sydbox"
echo

: > "$work/hello.native"
: > "$work/hello.sydbox"
: > "$work/true.native"
: > "$work/true.sydbox"
for _ in $(seq "$reps"); do
  time_run build_hello native >> "$work/hello.native"
  time_run build_hello sandboxed >> "$work/hello.sydbox"
done
for _ in $(seq 50); do
  time_run /bin/true >> "$work/true.native"
  time_run "$sydbox" -c @paludis -- /bin/true >> "$work/true.sydbox"
done

report() {
  local name=$1 n s
  n=$(median < "$work/$name.native")
  s=$(median < "$work/$name.sydbox")
  printf '| %s | %.3f s | %.3f s | %.3f |\n' "$2" "$n" "$s" "$(echo "$s / $n" | bc -l)"
}

echo "| workload | native median | sydbox median | ratio |"
echo "| --- | --- | --- | --- |"
report hello "GNU hello: configure, make, make check (@paludis)"
report true "start-up: true (@paludis)"
echo
echo "ptrace floor (shared/tools/ptrace-floor.c):"
"$work/ptrace-floor"
