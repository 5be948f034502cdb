#!/usr/bin/env bash
# Start-up cost of `sydbox --isolate ... true` against bubblewrap with a
# comparable view, measured side by side in one run (alternating), with
# medians and their ratio.
#
#   bash benches/isolate.sh [REPETITIONS]      (default 50)
#
# Both get new user, mount, pid, ipc, uts and network namespaces, /usr and
# /etc read-only with the host's merged-usr links, a fresh /proc, a minimal
# /dev, private /tmp, /var/tmp and /run, a new session, and die with their
# parent. sydbox also runs its supervisor (ptrace and seccomp) with the
# default profile. Needs bwrap (Debian's bubblewrap). CARGO_TARGET_DIR is
# respected.
set -euo pipefail

reps=${1:-50}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v bwrap >/dev/null || { echo "isolate.sh: bwrap not found (apt-get install bubblewrap)" >&2; exit 1; }

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
target_dir=${CARGO_TARGET_DIR:-$repo/target}
sydbox="$target_dir/release/sydbox"

sydbox_cmd=("$sydbox" --isolate --net none -- /bin/true)
bwrap_cmd=(bwrap --unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-net
  --ro-bind /usr /usr --ro-bind /etc /etc)
for link in bin sbin lib lib32 lib64 libx32; do
  if [ -L "/$link" ]; then
    bwrap_cmd+=(--symlink "$(readlink "/$link")" "/$link")
  elif [ -d "/$link" ]; then
    bwrap_cmd+=(--ro-bind "/$link" "/$link")
  fi
done
bwrap_cmd+=(--proc /proc --dev /dev --tmpfs /tmp --tmpfs /var/tmp --tmpfs /run
  --ro-bind /dev/null /etc/shadow --new-session --die-with-parent /bin/true)

cd /
"${sydbox_cmd[@]}" || { echo "isolate.sh: sydbox --isolate true failed" >&2; exit 1; }
"${bwrap_cmd[@]}" || { echo "isolate.sh: bwrap true failed" >&2; exit 1; }

# Prints the wall time of one run of "$@" in nanoseconds.
time_ns() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $((end - start))
}

sydbox_times=()
bwrap_times=()
for _ in $(seq "$reps"); do
  sydbox_times+=("$(time_ns "${sydbox_cmd[@]}")")
  bwrap_times+=("$(time_ns "${bwrap_cmd[@]}")")
done

median() {
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
sydbox_median=$(median "${sydbox_times[@]}")
bwrap_median=$(median "${bwrap_times[@]}")
awk -v s="$sydbox_median" -v b="$bwrap_median" -v n="$reps" 'BEGIN {
  printf "start-up of true, %d runs each, alternating\n", n
  printf "| sydbox --isolate median | bwrap median | ratio |\n| --- | --- | --- |\n"
  printf "| %.2f ms | %.2f ms | %.2f |\n", s / 1e6, b / 1e6, s / b
}'
