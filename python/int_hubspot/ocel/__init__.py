"""Pure-Python reference of the OCEL 2.0 normalization of HubSpot webhook batches.

The native `int_hubspot._native.normalize_batch` must return exactly what `normalize_batch` here
returns; the parity tests compare both. Only the standard library is used.
"""

from int_hubspot.ocel.batch import normalize_batch

__all__ = ["normalize_batch"]
