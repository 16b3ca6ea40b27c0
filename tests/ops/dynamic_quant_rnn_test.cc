// com.octet DynamicQuantLSTM / DynamicQuantGRU with per_token (X's range per time step) against a
// reference computed step by step: each row of X quantized by DynamicQuantizeLinear's rule
// (docs/quantization.md (3)-(5)), the integer GEMM in int64, dequantized (docs/dynamic_ptq.md
// (D2)), then the cell in float. R's codes equal its zero point, so the recurrent GEMM is exactly
// 0 and the input projection alone decides the output. `make test` runs this on every ISA path
// (scripts/lower_paths.sh); the GEMM's sums are exact and its epilogue the same bits on each.
#include <cmath>
#include <map>
#include <random>

#include "kernels/qmath.h"
#include "ops/op_test_util.h"

namespace octet {
namespace {

using testing::attr_int;
using testing::attr_string;
using testing::expect_close;
using testing::run_op;

struct Case {
  bool lstm = true;
  bool non_negative = false;  // every row's zero point 0: the GEMM's own correction, fused
  bool bidirectional = false;
  bool linear_before_reset = false;
};

float sigmoid(double v) { return static_cast<float>(1.0 / (1.0 + std::exp(-v))); }

TEST(DynamicQuantRnn, PerStepInputMatchesStepByStepReference) {
  const int64_t seq = 6, batch = 2, input = 7, nh = 3;
  for (const Case& c : {Case{true, false, false}, Case{true, true, true}, Case{false, false, true, false},
                        Case{false, true, false, true}}) {
    SCOPED_TRACE(::testing::Message() << "lstm " << c.lstm << " non_negative " << c.non_negative << " bidirectional "
                                      << c.bidirectional << " lbr " << c.linear_before_reset);
    const int64_t dirs = c.bidirectional ? 2 : 1, ng = (c.lstm ? 4 : 3) * nh;
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
    // Rows of very different ranges and signs, so each row's qparams differ.
    Tensor x(DType::kFloat32, {seq, batch, input});
    for (int64_t i = 0; i < x.numel(); ++i) {
      const float v = unit(rng) * std::pow(10.0f, static_cast<float>(i / input % 4) - 2.0f);
      x.data<float>()[i] = c.non_negative ? std::fabs(v) : v;
    }
    Tensor w(DType::kInt8, {dirs, ng, input}), r(DType::kInt8, {dirs, ng, nh});
    std::uniform_int_distribution<int> code(-128, 127);
    for (int64_t i = 0; i < w.numel(); ++i) w.data<int8_t>()[i] = static_cast<int8_t>(code(rng));
    Tensor w_scale(DType::kFloat32, {ng}), w_zp(DType::kInt8, {ng}), r_scale(DType::kFloat32, {ng}),
        r_zp(DType::kInt8, {ng});
    for (int64_t k = 0; k < ng; ++k) {
      w_scale.data<float>()[k] = 0.002f * (1.5f + unit(rng));
      w_zp.data<int8_t>()[k] = static_cast<int8_t>(code(rng) / 4);
      r_scale.data<float>()[k] = 0.01f;
      r_zp.data<int8_t>()[k] = static_cast<int8_t>(k - 5);
    }
    for (int64_t i = 0; i < r.numel(); ++i) r.data<int8_t>()[i] = r_zp.data<int8_t>()[i / nh % ng];  // R = 0
    Tensor b(DType::kFloat32, {dirs, 2 * ng});
    for (int64_t i = 0; i < b.numel(); ++i) b.data<float>()[i] = 0.5f * unit(rng);

    // The reference: xw[t][b][d][k], then the cells (ONNX's equations with R = 0), layout 0.
    std::vector<double> xw(seq * batch * dirs * ng);
    for (int64_t row = 0; row < seq * batch; ++row) {
      const float* xr = x.data<float>() + row * input;
      const QParams q = dynamic_qparams_u8(range_with_zero(xr, input));
      for (int64_t d = 0; d < dirs; ++d)
        for (int64_t k = 0; k < ng; ++k) {
          int64_t acc = 0;
          for (int64_t i = 0; i < input; ++i)
            acc += (quantize_value<uint8_t>(xr[i], q.scale, q.zero_point) - q.zero_point) *
                   (w.data<int8_t>()[(d * ng + k) * input + i] - w_zp.data<int8_t>()[k]);
          xw[(row * dirs + d) * ng + k] = double(q.scale) * acc * w_scale.data<float>()[k];
        }
    }
    Tensor want(DType::kFloat32, {seq, dirs, batch, nh});
    for (int64_t d = 0; d < dirs; ++d) {
      const float* wb = b.data<float>() + d * 2 * ng;
      const float* rb = wb + ng;
      for (int64_t bi = 0; bi < batch; ++bi) {
        std::vector<double> h(nh, 0.0), cell(nh, 0.0);
        for (int64_t s = 0; s < seq; ++s) {
          const int64_t t = d == 1 ? seq - 1 - s : s;
          const double* g = xw.data() + ((t * batch + bi) * dirs + d) * ng;
          for (int64_t j = 0; j < nh; ++j) {
            if (c.lstm) {  // gates i, o, f, c
              auto pre = [&](int gate) { return g[gate * nh + j] + wb[gate * nh + j] + rb[gate * nh + j]; };
              cell[j] = sigmoid(pre(2)) * cell[j] + sigmoid(pre(0)) * std::tanh(pre(3));
              h[j] = sigmoid(pre(1)) * std::tanh(cell[j]);
            } else {  // gates z, r, h; R = 0 leaves Rbh alone in the h gate's recurrence
              const double z = sigmoid(g[j] + wb[j] + rb[j]), rr = sigmoid(g[nh + j] + wb[nh + j] + rb[nh + j]);
              const double rbh = rb[2 * nh + j];
              const double hh = std::tanh(g[2 * nh + j] + wb[2 * nh + j] + (c.linear_before_reset ? rr * rbh : rbh));
              h[j] = (1 - z) * hh + z * h[j];
            }
            want.data<float>()[((t * dirs + d) * batch + bi) * nh + j] = static_cast<float>(h[j]);
          }
        }
      }
    }

    std::vector<Tensor> inputs = {x, w, r, b, Tensor(), Tensor()};
    if (c.lstm) inputs.insert(inputs.end(), {Tensor(), Tensor()});
    const size_t first_scale = inputs.size();
    inputs.insert(inputs.end(), {w_scale, r_scale, w_zp, r_zp});
    std::vector<size_t> constants = {1, 2, first_scale, first_scale + 1, first_scale + 2, first_scale + 3};
    std::map<std::string, Attribute> attrs = {
        {"hidden_size", attr_int(nh)},
        {"per_token", attr_int(1)},
        {"direction", attr_string(c.bidirectional ? "bidirectional" : "forward")}};
    if (c.linear_before_reset) attrs["linear_before_reset"] = attr_int(1);
    const std::string op = c.lstm ? "DynamicQuantLSTM" : "DynamicQuantGRU";
    const Tensor got1 = run_op(op, inputs, attrs, 1, 17, 1, constants, "com.octet")[0];
    const Tensor got3 = run_op(op, inputs, attrs, 1, 17, 3, constants, "com.octet")[0];
    expect_close(got1, want, 2e-6);
    EXPECT_EQ(testing::max_abs_diff(got1, got3), 0.0) << "threads";
  }
}

}  // namespace
}  // namespace octet
