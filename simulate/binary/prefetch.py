"""Software prefetch for the Numba kernels: ask the CPU to start loading a row that a later visit will read.

The pattern-form kernels of :mod:`.hebbian_kernels` visit spins in a random order, so each visit reads one int8 row of
the patterns ``xiT[i]`` (``P`` bytes) from an address the hardware prefetcher cannot guess: at ``N P`` bytes beyond the
caches the visit waits for memory. :func:`prefetch_row` issues one ``llvm.prefetch`` (a hint, no architectural
effect: it never faults and changes no value, so a kernel's results are the same with or without it) per 64-byte
cache line of a row, so the row of a visit ``AHEAD`` visits later is in flight while the current one is computed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["LINE", "prefetch", "prefetch_row"]

#: bytes per cache line (x86-64 and most ARM cores).
LINE = 64


@intrinsic
def prefetch(typingctx: Any, arr: types.Array, idx: types.Integer) -> Any:
    """Prefetch the cache line of ``arr[idx]`` (1-d array) for reading into all cache levels (``llvm.prefetch``)."""
    if not isinstance(arr, types.Array) or arr.ndim != 1 or not isinstance(idx, types.Integer):
        return None
    sig = types.void(arr, idx)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]])
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        # (address, rw = 0 read, locality = 3 keep in all levels, cache type = 1 data)
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always")
def prefetch_row(row: np.ndarray) -> None:
    """Prefetch every cache line of the contiguous 1-d array ``row``."""
    step = LINE // row.itemsize
    for c in range(0, row.shape[0], step):
        prefetch(row, c)
    if row.shape[0] > 0:
        prefetch(row, row.shape[0] - 1)  # the last line, where the row does not start on a line boundary
