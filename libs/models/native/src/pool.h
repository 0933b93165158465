// A tiny persistent thread pool: `parallel(n, fn)` runs fn(0..n-1) with the caller as worker 0.
// Persistent because detection training makes thousands of kernel calls per step and spawning
// threads per call would cost more than the small kernels themselves.
#pragma once
#include <functional>

namespace det {

int pool_threads();                 // workers available (caller included)
void set_pool_threads(int n);       // 1 = run everything on the caller
// Runs fn(t) for t in [0, n); n is clamped to pool_threads(). Blocks until all are done.
void parallel(int n, const std::function<void(int)>& fn);
// Splits [0, total) into contiguous ranges, one per thread, skipping threading for small totals.
void parallel_range(long total, long min_per_thread, const std::function<void(long, long)>& fn);

}  // namespace det
