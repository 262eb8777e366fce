"""``jug.internal``: helpers jug's command line uses (``debugger``)."""
