// Dynamic quantization: int8 weights offline, activations at run time. The exported graph runs in
// float (weight-only) anywhere; lower() runs the marked MatMul/Gemm nodes on the INT8 GEMM.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <set>

#include "octet/io.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

const std::string kModels = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";

using testing::max_abs_diff;
using testing::max_rel_diff;
const auto count = testing::count_op;

TEST(QuantizeDynamic, FixturesRunOnInt8GemmCloseToFp32) {
  for (const char* name : {"mlp_op17", "transformer_op17", "transformer_op18"}) {
    Graph g = load_onnx(kModels + name + ".onnx");
    auto feeds = read_npz(kModels + name + ".inputs.npz");
    QuantizeReport report;
    Graph q = quantize_dynamic(g, {}, &report);
    EXPECT_FALSE(report.quantized_nodes.empty()) << name;
    Graph l = lower(q);
    EXPECT_EQ(count(l, "DynamicQuantMatMul"), static_cast<int>(report.quantized_nodes.size())) << name;
    Tensor want = Executor(g).run(feeds).begin()->second;
    EXPECT_LT(max_rel_diff(want, Executor(l).run(feeds).begin()->second), 0.02) << name;
    // Without lowering (as ONNX Runtime runs it) the graph is weight-only: closer still.
    EXPECT_LT(max_rel_diff(want, Executor(q).run(feeds).begin()->second), 0.02) << name;
  }
}

// The transformer fixture writes each projection as MatMul then Add of a constant bias: lowering
// moves every such Add into the DynamicQuantMatMul, and the result stays the weight-only graph's.
TEST(QuantizeDynamic, BiasAddsMoveIntoTheInt8MatMul) {
  Graph g = load_onnx(kModels + "transformer_op17.onnx");
  auto feeds = read_npz(kModels + "transformer_op17.inputs.npz");
  Graph q = quantize_dynamic(g, {});
  Graph l = lower(q);
  int with_bias = 0;
  for (const Node& n : l.nodes) with_bias += n.op_type == "DynamicQuantMatMul" && n.inputs.size() == 4;
  EXPECT_GT(with_bias, 0);
  // and each GELU's 1 + erf, and each residual Add now inside its AddLayerNorm
  EXPECT_EQ(count(q, "Add") - count(l, "Add"), with_bias + count(l, "Gelu") + count(l, "AddLayerNorm"));
  std::set<std::string> matmul_outputs;
  for (const Node& n : l.nodes)
    if (n.op_type == "DynamicQuantMatMul") matmul_outputs.insert(n.outputs[0]);
  for (const Node& n : l.nodes) {  // no Add left of a DynamicQuantMatMul output and a [N] constant
    if (n.op_type != "Add") continue;
    const bool after_matmul = matmul_outputs.count(n.inputs[0]) || matmul_outputs.count(n.inputs[1]);
    const bool of_vector = (l.find_initializer(n.inputs[0]) && l.find_initializer(n.inputs[0])->rank() == 1) ||
                           (l.find_initializer(n.inputs[1]) && l.find_initializer(n.inputs[1])->rank() == 1);
    EXPECT_FALSE(after_matmul && of_vector) << n.name;
  }
  for (const auto& [out, want] : Executor(q).run(feeds))
    EXPECT_LT(max_rel_diff(want, Executor(l).run(feeds).at(out)), 0.02) << out;
}

// Every DequantizeLinear'd weight of q (from quantize_dynamic(g)) within half a step of the float
// weight of g it came from (named by the codes' prefix), zero points applied; returns their count.
int expect_weights_round_trip(const Graph& g, const Graph& q) {
  int checked = 0;
  for (const Node& n : q.nodes) {
    if (n.op_type != "DequantizeLinear") continue;
    const Tensor& codes = *q.find_initializer(n.inputs[0]);
    const Tensor& scale = *q.find_initializer(n.inputs[1]);
    const Tensor* zp = n.has_input(2) ? q.find_initializer(n.inputs[2]) : nullptr;
    const std::string w_name = n.inputs[0].substr(0, n.inputs[0].rfind("_quantized"));
    const Tensor& w = *g.find_initializer(w_name);
    const int axis = static_cast<int>(n.attr_int("axis", 1));
    int64_t inner = 1;
    for (int d = axis + 1; d < w.rank(); ++d) inner *= w.dim(d);
    const int64_t ch = scale.numel() == 1 ? 1 : w.dim(axis);
    for (int64_t i = 0; i < w.numel(); ++i) {
      const int64_t c = (i / inner) % ch;
      const float s = scale.data<float>()[c];
      const int z = zp ? zp->data<int8_t>()[c] : 0;
      EXPECT_LE(std::fabs((codes.data<int8_t>()[i] - z) * s - w.data<float>()[i]), s / 2 * 1.0001f)
          << w_name << " " << i;
    }
    ++checked;
  }
  return checked;
}

TEST(QuantizeDynamic, WeightRoundTripWithinHalfAStep) {
  Graph g = load_onnx(kModels + "mlp_op17.onnx");
  EXPECT_GT(expect_weights_round_trip(g, quantize_dynamic(g, {})), 0);
}

// 7-bit weights: every code in -64..64 (the 7-bit GEMM path), results still close to fp32.
TEST(QuantizeDynamic, ReduceWeightRangeWritesSevenBitWeights) {
  Graph g = load_onnx(kModels + "transformer_op17.onnx");
  auto feeds = read_npz(kModels + "transformer_op17.inputs.npz");
  DynamicQuantOptions o;
  o.reduce_weight_range = true;
  Graph q = quantize_dynamic(g, o);
  const testing::Int8Codes codes = testing::int8_codes(q);
  EXPECT_GE(codes.tensors, 4);
  EXPECT_LE(codes.max_abs, 64);
  Tensor want = Executor(g).run(feeds).begin()->second;
  EXPECT_LT(max_rel_diff(want, Executor(lower(q)).run(feeds).begin()->second), 0.03);
}

// One MatMul whose input rows differ in magnitude by 1000x: per-token keeps the small rows.
Graph one_matmul() {
  Graph g;
  g.opsets[""] = 17;
  g.inputs.push_back({"x", DType::kFloat32, true, {{-1, "rows"}, {8, ""}}});
  g.outputs.push_back({"y", DType::kFloat32, false, {}});
  std::vector<float> w(8 * 4);
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(0.7f * i);
  g.initializers["w"] = Tensor::from_vector<float>({8, 4}, w);
  g.nodes.push_back(Node{"mm", "MatMul", "", 17, {"x", "w"}, {"y"}, {}});
  return g;
}

TEST(QuantizeDynamic, PerTokenBeatsPerTensorOnRowsOfDifferentMagnitude) {
  Graph g = one_matmul();
  Tensor x(DType::kFloat32, {2, 8});
  for (int i = 0; i < 8; ++i) {
    x.data<float>()[i] = 1000.0f * std::cos(1.3f * i);
    x.data<float>()[8 + i] = std::cos(0.9f * i);
  }
  Tensor want = Executor(g).run({{"x", x}}).at("y");
  auto small_row_error = [&](bool per_token) {
    DynamicQuantOptions o;
    o.per_token = per_token;
    Tensor got = Executor(lower(quantize_dynamic(g, o))).run({{"x", x}}).at("y");
    double e = 0;
    for (int c = 0; c < 4; ++c)
      e = std::max(e, double(std::fabs(got.data<float>()[4 + c] - want.data<float>()[4 + c])));
    return e;
  };
  EXPECT_LT(small_row_error(true) * 20, small_row_error(false));
  EXPECT_LT(small_row_error(true), 0.05);
}

TEST(QuantizeDynamic, AllZeroInputGivesBiasAndNaNIsAClearError) {
  Graph g = load_onnx(kModels + "mlp_op17.onnx");
  Graph l = lower(quantize_dynamic(g, {}));
  auto feeds = read_npz(kModels + "mlp_op17.inputs.npz");
  Tensor zeros(DType::kFloat32, feeds.begin()->second.shape());
  Tensor want = Executor(g).run({{feeds.begin()->first, zeros}}).begin()->second;
  Tensor got = Executor(l).run({{feeds.begin()->first, zeros}}).begin()->second;
  EXPECT_LT(max_rel_diff(want, got), 0.02);  // later layers see non-zero values
  for (bool per_token : {false, true}) {     // a single layer on zeros gives exactly zero
    DynamicQuantOptions o;
    o.per_token = per_token;
    Tensor y = Executor(lower(quantize_dynamic(one_matmul(), o))).run({{"x", Tensor(DType::kFloat32, {3, 8})}}).at("y");
    for (int64_t i = 0; i < y.numel(); ++i) EXPECT_EQ(y.data<float>()[i], 0.0f);
  }
  Tensor nan = feeds.begin()->second.clone();
  nan.data<float>()[3] = NAN;
  try {
    Executor(l).run({{feeds.begin()->first, nan}});
    ADD_FAILURE() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds NaN"), std::string::npos) << e.what();
  }
  // Per tensor and per token, 8- and 7-bit: the NaN's flat index is named; +-Inf saturates to
  // finite outputs.
  for (int variant = 0; variant < 4; ++variant) {
    const bool per_token = variant & 1;
    DynamicQuantOptions o;
    o.per_token = per_token;
    o.reduce_range = variant & 2;
    Executor e(lower(quantize_dynamic(one_matmul(), o)));
    Tensor x(DType::kFloat32, {3, 8});
    for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = 0.1f * float(i % 7) - 0.3f;
    x.data<float>()[5] = INFINITY;
    x.data<float>()[20] = -INFINITY;
    Tensor y = e.run({{"x", x}}).at("y");
    for (int64_t i = 0; i < y.numel(); ++i) EXPECT_TRUE(std::isfinite(y.data<float>()[i])) << i;
    x.data<float>()[13] = NAN;
    try {
      e.run({{"x", x}});
      ADD_FAILURE() << "NaN accepted, per_token " << per_token;
    } catch (const Error& err) {
      EXPECT_NE(std::string(err.what()).find("holds NaN (at flat index 13)"), std::string::npos) << err.what();
    }
  }
}

TEST(QuantizeDynamic, ExportReimportAndThreadsGiveTheSameOutputs) {
  Graph g = load_onnx(kModels + "transformer_op17.onnx");
  auto feeds = read_npz(kModels + "transformer_op17.inputs.npz");
  DynamicQuantOptions o;
  o.reduce_range = true;
  Graph q = quantize_dynamic(g, o);
  Graph back = import_onnx(export_onnx(q), "", "round trip");
  EXPECT_EQ(back.metadata.at("octet.dynamic"), q.metadata.at("octet.dynamic"));
  Tensor a = Executor(lower(q), {.threads = 1}).run(feeds).begin()->second;
  Tensor b = Executor(lower(back), {.threads = 2}).run(feeds).begin()->second;
  for (int64_t i = 0; i < a.numel(); ++i) ASSERT_EQ(a.data<float>()[i], b.data<float>()[i]) << i;
  EXPECT_LT(max_rel_diff(Executor(g).run(feeds).begin()->second, a), 0.05);
}

TEST(QuantizeDynamic, OnlyMarkedNodesAreLoweredAndOptionsAreChecked) {
  Graph g = load_onnx(kModels + "mlp_op17.onnx");
  Graph q = quantize_dynamic(g, {});
  q.metadata.erase("octet.dynamic");  // a weight-only model from another tool stays float
  EXPECT_EQ(count(lower(q), "DynamicQuantMatMul"), 0);
  // The messages name the option as the API spells it (the CLI maps it to its flag).
  auto error_of = [&](const DynamicQuantOptions& o) -> std::string {
    try {
      quantize_dynamic(g, o);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  DynamicQuantOptions bad;
  bad.op_types = {"Softmax"};
  EXPECT_NE(error_of(bad).find("DynamicQuantOptions::op_types: 'Softmax' cannot be quantized"), std::string::npos)
      << error_of(bad);
  DynamicQuantOptions ex;
  ex.exclude = {"nope"};
  EXPECT_NE(error_of(ex).find("DynamicQuantOptions::exclude: the model has no node named 'nope'"), std::string::npos)
      << error_of(ex);
}

// Tied weights: two MatMuls reading one weight get one int8 copy and one DequantizeLinear, and both
// still run on the INT8 GEMM.
TEST(QuantizeDynamic, ASharedWeightIsStoredOnce) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {2, 8})};
  g.initializers["w"] = testing::sine_tensor({8, 8}, 0.4f);
  testing::add_node(g, "MatMul", {"x", "w"}, "h");
  testing::add_node(g, "MatMul", {"h", "w"}, "y");
  g.outputs = {testing::f32_value("y", {2, 8})};
  Graph q = quantize_dynamic(g, {});
  EXPECT_EQ(count(q, "DequantizeLinear"), 1);
  int codes = 0;
  for (const auto& [_, t] : q.initializers) codes += t.dtype() == DType::kInt8 && t.rank() == 2;
  EXPECT_EQ(codes, 1);
  EXPECT_EQ(count(lower(q), "DynamicQuantMatMul"), 2);
}

TEST(QuantizeDynamicRnn, FixturesRunInt8WithinOneHundredth) {
  for (const char* name : {"lstm_op17", "gru_op17", "lstm_op18", "gru_op18"}) {
    Graph g = load_onnx(kModels + name + ".onnx");
    auto feeds = read_npz(kModels + name + ".inputs.npz");
    Graph l = lower(quantize_dynamic(g, {}));
    EXPECT_GT(count(l, "DynamicQuantLSTM") + count(l, "DynamicQuantGRU"), 0) << name;
    auto want = Executor(g).run(feeds), got = Executor(l).run(feeds);
    for (const auto& [out, t] : want) EXPECT_LE(max_abs_diff(t, got.at(out)), 1e-2) << name << " " << out;
  }
}

Tensor wave(Shape s, float f, float offset = 0.0f) {
  Tensor t(DType::kFloat32, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = offset + 0.4f * std::sin(f * i + 0.3f);
  return t;
}

struct RnnSize {
  int64_t seq = 5, batch = 3, input = 6, hidden = 4;
};

// One LSTM or GRU over x [seq, batch, input] (layout 0; layout 1 swaps seq and batch); its
// weights are waves around `w_offset` (0: about symmetric rows).
Graph rnn_graph(const std::string& op, const std::string& direction, int64_t layout, bool lbr, float w_offset = 0,
                RnnSize size = {}) {
  const auto [seq, batch, input, hidden] = size;
  const int64_t gates = op == "LSTM" ? 4 : 3, dirs = direction == "bidirectional" ? 2 : 1;
  Graph g;
  g.opsets[""] = 17;
  Shape xs = layout ? Shape{batch, seq, input} : Shape{seq, batch, input};
  g.inputs.push_back({"x", DType::kFloat32, true, {{xs[0], ""}, {xs[1], ""}, {xs[2], ""}}});
  g.initializers["W"] = wave({dirs, gates * hidden, input}, 0.77f, w_offset);
  g.initializers["R"] = wave({dirs, gates * hidden, hidden}, 1.31f, -w_offset);
  g.initializers["B"] = wave({dirs, 2 * gates * hidden}, 0.53f);
  Node n{"rnn", op, "", 17, {"x", "W", "R", "B"}, {"y", "y_h"}, {}};
  Attribute a;
  a.kind = Attribute::Kind::kString;
  a.s = direction;
  n.attrs["direction"] = a;
  n.attrs["hidden_size"] = int_attr(hidden);
  n.attrs["layout"] = int_attr(layout);
  if (lbr) n.attrs["linear_before_reset"] = int_attr(1);
  if (gates == 4) n.outputs.push_back("y_c");
  g.nodes.push_back(n);
  for (const auto& o : n.outputs) g.outputs.push_back({o, DType::kFloat32, false, {}});
  return g;
}

// The int8 graph's outputs within 1e-2 of the float graph's, the same at 1 and 2 threads.
void expect_int8_rnn_close(const Graph& g, const std::string& what) {
  Shape xs;
  for (const Dim& d : g.inputs[0].shape) xs.push_back(d.value);
  const Tensor x = wave(xs, 0.91f);
  Graph lowered = lower(quantize_dynamic(g, {}));
  ASSERT_EQ(count(lowered, "DynamicQuant" + g.nodes[0].op_type), 1) << what;
  auto want = Executor(g).run({{"x", x}});
  auto got1 = Executor(lowered, {.threads = 1}).run({{"x", x}});
  auto got2 = Executor(lowered, {.threads = 2}).run({{"x", x}});
  for (const auto& [out, t] : want) {
    EXPECT_LE(max_abs_diff(t, got1.at(out)), 1e-2) << what << " " << out;
    EXPECT_EQ(max_abs_diff(got1.at(out), got2.at(out)), 0.0) << what << " threads";
  }
}

// Every direction and layout, LSTM and GRU (both linear_before_reset forms), all outputs.
TEST(QuantizeDynamicRnn, DirectionsLayoutsAndOutputs) {
  for (const char* op : {"LSTM", "GRU"})
    for (const char* direction : {"forward", "reverse", "bidirectional"})
      for (int64_t layout : {0, 1})
        for (bool lbr : {false, true}) {
          if (std::string(op) == "LSTM" && lbr) continue;
          expect_int8_rnn_close(rnn_graph(op, direction, layout, lbr),
                                cat(op, " ", direction, " layout ", layout, " lbr ", lbr));
        }
}

// LSTM/GRU weights are affine int8 per gate row: rows of one sign get zero point -128 or 127 (all
// 256 codes on their range), every weight comes back within half a step, and the INT8 cells
// apply the zero points (the lowered op takes them as inputs; ignoring them would be ~1 off).
TEST(QuantizeDynamicRnn, WeightsAreAffinePerGateRow) {
  for (const char* op : {"LSTM", "GRU"}) {
    Graph g = rnn_graph(op, "bidirectional", 0, false, 0.5f);  // W rows all > 0, R rows all < 0
    Graph q = quantize_dynamic(g, {});
    for (const Node& n : q.nodes) {
      if (n.op_type != "DequantizeLinear") continue;
      const bool is_w = n.inputs[0].rfind("W", 0) == 0;
      const Tensor& zp = *q.find_initializer(n.inputs[2]);
      ASSERT_EQ(zp.numel(), g.find_initializer("W")->dim(1));
      for (int64_t r = 0; r < zp.numel(); ++r) EXPECT_EQ(zp.data<int8_t>()[r], is_w ? -128 : 127) << op << " row " << r;
    }
    EXPECT_EQ(expect_weights_round_trip(g, q), 2) << op;
    Graph l = lower(q);
    for (const Node& n : l.nodes)
      if (n.op_type == std::string("DynamicQuant") + op) {
        EXPECT_EQ(n.inputs.size(), std::string(op) == "LSTM" ? 12u : 10u);
      }
    expect_int8_rnn_close(g, op);
  }
}

// A linear-scale spectrogram (issue 27's speaker encoder input): most bins about 0.03, two bins per
// step louder: up to 0.15 in most steps, 3 to 31 in about one step of ten.
Tensor spectrogram(int64_t seq, int64_t bins) {
  Tensor x(DType::kFloat32, {seq, 1, bins});
  std::mt19937 rng(27);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  for (int64_t t = 0; t < seq; ++t) {
    float* row = x.data<float>() + t * bins;
    for (int64_t f = 0; f < bins; ++f) row[f] = 0.06f * unit(rng);
    const float peak = unit(rng) < 0.1f ? 3.0f + 28.0f * unit(rng) : 0.05f + 0.1f * unit(rng);
    row[(t * 7) % bins] = peak;
    row[(t * 7 + 1) % bins] = 0.5f * peak;
  }
  return x;
}

double cosine(const Tensor& a, const Tensor& b) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double u = a.data<float>()[i], v = b.data<float>()[i];
    ab += u * v, aa += u * u, bb += v * v;
  }
  return ab / std::sqrt(aa * bb);
}

// With one range for all steps, the spectrogram's quantization step is 31 / 255 and nearly all of
// its values round to 0; a range per time step (the default for LSTM/GRU inputs, and what
// --per-token asks for) keeps them (dynamic_quant_rnn.cc).
// The input weights are large (up to 10), as a first layer's are on such unnormalized magnitudes.
TEST(QuantizeDynamicRnn, PerStepRangesKeepASpectrogramInput) {
  const RnnSize size{60, 1, 40, 32};
  const Tensor x = spectrogram(size.seq, size.input);
  for (const char* op : {"LSTM", "GRU"}) {
    Graph g = rnn_graph(op, "forward", 0, false, 0, size);
    Tensor& w = g.initializers.at("W");
    std::mt19937 rng(5);
    std::uniform_real_distribution<float> weight(-10.0f, 10.0f);
    for (int64_t i = 0; i < w.numel(); ++i) w.data<float>()[i] = weight(rng);
    const Tensor want = Executor(g).run({{"x", x}}).at("y");
    const Graph q = quantize_dynamic(g, {});
    Graph one_range = q;  // what a file that asks for one range runs
    one_range.metadata["octet.dynamic"] = R"({"nodes": ["rnn"], "rnn_per_step": false})";
    const double cosines[2] = {cosine(want, Executor(lower(one_range)).run({{"x", x}}).at("y")),
                               cosine(want, Executor(lower(q)).run({{"x", x}}).at("y"))};
    DynamicQuantOptions per_token;  // --per-token asks for it too
    per_token.per_token = true;
    EXPECT_EQ(cosine(want, Executor(lower(quantize_dynamic(g, per_token))).run({{"x", x}}).at("y")), cosines[1]) << op;
    std::printf("%s spectrogram: cosine to fp32 per tensor %.4f, per step %.4f\n", op, cosines[0], cosines[1]);
    EXPECT_GE(cosines[1], 0.95) << op;
    EXPECT_LT(cosines[0], 0.9) << op;
  }
}

}  // namespace
}  // namespace octet
