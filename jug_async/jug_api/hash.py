"""``jug.hash`` for jugfiles that define ``__jug_hash__`` with jug's helpers."""

from ..hashing import hash_one, hash_update, new_hash

new_hash_object = new_hash

__all__ = ["hash_one", "hash_update", "new_hash_object"]
