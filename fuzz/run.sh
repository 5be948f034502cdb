#!/usr/bin/env bash
# Run every fuzz target for SECONDS each, one after another, growing the
# kept corpus in fuzz/corpus/TARGET.
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain,
# or a stable one with RUSTC_BOOTSTRAP=1, which this script sets when no
# nightly is installed. A crash, panic, hang (over 10 s for one input) or
# leak stops that target, leaves the input in fuzz/artifacts/TARGET and
# makes the script exit 1 after the remaining targets ran. New corpus
# entries are merged back into fuzz/corpus/TARGET, minimised.
set -euo pipefail

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
cd "$(dirname "${BASH_SOURCE[0]}")"
targets=("$@")
if [ "${#targets[@]}" = 0 ]; then
  targets=(profile wildmatch addr resolve)
fi

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi

cargo "${toolchain[@]}" fuzz build -O

failed=()
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  work=$(mktemp -d)
  echo "== $target for ${seconds}s"
  if ! cargo "${toolchain[@]}" fuzz run -O "$target" "$work" "corpus/$target" -- \
      -max_total_time="$seconds" -timeout=10 -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="artifacts/$target/"; then
    failed+=("$target")
  fi
  # Merge what this run found into the kept corpus, minimised.
  merged=$(mktemp -d)
  cargo "${toolchain[@]}" fuzz run -O "$target" "$merged" "corpus/$target" "$work" -- -merge=1 >/dev/null 2>&1 || true
  if [ -n "$(ls -A "$merged")" ]; then
    rm -f "corpus/$target"/*
    cp "$merged"/* "corpus/$target/"
  fi
  rm -rf "$work" "$merged"
done

if [ "${#failed[@]}" != 0 ]; then
  echo "fuzz/run.sh: failures in ${failed[*]}; inputs are in fuzz/artifacts/" >&2
  exit 1
fi
echo "fuzz/run.sh: ${#targets[@]} target(s) ran ${seconds}s each without a failure"
