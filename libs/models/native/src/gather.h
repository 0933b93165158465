// Row gathers along one axis of a row-major tensor (tfjs's GatherV2 with batchDims = 0).
#pragma once
#include <cstdint>

namespace det {

// x viewed as [outer, axis_dim, inner]; out[o, i, :] = x[o, indices[i], :] for i < n_indices.
// Returns false (out untouched) when an index lies outside [0, axis_dim), so the caller can report it.
bool gather_axis(long outer, long axis_dim, long inner, const float* x, const int32_t* indices, long n_indices,
                 float* out);

}  // namespace det
