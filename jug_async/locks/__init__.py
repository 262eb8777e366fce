"""Lock liveness for many hosts sharing one store: leases, reclaim rules, the
store's clock, and a cache-proof "already saved?" check.

``lease``: lease lengths and the renewer that keeps running batches' locks
alive. ``reclaim``: pure rules saying whether a lock's owner is gone, and the
race-free way to break it. ``facts``: boot id, PID namespace, process start
times. ``clock``: the store's time. ``visibility``: ``already_saved``, which a
network filesystem's negative lookup cache cannot fool.
Used by the file store, the scheduler, ``status`` and ``cleanup``; imports
nothing above ``records``.
"""
