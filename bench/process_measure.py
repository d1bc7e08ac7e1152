"""Runs one whole process with its stdout in a file and measures it: CPU seconds (user +
system), wall time, peak memory and the output's line count. Shared by the side-by-side
comparisons (warc_compare.py, batch_compare.py)."""
import os
import subprocess
import sys
import time


def measure(command, output):
    start = time.monotonic()
    with open(output, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    stderr = process.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("%s failed:\n%s" % (" ".join(command), stderr))
    with open(output, "rb") as f:
        lines = sum(1 for _ in f)
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall,
            "rss_mb": usage.ru_maxrss / 1024, "lines": lines}
