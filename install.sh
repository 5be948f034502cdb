#!/usr/bin/env bash
# Installs sydbox: the binaries, the built-in profiles and the shell library.
#
#   bash install.sh [PREFIX]        (default /usr/local)
#
# Builds in release mode first. Profiles and sydbox.sh go to
# PREFIX/share/sydbox; `sydbox -c @NAME` searches /usr/share/sydbox, so with
# another PREFIX set SYDBOX_PROFILE_PATH=PREFIX/share/sydbox.
set -euo pipefail

prefix=${1:-/usr/local}
cd "$(dirname "${BASH_SOURCE[0]}")"
cargo build --release --locked
install -d "$prefix/bin" "$prefix/share/sydbox"
# .cargo/config.toml names the target, so the binaries are under its triple.
bin=target/x86_64-unknown-linux-gnu/release
install -m 0755 "$bin/sydbox" "$bin/sydfmt" "$prefix/bin/"
install -m 0644 profiles/*.syd-1 share/sydbox.sh "$prefix/share/sydbox/"
echo "installed sydbox, sydfmt, profiles and sydbox.sh under $prefix"
