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
// Splits [0, total) into pieces handed out on demand: fn(worker, lo, hi) may run several times per
// worker. On-demand pieces keep the caller busy when a worker is descheduled (a busy machine),
// instead of waiting for that worker's fixed share. No threading when total < 2 * min_per_thread.
void parallel_dynamic(long total, long min_per_thread, const std::function<void(int, long, long)>& fn);
// parallel_dynamic without the worker index.
void parallel_range(long total, long min_per_thread, const std::function<void(long, long)>& fn);
// Workers parallel_dynamic would use for `total` (size per-worker partial results with it).
int dynamic_workers(long total, long min_per_thread);

}  // namespace det
