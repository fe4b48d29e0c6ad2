"""Keep a long-running player's memory from creeping: big pixel buffers straight from the kernel.

glibc's ``malloc`` serves blocks of 128 KiB and more with ``mmap`` (given back to the system when
freed) until the first such block is freed; then it raises that threshold to the freed size (up to
32 MiB), and from there on screen-sized surfaces (a 1920x1080 slide is 8 MiB), which the prerender
and touch threads make and the frame loop drops, come from the heap and the threads' arenas, which
fragment and never shrink: the player's RSS crept from 135 to 189 MiB in 10 minutes of the demo loop
under Xvfb (``bench/bench_screen.py --soak 600``).  Setting the threshold explicitly switches that
adjustment off (mallopt(3)); the CPU cost did not change measurably (same CPU seconds over minutes
of the demo loop, with and without).
"""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
BIG_BLOCK = 128 * 1024


def big_blocks_from_the_kernel(threshold: int = BIG_BLOCK) -> bool:
    """Fix glibc's mmap threshold at ``threshold`` bytes; False where that is not possible.

    Not on a C library without ``mallopt`` (musl, macOS), and not when the environment already sets
    ``MALLOC_MMAP_THRESHOLD_`` (the operator's choice wins).
    """
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    done = bool(mallopt(M_MMAP_THRESHOLD, threshold))
    if not done:
        log.debug("mallopt(M_MMAP_THRESHOLD, %d) refused", threshold)
    return done
