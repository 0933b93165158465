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
// Splits the work over the thread pool (rows, columns or the reduction, whichever is large).
void sgemm(bool transA, bool transB, long M, long N, long K, const float* A, long lda, const float* B, long ldb,
           float beta, float* C, long ldc);

}  // namespace det
