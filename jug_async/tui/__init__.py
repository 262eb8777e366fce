"""The Textual front end (``run --tui``, ``monitor``).

Layout:
    app.py        JugApp, the app factories (make_app, make_run_app, ...)
    app.tcss      all styling
    messages.py   what sources post to the app
    sources.py    LiveRun (scheduler in the app's loop), StoreWatch, FixedSource
    tracker.py    scheduler events to Snapshots (no Textual)
    terminal.py   hands the terminal to the app; workers' output to a log file
    widgets/      one widget or screen per module

The snapshot model and the store poller live in ``jug_async.view.monitor`` and
import no Textual.
"""
