#include "pool2d.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "pool.h"

namespace det {

void max_pool_forward(const ConvShape& s, const float* x, float* y) {
  const long C = s.c;
  parallel_range(s.n * s.oh, std::max<long>(1, 4096 / std::max<long>(1, s.ow * C)), [&](long lo, long hi) {
    for (long row = lo; row < hi; ++row) {
      const long b = row / s.oh, oy = row % s.oh;
      for (long ox = 0; ox < s.ow; ++ox) {
        float* out = y + ((b * s.oh + oy) * s.ow + ox) * C;
        for (long c = 0; c < C; ++c) out[c] = -std::numeric_limits<float>::infinity();
        for (long ky = 0; ky < s.kh; ++ky) {
          const long iy = oy * s.sh - s.pt + ky * s.dh;
          if (iy < 0 || iy >= s.h) continue;
          for (long kx = 0; kx < s.kw; ++kx) {
            const long ix = ox * s.sw - s.pl + kx * s.dw;
            if (ix < 0 || ix >= s.w) continue;
            const float* in = x + ((b * s.h + iy) * s.w + ix) * C;
            for (long c = 0; c < C; ++c) out[c] = in[c] > out[c] ? in[c] : out[c];
          }
        }
      }
    }
  });
}

void max_pool_backward(const ConvShape& s, const float* x, const float* dy, float* dx) {
  const long C = s.c;
  std::memset(dx, 0, sizeof(float) * s.n * s.h * s.w * C);
  // Windows overlap within an image, so images (not rows) are the unit of parallel work.
  parallel_range(s.n, 1, [&](long lo, long hi) {
    std::vector<float> best(C);
    std::vector<long> where(C);
    for (long b = lo; b < hi; ++b) {
      for (long oy = 0; oy < s.oh; ++oy) {
        for (long ox = 0; ox < s.ow; ++ox) {
          std::fill(best.begin(), best.end(), -std::numeric_limits<float>::infinity());
          std::fill(where.begin(), where.end(), -1L);
          for (long ky = 0; ky < s.kh; ++ky) {
            const long iy = oy * s.sh - s.pt + ky * s.dh;
            if (iy < 0 || iy >= s.h) continue;
            for (long kx = 0; kx < s.kw; ++kx) {
              const long ix = ox * s.sw - s.pl + kx * s.dw;
              if (ix < 0 || ix >= s.w) continue;
              const long base = ((b * s.h + iy) * s.w + ix) * C;
              for (long c = 0; c < C; ++c) {
                if (x[base + c] > best[c]) { best[c] = x[base + c]; where[c] = base + c; }
              }
            }
          }
          const float* g = dy + ((b * s.oh + oy) * s.ow + ox) * C;
          for (long c = 0; c < C; ++c) if (where[c] >= 0) dx[where[c]] += g[c];
        }
      }
    }
  });
}

void avg_pool_forward(const ConvShape& s, const float* x, float* y) {
  const long C = s.c;
  parallel_range(s.n * s.oh, std::max<long>(1, 4096 / std::max<long>(1, s.ow * C)), [&](long lo, long hi) {
    for (long row = lo; row < hi; ++row) {
      const long b = row / s.oh, oy = row % s.oh;
      for (long ox = 0; ox < s.ow; ++ox) {
        float* out = y + ((b * s.oh + oy) * s.ow + ox) * C;
        std::fill(out, out + C, 0.f);
        long count = 0;
        for (long ky = 0; ky < s.kh; ++ky) {
          const long iy = oy * s.sh - s.pt + ky * s.dh;
          if (iy < 0 || iy >= s.h) continue;
          for (long kx = 0; kx < s.kw; ++kx) {
            const long ix = ox * s.sw - s.pl + kx * s.dw;
            if (ix < 0 || ix >= s.w) continue;
            const float* in = x + ((b * s.h + iy) * s.w + ix) * C;
            for (long c = 0; c < C; ++c) out[c] += in[c];
            ++count;
          }
        }
        const float inv = 1.f / static_cast<float>(std::max<long>(count, 1));
        for (long c = 0; c < C; ++c) out[c] *= inv;
      }
    }
  });
}

void avg_pool_backward(const ConvShape& s, const float* dy, float* dx) {
  const long C = s.c;
  const float scale = 1.f / static_cast<float>(s.kh * s.kw);
  std::memset(dx, 0, sizeof(float) * s.n * s.h * s.w * C);
  parallel_range(s.n, 1, [&](long lo, long hi) {
    for (long b = lo; b < hi; ++b) {
      for (long oy = 0; oy < s.oh; ++oy) {
        for (long ox = 0; ox < s.ow; ++ox) {
          const float* g = dy + ((b * s.oh + oy) * s.ow + ox) * C;
          for (long ky = 0; ky < s.kh; ++ky) {
            const long iy = oy * s.sh - s.pt + ky * s.dh;
            if (iy < 0 || iy >= s.h) continue;
            for (long kx = 0; kx < s.kw; ++kx) {
              const long ix = ox * s.sw - s.pl + kx * s.dw;
              if (ix < 0 || ix >= s.w) continue;
              float* d = dx + ((b * s.h + iy) * s.w + ix) * C;
              for (long c = 0; c < C; ++c) d[c] += g[c] * scale;
            }
          }
        }
      }
    }
  });
}

void gather_pixels(long n, long h, long w, long c, long oh, long ow, const float* rows, const float* cols,
                   const float* x, float* y) {
  parallel_range(n * oh, std::max<long>(1, 32768 / std::max<long>(1, ow * c)), [&](long lo, long hi) {
    for (long r = lo; r < hi; ++r) {
      const long b = r / oh, oy = r % oh;
      const float* src_row = x + (b * h + static_cast<long>(rows[oy])) * w * c;
      float* dst = y + r * ow * c;
      for (long ox = 0; ox < ow; ++ox, dst += c) std::memcpy(dst, src_row + static_cast<long>(cols[ox]) * c, c * sizeof(float));
    }
  });
}

}  // namespace det
