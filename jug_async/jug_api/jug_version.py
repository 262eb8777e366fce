"""``jug.jug_version``: the jug API version jug-async provides."""

__version__ = "2.7.0"
CITATION = """\
If you use jug in a publication, please cite:

    Coelho, L.P., (2017). Jug: Software for Parallel Reproducible Computation in
    Python. Journal of Open Research Software. 5(1), p.30.

    http://doi.org/10.5334/jors.161
"""
