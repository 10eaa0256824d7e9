"""The Kafka mode's consumer side: a Faust app whose agents feed Kafka events to the handlers.

The only package that imports faust. Nothing is built at import time: ``app.build_app`` makes
the app from a bootstrapped container, ``entrypoints.worker.run_worker`` runs it.
"""
