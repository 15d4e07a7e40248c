"""Kafka's Java murmur2 partitioner, written from its definition, to check record placement."""

from __future__ import annotations

SEED = 0x9747B28C
M = 0x5BD1E995
MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """Return the 32-bit murmur2 hash (unsigned) that Kafka's Java client computes for `data`."""
    length = len(data)
    h = (SEED ^ length) & MASK
    for start in range(0, length - length % 4, 4):
        k = int.from_bytes(data[start : start + 4], "little")
        k = (k * M) & MASK
        k ^= k >> 24
        k = (k * M) & MASK
        h = (h * M) & MASK
        h ^= k

    tail = length - length % 4
    remainder = length % 4
    if remainder == 3:
        h ^= data[tail + 2] << 16
    if remainder >= 2:
        h ^= data[tail + 1] << 8
    if remainder >= 1:
        h ^= data[tail]
        h = (h * M) & MASK

    h ^= h >> 13
    h = (h * M) & MASK
    h ^= h >> 15
    return h


def java_partition(key: bytes, partitions: int) -> int:
    """Return the partition the Java default partitioner picks for a non-null key."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def as_signed(value: int) -> int:
    return value - (1 << 32) if value >= 1 << 31 else value
