// NHWC max pooling and its gradient; geometry in ConvShape (kh/kw = window, co unused).
#pragma once
#include "conv.h"

namespace det {

// y[b, oy, ox, c] = max over the window's in-bounds pixels (NaN ignored, like tfjs).
void max_pool_forward(const ConvShape& s, const float* x, float* y);
// dx = dy routed to each window's first maximum in scan order (tfjs's tie rule); dx overwritten.
void max_pool_backward(const ConvShape& s, const float* x, const float* dy, float* dx);

}  // namespace det
