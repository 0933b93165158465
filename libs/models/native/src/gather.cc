#include "gather.h"

#include <algorithm>
#include <cstring>

#include "pool.h"

namespace det {

bool gather_axis(long outer, long axis_dim, long inner, const float* x, const int32_t* indices, long n_indices,
                 float* out) {
  for (long i = 0; i < n_indices; ++i) {
    if (indices[i] < 0 || indices[i] >= axis_dim) return false;
  }
  const long rows = outer * n_indices;
  const size_t bytes = static_cast<size_t>(inner) * sizeof(float);
  // Each output row is one contiguous copy; threads take runs of rows (memory-bound, so only
  // large gathers are split).
  parallel_range(rows, inner > 0 ? std::max<long>(1, (1L << 16) / inner) : rows, [&](long lo, long hi) {
    for (long r = lo; r < hi; ++r) {
      const long o = r / n_indices, i = r % n_indices;
      std::memcpy(out + r * inner, x + (o * axis_dim + indices[i]) * inner, bytes);
    }
  });
  return true;
}

}  // namespace det
