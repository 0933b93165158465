// NHWC 2-D convolution (filter HWIO) as implicit GEMM: output pixels are processed in chunks,
// each chunk's patches are gathered (im2col) into a cache-sized buffer and multiplied by the filter.
#pragma once

namespace det {

struct ConvShape {
  long n, h, w, c;         // input
  long kh, kw;             // filter
  long sh, sw, dh, dw;     // strides, dilations
  long pt, pl;             // top / left padding
  long oh, ow, co;         // output
  long k() const { return kh * kw * c; }
  long pixels() const { return n * oh * ow; }
};

enum class Activation { Linear = 0, Relu = 1, Relu6 = 2, LeakyRelu = 3, Sigmoid = 4 };

// y = act(conv(x, w) + bias); bias may be null (then act is applied to the raw conv).
void conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* bias, Activation act,
                    float alpha, float* y);
// dx = conv2d_transpose(dy, w); dx is fully overwritten.
void conv2d_backprop_input(const ConvShape& s, const float* dy, const float* w, float* dx);
// dw = sum over pixels of patch(x)ᵀ · dy; dw is fully overwritten.
void conv2d_backprop_filter(const ConvShape& s, const float* x, const float* dy, float* dw);

}  // namespace det
