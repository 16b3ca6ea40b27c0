// LSTM and GRU against a naive reference written straight from the ONNX spec (layout 0, one
// matrix-vector product per gate and step), over every direction and layout, sequence_lens,
// initial states, peepholes, clip, input_forget, linear_before_reset and custom activations.
#include <cmath>
#include <random>

#include "ops/op_test_util.h"

namespace octet {
namespace {

using testing::attr_float;
using testing::attr_floats;
using testing::attr_int;
using testing::attr_string;
using testing::expect_close;
using testing::run_op;

Attribute attr_strings(std::vector<std::string> v) {
  Attribute a;
  a.kind = Attribute::Kind::kStrings;
  a.strings = std::move(v);
  return a;
}

float activate(const std::string& name, float x, float alpha, float beta) {
  if (name == "Sigmoid") return 1.0f / (1.0f + std::exp(-x));
  if (name == "Tanh") return std::tanh(x);
  if (name == "Relu") return std::max(0.0f, x);
  if (name == "HardSigmoid") return std::min(1.0f, std::max(0.0f, alpha * x + beta));
  if (name == "LeakyRelu") return x >= 0 ? x : alpha * x;
  if (name == "Affine") return alpha * x + beta;
  if (name == "ScaledTanh") return alpha * std::tanh(beta * x);
  if (name == "Softsign") return x / (1 + std::fabs(x));
  ADD_FAILURE() << "reference lacks " << name;
  return 0;
}

struct Act {
  std::string name;
  float alpha = 0, beta = 0;
  float operator()(float x) const { return activate(name, x, alpha, beta); }
};

struct Case {
  bool lstm = true;
  int64_t seq = 3, batch = 2, input = 3, hidden = 4;
  std::string direction = "forward";
  int layout = 0;
  std::vector<int32_t> lens;  // empty: no sequence_lens input
  bool bias = true, init = true, peephole = false, input_forget = false, linear_before_reset = false;
  float clip = 0;         // 0: no clip attribute
  std::vector<Act> acts;  // per direction; empty: defaults
};

struct Inputs {
  Tensor x, w, r, b, lens, h0, c0, p;
};

Tensor random_tensor(Shape shape, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor t(DType::kFloat32, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// Swaps the first two axes of a rank-3 tensor: X and the states between layout 0 and 1.
Tensor swap01(const Tensor& t) {
  const int64_t a = t.dim(0), b = t.dim(1), k = t.dim(2);
  Tensor out(DType::kFloat32, {b, a, k});
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      for (int64_t m = 0; m < k; ++m) out.data<float>()[(j * a + i) * k + m] = t.data<float>()[(i * b + j) * k + m];
  return out;
}

Tensor y_to_layout1(const Tensor& y) {  // [seq, dirs, batch, h] -> [batch, seq, dirs, h]
  const int64_t s = y.dim(0), d = y.dim(1), b = y.dim(2), h = y.dim(3);
  Tensor out(DType::kFloat32, {b, s, d, h});
  for (int64_t t = 0; t < s; ++t)
    for (int64_t k = 0; k < d; ++k)
      for (int64_t n = 0; n < b; ++n)
        for (int64_t m = 0; m < h; ++m)
          out.data<float>()[((n * s + t) * d + k) * h + m] = y.data<float>()[((t * d + k) * b + n) * h + m];
  return out;
}

int64_t dirs_of(const Case& c) { return c.direction == "bidirectional" ? 2 : 1; }

Inputs make_inputs(const Case& c, std::mt19937& rng) {
  const int64_t dirs = dirs_of(c), g = (c.lstm ? 4 : 3) * c.hidden;
  Inputs in;
  in.x = random_tensor({c.seq, c.batch, c.input}, rng);
  in.w = random_tensor({dirs, g, c.input}, rng);
  in.r = random_tensor({dirs, g, c.hidden}, rng);
  if (c.bias) in.b = random_tensor({dirs, 2 * g}, rng);
  if (!c.lens.empty()) in.lens = Tensor::from_vector<int32_t>({c.batch}, c.lens);
  if (c.init) in.h0 = random_tensor({dirs, c.batch, c.hidden}, rng);
  if (c.init && c.lstm) in.c0 = random_tensor({dirs, c.batch, c.hidden}, rng);
  if (c.peephole) in.p = random_tensor({dirs, 3 * c.hidden}, rng);
  return in;
}

float at(const Tensor& t, int64_t i) { return t.defined() ? t.data<float>()[i] : 0.0f; }

// The spec's equations, layout 0. Returns Y, Y_h (and Y_c for LSTM).
std::vector<Tensor> reference(const Case& c, const Inputs& in) {
  const int64_t dirs = dirs_of(c), nh = c.hidden, ng = (c.lstm ? 4 : 3) * nh;
  Tensor y(DType::kFloat32, {c.seq, dirs, c.batch, nh}), yh(DType::kFloat32, {dirs, c.batch, nh}),
      yc(DType::kFloat32, {dirs, c.batch, nh});
  const size_t per_dir = c.lstm ? 3 : 2;
  std::vector<Act> acts = c.acts;
  if (acts.empty())
    acts = c.lstm ? std::vector<Act>{{"Sigmoid"}, {"Tanh"}, {"Tanh"}} : std::vector<Act>{{"Sigmoid"}, {"Tanh"}};
  if (acts.size() == per_dir && dirs == 2) {
    const std::vector<Act> one_dir = acts;
    acts.insert(acts.end(), one_dir.begin(), one_dir.end());
  }
  auto clip = [&](float v) { return c.clip > 0 ? std::min(c.clip, std::max(-c.clip, v)) : v; };
  for (int64_t d = 0; d < dirs; ++d) {
    const bool reverse = c.direction == "reverse" || d == 1;
    const Act &f = acts[d * per_dir], &g = acts[d * per_dir + 1];
    for (int64_t b = 0; b < c.batch; ++b) {
      std::vector<float> h(nh), cell(nh);
      for (int64_t j = 0; j < nh; ++j) {
        h[j] = at(in.h0, (d * c.batch + b) * nh + j);
        cell[j] = at(in.c0, (d * c.batch + b) * nh + j);
      }
      const int64_t len = c.lens.empty() ? c.seq : c.lens[b];
      for (int64_t s = 0; s < len; ++s) {
        const int64_t t = reverse ? len - 1 - s : s;
        // xw[k] = Xt W[k]^T + Wb[k]; hr[k] = Ht-1 R[k]^T + Rb[k], for every gate row k.
        std::vector<float> xw(ng), hr(ng);
        for (int64_t k = 0; k < ng; ++k) {
          xw[k] = at(in.b, d * 2 * ng + k);
          hr[k] = at(in.b, d * 2 * ng + ng + k);
          for (int64_t i = 0; i < c.input; ++i)
            xw[k] +=
                in.x.data<float>()[(t * c.batch + b) * c.input + i] * in.w.data<float>()[(d * ng + k) * c.input + i];
          for (int64_t i = 0; i < nh; ++i) hr[k] += h[i] * in.r.data<float>()[(d * ng + k) * nh + i];
        }
        std::vector<float> next(nh);
        if (c.lstm) {
          const Act& hact = acts[d * per_dir + 2];
          for (int64_t j = 0; j < nh; ++j) {
            const float pi = at(in.p, d * 3 * nh + j), po = at(in.p, d * 3 * nh + nh + j),
                        pf = at(in.p, d * 3 * nh + 2 * nh + j);
            const float ig = f(clip(xw[j] + hr[j] + pi * cell[j]));
            const float fg = c.input_forget ? 1 - ig : f(clip(xw[2 * nh + j] + hr[2 * nh + j] + pf * cell[j]));
            const float cg = g(clip(xw[3 * nh + j] + hr[3 * nh + j]));
            cell[j] = fg * cell[j] + ig * cg;
            const float og = f(clip(xw[nh + j] + hr[nh + j] + po * cell[j]));
            next[j] = og * hact(cell[j]);
          }
        } else {
          std::vector<float> z(nh), r(nh);
          for (int64_t j = 0; j < nh; ++j) {
            z[j] = f(clip(xw[j] + hr[j]));
            r[j] = f(clip(xw[nh + j] + hr[nh + j]));
          }
          for (int64_t j = 0; j < nh; ++j) {
            float pre;
            if (c.linear_before_reset) {
              pre = xw[2 * nh + j] + r[j] * hr[2 * nh + j];
            } else {  // (rt . Ht-1) Rh^T + Rbh
              pre = xw[2 * nh + j] + at(in.b, d * 2 * ng + ng + 2 * nh + j);
              for (int64_t i = 0; i < nh; ++i) pre += r[i] * h[i] * in.r.data<float>()[(d * ng + 2 * nh + j) * nh + i];
            }
            next[j] = (1 - z[j]) * g(clip(pre)) + z[j] * h[j];
          }
        }
        h = next;
        for (int64_t j = 0; j < nh; ++j) y.data<float>()[((t * dirs + d) * c.batch + b) * nh + j] = h[j];
      }
      for (int64_t j = 0; j < nh; ++j) {
        yh.data<float>()[(d * c.batch + b) * nh + j] = len ? h[j] : 0.0f;
        yc.data<float>()[(d * c.batch + b) * nh + j] = len ? cell[j] : 0.0f;
      }
    }
  }
  if (c.lstm) return {y, yh, yc};
  return {y, yh};
}

std::vector<Tensor> run_case(const Case& c, const Inputs& in, int threads = 1) {
  std::map<std::string, Attribute> attrs = {
      {"direction", attr_string(c.direction)}, {"hidden_size", attr_int(c.hidden)}, {"layout", attr_int(c.layout)}};
  if (c.clip > 0) attrs["clip"] = attr_float(c.clip);
  if (c.input_forget) attrs["input_forget"] = attr_int(1);
  if (c.linear_before_reset) attrs["linear_before_reset"] = attr_int(1);
  if (!c.acts.empty()) {
    std::vector<std::string> names;
    std::vector<float> alphas, betas;
    for (const Act& a : c.acts) {
      names.push_back(a.name);
      if (a.name == "HardSigmoid" || a.name == "LeakyRelu" || a.name == "Affine" || a.name == "ScaledTanh")
        alphas.push_back(a.alpha);
      if (a.name == "HardSigmoid" || a.name == "Affine" || a.name == "ScaledTanh") betas.push_back(a.beta);
    }
    attrs["activations"] = attr_strings(names);
    attrs["activation_alpha"] = attr_floats(alphas);
    attrs["activation_beta"] = attr_floats(betas);
  }
  const bool l1 = c.layout == 1;
  std::vector<Tensor> inputs = {
      l1 ? swap01(in.x) : in.x, in.w, in.r, in.b, in.lens, l1 && in.h0.defined() ? swap01(in.h0) : in.h0};
  if (c.lstm) {
    inputs.push_back(l1 && in.c0.defined() ? swap01(in.c0) : in.c0);
    inputs.push_back(in.p);
  }
  return run_op(c.lstm ? "LSTM" : "GRU", inputs, attrs, c.lstm ? 3 : 2, 14, threads);
}

void check_case(const Case& c, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  const Inputs in = make_inputs(c, rng);
  std::vector<Tensor> want = reference(c, in);
  const std::vector<Tensor> got = run_case(c, in);
  ASSERT_EQ(got.size(), want.size());
  if (c.layout == 1) {
    want[0] = y_to_layout1(want[0]);
    for (size_t i = 1; i < want.size(); ++i) want[i] = swap01(want[i]);
  }
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("output " + std::to_string(i));
    expect_close(got[i], want[i], 2e-5);
  }
}

std::vector<Case> all_directions_and_layouts(Case base) {
  std::vector<Case> out;
  for (const char* dir : {"forward", "reverse", "bidirectional"})
    for (int layout : {0, 1}) {
      base.direction = dir;
      base.layout = layout;
      out.push_back(base);
    }
  return out;
}

TEST(LSTM, HandComputedStep) {
  // One step, input 1, hidden 1, W = [1, 2, 3, 4] (i, o, f, c), R = 0, no bias, zero state.
  Tensor x = Tensor::from_vector<float>({1, 1, 1}, {1.0f});
  Tensor w = Tensor::from_vector<float>({1, 4, 1}, {1, 2, 3, 4});
  Tensor r(DType::kFloat32, {1, 4, 1});
  auto out = run_op("LSTM", {x, w, r}, {{"hidden_size", attr_int(1)}}, 3, 14);
  auto sig = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
  const float c = sig(1) * std::tanh(4.0f), h = sig(2) * std::tanh(c);
  EXPECT_NEAR(out[0].data<float>()[0], h, 1e-6);
  EXPECT_NEAR(out[1].data<float>()[0], h, 1e-6);
  EXPECT_NEAR(out[2].data<float>()[0], c, 1e-6);
}

TEST(LSTM, EveryDirectionAndLayout) {
  for (const Case& c : all_directions_and_layouts(Case{})) {
    SCOPED_TRACE(c.direction + " layout " + std::to_string(c.layout));
    check_case(c);
  }
}

TEST(LSTM, SequenceLensPeepholesClip) {
  Case base;
  base.seq = 5;
  base.batch = 3;
  base.lens = {5, 2, 0};
  base.peephole = true;
  base.clip = 0.7f;
  for (const Case& c : all_directions_and_layouts(base)) {
    SCOPED_TRACE(c.direction + " layout " + std::to_string(c.layout));
    check_case(c);
  }
}

TEST(LSTM, NoBiasNoInitialStateInputForget) {
  Case c;
  c.bias = false;
  c.init = false;
  c.input_forget = true;
  c.direction = "bidirectional";
  check_case(c);
}

TEST(LSTM, CustomActivationsPerDirection) {
  Case c;
  c.direction = "bidirectional";
  c.acts = {{"HardSigmoid", 0.3f, 0.4f}, {"LeakyRelu", 0.2f}, {"Affine", 0.5f, 0.1f}, {"Sigmoid"},
            {"ScaledTanh", 1.5f, 0.7f},  {"Softsign"}};
  check_case(c);
}

TEST(LSTM, OmittedOutputsAndThreads) {
  Case c;
  c.seq = 7;
  c.batch = 5;
  c.hidden = 33;
  c.input = 17;
  std::mt19937 rng(2);
  const Inputs in = make_inputs(c, rng);
  const auto one = run_case(c, in, 1);
  const auto two = run_case(c, in, 2);
  for (size_t i = 0; i < one.size(); ++i) expect_close(two[i], one[i], 1e-6);
  // Y_c omitted (two outputs requested), no initial state.
  Case no_init = c;
  no_init.init = false;
  auto out = run_op("LSTM", {in.x, in.w, in.r, in.b}, {{"hidden_size", attr_int(c.hidden)}}, 2, 14);
  ASSERT_EQ(out.size(), 2u);
  Inputs without_state = in;
  without_state.h0 = without_state.c0 = Tensor();
  expect_close(out[1], reference(no_init, without_state)[1], 2e-5);
}

TEST(LSTM, RejectsBadInput) {
  Tensor x(DType::kFloat32, {2, 1, 3}), w(DType::kFloat32, {1, 8, 3}), r(DType::kFloat32, {1, 8, 2});
  EXPECT_NO_THROW(run_op("LSTM", {x, w, r}, {{"hidden_size", attr_int(2)}}, 2, 14));
  EXPECT_THROW(run_op("LSTM", {x, w, r}, {{"hidden_size", attr_int(3)}}, 2, 14), Error);
  EXPECT_THROW(run_op("LSTM", {x, w, r}, {{"direction", attr_string("sideways")}}, 2, 14), Error);
  EXPECT_THROW(run_op("LSTM", {x, w, r}, {{"layout", attr_int(2)}}, 2, 14), Error);
  Tensor lens = Tensor::from_vector<int32_t>({1}, {3});
  EXPECT_THROW(run_op("LSTM", {x, w, r, Tensor(), lens}, {}, 2, 14), Error);
  EXPECT_THROW(run_op("LSTM", {x, w, r}, {{"activations", attr_strings({"Sigmoid", "Tanh", "Cosine"})}}, 2, 14), Error);
  Tensor h0(DType::kFloat32, {1, 2, 2});
  EXPECT_THROW(run_op("LSTM", {x, w, r, Tensor(), Tensor(), h0}, {}, 2, 14), Error);
}

TEST(GRU, HandComputedStep) {
  // One step, input 1, hidden 1, W = [1, 2, 3] (z, r, h), R = [0.5, 0.5, 0.5], H0 = 1, no bias.
  Tensor x = Tensor::from_vector<float>({1, 1, 1}, {1.0f});
  Tensor w = Tensor::from_vector<float>({1, 3, 1}, {1, 2, 3});
  Tensor r = Tensor::from_vector<float>({1, 3, 1}, {0.5f, 0.5f, 0.5f});
  Tensor h0 = Tensor::from_vector<float>({1, 1, 1}, {1.0f});
  auto sig = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
  const float z = sig(1.5f), rg = sig(2.5f), hh = std::tanh(3 + rg * 0.5f);
  auto out = run_op("GRU", {x, w, r, Tensor(), Tensor(), h0}, {{"hidden_size", attr_int(1)}}, 2, 14);
  EXPECT_NEAR(out[1].data<float>()[0], (1 - z) * hh + z, 1e-6);
}

TEST(GRU, EveryDirectionAndLayoutBothResetModes) {
  for (bool lbr : {false, true}) {
    Case base;
    base.lstm = false;
    base.linear_before_reset = lbr;
    for (const Case& c : all_directions_and_layouts(base)) {
      SCOPED_TRACE(c.direction + " layout " + std::to_string(c.layout) + " lbr " + std::to_string(lbr));
      check_case(c);
    }
  }
}

TEST(GRU, SequenceLensClipActivations) {
  Case base;
  base.lstm = false;
  base.seq = 4;
  base.batch = 3;
  base.lens = {1, 4, 0};
  base.clip = 0.5f;
  for (bool lbr : {false, true}) {
    base.linear_before_reset = lbr;
    for (const Case& c : all_directions_and_layouts(base)) {
      SCOPED_TRACE(c.direction + " layout " + std::to_string(c.layout) + " lbr " + std::to_string(lbr));
      check_case(c);
    }
  }
  base.direction = "bidirectional";
  base.acts = {{"HardSigmoid", 0.25f, 0.5f}, {"Relu"}, {"Sigmoid"}, {"Softsign"}};
  base.bias = false;
  base.init = false;
  check_case(base);
}

}  // namespace
}  // namespace octet
