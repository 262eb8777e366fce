"""``already_saved``: the check after taking a lock that a client cache cannot fool.

A network filesystem client remembers that a name did not exist (a negative
lookup): Linux NFS with ``lookupcache=all`` (the default) until the directory's
cached attributes expire, FUSE (sshfs) for ``negative_timeout`` seconds. A host
that once asked for a result that was not saved yet then keeps answering "not
saved" after another host saved it, and runs the task again. Measured on sshfs
with ``-o negative_timeout=20`` (docs/cluster.md has the table): ``stat``,
``exists``, ``open(O_RDONLY)`` and the source of a ``rename`` all trust the cached
negative entry; listings come from sshfs's own directory cache (20 s); only calls
that create a name (``link``, ``O_CREAT|O_EXCL``, a rename's target) ask the
server, because the kernel revalidates a negative entry for an exclusive create.

So the check ends with ``link(<the result's directory>, <result>)``: the kernel
looks the name up as an exclusive create (the server is asked), then answers
EEXIST if the result is there, and EPERM otherwise *before* the filesystem is
called, as a directory can never be hard-linked. It never creates anything, on
any filesystem. Linux NFS trusts negative entries for creates but drops them
when the directory changed, which an ``open`` of the directory checks
(close-to-open); that is the middle step.
"""

from __future__ import annotations

import errno
import os


def already_saved(path: str) -> bool:
    """Whether a file exists at ``path`` on the server, whatever this client
    cached. Cheap when it exists (one ``stat``); when it does not, three more
    calls (two on a local disk are a few microseconds each)."""
    if os.path.exists(path):
        return True
    parent = os.path.dirname(path) or "."
    try:  # NFS: opening the directory revalidates it (close-to-open)
        os.close(os.open(parent, os.O_RDONLY | os.O_DIRECTORY))
    except FileNotFoundError:
        # The directory may be cached as missing too (looked up before another
        # host created it): ask the server about it the same way.
        if not _create_probe(os.path.dirname(parent) or ".", parent):
            return False  # no shard directory: nothing in it was ever saved
    if os.path.exists(path):
        return True
    return _create_probe(parent, path)


def _create_probe(directory: str, path: str) -> bool:
    """Look ``path`` up as an exclusive create would, creating nothing."""
    try:
        os.link(directory, path)
    except FileExistsError:
        return True
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EACCES, errno.ENOENT, errno.EXDEV,
                         errno.ENOTSUP, errno.EMLINK):
            return os.path.lexists(path)
        raise
    # A directory cannot be hard-linked on POSIX systems; should a filesystem
    # ever allow it, remove the link at once: the result's name must stay free.
    os.rmdir(path)
    return False
