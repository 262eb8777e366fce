"""``jug.backends.encode``: jug's value encoding (zlib + pickle / numpy)."""

from jug_async.store.encoding import decode, decode_from, encode, encode_to

__all__ = ["decode", "decode_from", "encode", "encode_to"]
