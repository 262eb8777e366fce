"""jug_async.store: where results and locks live. See base.py for the contract."""
