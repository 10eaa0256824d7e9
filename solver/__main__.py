import time

_NOW = time.monotonic()  # before the solver's imports: the time limit covers them too

import os  # noqa: E402
import sys  # noqa: E402


def _started() -> float:
    """The monotonic time this process began (Linux), so that the interpreter's start and the
    imports ``-m solver`` runs before this module (the package, pydantic with it) are counted too:
    on a busy machine they took 0.3 s, and the whole process overran a 2 s limit by that much.
    Elsewhere, the time this module began."""
    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
            ticks = int(stat.read().rsplit(")", 1)[1].split()[19])  # field 22, starttime
            age = float(uptime.read().split()[0]) - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return _NOW
    return _NOW - age if 0 <= age < 5 else _NOW


from solver.cli import run_cli  # noqa: E402

code = run_cli(sys.argv[1:], started=_started())
sys.stdout.flush()
sys.stderr.flush()
# The roster is written and closed: skip the interpreter's teardown of OR-Tools, HiGHS, numpy and
# pydantic, which took 0.2-0.3 s of a 2 s benchmark process (its whole wall is what is measured).
os._exit(code)
