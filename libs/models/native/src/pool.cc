#include "pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace det {
namespace {

struct Pool {
  std::mutex mu;
  std::condition_variable wake, done;
  std::vector<std::thread> workers;
  const std::function<void(int)>* job = nullptr;
  int job_n = 0;
  long generation = 0;
  int pending = 0;
  int size = 1;  // including the caller

  explicit Pool(int n) { resize(n); }
  ~Pool() { stop(); }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      job = nullptr;
      job_n = -1;  // tells workers to exit
      ++generation;
    }
    wake.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
    job_n = 0;
  }

  void resize(int n) {
    stop();
    size = std::max(1, n);
    for (int i = 1; i < size; ++i) workers.emplace_back([this, i] { loop(i); });
  }

  void loop(int id) {
    long seen = 0;
    for (;;) {
      const std::function<void(int)>* fn;
      int n;
      {
        std::unique_lock<std::mutex> lock(mu);
        wake.wait(lock, [&] { return generation != seen; });
        seen = generation;
        if (job_n < 0) return;
        fn = job;
        n = job_n;
      }
      if (fn && id < n) (*fn)(id);
      {
        std::lock_guard<std::mutex> lock(mu);
        if (--pending == 0) done.notify_one();
      }
    }
  }

  void run(int n, const std::function<void(int)>& fn) {
    n = std::min(n, size);
    if (n <= 1) { fn(0); return; }
    {
      std::lock_guard<std::mutex> lock(mu);
      job = &fn;
      job_n = n;
      pending = size - 1;
      ++generation;
    }
    wake.notify_all();
    fn(0);
    std::unique_lock<std::mutex> lock(mu);
    done.wait(lock, [&] { return pending == 0; });
    job = nullptr;
  }
};

int default_threads() {
  if (const char* env = std::getenv("DET_NATIVE_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

Pool& pool() {
  static Pool* p = new Pool(default_threads());  // leaked on purpose: no join at process exit
  return *p;
}

std::mutex run_mu;  // one parallel region at a time (nested calls run inline)
thread_local bool inside = false;

}  // namespace

int pool_threads() { return pool().size; }

void set_pool_threads(int n) {
  std::lock_guard<std::mutex> lock(run_mu);
  pool().resize(n);
}

void parallel(int n, const std::function<void(int)>& fn) {
  if (n <= 1 || inside) {
    for (int t = 0; t < n; ++t) fn(t);
    return;
  }
  std::lock_guard<std::mutex> lock(run_mu);
  const int used = std::min(n, pool().size);
  // Jobs beyond the pool size are folded onto the workers round-robin.
  std::function<void(int)> wrapped = [&](int t) {
    const bool was_inside = inside;
    inside = true;  // nested parallel calls from this worker run inline instead of deadlocking
    for (int j = t; j < n; j += used) fn(j);
    inside = was_inside;
  };
  pool().run(used, wrapped);
}

int dynamic_workers(long total, long min_per_thread) {
  if (total <= 0 || inside) return 1;
  return static_cast<int>(std::min<long>(pool_threads(), std::max<long>(1, total / std::max<long>(1, min_per_thread))));
}

void parallel_dynamic(long total, long min_per_thread, const std::function<void(int, long, long)>& fn) {
  if (total <= 0) return;
  const int n = dynamic_workers(total, min_per_thread);
  if (n <= 1) { fn(0, 0, total); return; }
  // About four pieces per worker, none smaller than min_per_thread.
  const long piece = std::max(std::max<long>(1, min_per_thread), (total + 4L * n - 1) / (4L * n));
  std::atomic<long> next{0};
  parallel(n, [&](int t) {
    for (long lo = next.fetch_add(piece); lo < total; lo = next.fetch_add(piece)) fn(t, lo, std::min(total, lo + piece));
  });
}

void parallel_range(long total, long min_per_thread, const std::function<void(long, long)>& fn) {
  parallel_dynamic(total, min_per_thread, [&](int, long lo, long hi) { fn(lo, hi); });
}

}  // namespace det
