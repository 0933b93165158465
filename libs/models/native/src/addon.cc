// N-API bindings: every function takes Float32Arrays (inputs and preallocated outputs) plus
// integer parameters, so tensor memory stays owned by JavaScript (the tfjs cpu backend).
#include <node_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "conv.h"
#include "eltwise.h"
#include "gather.h"
#include "gemm.h"
#include "pool.h"
#include "pool2d.h"

namespace {

using det::ConvShape;

struct Args {
  napi_env env;
  std::vector<napi_value> v;
  bool failed = false;

  Args(napi_env e, napi_callback_info info, size_t expected) : env(e), v(expected) {
    size_t argc = expected;
    napi_get_cb_info(env, info, &argc, v.data(), nullptr, nullptr);
    if (argc < expected) fail("expected " + std::to_string(expected) + " arguments");
  }

  void fail(const std::string& msg) {
    if (!failed) napi_throw_error(env, "DET_NATIVE_ARGS", msg.c_str());
    failed = true;
  }

  double num(size_t i) {
    double d = 0;
    if (napi_get_value_double(env, v[i], &d) != napi_ok) fail("argument " + std::to_string(i) + " must be a number");
    return d;
  }
  long integer(size_t i) { return static_cast<long>(num(i)); }
  bool flag(size_t i) {
    bool b = false;
    if (napi_get_value_bool(env, v[i], &b) != napi_ok) fail("argument " + std::to_string(i) + " must be a boolean");
    return b;
  }
  // A Float32Array (or null when `optional`); `min_len` guards against out-of-bounds access.
  float* f32(size_t i, long min_len, bool optional = false) {
    napi_valuetype t;
    napi_typeof(env, v[i], &t);
    if (optional && (t == napi_null || t == napi_undefined)) return nullptr;
    bool is_ta = false;
    napi_is_typedarray(env, v[i], &is_ta);
    if (!is_ta) { fail("argument " + std::to_string(i) + " must be a Float32Array"); return nullptr; }
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    napi_get_typedarray_info(env, v[i], &type, &length, &data, nullptr, nullptr);
    if (type != napi_float32_array) { fail("argument " + std::to_string(i) + " must be a Float32Array"); return nullptr; }
    if (static_cast<long>(length) < min_len) {
      fail("argument " + std::to_string(i) + " has " + std::to_string(length) + " elements, needs " +
           std::to_string(min_len));
      return nullptr;
    }
    return static_cast<float*>(data);
  }
  // Conv geometry as a 15-number array: n h w c kh kw sh sw dh dw pt pl oh ow co.
  ConvShape conv(size_t i) {
    ConvShape s{};
    long* fields[] = {&s.n, &s.h, &s.w, &s.c, &s.kh, &s.kw, &s.sh, &s.sw, &s.dh, &s.dw, &s.pt, &s.pl, &s.oh, &s.ow, &s.co};
    uint32_t len = 0;
    napi_get_array_length(env, v[i], &len);
    if (len != 15) { fail("conv geometry must have 15 entries"); return s; }
    for (uint32_t k = 0; k < 15; ++k) {
      napi_value e;
      double d = 0;
      napi_get_element(env, v[i], k, &e);
      napi_get_value_double(env, e, &d);
      *fields[k] = static_cast<long>(d);
    }
    return s;
  }
};

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// gemm(transA, transB, M, N, K, A, lda, B, ldb, beta, C, ldc)
napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info, 12);
  if (a.failed) return nullptr;
  const bool ta = a.flag(0), tb = a.flag(1);
  const long M = a.integer(2), N = a.integer(3), K = a.integer(4), lda = a.integer(6), ldb = a.integer(8),
             ldc = a.integer(11);
  const float beta = static_cast<float>(a.num(9));
  const float* A = a.f32(5, M > 0 && K > 0 ? (ta ? (K - 1) * lda + M : (M - 1) * lda + K) : 0);
  const float* B = a.f32(7, K > 0 && N > 0 ? (tb ? (N - 1) * ldb + K : (K - 1) * ldb + N) : 0);
  float* C = a.f32(10, M > 0 && N > 0 ? (M - 1) * ldc + N : 0);
  if (a.failed) return nullptr;
  det::sgemm(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc);
  return undefined(env);
}

// conv2dForward(geometry, x, w, bias|null, activation, alpha, y)
napi_value Conv2dForward(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  if (a.failed) return nullptr;
  const ConvShape s = a.conv(0);
  const float* x = a.f32(1, s.n * s.h * s.w * s.c);
  const float* w = a.f32(2, s.k() * s.co);
  const float* bias = a.f32(3, s.co, true);
  const int act = static_cast<int>(a.integer(4));
  const float alpha = static_cast<float>(a.num(5));
  float* y = a.f32(6, s.pixels() * s.co);
  if (a.failed) return nullptr;
  det::conv2d_forward(s, x, w, bias, static_cast<det::Activation>(act), alpha, y);
  return undefined(env);
}

// conv2dBackpropInput(geometry, dy, w, dx)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  Args a(env, info, 4);
  if (a.failed) return nullptr;
  const ConvShape s = a.conv(0);
  const float* dy = a.f32(1, s.pixels() * s.co);
  const float* w = a.f32(2, s.k() * s.co);
  float* dx = a.f32(3, s.n * s.h * s.w * s.c);
  if (a.failed) return nullptr;
  det::conv2d_backprop_input(s, dy, w, dx);
  return undefined(env);
}

// conv2dBackpropFilter(geometry, x, dy, dw)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  Args a(env, info, 4);
  if (a.failed) return nullptr;
  const ConvShape s = a.conv(0);
  const float* x = a.f32(1, s.n * s.h * s.w * s.c);
  const float* dy = a.f32(2, s.pixels() * s.co);
  float* dw = a.f32(3, s.k() * s.co);
  if (a.failed) return nullptr;
  det::conv2d_backprop_filter(s, x, dy, dw);
  return undefined(env);
}

// maxPool(geometry, x, y) / maxPoolGrad(geometry, x, dy, dx); geometry as for convs (co = c).
napi_value MaxPool(napi_env env, napi_callback_info info) {
  Args a(env, info, 3);
  if (a.failed) return nullptr;
  const ConvShape s = a.conv(0);
  const float* x = a.f32(1, s.n * s.h * s.w * s.c);
  float* y = a.f32(2, s.n * s.oh * s.ow * s.c);
  if (a.failed) return nullptr;
  det::max_pool_forward(s, x, y);
  return undefined(env);
}

napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 4);
  if (a.failed) return nullptr;
  const ConvShape s = a.conv(0);
  const float* x = a.f32(1, s.n * s.h * s.w * s.c);
  const float* dy = a.f32(2, s.n * s.oh * s.ow * s.c);
  float* dx = a.f32(3, s.n * s.h * s.w * s.c);
  if (a.failed) return nullptr;
  det::max_pool_backward(s, x, dy, dx);
  return undefined(env);
}

// avgPool(geometry, x, y) / avgPoolGrad(geometry, dy, dx)
napi_value AvgPool(napi_env env, napi_callback_info info) {
  Args a(env, info, 3);
  if (a.failed) return nullptr;
  const ConvShape s = a.conv(0);
  const float* x = a.f32(1, s.n * s.h * s.w * s.c);
  float* y = a.f32(2, s.n * s.oh * s.ow * s.c);
  if (a.failed) return nullptr;
  det::avg_pool_forward(s, x, y);
  return undefined(env);
}

napi_value AvgPoolGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 3);
  if (a.failed) return nullptr;
  const ConvShape s = a.conv(0);
  const float* dy = a.f32(1, s.n * s.oh * s.ow * s.c);
  float* dx = a.f32(2, s.n * s.h * s.w * s.c);
  if (a.failed) return nullptr;
  det::avg_pool_backward(s, dy, dx);
  return undefined(env);
}

bool int_array(Args& a, size_t i, long* out, uint32_t* len);

// gatherPixels([n, h, w, c, oh, ow], rows, cols, x, y): sources must lie inside the image.
napi_value GatherPixels(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  if (a.failed) return nullptr;
  long d[8];
  uint32_t len = 0;
  if (!int_array(a, 0, d, &len)) return nullptr;
  if (len != 6) { a.fail("gatherPixels needs [n, h, w, c, oh, ow]"); return nullptr; }
  const float* rows = a.f32(1, d[4]);
  const float* cols = a.f32(2, d[5]);
  const float* x = a.f32(3, d[0] * d[1] * d[2] * d[3]);
  float* y = a.f32(4, d[0] * d[4] * d[5] * d[3]);
  if (a.failed) return nullptr;
  for (long i = 0; i < d[4]; ++i) if (rows[i] < 0 || rows[i] >= d[1]) { a.fail("row source out of range"); return nullptr; }
  for (long i = 0; i < d[5]; ++i) if (cols[i] < 0 || cols[i] >= d[2]) { a.fail("column source out of range"); return nullptr; }
  det::gather_pixels(d[0], d[1], d[2], d[3], d[4], d[5], rows, cols, x, y);
  return undefined(env);
}

// gatherAxis(outer, axisDim, inner, x, indices: Int32Array, out) -> false when an index is out of range.
napi_value GatherAxis(napi_env env, napi_callback_info info) {
  Args a(env, info, 6);
  if (a.failed) return nullptr;
  const long outer = a.integer(0), axis_dim = a.integer(1), inner = a.integer(2);
  bool is_ta = false;
  napi_is_typedarray(env, a.v[4], &is_ta);
  napi_typedarray_type type = napi_float32_array;
  size_t n_indices = 0;
  void* idx = nullptr;
  if (is_ta) napi_get_typedarray_info(env, a.v[4], &type, &n_indices, &idx, nullptr, nullptr);
  if (!is_ta || type != napi_int32_array) { a.fail("argument 4 must be an Int32Array"); return nullptr; }
  const float* x = a.f32(3, outer * axis_dim * inner);
  float* out = a.f32(5, outer * static_cast<long>(n_indices) * inner);
  if (a.failed) return nullptr;
  const bool ok = det::gather_axis(outer, axis_dim, inner, x, static_cast<const int32_t*>(idx),
                                   static_cast<long>(n_indices), out);
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

// Extent of a strided [rows × cols] view: the elements it may touch.
long extent(long rows, long cols, long rs, long cs) { return (rows - 1) * rs + (cols - 1) * cs + 1; }

// binary(op, rows, cols, a, aRowStride, aColStride, b, bRowStride, bColStride, out)
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info, 10);
  if (a.failed) return nullptr;
  const int op = static_cast<int>(a.integer(0));
  const long rows = a.integer(1), cols = a.integer(2);
  const det::Strides as{a.integer(4), a.integer(5)}, bs{a.integer(7), a.integer(8)};
  const float* x = a.f32(3, extent(rows, cols, as.row, as.col));
  const float* y = a.f32(6, extent(rows, cols, bs.row, bs.col));
  float* out = a.f32(9, rows * cols);
  if (a.failed) return nullptr;
  if (op < 0 || op > det::kLastBinaryOp) { a.fail("unknown binary op"); return nullptr; }
  det::binary(static_cast<det::BinaryOp>(op), rows, cols, x, as, y, bs, out);
  return undefined(env);
}

// Reads a JS array of up to 8 integers.
bool int_array(Args& a, size_t i, long* out, uint32_t* len) {
  napi_get_array_length(a.env, a.v[i], len);
  if (*len > 8) { a.fail("at most 8 dimensions"); return false; }
  for (uint32_t k = 0; k < *len; ++k) {
    napi_value e;
    double d = 0;
    napi_get_element(a.env, a.v[i], k, &e);
    napi_get_value_double(a.env, e, &d);
    out[k] = static_cast<long>(d);
  }
  return true;
}

// binaryBroadcast(op, shape[], a, aStrides[], b, bStrides[], out)
napi_value BinaryBroadcast(napi_env env, napi_callback_info info) {
  Args a(env, info, 7);
  if (a.failed) return nullptr;
  const int op = static_cast<int>(a.integer(0));
  long shape[8], as[8], bs[8];
  uint32_t rank = 0, ra = 0, rb = 0;
  if (!int_array(a, 1, shape, &rank) || !int_array(a, 3, as, &ra) || !int_array(a, 5, bs, &rb)) return nullptr;
  if (ra != rank || rb != rank) { a.fail("stride arrays must match the shape's rank"); return nullptr; }
  long size = 1, extent_a = 1, extent_b = 1;
  for (uint32_t d = 0; d < rank; ++d) {
    if (shape[d] <= 0) { a.fail("empty shapes are not supported"); return nullptr; }
    size *= shape[d];
    extent_a += (shape[d] - 1) * as[d];
    extent_b += (shape[d] - 1) * bs[d];
  }
  const float* x = a.f32(2, extent_a);
  const float* y = a.f32(4, extent_b);
  float* out = a.f32(6, size);
  if (a.failed) return nullptr;
  if (op < 0 || op > det::kLastBinaryOp) { a.fail("unknown binary op"); return nullptr; }
  det::binary_broadcast(static_cast<det::BinaryOp>(op), static_cast<int>(rank), shape, x, as, y, bs, out);
  return undefined(env);
}

// unary(op, x, alpha, out)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info, 4);
  if (a.failed) return nullptr;
  const int op = static_cast<int>(a.integer(0));
  float* out = a.f32(3, 0);
  size_t n = 0;
  napi_get_typedarray_info(env, a.v[3], nullptr, &n, nullptr, nullptr, nullptr);
  const float* x = a.f32(1, static_cast<long>(n));
  const float alpha = static_cast<float>(a.num(2));
  if (a.failed) return nullptr;
  if (op < 0 || op > det::kLastUnaryOp) { a.fail("unknown unary op"); return nullptr; }
  det::unary(static_cast<det::UnaryOp>(op), static_cast<long>(n), x, alpha, out);
  return undefined(env);
}

// reduceRows(rows, cols, x, scale, out[cols]) / reduceCols(rows, cols, x, scale, out[rows])
napi_value ReduceRows(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  if (a.failed) return nullptr;
  const long rows = a.integer(0), cols = a.integer(1);
  const float* x = a.f32(2, rows * cols);
  float* out = a.f32(4, cols);
  if (a.failed) return nullptr;
  det::reduce_rows(rows, cols, x, static_cast<float>(a.num(3)), out);
  return undefined(env);
}

napi_value ReduceCols(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  if (a.failed) return nullptr;
  const long rows = a.integer(0), cols = a.integer(1);
  const float* x = a.f32(2, rows * cols);
  float* out = a.f32(4, rows);
  if (a.failed) return nullptr;
  det::reduce_cols(rows, cols, x, static_cast<float>(a.num(3)), out);
  return undefined(env);
}

// reduceAxes(shape[], reduceFlags[] (0/1), x, scale, out)
napi_value ReduceAxes(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  if (a.failed) return nullptr;
  long shape[8], flags[8];
  uint32_t rank = 0, rf = 0;
  if (!int_array(a, 0, shape, &rank) || !int_array(a, 1, flags, &rf)) return nullptr;
  if (rf != rank) { a.fail("reduce flags must match the shape's rank"); return nullptr; }
  long size = 1, kept = 1;
  bool reduce[8];
  for (uint32_t d = 0; d < rank; ++d) {
    if (shape[d] <= 0) { a.fail("empty shapes are not supported"); return nullptr; }
    size *= shape[d];
    reduce[d] = flags[d] != 0;
    if (!reduce[d]) kept *= shape[d];
  }
  const float* x = a.f32(2, size);
  float* out = a.f32(4, kept);
  if (a.failed) return nullptr;
  det::reduce_axes(static_cast<int>(rank), shape, reduce, x, static_cast<float>(a.num(3)), out);
  return undefined(env);
}

// tileRows(rows, cols, v, scale, out)
napi_value TileRows(napi_env env, napi_callback_info info) {
  Args a(env, info, 5);
  if (a.failed) return nullptr;
  const long rows = a.integer(0), cols = a.integer(1);
  const float* v = a.f32(2, cols);
  const float scale = static_cast<float>(a.num(3));
  float* out = a.f32(4, rows * cols);
  if (a.failed) return nullptr;
  det::tile_rows(rows, cols, v, scale, out);
  return undefined(env);
}

// batchNorm(rows, cols, x, mean, var, offset, scale, eps, y)
napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Args a(env, info, 9);
  if (a.failed) return nullptr;
  const long rows = a.integer(0), cols = a.integer(1);
  const float* x = a.f32(2, rows * cols);
  const float *mean = a.f32(3, cols), *var = a.f32(4, cols), *offset = a.f32(5, cols), *scale = a.f32(6, cols);
  const float eps = static_cast<float>(a.num(7));
  float* y = a.f32(8, rows * cols);
  if (a.failed) return nullptr;
  det::batch_norm(rows, cols, x, mean, var, offset, scale, eps, y);
  return undefined(env);
}

// batchNormGrad(rows, cols, x, dy, mean, var, scale, eps, dx, dmean, dvar, dscale, doffset)
napi_value BatchNormGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, 13);
  if (a.failed) return nullptr;
  const long rows = a.integer(0), cols = a.integer(1);
  const float *x = a.f32(2, rows * cols), *dy = a.f32(3, rows * cols);
  const float *mean = a.f32(4, cols), *var = a.f32(5, cols), *scale = a.f32(6, cols);
  const float eps = static_cast<float>(a.num(7));
  float* dx = a.f32(8, rows * cols);
  float *dmean = a.f32(9, cols), *dvar = a.f32(10, cols), *dscale = a.f32(11, cols), *doffset = a.f32(12, cols);
  if (a.failed) return nullptr;
  det::batch_norm_grad(rows, cols, x, dy, mean, var, scale, eps, dx, dmean, dvar, dscale, doffset);
  return undefined(env);
}

// configure({threads?, simd?}) → info
napi_value Info(napi_env env, napi_callback_info) {
  napi_value obj, v;
  napi_create_object(env, &obj);
  napi_create_int32(env, det::pool_threads(), &v);
  napi_set_named_property(env, obj, "threads", v);
  napi_get_boolean(env, det::cpu_has_avx2_fma(), &v);
  napi_set_named_property(env, obj, "avx2Fma", v);
  napi_create_string_utf8(env, det::gemm_path(), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, "gemm", v);
  return obj;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, 1);
  if (a.failed) return nullptr;
  const long n = a.integer(0);
  if (n < 1 || n > 256) { a.fail("threads must be between 1 and 256"); return nullptr; }
  det::set_pool_threads(static_cast<int>(n));
  return undefined(env);
}

napi_value SetSimd(napi_env env, napi_callback_info info) {
  Args a(env, info, 1);
  if (a.failed) return nullptr;
  det::set_gemm_simd(a.flag(0));
  return undefined(env);
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dForward", nullptr, Conv2dForward, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2dBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2dBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPool", nullptr, MaxPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"avgPool", nullptr, AvgPool, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"avgPoolGrad", nullptr, AvgPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gatherPixels", nullptr, GatherPixels, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gatherAxis", nullptr, GatherAxis, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binaryBroadcast", nullptr, BinaryBroadcast, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduceRows", nullptr, ReduceRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduceCols", nullptr, ReduceCols, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reduceAxes", nullptr, ReduceAxes, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"tileRows", nullptr, TileRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNorm", nullptr, BatchNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"batchNormGrad", nullptr, BatchNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setSimd", nullptr, SetSimd, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
