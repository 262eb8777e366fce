"""jug 2.7's value encoding, so jug and jug-async read each other's results.

Two layers, as in jug:

* the *value encoding* (``encode``/``decode``, ``encode_to``/``decode_from``): a
  zlib stream (``compressobj()`` defaults) of one prefix byte and a payload:
  ``N`` + ``np.save`` output for an exact ``np.ndarray`` without object dtype,
  ``P`` + pickle at ``HIGHEST_PROTOCOL`` for anything else. ``None`` is an empty
  stream. Packs and key-value stores hold this.
* the *result file* format (``write_result``/``read_result``): what a file store
  writes. Plain arrays go raw (``.npy``, mmap-able and uncompressed, as jug does),
  a polars DataFrame as parquet, anything else in the value encoding.

Both sides stream: a large array or pickle is never held twice in memory.
"""

from __future__ import annotations

import io
import pickle
import sys
import zlib
from typing import Any, BinaryIO

from jug_async.errors import StoreError

__all__ = ["decode", "decode_from", "encode", "encode_to", "read_result", "write_result"]

_NPY_MAGIC = b"\x93NUMPY"
_PARQUET_MAGIC = b"PAR1"
_CHUNK = 1 << 30  # zlib takes at most this much input per call, as jug bounds it
_READ_BLOCK = 1 << 16


def _is_plain_array(value: Any) -> bool:
    """jug stores exactly these arrays as ``.npy``: subclasses and object arrays
    would lose their type or need pickle, so they are pickled instead."""
    t = type(value)  # no numpy import: an ndarray exists only if numpy is loaded
    return (t.__name__ == "ndarray" and t.__module__ == "numpy"
            and not value.dtype.hasobject)


class _Deflater:
    """Write-only file object that zlib-compresses into ``out`` (pickle and
    ``write_array`` only need ``write``)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._zlib = zlib.compressobj()

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        for start in range(0, len(view), _CHUNK):
            self._out.write(self._zlib.compress(view[start : start + _CHUNK]))
        return len(view)

    def finish(self) -> None:
        self._out.write(self._zlib.flush())


class _Inflater(io.RawIOBase):
    """Read-only raw stream that decompresses ``raw``; wrapped in a
    ``BufferedReader`` it gives pickle and numpy ``read``/``readline``."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._zlib = zlib.decompressobj()
        self._pending = b""
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buf: Any) -> int:
        want = max(len(buf), 1)
        while not self._pending and not self._ended:
            if self._zlib.unconsumed_tail:
                self._pending = self._zlib.decompress(self._zlib.unconsumed_tail, want)
            elif chunk := self._raw.read(_READ_BLOCK):
                self._pending = self._zlib.decompress(chunk, want)
            else:
                self._pending = self._zlib.flush()
                self._ended = True
        n = min(len(buf), len(self._pending))
        buf[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def encode_to(value: Any, out: BinaryIO) -> None:
    """Write the value encoding of ``value`` to ``out`` (nothing at all for None)."""
    if value is None:
        return
    stream = _Deflater(out)
    if _is_plain_array(value):
        stream.write(b"N")
        _npformat().write_array(stream, value)
    else:
        stream.write(b"P")
        pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.finish()


def encode(value: Any) -> bytes:
    """The value encoding of ``value`` as bytes."""
    out = io.BytesIO()
    encode_to(value, out)
    return out.getvalue()


def decode_from(raw: BinaryIO) -> Any:
    """Read one value-encoded object; an empty stream is None.

    Raises:
        StoreError: the stream is corrupt, truncated or has an unknown prefix.
    """
    stream = io.BufferedReader(_Inflater(raw), _READ_BLOCK)
    try:
        prefix = stream.read(1)
        if not prefix:
            return None
        if prefix == b"P":
            return pickle.load(stream)
        if prefix == b"N":
            return _npformat().read_array(stream)
    except Exception as exc:
        raise StoreError(f"cannot decode stored value: {type(exc).__name__}: {exc}") from exc
    raise StoreError(f"cannot decode stored value: unknown prefix {prefix!r}")


def decode(data: bytes) -> Any:
    """Inverse of ``encode``."""
    return decode_from(io.BytesIO(data))


def _polars_frame_type() -> type | None:
    """polars' DataFrame type if polars is already imported: a value can only be
    a DataFrame then, and checking costs no import on every dump."""
    polars = sys.modules.get("polars")
    return getattr(polars, "DataFrame", None)


def write_result(value: Any, out: BinaryIO, *, native: bool = True) -> None:
    """Write ``value`` as a result file, in the format jug 2.7 would choose.

    ``native=False`` is jug's ``compress_numpy``: arrays and DataFrames go through
    the value encoding too. ``out`` must be seekable: a native write that fails
    half-way is discarded before falling back to the value encoding.
    """
    if native and (_is_plain_array(value) or type(value) is _polars_frame_type()):
        start = out.tell()
        try:
            if _is_plain_array(value):
                _npformat().write_array(out, value)
            else:
                value.write_parquet(out)
            return
        except (OSError, ValueError):
            out.seek(start)
            out.truncate()
    encode_to(value, out)


def encoded_result(value: Any, *, native: bool = True) -> bytes | None:
    """The whole result file ``write_result`` would write, when the value takes
    the pickle path and fits one zlib call; None otherwise (stream it then).
    Encoding in memory lets the store write a small result with one syscall."""
    if value is None:
        return b""
    if _is_plain_array(value) or (native and type(value) is _polars_frame_type()):
        return None
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) > _CHUNK:
        return None
    z = zlib.compressobj()
    return b"".join((z.compress(b"P"), z.compress(data), z.flush()))


def read_result(stream: BinaryIO) -> Any:
    """Read a result file: raw ``.npy``, parquet, else the value encoding.

    Raises:
        StoreError: the content is not decodable, or it is parquet and polars is
            not installed.
    """
    head = stream.read(len(_NPY_MAGIC))
    stream.seek(0)
    if head == _NPY_MAGIC:
        try:
            return _npformat().read_array(stream)
        except Exception as exc:
            raise StoreError(f"cannot read .npy result: {exc}") from exc
    if head.startswith(_PARQUET_MAGIC):
        try:
            import polars
        except ImportError:
            raise StoreError("result is a parquet DataFrame: install polars to load it") from None
        try:
            return polars.read_parquet(stream)
        except Exception as exc:
            raise StoreError(f"cannot read parquet result: {exc}") from exc
    return decode_from(stream)


def _npformat() -> Any:
    """numpy's .npy reader/writer, imported on first use (status never needs it)."""
    import numpy.lib.format

    return numpy.lib.format
