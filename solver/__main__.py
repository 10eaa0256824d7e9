import time

_NOW = time.monotonic()  # the start to count from where the process's own start is unknown

import os  # noqa: E402
import sys  # noqa: E402

from solver.cli import process_started, run_cli  # noqa: E402

code = run_cli(sys.argv[1:], started=process_started(_NOW))
sys.stdout.flush()
sys.stderr.flush()
# The roster is written and closed: skip the interpreter's teardown of OR-Tools, HiGHS, numpy and
# pydantic, which took 0.2-0.3 s of a 2 s benchmark process (its whole wall is what is measured).
os._exit(code)
