// Single-precision GEMM, row-major: C[M×N] = op(A)·op(B) + beta·C, op(A) is M×K, op(B) is K×N.
// A(i,k) = transA ? A[k*lda+i] : A[i*lda+k];  B(k,j) = transB ? B[j*ldb+k] : B[k*ldb+j].
#pragma once

namespace det {

// Packed micro-panel shapes shared by the driver and the micro-kernels.
constexpr int MR = 6;
constexpr int NR = 16;

// Micro-kernel: c[m×n] (+)= a_panel(MR×kc, k-major) · b_panel(kc×NR, k-major); m<=MR, n<=NR.
using MicroKernel = void (*)(int kc, const float* a, const float* b, float* c, long ldc, int m, int n,
                             bool accumulate);

void micro_kernel_generic(int kc, const float* a, const float* b, float* c, long ldc, int m, int n, bool accumulate);
void micro_kernel_avx2(int kc, const float* a, const float* b, float* c, long ldc, int m, int n, bool accumulate);

bool cpu_has_avx2_fma();
// Uses the AVX2+FMA micro-kernel when the CPU has it (unless disabled); returns the path name.
const char* gemm_path();
void set_gemm_simd(bool enabled);

// Single-threaded GEMM (used inside already-parallel regions).
void sgemm_serial(bool transA, bool transB, long M, long N, long K, const float* A, long lda, const float* B,
                  long ldb, float beta, float* C, long ldc);
// Pre-packed operands, for callers that produce or reuse them (conv: im2col writes A packed, the
// filter is packed once per call). A panels: out[(i/MR)*K*MR + k*MR + i%MR] for op(A) (M×K);
// B panels: out[(j/NR)*K*NR + k*NR + j%NR] for op(B) (K×N); both zero-padded to whole panels.
inline long packed_a_size(long M, long K) { return (M + MR - 1) / MR * MR * K; }
inline long packed_b_size(long K, long N) { return (N + NR - 1) / NR * NR * K; }
void pack_b_full(bool transB, const float* B, long ldb, long K, long N, float* out);
void pack_a_full(bool transA, const float* A, long lda, long M, long K, float* out);
// C[M×N] = Ap·Bp + beta·C (beta 0 or 1), single-threaded.
void sgemm_prepacked(long M, long N, long K, const float* Ap, const float* Bp, float beta, float* C, long ldc);

// Splits the work over the thread pool (rows, columns or the reduction, whichever is large).
void sgemm(bool transA, bool transB, long M, long N, long K, const float* A, long lda, const float* B, long ldb,
           float beta, float* C, long ldc);

}  // namespace det
