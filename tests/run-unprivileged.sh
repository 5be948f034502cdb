#!/usr/bin/env bash
# Run every test executable of the crate as uid 65534 (nobody), with no
# capabilities, after the root run in CI.
#
#   bash tests/run-unprivileged.sh [TEST-ARGS...]
#
# Needs root (for setpriv), cargo, gcc and python3. The test executables,
# sydbox, sydfmt, the compiled helpers and a copy of ../shared are staged in a
# fresh directory under /tmp that uid 65534 can enter, because the build tree
# may sit under /root (mode 0700). The tests find them there through
# SYDBOX_BIN, SYDBOX_TEST_HELPERS and SYDBOX_SHARED_DIR. TEST-ARGS are passed
# to every test executable (for example a name filter). CARGO_TARGET_DIR is
# respected. Set SYDBOX_KEEP_STAGE=1 to keep the staging directory.
set -euo pipefail

unprivileged_uid=65534
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

if [ "$(id -u)" != 0 ]; then
  echo "run-unprivileged.sh: must run as root to switch to uid $unprivileged_uid" >&2
  exit 1
fi

stage=$(mktemp -d /tmp/sydbox-unprivileged.XXXXXX)
if [ "${SYDBOX_KEEP_STAGE:-0}" = 1 ]; then
  echo "keeping $stage"
else
  trap 'rm -rf "$stage"' EXIT
fi
chmod 0755 "$stage"
mkdir -p "$stage/bin" "$stage/helpers"

echo "== building test executables"
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
cargo build --locked --bins
cargo test --locked --no-run --message-format=json > "$stage/build.json"

# Every artifact built with the test harness: lib and bin unit tests and the
# integration tests under tests/.
mapfile -t test_executables < <(python3 - "$stage/build.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    try:
        message = json.loads(line)
    except ValueError:
        continue
    if message.get("reason") != "compiler-artifact":
        continue
    if message["profile"]["test"] and message.get("executable"):
        print(message["executable"])
PY
)
if [ "${#test_executables[@]}" = 0 ]; then
  echo "run-unprivileged.sh: cargo built no test executables" >&2
  exit 1
fi
for executable in "${test_executables[@]}"; do
  cp "$executable" "$stage/bin/"
done
# .cargo/config.toml names the target, so the binaries are under its triple.
cp "$target_dir/x86_64-unknown-linux-gnu/debug/sydbox" "$target_dir/x86_64-unknown-linux-gnu/debug/sydfmt" "$stage/"

echo "== compiling helpers"
# The flags match HELPER_CFLAGS in tests/common/mod.rs.
for source in tests/helpers/*.c; do
  name=$(basename "$source" .c)
  gcc -O1 -Wall -Werror -o "$stage/helpers/$name" "$source"
done

if [ -d "$repo/../shared" ]; then
  cp -r "$repo/../shared" "$stage/shared"
else
  echo "note: $repo/../shared not found; tests that need shared data will skip or fail"
  mkdir "$stage/shared"
fi

# HOME and TMPDIR belong to the unprivileged uid, so test directories stay
# inside the stage and are removed with it.
mkdir -p "$stage/home" "$stage/tmp"
chown "$unprivileged_uid:$unprivileged_uid" "$stage/home" "$stage/tmp"
chmod -R a+rX "$stage"

run_env=(
  HOME="$stage/home"
  TMPDIR="$stage/tmp"
  PATH=/usr/local/bin:/usr/bin:/bin
  SYDBOX_BIN="$stage/sydbox"
  SYDBOX_TEST_HELPERS="$stage/helpers"
  SYDBOX_SHARED_DIR="$stage/shared"
)
# Pass through the settings that change how tests run or report.
for name in SYDBOX_TEST_STRICT SYDBOX_HELLO_SRC RUST_BACKTRACE RUST_TEST_THREADS RUST_LOG; do
  if [ -n "${!name:-}" ]; then
    run_env+=("$name=${!name}")
  fi
done

failed=()
cd "$stage"
for executable in "${test_executables[@]}"; do
  name=$(basename "$executable")
  # A hung test executable is killed after 20 minutes, so CI ends in time.
  command=(timeout --kill-after=30 1200
           setpriv --reuid="$unprivileged_uid" --regid="$unprivileged_uid" --clear-groups
           --inh-caps=-all env -i "${run_env[@]}" "./bin/$name" "$@")
  echo "== ${command[*]}"
  if ! "${command[@]}"; then
    failed+=("$name")
  fi
done

if [ "${#failed[@]}" != 0 ]; then
  echo "run-unprivileged.sh: failed as uid $unprivileged_uid: ${failed[*]}" >&2
  exit 1
fi
echo "run-unprivileged.sh: all ${#test_executables[@]} test executables passed as uid $unprivileged_uid"
