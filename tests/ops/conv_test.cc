// Conv and ConvTranspose against direct loops over the ONNX definitions, over random shapes:
// 1-D/2-D/3-D, groups and depthwise, strides, dilations, every auto_pad mode, with and without
// bias, constant and non-constant weights, 1 and 2 threads.
#include <random>

#include "ops/op_test_util.h"

namespace octet::testing {
namespace {

Tensor random_tensor(Shape shape, std::mt19937& rng) {
  Tensor t(DType::kFloat32, std::move(shape));
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// Spatial geometry as the test computes it, independently of src/ops/window.cc.
struct Geo {
  std::vector<int64_t> stride, dil, pad_begin, out;
};

// Views an N-D spatial index space (up to 3 dims) as 3-D, padding with leading 1s.
std::vector<int64_t> as3(std::vector<int64_t> v, int64_t fill) {
  while (v.size() < 3) v.insert(v.begin(), fill);
  return v;
}

// y[n, m, o] = b[m] + sum_{c in group(m), k} x[n, c, o*s + k*d - p] * w[m, c - group_base, k]
Tensor ref_conv(const Tensor& x, const Tensor& w, const Tensor* b, int64_t group, const Geo& g) {
  const int64_t n_ = x.dim(0), c_ = x.dim(1), m_ = w.dim(0), cg = c_ / group, mg = m_ / group;
  const size_t r = x.rank() - 2;
  auto in = as3(Shape(x.shape().begin() + 2, x.shape().end()), 1);
  auto k = as3(Shape(w.shape().begin() + 2, w.shape().end()), 1);
  auto s = as3(g.stride, 1), d = as3(g.dil, 1), p = as3(g.pad_begin, 0), o = as3(g.out, 1);
  Shape ys = {n_, m_};
  for (size_t i = 0; i < r; ++i) ys.push_back(g.out[i]);
  Tensor y(DType::kFloat32, ys);
  const float* px = x.data<float>();
  const float* pw = w.data<float>();
  float* py = y.data<float>();
  for (int64_t n = 0; n < n_; ++n)
    for (int64_t m = 0; m < m_; ++m)
      for (int64_t o0 = 0; o0 < o[0]; ++o0)
        for (int64_t o1 = 0; o1 < o[1]; ++o1)
          for (int64_t o2 = 0; o2 < o[2]; ++o2) {
            double acc = b ? b->data<float>()[m] : 0.0;
            for (int64_t c = 0; c < cg; ++c)
              for (int64_t k0 = 0; k0 < k[0]; ++k0)
                for (int64_t k1 = 0; k1 < k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                    int64_t i0 = o0 * s[0] + k0 * d[0] - p[0], i1 = o1 * s[1] + k1 * d[1] - p[1],
                            i2 = o2 * s[2] + k2 * d[2] - p[2];
                    if (i0 < 0 || i0 >= in[0] || i1 < 0 || i1 >= in[1] || i2 < 0 || i2 >= in[2]) continue;
                    int64_t ci = (m / mg) * cg + c;
                    acc += double(px[(((n * c_ + ci) * in[0] + i0) * in[1] + i1) * in[2] + i2]) *
                           pw[(((m * cg + c) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                  }
            py[(((n * m_ + m) * o[0] + o0) * o[1] + o1) * o[2] + o2] = static_cast<float>(acc);
          }
  return y;
}

// Scatter form: y[n, m, i*s + k*d - p] += x[n, c, i] * w[c, m - group_base, k], plus bias.
Tensor ref_conv_transpose(const Tensor& x, const Tensor& w, const Tensor* b, int64_t group, const Geo& g) {
  const int64_t n_ = x.dim(0), c_ = x.dim(1), mg = w.dim(1), m_ = mg * group, cg = c_ / group;
  const size_t r = x.rank() - 2;
  auto in = as3(Shape(x.shape().begin() + 2, x.shape().end()), 1);
  auto k = as3(Shape(w.shape().begin() + 2, w.shape().end()), 1);
  auto s = as3(g.stride, 1), d = as3(g.dil, 1), p = as3(g.pad_begin, 0), o = as3(g.out, 1);
  Shape ys = {n_, m_};
  for (size_t i = 0; i < r; ++i) ys.push_back(g.out[i]);
  std::vector<double> acc(shape_numel(ys), 0.0);
  const float* px = x.data<float>();
  const float* pw = w.data<float>();
  for (int64_t n = 0; n < n_; ++n)
    for (int64_t c = 0; c < c_; ++c)
      for (int64_t mm = 0; mm < mg; ++mm)
        for (int64_t i0 = 0; i0 < in[0]; ++i0)
          for (int64_t i1 = 0; i1 < in[1]; ++i1)
            for (int64_t i2 = 0; i2 < in[2]; ++i2)
              for (int64_t k0 = 0; k0 < k[0]; ++k0)
                for (int64_t k1 = 0; k1 < k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                    int64_t o0 = i0 * s[0] + k0 * d[0] - p[0], o1 = i1 * s[1] + k1 * d[1] - p[1],
                            o2 = i2 * s[2] + k2 * d[2] - p[2];
                    if (o0 < 0 || o0 >= o[0] || o1 < 0 || o1 >= o[1] || o2 < 0 || o2 >= o[2]) continue;
                    int64_t m = (c / cg) * mg + mm;
                    acc[(((n * m_ + m) * o[0] + o0) * o[1] + o1) * o[2] + o2] +=
                        double(px[(((n * c_ + c) * in[0] + i0) * in[1] + i1) * in[2] + i2]) *
                        pw[(((c * mg + mm) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                  }
  Tensor y(DType::kFloat32, ys);
  const int64_t inner = o[0] * o[1] * o[2];
  for (int64_t i = 0; i < y.numel(); ++i)
    y.data<float>()[i] = static_cast<float>(acc[i] + (b ? b->data<float>()[(i / inner) % m_] : 0.0));
  return y;
}

void expect_near_rel(const Tensor& got, const Tensor& want) {
  double scale = 1;
  for (int64_t i = 0; i < want.numel(); ++i) scale = std::max(scale, std::fabs(want.as_double(i)));
  expect_close(got, want, 1e-4 * scale);
}

const char* kAutoPads[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};

TEST(ConvOp, RandomShapesAllModes) {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int iter = 0; iter < 120; ++iter) {
    const size_t r = 1 + iter % 3;
    const int64_t group = std::vector<int64_t>{1, 2, 3, 1}[pick(0, 3)];
    const bool depthwise = iter % 5 == 0;
    const int64_t cg = depthwise ? 1 : pick(1, 4), c = cg * (depthwise ? pick(1, 8) : group);
    const int64_t g = depthwise ? c : group;
    const int64_t m = g * (depthwise ? 1 : pick(1, 3));
    const std::string auto_pad = kAutoPads[iter % 4];
    Shape xs = {pick(1, 2), c}, ws = {m, c / g};
    Geo geo;
    std::vector<int64_t> pads(2 * r, 0);
    for (size_t d = 0; d < r; ++d) {
      const int64_t in = r == 3 ? pick(1, 6) : pick(1, 13), k = pick(1, 3), s = pick(1, 2),
                    dl = auto_pad == "NOTSET" ? pick(1, 2) : 1;
      const int64_t ext = (k - 1) * dl + 1;
      xs.push_back(std::max(in, ext));
      ws.push_back(k);
      geo.stride.push_back(s);
      geo.dil.push_back(dl);
      const int64_t in_d = xs.back();
      if (auto_pad == "NOTSET") {
        pads[d] = pick(0, 2);
        pads[d + r] = pick(0, 2);
        geo.pad_begin.push_back(pads[d]);
        geo.out.push_back((in_d + pads[d] + pads[d + r] - ext) / s + 1);
      } else if (auto_pad == "VALID") {
        geo.pad_begin.push_back(0);
        geo.out.push_back((in_d - ext) / s + 1);
      } else {
        const int64_t out = (in_d + s - 1) / s, total = std::max<int64_t>(0, (out - 1) * s + ext - in_d);
        geo.pad_begin.push_back(auto_pad == "SAME_UPPER" ? total / 2 : (total + 1) / 2);
        geo.out.push_back(out);
      }
    }
    Tensor x = random_tensor(xs, rng), w = random_tensor(ws, rng), b = random_tensor({m}, rng);
    const bool with_bias = iter % 2 == 0;
    std::map<std::string, Attribute> attrs = {{"group", attr_int(g)},
                                              {"strides", attr_ints(geo.stride)},
                                              {"auto_pad", attr_string(auto_pad)},
                                              {"kernel_shape", attr_ints(Shape(ws.begin() + 2, ws.end()))}};
    if (auto_pad == "NOTSET") {
      attrs["pads"] = attr_ints(pads);
      attrs["dilations"] = attr_ints(geo.dil);
    }
    std::vector<Tensor> inputs = {x, w};
    if (with_bias) inputs.push_back(b);
    Tensor want = ref_conv(x, w, with_bias ? &b : nullptr, g, geo);
    SCOPED_TRACE(cat("iter ", iter, " x ", shape_str(xs), " w ", shape_str(ws), " group ", g, " ", auto_pad));
    const int threads = 1 + iter % 2;
    const std::vector<size_t> constants = iter % 3 ? std::vector<size_t>{1, 2} : std::vector<size_t>{};
    expect_near_rel(run_op("Conv", inputs, attrs, 1, 17, threads, constants)[0], want);
  }
}

TEST(ConvOp, ShapeChangesBetweenRunsAndErrors) {
  std::mt19937 rng(3);
  Tensor w = random_tensor({4, 3, 3, 3}, rng);
  for (int64_t hw : {5, 9}) {
    Tensor x = random_tensor({1, 3, hw, hw}, rng);
    Geo geo{{1, 1}, {1, 1}, {1, 1}, {hw, hw}};
    expect_near_rel(run_op("Conv", {x, w}, {{"pads", attr_ints({1, 1, 1, 1})}}, 1, 17, 2, {1})[0],
                    ref_conv(x, w, nullptr, 1, geo));
  }
  Tensor bad = random_tensor({1, 2, 5, 5}, rng);
  EXPECT_THROW(run_op("Conv", {bad, w}), Error);
  EXPECT_THROW(run_op("Conv", {random_tensor({1, 3, 2, 2}, rng), w}), Error);  // kernel larger than input
  EXPECT_THROW(run_op("Conv", {random_tensor({1, 3, 5, 5}, rng), w, random_tensor({3}, rng)}), Error);
}

TEST(ConvTransposeOp, RandomShapes) {
  std::mt19937 rng(11);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int iter = 0; iter < 80; ++iter) {
    const size_t r = 1 + iter % 3;
    const int64_t g = pick(1, 2), c = g * pick(1, 3), mg = pick(1, 3);
    const int mode = iter % 4;  // 0 pads + output_padding, 1 output_shape, 2 SAME_UPPER, 3 SAME_LOWER
    Shape xs = {pick(1, 2), c}, ws = {c, mg};
    Geo geo;
    std::vector<int64_t> pads(2 * r, 0), out_pad(r, 0), out_shape;
    for (size_t d = 0; d < r; ++d) {
      const int64_t in = r == 3 ? pick(1, 4) : pick(1, 8), k = pick(1, 3), s = pick(1, 3), dl = pick(1, 2);
      xs.push_back(in);
      ws.push_back(k);
      geo.stride.push_back(s);
      geo.dil.push_back(dl);
      const int64_t ext = (k - 1) * dl + 1;
      int64_t full = s * (in - 1) + ext, pb = 0, pe = 0;
      if (mode == 0) {
        out_pad[d] = pick(0, std::max(s, dl) - 1);
        full += out_pad[d];
        // oneDNN needs each padding below the kernel extent.
        const int64_t lim = std::min<int64_t>({2, ext - 1, (full - 1) / 2});
        pb = pick(0, lim);
        pe = out_pad[d] + pick(0, lim);
        pads[d] = pb;
        pads[d + r] = pe;
      } else {
        const int64_t target = mode == 1 ? full - pick(0, std::min<int64_t>({2, ext - 1, full - 1})) : in * s;
        if (mode == 1) out_shape.push_back(target);
        const int64_t total = full - target;
        pb = mode == 2 ? total / 2 : total - total / 2;
        pe = total - pb;
      }
      geo.pad_begin.push_back(pb);
      geo.out.push_back(full - pb - pe);
    }
    if (mode >= 2) {  // SAME asking for more than the natural output needs negative padding: skip
      bool ok = true;
      for (size_t d = 0; d < r; ++d)
        ok &= xs[d + 2] * geo.stride[d] <= geo.stride[d] * (xs[d + 2] - 1) + (ws[d + 2] - 1) * geo.dil[d] + 1;
      if (!ok) continue;
    }
    Tensor x = random_tensor(xs, rng), w = random_tensor(ws, rng), b = random_tensor({mg * g}, rng);
    std::map<std::string, Attribute> attrs = {
        {"group", attr_int(g)}, {"strides", attr_ints(geo.stride)}, {"dilations", attr_ints(geo.dil)}};
    if (mode == 0) {
      attrs["pads"] = attr_ints(pads);
      attrs["output_padding"] = attr_ints(out_pad);
    } else if (mode == 1) {
      attrs["output_shape"] = attr_ints(out_shape);
    } else {
      attrs["auto_pad"] = attr_string(mode == 2 ? "SAME_UPPER" : "SAME_LOWER");
    }
    const bool with_bias = iter % 2;
    std::vector<Tensor> inputs = {x, w};
    if (with_bias) inputs.push_back(b);
    SCOPED_TRACE(cat("iter ", iter, " x ", shape_str(xs), " w ", shape_str(ws), " mode ", mode));
    Tensor want = ref_conv_transpose(x, w, with_bias ? &b : nullptr, g, geo);
    const std::vector<size_t> constants = iter % 3 ? std::vector<size_t>{1} : std::vector<size_t>{};
    expect_near_rel(run_op("ConvTranspose", inputs, attrs, 1, 17, 1 + iter % 2, constants)[0], want);
  }
}

// The window attributes are read by ops/window.h, as for Conv and the pools: each bad one names
// the node and the attribute.
TEST(ConvTransposeOp, BadWindowAttributesNameTheAttribute) {
  std::mt19937 rng(12);
  const Tensor x = random_tensor({1, 2, 4, 4}, rng), w = random_tensor({2, 3, 3, 3}, rng);
  auto error = [&](const std::string& key, Attribute value) {
    return op_error("ConvTranspose", {x, w}, {{key, value}});
  };
  EXPECT_NE(error("auto_pad", attr_string("SAME")).find("unknown auto_pad 'SAME'"), std::string::npos);
  EXPECT_NE(error("output_padding", attr_ints({0, -1})).find("attribute 'output_padding' holds -1"), std::string::npos);
  EXPECT_NE(error("output_padding", attr_ints({1})).find("attribute 'output_padding' has 1 values"), std::string::npos);
  EXPECT_NE(error("pads", attr_ints({1, 1})).find("attribute 'pads' has 2 values, expected 4"), std::string::npos);
  EXPECT_NE(error("pads", attr_ints({0, -1, 0, 0})).find("negative pads"), std::string::npos);
  EXPECT_NE(error("kernel_shape", attr_ints({2, 2})).find("kernel_shape does not match"), std::string::npos);
  EXPECT_EQ(error("auto_pad", attr_string("SAME_UPPER")), "no error");
}

}  // namespace
}  // namespace octet::testing
