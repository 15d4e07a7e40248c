"""Pure-Python reference implementations of the native webhook functions, used to cross-check them."""

from int_hubspot.ocel.batch import normalize_batch

__all__ = ["normalize_batch"]
