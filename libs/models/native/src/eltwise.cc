#include "eltwise.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "pool.h"

namespace det {
namespace {

// Elements per thread below which a second thread costs more (wake-up, and on a busy machine the
// wait for it to be scheduled) than it saves on these memory-bound loops.
constexpr long kGrain = 1 << 17;

// Math.pow's rules where C's pow differs: a NaN exponent, and ±1 to an infinite power, give NaN.
inline float js_pow(float x, float y) {
  if (std::isnan(y) || (std::isinf(y) && std::fabs(x) == 1.f)) return NAN;
  return static_cast<float>(std::pow(static_cast<double>(x), static_cast<double>(y)));
}

template <typename F>
void binary_loop(long rows, long cols, const float* a, Strides as, const float* b, Strides bs, float* out, F f) {
  // Whole-tensor and scalar operands are flattened into one long range so the loop splits evenly.
  const bool a_full = as.row == cols && as.col == 1, b_full = bs.row == cols && bs.col == 1;
  const bool a_scalar = as.row == 0 && as.col == 0, b_scalar = bs.row == 0 && bs.col == 0;
  if ((a_full || a_scalar) && (b_full || b_scalar)) {
    const long n = rows * cols;
    parallel_range(n, kGrain, [&](long lo, long hi) {
      if (a_full && b_full) for (long i = lo; i < hi; ++i) out[i] = f(a[i], b[i]);
      else if (a_full) { const float bv = b[0]; for (long i = lo; i < hi; ++i) out[i] = f(a[i], bv); }
      else if (b_full) { const float av = a[0]; for (long i = lo; i < hi; ++i) out[i] = f(av, b[i]); }
      else { const float v = f(a[0], b[0]); for (long i = lo; i < hi; ++i) out[i] = v; }
    });
    return;
  }
  parallel_range(rows, std::max<long>(1, kGrain / std::max<long>(1, cols)), [&](long lo, long hi) {
    for (long r = lo; r < hi; ++r) {
      const float* ar = a + r * as.row;
      const float* br = b + r * bs.row;
      float* o = out + r * cols;
      if (as.col == 1 && bs.col == 1) {
        for (long c = 0; c < cols; ++c) o[c] = f(ar[c], br[c]);
      } else if (as.col == 1) {
        const float bv = br[0];
        for (long c = 0; c < cols; ++c) o[c] = f(ar[c], bv);
      } else if (bs.col == 1) {
        const float av = ar[0];
        for (long c = 0; c < cols; ++c) o[c] = f(av, br[c]);
      } else {
        const float v = f(ar[0], br[0]);
        for (long c = 0; c < cols; ++c) o[c] = v;
      }
    }
  });
}

template <typename F>
void broadcast_loop(int rank, const long* shape_in, const float* a, const long* as_in, const float* b,
                    const long* bs_in, float* out, F f) {
  // Merge neighbouring dimensions that both operands walk contiguously (or both broadcast), so the
  // common cases end up as a few long rows.
  long shape[8], as[8], bs[8];
  int r = 0;
  for (int d = 0; d < rank; ++d) {
    if (shape_in[d] == 1) continue;
    if (r > 0 && as[r - 1] == as_in[d] * shape_in[d] && bs[r - 1] == bs_in[d] * shape_in[d]) {
      shape[r - 1] *= shape_in[d];
      as[r - 1] = as_in[d];
      bs[r - 1] = bs_in[d];
    } else {
      shape[r] = shape_in[d]; as[r] = as_in[d]; bs[r] = bs_in[d]; ++r;
    }
  }
  if (r == 0) { out[0] = f(a[0], b[0]); return; }
  const long inner = shape[r - 1], ia = as[r - 1], ib = bs[r - 1];
  long outer = 1;
  for (int d = 0; d < r - 1; ++d) outer *= shape[d];
  parallel_range(outer, std::max<long>(1, kGrain / std::max<long>(1, inner)), [&](long lo, long hi) {
    const F local = f;
    // Offsets of row `lo`, then advanced with an odometer over the outer dimensions.
    long idx[8] = {0}, offa = 0, offb = 0;
    for (long rem = lo, d = r - 2; d >= 0; --d) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
      offa += idx[d] * as[d];
      offb += idx[d] * bs[d];
    }
    for (long row = lo; row < hi; ++row) {
      const float* ar = a + offa;
      const float* br = b + offb;
      float* o = out + row * inner;
      if (ia == 1 && ib == 1) for (long c = 0; c < inner; ++c) o[c] = local(ar[c], br[c]);
      else if (ia == 1 && ib == 0) { const float bv = br[0]; for (long c = 0; c < inner; ++c) o[c] = local(ar[c], bv); }
      else if (ia == 0 && ib == 1) { const float av = ar[0]; for (long c = 0; c < inner; ++c) o[c] = local(av, br[c]); }
      else for (long c = 0; c < inner; ++c) o[c] = local(ar[c * ia], br[c * ib]);
      for (long d = r - 2; d >= 0; --d) {
        offa += as[d];
        offb += bs[d];
        if (++idx[d] < shape[d]) break;
        offa -= as[d] * shape[d];
        offb -= bs[d] * shape[d];
        idx[d] = 0;
      }
    }
  });
}

template <typename F>
void unary_loop(long n, const float* x, float* out, F f) {
  parallel_range(n, kGrain, [&](long lo, long hi) {
    const F local = f;  // a private copy: captured state cannot alias `out`, so the loop vectorises
    for (long i = lo; i < hi; ++i) out[i] = local(x[i]);
  });
}

// Column sums of a [rows × cols] block into a double accumulator (rows split across threads).
std::vector<double> column_sums(long rows, long cols, const float* x) {
  const long min_rows = std::max<long>(1, kGrain / std::max<long>(1, cols));
  const int threads = dynamic_workers(rows, min_rows);
  std::vector<std::vector<double>> partial(threads, std::vector<double>(cols, 0.0));
  parallel_dynamic(rows, min_rows, [&](int t, long lo, long hi) {
    double* acc = partial[t].data();
    for (long r = lo; r < hi; ++r) {
      const float* xr = x + r * cols;
      for (long c = 0; c < cols; ++c) acc[c] += xr[c];
    }
  });
  for (int t = 1; t < threads; ++t)
    for (long c = 0; c < cols; ++c) partial[0][c] += partial[t][c];
  return partial[0];
}

}  // namespace

void binary(BinaryOp op, long rows, long cols, const float* a, Strides as, const float* b, Strides bs, float* out) {
  switch (op) {
    case BinaryOp::Add: binary_loop(rows, cols, a, as, b, bs, out, [](float x, float y) { return x + y; }); break;
    case BinaryOp::Sub: binary_loop(rows, cols, a, as, b, bs, out, [](float x, float y) { return x - y; }); break;
    case BinaryOp::Mul: binary_loop(rows, cols, a, as, b, bs, out, [](float x, float y) { return x * y; }); break;
    case BinaryOp::Div: binary_loop(rows, cols, a, as, b, bs, out, [](float x, float y) { return x / y; }); break;
    case BinaryOp::SquaredDiff:
      binary_loop(rows, cols, a, as, b, bs, out, [](float x, float y) { return (x - y) * (x - y); });
      break;
    case BinaryOp::Maximum:
      binary_loop(rows, cols, a, as, b, bs, out, [](float x, float y) { return std::isnan(x) || x > y ? x : y; });
      break;
    case BinaryOp::ReluGrad:
      binary_loop(rows, cols, a, as, b, bs, out, [](float g, float x) { return x > 0.f ? g : 0.f; });
      break;
    case BinaryOp::SquareGrad:
      binary_loop(rows, cols, a, as, b, bs, out, [](float g, float x) { return 2.f * g * x; });
      break;
    case BinaryOp::First: binary_loop(rows, cols, a, as, b, bs, out, [](float x, float) { return x; }); break;
    case BinaryOp::Pow: binary_loop(rows, cols, a, as, b, bs, out, js_pow); break;
    case BinaryOp::Minimum:
      binary_loop(rows, cols, a, as, b, bs, out, [](float x, float y) { return std::isnan(x) || x < y ? x : y; });
      break;
  }
}

void binary_broadcast(BinaryOp op, int rank, const long* shape, const float* a, const long* as, const float* b,
                      const long* bs, float* out) {
  switch (op) {
    case BinaryOp::Add: broadcast_loop(rank, shape, a, as, b, bs, out, [](float x, float y) { return x + y; }); break;
    case BinaryOp::Sub: broadcast_loop(rank, shape, a, as, b, bs, out, [](float x, float y) { return x - y; }); break;
    case BinaryOp::Mul: broadcast_loop(rank, shape, a, as, b, bs, out, [](float x, float y) { return x * y; }); break;
    case BinaryOp::Div: broadcast_loop(rank, shape, a, as, b, bs, out, [](float x, float y) { return x / y; }); break;
    case BinaryOp::SquaredDiff:
      broadcast_loop(rank, shape, a, as, b, bs, out, [](float x, float y) { return (x - y) * (x - y); });
      break;
    case BinaryOp::Maximum:
      broadcast_loop(rank, shape, a, as, b, bs, out, [](float x, float y) { return std::isnan(x) || x > y ? x : y; });
      break;
    case BinaryOp::Minimum:
      broadcast_loop(rank, shape, a, as, b, bs, out, [](float x, float y) { return std::isnan(x) || x < y ? x : y; });
      break;
    case BinaryOp::ReluGrad:
      broadcast_loop(rank, shape, a, as, b, bs, out, [](float g, float x) { return x > 0.f ? g : 0.f; });
      break;
    case BinaryOp::SquareGrad:
      broadcast_loop(rank, shape, a, as, b, bs, out, [](float g, float x) { return 2.f * g * x; });
      break;
    case BinaryOp::First: broadcast_loop(rank, shape, a, as, b, bs, out, [](float x, float) { return x; }); break;
    case BinaryOp::Pow: broadcast_loop(rank, shape, a, as, b, bs, out, js_pow); break;
  }
}

void unary(UnaryOp op, long n, const float* x, float alpha, float* out) {
  switch (op) {
    case UnaryOp::Relu: unary_loop(n, x, out, [](float v) { return v > 0.f ? v : (std::isnan(v) ? v : 0.f); }); break;
    case UnaryOp::Relu6: unary_loop(n, x, out, [](float v) { return std::isnan(v) ? v : std::min(6.f, std::max(0.f, v)); }); break;
    case UnaryOp::Square: unary_loop(n, x, out, [](float v) { return v * v; }); break;
    case UnaryOp::Neg: unary_loop(n, x, out, [](float v) { return -v; }); break;
    case UnaryOp::Step: unary_loop(n, x, out, [alpha](float v) { const float s = v > 0.f ? 1.f : alpha; return v != v ? v : s; }); break;
    case UnaryOp::Sigmoid: unary_loop(n, x, out, [](float v) { return 1.f / (1.f + std::exp(-v)); }); break;
    case UnaryOp::Exp: unary_loop(n, x, out, [](float v) { return std::exp(v); }); break;
    case UnaryOp::Log: unary_loop(n, x, out, [](float v) { return std::log(v); }); break;
    case UnaryOp::Sqrt: unary_loop(n, x, out, [](float v) { return std::sqrt(v); }); break;
    case UnaryOp::Rsqrt: unary_loop(n, x, out, [](float v) { return 1.f / std::sqrt(v); }); break;
    case UnaryOp::Abs: unary_loop(n, x, out, [](float v) { return std::fabs(v); }); break;
    case UnaryOp::Log1p: unary_loop(n, x, out, [](float v) { return static_cast<float>(std::log1p(static_cast<double>(v))); }); break;
  }
}

void reduce_rows(long rows, long cols, const float* x, float scale, float* out) {
  const std::vector<double> sums = column_sums(rows, cols, x);
  for (long c = 0; c < cols; ++c) out[c] = static_cast<float>(sums[c] * scale);
}

void reduce_axes(int rank, const long* shape_in, const bool* reduce_in, const float* x, float scale, float* out) {
  // Merge neighbouring dimensions with the same flag (x is contiguous, so they stay contiguous).
  long shape[8];
  bool red[8];
  int r = 0;
  for (int d = 0; d < rank; ++d) {
    if (shape_in[d] == 1) continue;
    if (r > 0 && red[r - 1] == reduce_in[d]) shape[r - 1] *= shape_in[d];
    else { shape[r] = shape_in[d]; red[r] = reduce_in[d]; ++r; }
  }
  long out_size = 1, ostride[8];
  for (int d = r - 1; d >= 0; --d) {
    ostride[d] = red[d] ? 0 : out_size;
    if (!red[d]) out_size *= shape[d];
  }
  if (r == 0) { out[0] = x[0] * scale; return; }
  const long inner = shape[r - 1];
  const bool inner_reduced = red[r - 1];
  long outer = 1;
  for (int d = 0; d < r - 1; ++d) outer *= shape[d];
  const long min_rows = std::max<long>(1, kGrain / std::max<long>(1, inner));
  const int workers = dynamic_workers(outer, min_rows);
  std::vector<std::vector<double>> acc(workers, std::vector<double>(out_size, 0.0));
  parallel_dynamic(outer, min_rows, [&](int t, long lo, long hi) {
    double* a = acc[t].data();
    long idx[8] = {0}, off = 0;
    for (long rem = lo, d = r - 2; d >= 0; --d) {
      idx[d] = rem % shape[d];
      rem /= shape[d];
      off += idx[d] * ostride[d];
    }
    for (long row = lo; row < hi; ++row) {
      const float* xr = x + row * inner;
      if (inner_reduced) {
        double s = 0.0;
        for (long c = 0; c < inner; ++c) s += xr[c];
        a[off] += s;
      } else {
        for (long c = 0; c < inner; ++c) a[off + c] += xr[c];
      }
      for (long d = r - 2; d >= 0; --d) {
        off += ostride[d];
        if (++idx[d] < shape[d]) break;
        off -= ostride[d] * shape[d];
        idx[d] = 0;
      }
    }
  });
  for (long i = 0; i < out_size; ++i) {
    double s = 0.0;
    for (int t = 0; t < workers; ++t) s += acc[t][i];
    out[i] = static_cast<float>(s * scale);
  }
}

void reduce_cols(long rows, long cols, const float* x, float scale, float* out) {
  parallel_range(rows, std::max<long>(1, kGrain / std::max<long>(1, cols)), [&](long lo, long hi) {
    for (long r = lo; r < hi; ++r) {
      const float* xr = x + r * cols;
      double s = 0.0;
      for (long c = 0; c < cols; ++c) s += xr[c];
      out[r] = static_cast<float>(s * scale);
    }
  });
}

void tile_rows(long rows, long cols, const float* v, float scale, float* out) {
  std::vector<float> scaled(v, v + cols);
  for (float& x : scaled) x *= scale;
  parallel_range(rows, std::max<long>(1, kGrain / std::max<long>(1, cols)), [&](long lo, long hi) {
    for (long r = lo; r < hi; ++r) std::copy(scaled.begin(), scaled.end(), out + r * cols);
  });
}

void batch_norm(long rows, long cols, const float* x, const float* mean, const float* var, const float* offset,
                const float* scale, float eps, float* y) {
  std::vector<float> mul(cols), add(cols);
  for (long c = 0; c < cols; ++c) {
    mul[c] = scale[c] / std::sqrt(var[c] + eps);
    add[c] = offset[c] - mean[c] * mul[c];
  }
  parallel_range(rows, std::max<long>(1, kGrain / std::max<long>(1, cols)), [&](long lo, long hi) {
    for (long r = lo; r < hi; ++r) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      for (long c = 0; c < cols; ++c) yr[c] = xr[c] * mul[c] + add[c];
    }
  });
}

void batch_norm_grad(long rows, long cols, const float* x, const float* dy, const float* mean, const float* var,
                     const float* scale, float eps, float* dx, float* dmean, float* dvar, float* dscale,
                     float* doffset) {
  const long min_rows = std::max<long>(1, kGrain / std::max<long>(1, cols));
  const int threads = dynamic_workers(rows, min_rows);
  std::vector<std::vector<double>> sum_dy(threads, std::vector<double>(cols, 0.0));
  std::vector<std::vector<double>> sum_dy_xc(threads, std::vector<double>(cols, 0.0));
  std::vector<float> r(cols), dy_mul(cols);
  for (long c = 0; c < cols; ++c) {
    r[c] = 1.f / std::sqrt(var[c] + eps);
    dy_mul[c] = scale[c] * r[c];
  }
  // One pass: dx and both per-channel sums together.
  parallel_dynamic(rows, min_rows, [&](int t, long lo, long hi) {
    double* s1 = sum_dy[t].data();
    double* s2 = sum_dy_xc[t].data();
    for (long i = lo; i < hi; ++i) {
      const float* xr = x + i * cols;
      const float* gr = dy + i * cols;
      float* dxr = dx + i * cols;
      for (long c = 0; c < cols; ++c) {
        const float g = gr[c];
        s1[c] += g;
        s2[c] += g * (xr[c] - mean[c]);
        dxr[c] = g * dy_mul[c];
      }
    }
  });
  for (long c = 0; c < cols; ++c) {
    double a = 0.0, b = 0.0;
    for (int t = 0; t < threads; ++t) { a += sum_dy[t][c]; b += sum_dy_xc[t][c]; }
    if (dmean) dmean[c] = static_cast<float>(-dy_mul[c] * a);
    if (dvar) dvar[c] = static_cast<float>(-0.5 * scale[c] * r[c] * r[c] * r[c] * b);
    if (dscale) dscale[c] = static_cast<float>(r[c] * b);
    if (doffset) doffset[c] = static_cast<float>(a);
  }
}

}  // namespace det
