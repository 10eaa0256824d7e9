"""Where the processes start: the ``mechanic`` command, the embedded runtime, the Faust worker's and
the relay's processes, and the one composition root (``bootstrap``) that builds what they run.

The top layer of the house: it may import ``api`` and ``services``; nothing imports it.
"""
