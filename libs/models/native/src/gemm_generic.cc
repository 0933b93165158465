// Portable micro-kernel (no ISA flags); the fallback when AVX2/FMA is missing.
#include "gemm.h"

namespace det {

void micro_kernel_generic(int kc, const float* a, const float* b, float* c, long ldc, int m, int n, bool accumulate) {
  float acc[MR][NR] = {};
  for (int k = 0; k < kc; ++k) {
    const float* ak = a + k * MR;
    const float* bk = b + k * NR;
    for (int i = 0; i < MR; ++i) {
      const float av = ak[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += av * bk[j];
    }
  }
  for (int i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    if (accumulate) {
      for (int j = 0; j < n; ++j) ci[j] += acc[i][j];
    } else {
      for (int j = 0; j < n; ++j) ci[j] = acc[i][j];
    }
  }
}

}  // namespace det
