#!/usr/bin/env python3
"""Times short commands side by side: each round runs every command once,
in the given order, and the table gives each command's median wall time
and its ratio to the first command's median.

    python3 benches/ab.py ROUNDS NAME=COMMAND [NAME=COMMAND ...]

COMMAND is split on spaces. For example, two builds of sydbox against
bubblewrap's start-up (bwrap first, so the ratios are to it):

    python3 benches/ab.py 80 \\
        "bwrap=bwrap --unshare-all --ro-bind / / /bin/true" \\
        "before=/tmp/sydbox-before --isolate -c @paludis -- /bin/true" \\
        "after=/tmp/sydbox-after --isolate -c @paludis -- /bin/true"

Every run must exit with status 0. Output goes to /dev/null. Use it for
before-and-after checks of one change; benches/run.sh is the full
comparison with the other sandboxes.
"""
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: ab.py ROUNDS NAME=COMMAND [NAME=COMMAND ...]")
    rounds = int(sys.argv[1])
    commands = []
    for spec in sys.argv[2:]:
        name, sep, command = spec.partition("=")
        if not sep or not command.split():
            sys.exit(f"ab.py: '{spec}' is not NAME=COMMAND")
        commands.append((name, command.split()))

    samples = {name: [] for name, _ in commands}
    for _ in range(rounds):
        for name, argv in commands:
            start = time.perf_counter()
            result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            if result.returncode != 0:
                sys.exit(f"ab.py: {name} exited with status {result.returncode}: {' '.join(argv)}")
            samples[name].append(elapsed)

    reference = statistics.median(samples[commands[0][0]])
    print(f"| command | median | ratio to {commands[0][0]} |")
    print("| --- | --- | --- |")
    for name, _ in commands:
        median = statistics.median(samples[name])
        print(f"| {name} | {median * 1000:.3f} ms | {median / reference:.3f} |")


if __name__ == "__main__":
    main()
