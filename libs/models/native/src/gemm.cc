// Blocked GEMM driver (BLIS-style loop nest): B is packed into kc×NR panels that stay in L2,
// A into MR×kc panels, and the micro-kernel runs over the packed panels.
#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "pool.h"

namespace det {
namespace {

constexpr long KC = 256;   // reduction block: an A micro-panel (6×256) + B micro-panel (256×16) fit L1
constexpr long MC = 120;   // rows of A per packed block (120×256 floats = 120 KiB, in L2)
constexpr long NC = 3072;  // columns of B per packed block (256×3072 floats = 3 MiB, in L3)

bool simd_enabled = true;

MicroKernel kernel() { return simd_enabled && cpu_has_avx2_fma() ? micro_kernel_avx2 : micro_kernel_generic; }

void pack_a(bool transA, const float* A, long lda, long i0, long mc, long k0, long kc, float* out) {
  for (long ir = 0; ir < mc; ir += MR) {
    const long m = std::min<long>(MR, mc - ir);
    for (long k = 0; k < kc; ++k) {
      float* dst = out + (ir / MR) * MR * kc + k * MR;
      for (long r = 0; r < m; ++r) {
        const long i = i0 + ir + r, kk = k0 + k;
        dst[r] = transA ? A[kk * lda + i] : A[i * lda + kk];
      }
      for (long r = m; r < MR; ++r) dst[r] = 0.f;
    }
  }
}

void pack_b(bool transB, const float* B, long ldb, long k0, long kc, long j0, long nc, float* out) {
  for (long jr = 0; jr < nc; jr += NR) {
    const long n = std::min<long>(NR, nc - jr);
    float* panel = out + (jr / NR) * NR * kc;
    for (long k = 0; k < kc; ++k) {
      float* dst = panel + k * NR;
      const long kk = k0 + k;
      if (!transB && n == NR) {
        std::memcpy(dst, B + kk * ldb + j0 + jr, NR * sizeof(float));
        continue;
      }
      for (long c = 0; c < n; ++c) {
        const long j = j0 + jr + c;
        dst[c] = transB ? B[j * ldb + kk] : B[kk * ldb + j];
      }
      for (long c = n; c < NR; ++c) dst[c] = 0.f;
    }
  }
}

void scale_c(long M, long N, float beta, float* C, long ldc) {
  for (long i = 0; i < M; ++i) {
    float* ci = C + i * ldc;
    if (beta == 0.f) std::fill(ci, ci + N, 0.f);
    else if (beta != 1.f) for (long j = 0; j < N; ++j) ci[j] *= beta;
  }
}

}  // namespace

void pack_a_full(bool transA, const float* A, long lda, long M, long K, float* out) {
  for (long ir = 0; ir < M; ir += MR) {
    const long m = std::min<long>(MR, M - ir);
    float* panel = out + (ir / MR) * MR * K;
    for (long k = 0; k < K; ++k) {
      float* dst = panel + k * MR;
      for (long r = 0; r < m; ++r) dst[r] = transA ? A[k * lda + ir + r] : A[(ir + r) * lda + k];
      for (long r = m; r < MR; ++r) dst[r] = 0.f;
    }
  }
}

void pack_b_full(bool transB, const float* B, long ldb, long K, long N, float* out) {
  for (long jr = 0; jr < N; jr += NR) {
    const long n = std::min<long>(NR, N - jr);
    float* panel = out + (jr / NR) * NR * K;
    for (long k = 0; k < K; ++k) {
      float* dst = panel + k * NR;
      if (!transB && n == NR) {
        std::memcpy(dst, B + k * ldb + jr, NR * sizeof(float));
        continue;
      }
      for (long c = 0; c < n; ++c) dst[c] = transB ? B[(jr + c) * ldb + k] : B[k * ldb + jr + c];
      for (long c = n; c < NR; ++c) dst[c] = 0.f;
    }
  }
}

void sgemm_prepacked(long M, long N, long K, const float* Ap, const float* Bp, float beta, float* C, long ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const MicroKernel ukernel = kernel();
  // K is blocked so one A micro-panel slice and one B micro-panel slice stay in L1.
  for (long pc = 0; pc < K; pc += KC) {
    const long kc = std::min(KC, K - pc);
    const bool accumulate = pc > 0 || beta != 0.f;
    for (long ic = 0; ic < M; ic += MC) {
      const long mc = std::min(MC, M - ic);
      for (long jr = 0; jr < N; jr += NR) {
        const float* bp = Bp + (jr / NR) * NR * K + pc * NR;
        for (long ir = ic; ir < ic + mc; ir += MR) {
          ukernel(static_cast<int>(kc), Ap + (ir / MR) * MR * K + pc * MR, bp, C + ir * ldc + jr, ldc,
                  static_cast<int>(std::min<long>(MR, M - ir)), static_cast<int>(std::min<long>(NR, N - jr)), accumulate);
        }
      }
    }
  }
}

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

const char* gemm_path() { return kernel() == micro_kernel_avx2 ? "avx2-fma" : "generic"; }
void set_gemm_simd(bool enabled) { simd_enabled = enabled; }

void sgemm_serial(bool transA, bool transB, long M, long N, long K, const float* A, long lda, const float* B,
                  long ldb, float beta, float* C, long ldc) {
  if (M <= 0 || N <= 0) return;
  // beta other than 0/1 is folded into C first so every block below either overwrites or adds.
  if (K <= 0 || (beta != 0.f && beta != 1.f)) {
    scale_c(M, N, beta, C, ldc);
    if (K <= 0) return;
    beta = 1.f;
  }
  const MicroKernel ukernel = kernel();
  thread_local std::vector<float> a_buf, b_buf;
  a_buf.resize(((MC + MR - 1) / MR) * MR * KC);
  for (long jc = 0; jc < N; jc += NC) {
    const long nc = std::min(NC, N - jc);
    b_buf.resize(((nc + NR - 1) / NR) * NR * KC);
    for (long pc = 0; pc < K; pc += KC) {
      const long kc = std::min(KC, K - pc);
      const bool accumulate = pc > 0 || beta != 0.f;
      pack_b(transB, B, ldb, pc, kc, jc, nc, b_buf.data());
      for (long ic = 0; ic < M; ic += MC) {
        const long mc = std::min(MC, M - ic);
        pack_a(transA, A, lda, ic, mc, pc, kc, a_buf.data());
        for (long jr = 0; jr < nc; jr += NR) {
          const float* bp = b_buf.data() + (jr / NR) * NR * kc;
          for (long ir = 0; ir < mc; ir += MR) {
            ukernel(static_cast<int>(kc), a_buf.data() + (ir / MR) * MR * kc, bp, C + (ic + ir) * ldc + jc + jr, ldc,
                    static_cast<int>(std::min<long>(MR, mc - ir)), static_cast<int>(std::min<long>(NR, nc - jr)),
                    accumulate);
          }
        }
      }
    }
  }
}

void sgemm(bool transA, bool transB, long M, long N, long K, const float* A, long lda, const float* B, long ldb,
           float beta, float* C, long ldc) {
  const int threads = pool_threads();
  const double flops = 2.0 * M * N * K;
  if (threads <= 1 || flops < 4e6) {
    sgemm_serial(transA, transB, M, N, K, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  auto a_at = [&](long i, long k) { return transA ? A + k * lda + i : A + i * lda + k; };
  auto b_at = [&](long k, long j) { return transB ? B + j * ldb + k : B + k * ldb + j; };
  // Work is handed out in blocks on demand (see parallel_dynamic), so a descheduled worker does not
  // hold back the caller.
  if (M >= static_cast<long>(threads) * 4 * MR && M >= N / 2) {
    // Rows: blocks of whole micro-panels, each a band of C.
    const long blocks = (M + MR - 1) / MR;
    parallel_dynamic(blocks, 4, [&](int, long lo, long hi) {
      const long r0 = lo * MR, r1 = std::min(M, hi * MR);
      sgemm_serial(transA, transB, r1 - r0, N, K, a_at(r0, 0), lda, B, ldb, beta, C + r0 * ldc, ldc);
    });
  } else if (N >= static_cast<long>(threads) * 2 * NR) {
    const long blocks = (N + NR - 1) / NR;
    parallel_dynamic(blocks, 2, [&](int, long lo, long hi) {
      const long c0 = lo * NR, c1 = std::min(N, hi * NR);
      sgemm_serial(transA, transB, M, c1 - c0, K, A, lda, b_at(0, c0), ldb, beta, C + c0, ldc);
    });
  } else {
    // Small C, long reduction (e.g. a filter gradient): split K, each worker accumulating its
    // pieces into its own partial product, then sum the partials.
    const long min_k = std::max<long>(256, static_cast<long>(4e6 / std::max(1.0, 2.0 * M * N)));
    const int workers = dynamic_workers(K, min_k);
    std::vector<std::vector<float>> partial(workers, std::vector<float>(M * N, 0.f));
    parallel_dynamic(K, min_k, [&](int t, long lo, long hi) {
      sgemm_serial(transA, transB, M, N, hi - lo, a_at(0, lo), lda, b_at(lo, 0), ldb, 1.f, partial[t].data(), N);
    });
    for (long i = 0; i < M; ++i) {
      float* ci = C + i * ldc;
      for (long j = 0; j < N; ++j) {
        float s = 0.f;
        for (int t = 0; t < workers; ++t) s += partial[t][i * N + j];
        ci[j] = (beta == 0.f ? 0.f : beta * ci[j]) + s;
      }
    }
  }
}

}  // namespace det
