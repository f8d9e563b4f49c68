"""`python -m bench.peak REPORT COMMAND...`: run a command; write its wall-clock seconds and peak RSS to REPORT.

Linux counts in a child's peak RSS what it held before it executed its program: the copy of
the process that started it. Started by the harness (which holds hundreds of megabytes at the
1M tier), every command would weigh at least as much as the harness. Started by this small
process instead, a command's peak is its own (the larger of this process's size and its own).
Standard input, output and error pass through; the exit status is the command's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    report, command = argv[1], argv[2:]
    started = time.perf_counter()
    process = subprocess.Popen(command)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
    with open(report, "w", encoding="utf-8") as out:
        json.dump({"seconds": seconds, "max_rss_kb": usage.ru_maxrss}, out)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
