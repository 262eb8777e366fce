"""Value encoding: round trips, and the exact bytes jug 2.7.0 writes and reads."""

from __future__ import annotations

import io
import pickle
import zlib

import numpy as np
import pytest
from _store_helpers import Tagged, assert_same, sample_values
from jug.backends import encode as jug_encode

from jug_async.errors import StoreError
from jug_async.store.encoding import decode, decode_from, encode, read_result, write_result

VALUES = sample_values()


@pytest.mark.parametrize("name", sorted(VALUES))
def test_encode_round_trip(name: str) -> None:
    assert_same(decode(encode(VALUES[name])), VALUES[name])


@pytest.mark.parametrize("name", sorted(VALUES))
def test_encode_is_byte_identical_to_jug(name: str) -> None:
    ours = encode(VALUES[name])
    assert ours == jug_encode.encode(VALUES[name])
    assert_same(jug_encode.decode(ours), VALUES[name])


@pytest.mark.parametrize("name", sorted(VALUES))
def test_result_file_round_trip(name: str) -> None:
    out = io.BytesIO()
    write_result(VALUES[name], out)
    out.seek(0)
    assert_same(read_result(out), VALUES[name])


def test_prefixes_and_formats() -> None:
    assert encode(None) == b""
    assert zlib.decompress(encode(np.arange(3)))[:1] == b"N"
    for value in (np.array([None]), np.arange(3).view(Tagged), [np.arange(3)]):
        assert zlib.decompress(encode(value))[:1] == b"P"
    raw = io.BytesIO()
    write_result(np.arange(3), raw)
    assert raw.getvalue().startswith(b"\x93NUMPY")
    packed = io.BytesIO()
    write_result(np.arange(3), packed, native=False)
    assert packed.getvalue() == encode(np.arange(3))


def test_empty_inputs_are_none() -> None:
    assert decode(b"") is None
    assert decode(zlib.compress(b"")) is None
    assert read_result(io.BytesIO(b"")) is None


def test_large_values_stream_through() -> None:
    big = np.random.default_rng(0).random(300_000)  # 2.4 MB: many zlib blocks
    for value in (big, {"a": big, "b": list(range(50_000))}):
        assert_same(decode(encode(value)), value)
        assert_same(jug_encode.decode(encode(value)), value)


@pytest.mark.parametrize(
    "data",
    [
        zlib.compress(b"X123"),  # unknown prefix
        b"not zlib at all",
        zlib.compress(b"P" + pickle.dumps(list(range(100))))[:-10],  # truncated
    ],
)
def test_undecodable_is_a_store_error(data: bytes) -> None:
    with pytest.raises(StoreError):
        decode_from(io.BytesIO(data))
    with pytest.raises(StoreError):
        read_result(io.BytesIO(data))


def test_parquet_without_polars_is_a_store_error() -> None:
    pytest.importorskip("jug")  # jug writes parquet only for polars frames
    try:
        import polars  # noqa: F401
    except ImportError:
        with pytest.raises(StoreError, match="polars"):
            read_result(io.BytesIO(b"PAR1" + b"\0" * 20))
    else:
        pytest.skip("polars is installed")
