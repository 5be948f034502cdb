#!/usr/bin/env python3
"""Splits a package build's overhead under sydbox into the supervisor's
own CPU time and the rest, next to native runs of the same build.

    python3 benches/cpu.py [--rounds N] [--sydbox PATH] [--source DIR]

Each round builds the source tree (`./configure && make`, as in
benches/run.sh) natively, under sydbox with @paludis, and under sydbox
with @paludis and the magic lock on, each in a fresh copy of the tree
under /var/tmp. The order rotates from one round to the next, so that no
run always comes first. For each it reports the medians of:

- wall: elapsed time;
- CPU: user plus system time of every process of the run, the
  supervisor's included (the children's rusage);
- supervisor: user plus system time of sydbox's own threads, from the
  "supervisor CPU time" line that sydbox logs at the end of a run with
  SYDBOX_LOG=sydbox=debug;
- seccomp stops: the system calls sent to sydbox by its seccomp filter
  (its "seccomp stops by system call" line).

CPU time moves less with the machine's other load than wall time does,
and on two or more cores the supervisor runs beside a serial build, so
wall time hides part of what it costs.
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="number of rounds (default 5)")
    parser.add_argument("--sydbox", default=os.environ.get("SYDBOX", ""),
                        help="sydbox binary (default: $SYDBOX, else the release build)")
    parser.add_argument("--source", default="/var/tmp/sydbox-bench-sources/hello",
                        help="unpacked source tree with a configure script "
                             "(default: benches/run.sh's copy of GNU hello)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds {args.rounds}: give 1 or more")
    if not args.sydbox:
        args.sydbox = os.path.join(REPO, "target/x86_64-unknown-linux-gnu/release/sydbox")
    if not (os.path.isfile(args.sydbox) and os.access(args.sydbox, os.X_OK)):
        parser.error(f"sydbox binary {args.sydbox} is not an executable file; build it with "
                     "`cargo build --release` or pass --sydbox PATH")
    if not os.access(os.path.join(args.source, "configure"), os.X_OK):
        parser.error(f"{args.source} has no executable configure script; run "
                     "`bash benches/run.sh --quick hello` once to fetch GNU hello, "
                     "or pass --source DIR")
    return args


def one_run(kind, args, work):
    """Builds a fresh copy of the source tree and returns (wall, cpu, supervisor, stops)."""
    tree = os.path.join(work, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    # cp -a keeps the timestamps, so make does not rerun autotools.
    subprocess.run(["cp", "-a", args.source, tree], check=True)

    prefix = []
    if kind != "native":
        prefix = [args.sydbox, "-c", "@paludis", "-m", f"whitelist/write+{tree}/***"]
        if kind == "sydbox-lock":
            prefix += ["-m", "core/trace/magic_lock:on"]
        prefix.append("--")

    env = dict(os.environ, SYDBOX_LOG="sydbox=debug")
    before = os.times()
    start = time.perf_counter()
    result = subprocess.run(prefix + ["/bin/sh", "-c", "./configure && make"], cwd=tree, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace")
    wall = time.perf_counter() - start
    after = os.times()

    if result.returncode != 0:
        tail = "\n".join(result.stderr.splitlines()[-10:])
        sys.exit(f"cpu.py: the {kind} build exited with status {result.returncode}:\n{tail}")

    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    supervisor = stops = None
    if kind != "native":
        log = ANSI.sub("", result.stderr)
        found = re.search(r"supervisor CPU time user_ms=(\d+) system_ms=(\d+)", log)
        counted = re.search(r"seccomp stops by system call total=(\d+)", log)
        if not found or not counted:
            sys.exit(f"cpu.py: {args.sydbox} logged no 'supervisor CPU time' or 'seccomp stops' line, "
                     "so it is older than this script: rebuild it with `cargo build --release`")
        supervisor = (int(found.group(1)) + int(found.group(2))) / 1000
        stops = int(counted.group(1))
    return wall, cpu, supervisor, stops


def main():
    args = parse_args()
    kinds = ["native", "sydbox", "sydbox-lock"]
    samples = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory(prefix="sydbox-cpu.", dir="/var/tmp") as work:
        for round_number in range(1, args.rounds + 1):
            for offset in range(len(kinds)):
                kind = kinds[(round_number - 1 + offset) % len(kinds)]
                samples[kind].append(one_run(kind, args, work))
            print(f"round {round_number} of {args.rounds} done", file=sys.stderr, flush=True)

    def median(kind, column):
        values = [s[column] for s in samples[kind] if s[column] is not None]
        return statistics.median(values) if values else None

    native_wall, native_cpu = median("native", 0), median("native", 1)
    rounds = "1 round" if args.rounds == 1 else f"{args.rounds} rounds"
    print(f"source: {args.source}, {rounds}, medians")
    print()
    print("| run | wall | ratio | CPU | ratio | CPU above native | supervisor CPU | seccomp stops |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for kind in kinds:
        wall, cpu, supervisor, stops = (median(kind, column) for column in range(4))
        supervisor_text = "" if supervisor is None else f"{supervisor:.2f} s"
        stops_text = "" if stops is None else f"{stops:,.0f}"
        print(f"| {kind} | {wall:.2f} s | {wall / native_wall:.3f} | {cpu:.2f} s | {cpu / native_cpu:.3f} "
              f"| {cpu - native_cpu:+.2f} s | {supervisor_text} | {stops_text} |")


if __name__ == "__main__":
    main()
