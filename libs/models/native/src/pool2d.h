// NHWC max / average pooling and their gradients; geometry in ConvShape (kh/kw = window, co unused).
#pragma once
#include "conv.h"

namespace det {

// y[b, oy, ox, c] = max over the window's in-bounds pixels (NaN ignored, like tfjs).
void max_pool_forward(const ConvShape& s, const float* x, float* y);
// dx = dy routed to each window's first maximum in scan order (tfjs's tie rule); dx overwritten.
void max_pool_backward(const ConvShape& s, const float* x, const float* dy, float* dx);

// y = mean of the window's in-bounds pixels (padding not counted, like tfjs).
void avg_pool_forward(const ConvShape& s, const float* x, float* y);
// dx = each dy spread over its window's in-bounds pixels times 1/(kh·kw): tfjs's AvgPoolGrad
// (which divides by the full window even where the forward counted fewer pixels).
void avg_pool_backward(const ConvShape& s, const float* dy, float* dx);

// y[b, oy, ox, :] = x[b, rows[oy], cols[ox], :] (nearest-neighbour resize with precomputed sources).
void gather_pixels(long n, long h, long w, long c, long oh, long ow, const float* rows, const float* cols,
                   const float* x, float* y);

}  // namespace det
