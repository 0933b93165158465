#include "conv.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "pool.h"

namespace det {
namespace {

// Chunk of output pixels per GEMM call: big enough for GEMM efficiency, small enough that the
// patch buffer (rows×K floats) stays in L2.
long chunk_rows(long k) { return std::max<long>(96, std::min<long>(4096, (96 * 1024) / std::max<long>(1, k))) / MR * MR; }

bool is_pointwise(const ConvShape& s) {
  return s.kh == 1 && s.kw == 1 && s.sh == 1 && s.sw == 1 && s.pt == 0 && s.pl == 0 && s.oh == s.h && s.ow == s.w;
}

// Copies n floats; tiny counts (a few channels) are faster as a loop than as a memcpy call.
inline void copy_floats(float* dst, const float* src, long n) {
  if (n < 16) { for (long i = 0; i < n; ++i) dst[i] = src[i]; }
  else std::memcpy(dst, src, n * sizeof(float));
}

inline void add_floats(float* dst, const float* src, long n) {
  for (long i = 0; i < n; ++i) dst[i] += src[i];
}

// Gathers patches of output pixels [p0, p0+rows) into col (rows × K, K ordered kh, kw, c).
// With dilation 1 the kw taps of one filter row are contiguous in NHWC, so an interior patch row
// is one kw·c copy instead of kw copies of c.
void im2col(const ConvShape& s, const float* x, long p0, long rows, float* col) {
  const long K = s.k(), run = s.kw * s.c;
  // Output coordinates advance incrementally: a div/mod per pixel costs as much as a small patch.
  long b = p0 / (s.oh * s.ow), oy = (p0 / s.ow) % s.oh, ox = p0 % s.ow;
  for (long r = 0; r < rows; ++r) {
    const long ix0 = ox * s.sw - s.pl;
    const bool row_inside = s.dw == 1 && ix0 >= 0 && ix0 + s.kw <= s.w;
    float* dst = col + r * K;
    for (long ky = 0; ky < s.kh; ++ky, dst += run) {
      const long iy = oy * s.sh - s.pt + ky * s.dh;
      if (iy < 0 || iy >= s.h) {
        std::memset(dst, 0, run * sizeof(float));
        continue;
      }
      const float* src_row = x + (b * s.h + iy) * s.w * s.c;
      if (row_inside) {
        copy_floats(dst, src_row + ix0 * s.c, run);
        continue;
      }
      for (long kx = 0; kx < s.kw; ++kx) {
        const long ix = ix0 + kx * s.dw;
        float* d = dst + kx * s.c;
        if (ix < 0 || ix >= s.w) std::memset(d, 0, s.c * sizeof(float));
        else copy_floats(d, src_row + ix * s.c, s.c);
      }
    }
    if (++ox == s.ow) {
      ox = 0;
      if (++oy == s.oh) { oy = 0; ++b; }
    }
  }
}

// Adds patch gradients of output pixels [p0, p0+rows) back into dx (the transpose of im2col).
void col2im_add(const ConvShape& s, const float* col, long p0, long rows, float* dx) {
  const long K = s.k(), run = s.kw * s.c;
  long b = p0 / (s.oh * s.ow), oy = (p0 / s.ow) % s.oh, ox = p0 % s.ow;
  for (long r = 0; r < rows; ++r) {
    const long ix0 = ox * s.sw - s.pl;
    const bool row_inside = s.dw == 1 && ix0 >= 0 && ix0 + s.kw <= s.w;
    const float* src = col + r * K;
    for (long ky = 0; ky < s.kh; ++ky, src += run) {
      const long iy = oy * s.sh - s.pt + ky * s.dh;
      if (iy < 0 || iy >= s.h) continue;
      float* dst_row = dx + (b * s.h + iy) * s.w * s.c;
      if (row_inside) {
        add_floats(dst_row + ix0 * s.c, src, run);
        continue;
      }
      for (long kx = 0; kx < s.kw; ++kx) {
        const long ix = ix0 + kx * s.dw;
        if (ix >= 0 && ix < s.w) add_floats(dst_row + ix * s.c, src + kx * s.c, s.c);
      }
    }
    if (++ox == s.ow) {
      ox = 0;
      if (++oy == s.oh) { oy = 0; ++b; }
    }
  }
}

// im2col straight into GEMM A-panel layout (MR rows interleaved), saving a separate packing pass.
void im2col_packed(const ConvShape& s, const float* x, long p0, long rows, float* ap) {
  const long K = s.k();
  thread_local std::vector<float> tmp;
  tmp.resize(MR * K);
  for (long ir = 0; ir < rows; ir += MR) {
    const long m = std::min<long>(MR, rows - ir);
    im2col(s, x, p0 + ir, m, tmp.data());
    float* panel = ap + (ir / MR) * MR * K;
    for (long k = 0; k < K; ++k) {
      float* dst = panel + k * MR;
      for (long r = 0; r < m; ++r) dst[r] = tmp[r * K + k];
      for (long r = m; r < MR; ++r) dst[r] = 0.f;
    }
  }
}

// im2col transposed into A-panel layout for colᵀ (K × rows): panel kk/MR holds, per pixel, MR
// consecutive patch entries — one contiguous run per panel.
void im2col_packed_transposed(const ConvShape& s, const float* x, long p0, long rows, float* ap) {
  const long K = s.k();
  constexpr long kBlock = 32;  // pixels gathered per im2col call (a small, L1-resident block)
  thread_local std::vector<float> tmp;
  tmp.resize(kBlock * K);
  for (long r0 = 0; r0 < rows; r0 += kBlock) {
    const long n = std::min(kBlock, rows - r0);
    im2col(s, x, p0 + r0, n, tmp.data());
    for (long k0 = 0; k0 < K; k0 += MR) {
      const long m = std::min<long>(MR, K - k0);
      float* dst = ap + (k0 / MR) * MR * rows + r0 * MR;
      for (long r = 0; r < n; ++r, dst += MR) {
        const float* src = tmp.data() + r * K + k0;
        for (long i = 0; i < m; ++i) dst[i] = src[i];
        for (long i = m; i < MR; ++i) dst[i] = 0.f;
      }
    }
  }
}

void apply_epilogue(float* y, long rows, long co, const float* bias, Activation act, float alpha) {
  if (!bias && act == Activation::Linear) return;
  for (long r = 0; r < rows; ++r) {
    float* yr = y + r * co;
    if (bias) for (long j = 0; j < co; ++j) yr[j] += bias[j];
    switch (act) {
      case Activation::Linear: break;
      case Activation::Relu: for (long j = 0; j < co; ++j) yr[j] = yr[j] > 0.f ? yr[j] : 0.f; break;
      case Activation::Relu6: for (long j = 0; j < co; ++j) yr[j] = std::min(6.f, std::max(0.f, yr[j])); break;
      case Activation::LeakyRelu: for (long j = 0; j < co; ++j) yr[j] = yr[j] > 0.f ? yr[j] : alpha * yr[j]; break;
      case Activation::Sigmoid: for (long j = 0; j < co; ++j) yr[j] = 1.f / (1.f + std::exp(-yr[j])); break;
    }
  }
}

// Runs fn(p0, rows, thread) over all output pixels in chunks, chunks handed out dynamically.
template <typename Fn>
void for_each_chunk(long total, long chunk, Fn fn) {
  const long chunks = (total + chunk - 1) / chunk;
  std::atomic<long> next{0};
  const int threads = static_cast<int>(std::min<long>(pool_threads(), chunks));
  parallel(threads, [&](int t) {
    for (long c = next++; c < chunks; c = next++) {
      const long p0 = c * chunk;
      fn(p0, std::min(chunk, total - p0), t);
    }
  });
}

}  // namespace

void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* bias, Activation act,
                    float alpha, float* y) {
  const long K = s.k(), P = s.pixels();
  const bool pointwise = is_pointwise(s);
  std::vector<float> bp(packed_b_size(K, s.co));
  pack_b_full(false, w, s.co, K, s.co, bp.data());  // once per call, shared by all threads
  for_each_chunk(P, chunk_rows(K), [&](long p0, long rows, int) {
    thread_local std::vector<float> ap;
    ap.resize(packed_a_size(rows, K));
    if (pointwise) pack_a_full(false, x + p0 * s.c, s.c, rows, K, ap.data());
    else im2col_packed(s, x, p0, rows, ap.data());
    float* yc = y + p0 * s.co;
    sgemm_prepacked(rows, s.co, K, ap.data(), bp.data(), 0.f, yc, s.co);
    apply_epilogue(yc, rows, s.co, bias, act, alpha);
  });
}

void conv2d_backprop_input(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const long K = s.k();
  if (is_pointwise(s)) {
    // dx = dy · wᵀ directly.
    sgemm(false, true, s.pixels(), s.c, s.co, dy, s.co, w, s.co, 0.f, dx, s.c);
    return;
  }
  std::memset(dx, 0, sizeof(float) * s.n * s.h * s.w * s.c);
  if (s.pixels() == 0) return;  // an empty dy (input narrower than the filter): dx = 0; col2im_add would divide by ow = 0
  // Bands of output rows scatter into overlapping input rows, so bands are split into two
  // colours: bands of one colour are far enough apart to be written concurrently.
  const long reach = (s.kh - 1) * s.dh + 1;
  long band = std::max<long>(1, (reach + s.sh - 1) / s.sh);
  band = std::max(band, chunk_rows(K) / std::max<long>(1, s.ow));
  const long bands_per_image = (s.oh + band - 1) / band;
  // wᵀ (co × K) packed once for all bands.
  std::vector<float> bp(packed_b_size(s.co, K));
  pack_b_full(true, w, s.co, s.co, K, bp.data());
  for (int colour = 0; colour < 2; ++colour) {
    std::vector<long> mine;
    for (long b = 0; b < s.n; ++b)
      for (long i = colour; i < bands_per_image; i += 2) mine.push_back(b * bands_per_image + i);
    std::atomic<long> next{0};
    // Small problems stay on one thread: waking the pool costs more than their arithmetic.
    const bool small = 2.0 * s.pixels() * K * s.co < 8e6;
    const int threads = small ? 1 : static_cast<int>(std::min<long>(pool_threads(), static_cast<long>(mine.size())));
    parallel(threads, [&](int) {
      thread_local std::vector<float> col, ap;
      for (long j = next++; j < static_cast<long>(mine.size()); j = next++) {
        const long img = mine[j] / bands_per_image, i = mine[j] % bands_per_image;
        const long y0 = i * band, y1 = std::min(s.oh, y0 + band);
        const long p0 = (img * s.oh + y0) * s.ow, rows = (y1 - y0) * s.ow;
        col.resize(rows * K);
        ap.resize(packed_a_size(rows, s.co));
        pack_a_full(false, dy + p0 * s.co, s.co, rows, s.co, ap.data());
        sgemm_prepacked(rows, K, s.co, ap.data(), bp.data(), 0.f, col.data(), K);  // col = dy_band · wᵀ
        col2im_add(s, col.data(), p0, rows, dx);
      }
    });
  }
}

void conv2d_backprop_filter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const long K = s.k(), P = s.pixels();
  const bool pointwise = is_pointwise(s);
  const int threads = pool_threads();
  std::vector<std::vector<float>> partial(threads, std::vector<float>(K * s.co, 0.f));
  // Long reductions (many pixels) use bigger chunks: the GEMM's M is K here, so rows only deepen it.
  const long chunk = std::max<long>(chunk_rows(K), 256);
  for_each_chunk(P, chunk, [&](long p0, long rows, int t) {
    thread_local std::vector<float> ap, bp;
    ap.resize(packed_a_size(K, rows));
    bp.resize(packed_b_size(rows, s.co));
    if (pointwise) pack_a_full(true, x + p0 * s.c, s.c, K, rows, ap.data());
    else im2col_packed_transposed(s, x, p0, rows, ap.data());
    pack_b_full(false, dy + p0 * s.co, s.co, rows, s.co, bp.data());
    sgemm_prepacked(K, s.co, rows, ap.data(), bp.data(), 1.f, partial[t].data(), s.co);  // += colᵀ · dy_chunk
  });
  const long size = K * s.co;
  std::memcpy(dw, partial[0].data(), size * sizeof(float));
  for (int t = 1; t < threads; ++t)
    for (long i = 0; i < size; ++i) dw[i] += partial[t][i];
}

}  // namespace det
