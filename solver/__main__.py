import time

_STARTED = time.monotonic()  # before the solver's imports: the time limit covers them too

import sys  # noqa: E402

from solver.cli import run_cli  # noqa: E402

sys.exit(run_cli(sys.argv[1:], started=_STARTED))
