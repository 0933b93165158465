// Element-wise, broadcast-along-channel, reduction and batch-norm kernels on row-major float data.
// Broadcasting is described by strides over a [rows × cols] view: a row stride of 0 repeats one
// row (a channel vector), a column stride of 0 repeats one value (a scalar).
#pragma once

namespace det {

// ReluGrad = a·(b > 0) and SquareGrad = 2·a·b are the backward passes of ReLU and Square in one pass.
// First = a (b ignored): a strided copy, i.e. Transpose through binary_broadcast's odometer.
// Pow and Log1p follow JavaScript's Math.pow / Math.log1p (computed in double, rounded to float),
// so they match the stock cpu kernels.
enum class BinaryOp { Add = 0, Sub = 1, Mul = 2, Div = 3, SquaredDiff = 4, Maximum = 5, Minimum = 6, ReluGrad = 7, SquareGrad = 8, First = 9,
                      Pow = 10 };
constexpr int kLastBinaryOp = 10;
enum class UnaryOp { Relu = 0, Relu6 = 1, Square = 2, Neg = 3, Step = 4, Sigmoid = 5, Exp = 6, Log = 7,
                     Sqrt = 8, Rsqrt = 9, Abs = 10, Log1p = 11 };
constexpr int kLastUnaryOp = 11;

struct Strides { long row, col; };

void binary(BinaryOp op, long rows, long cols, const float* a, Strides as, const float* b, Strides bs, float* out);
// General broadcasting: out has `shape` (rank ≤ 8); a/b are read with per-dimension element strides
// (0 along broadcast dimensions).
void binary_broadcast(BinaryOp op, int rank, const long* shape, const float* a, const long* a_strides,
                      const float* b, const long* b_strides, float* out);
void unary(UnaryOp op, long n, const float* x, float alpha, float* out);
// out[c] = sum over r of x[r*cols + c] (scaled by `scale`), accumulated in double.
void reduce_rows(long rows, long cols, const float* x, float scale, float* out);
// out = sum of x over the dimensions flagged in `reduce` (any set; rank ≤ 8), times `scale`,
// accumulated in double; out is laid out as x's kept dimensions in order.
void reduce_axes(int rank, const long* shape, const bool* reduce, const float* x, float scale, float* out);
// out[r] = sum over c of x[r*cols + c] (scaled by `scale`), accumulated in double.
void reduce_cols(long rows, long cols, const float* x, float scale, float* out);
// out[r*cols + c] = v[c] * scale
void tile_rows(long rows, long cols, const float* v, float scale, float* out);
// y = (x - mean) * scale / sqrt(var + eps) + offset, per channel (the last axis); all vectors have `cols` entries.
void batch_norm(long rows, long cols, const float* x, const float* mean, const float* var, const float* offset,
                const float* scale, float eps, float* y);
// Gradients of batch_norm with mean/var as independent inputs (as tfjs's FusedBatchNorm defines them):
// dx = dy*scale*r; dmean = -scale*r*Σdy; dvar = -0.5*scale*r³*Σdy(x-mean); dscale = r*Σdy(x-mean); doffset = Σdy.
void batch_norm_grad(long rows, long cols, const float* x, const float* dy, const float* mean, const float* var,
                     const float* scale, float eps, float* dx, float* dmean, float* dvar, float* dscale,
                     float* doffset);

}  // namespace det
