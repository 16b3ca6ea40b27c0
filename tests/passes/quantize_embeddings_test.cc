// quantize_embeddings: a Gather of a constant float table reads int8 codes with one scale per row,
// within half a step of each row's own values; a table read twice is stored once; narrow tables,
// tables read along another axis and unchosen nodes stay float. The result runs the same in
// octet as written and lowered, and survives export.
#include "passes/quantize_embeddings.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "octet/quantize.h"
#include "octet/runtime.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

using testing::add_node;

Tensor ids(Shape shape, std::vector<int64_t> v) { return Tensor::from_vector<int64_t>(shape, v); }

// word [12, 16] (rows of very different magnitudes) read by two Gathers, pos [6, 16], anchors [6, 4].
Graph embedding_graph() {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {ValueInfo{"ids", DType::kInt64, true, {Dim{2, ""}, Dim{3, ""}}},
              ValueInfo{"pos_ids", DType::kInt64, true, {Dim{3, ""}}}};
  Tensor word = testing::sine_tensor({12, 16}, 0.1f);
  for (int64_t r = 0; r < 12; ++r)
    for (int64_t j = 0; j < 16; ++j) word.data<float>()[r * 16 + j] *= std::pow(10.0f, float(r % 4) - 2);
  for (int64_t j = 0; j < 16; ++j) word.data<float>()[5 * 16 + j] = 0;  // a row of zeros
  g.initializers["word"] = word;
  g.initializers["pos"] = testing::sine_tensor({6, 16}, 0.7f);
  g.initializers["anchors"] = testing::sine_tensor({6, 4}, 0.2f);
  add_node(g, "Gather", {"word", "ids"}, "w");
  add_node(g, "Gather", {"word", "pos_ids"}, "w2");
  add_node(g, "Gather", {"pos", "pos_ids"}, "p");
  add_node(g, "Gather", {"anchors", "pos_ids"}, "a");
  add_node(g, "Add", {"w", "p"}, "y");
  g.outputs = {testing::f32_value("y", {2, 3, 16}), testing::f32_value("w2", {3, 16}), testing::f32_value("a", {3, 4})};
  return g;
}

std::map<std::string, Tensor> feeds() {
  return {{"ids", ids({2, 3}, {0, 5, 11, 3, -1, 7})}, {"pos_ids", ids({3}, {0, 5, 4})}};
}

TEST(QuantizeEmbeddings, RowsComeBackWithinHalfAStepOfTheirOwnScale) {
  const Graph g = embedding_graph();
  Graph q = g;
  auto rewritten = quantize_embeddings(q, [](const Node&) { return true; });
  EXPECT_EQ(rewritten, (std::vector<std::string>{"w_node", "w2_node", "p_node"}));
  ASSERT_TRUE(q.find_initializer("word_quantized"));
  EXPECT_EQ(q.find_initializer("word_quantized")->dtype(), DType::kInt8);
  EXPECT_EQ(q.find_initializer("word_row_scales")->shape(), (Shape{12, 1}));
  EXPECT_FALSE(q.find_initializer("word")) << "the float table is gone";
  EXPECT_TRUE(q.find_initializer("anchors")) << "4 wide: not an embedding";
  int stored = 0;
  for (const auto& [name, t] : q.initializers) stored += t.dtype() == DType::kInt8;
  EXPECT_EQ(stored, 2) << "word (read twice) and pos, each once";
  EXPECT_TRUE(is_embedding_row_scales(q, "word_row_scales"));
  EXPECT_FALSE(is_embedding_row_scales(q, "anchors"));

  auto want = Executor(g).run(feeds());
  auto got = Executor(q).run(feeds());
  const Tensor& word = *g.find_initializer("word");
  const Tensor& scales = *q.find_initializer("word_row_scales");
  const Tensor& w2 = got.at("w2");
  const int64_t rows[3] = {0, 5, 4};
  for (int k = 0; k < 3; ++k)
    for (int64_t j = 0; j < 16; ++j) {
      const float step = scales.data<float>()[rows[k]];
      EXPECT_NEAR(w2.data<float>()[k * 16 + j], word.data<float>()[rows[k] * 16 + j], step / 2 * 1.0001f);
      EXPECT_LE(std::fabs(word.data<float>()[rows[k] * 16 + j]), 127 * step * 1.0001f);
    }
  EXPECT_EQ(testing::max_abs_diff(want.at("a"), got.at("a")), 0.0);
  EXPECT_LT(testing::max_rel_diff(want.at("y"), got.at("y")), 0.01);
  for (int64_t j = 0; j < 16; ++j) EXPECT_EQ(w2.data<float>()[16 + j], 0.0f) << "the row of zeros (scale 1)";
  // The rule of docs/dynamic_ptq.md, ONNX Runtime's for a symmetric int8 table: s = max|row| / 127,
  // so each row's largest magnitude is the code +-127 (not the weights' max|w| / 127.5).
  const Tensor& codes = *q.find_initializer("word_quantized");
  for (int64_t r = 0; r < 12; ++r) {
    float max_abs = 0;
    int max_code = 0;
    for (int64_t j = 0; j < 16; ++j) {
      max_abs = std::max(max_abs, std::fabs(word.data<float>()[r * 16 + j]));
      max_code = std::max(max_code, std::abs(int{codes.data<int8_t>()[r * 16 + j]}));
    }
    EXPECT_EQ(scales.data<float>()[r], max_abs > 0 ? max_abs / 127.0f : 1.0f) << "row " << r;
    EXPECT_EQ(max_code, max_abs > 0 ? 127 : 0) << "row " << r;
  }
}

TEST(QuantizeEmbeddings, OnlyChosenAxisZeroLookupsAreRewritten) {
  Graph g = embedding_graph();
  g.nodes[2].attrs["axis"] = int_attr(1);  // Gather of pos along axis 1: not a row lookup
  g.outputs[0] = testing::f32_value("y", {});
  auto rewritten = quantize_embeddings(g, [](const Node& n) { return n.name != "w2_node"; });
  EXPECT_EQ(rewritten, (std::vector<std::string>{"w_node"}));
  EXPECT_TRUE(g.find_initializer("word")) << "still read in float by w2_node";
  EXPECT_TRUE(g.find_initializer("word_quantized"));
  EXPECT_TRUE(g.find_initializer("pos"));
}

// Dynamic quantization takes the tables by default (op type Gather), not with --ops MatMul or
// when excluded; the file it writes imports and runs as quantized in memory.
TEST(QuantizeEmbeddings, DynamicQuantizationQuantizesTablesByDefault) {
  const Graph g = embedding_graph();
  QuantizeReport report;
  Graph q = quantize_dynamic(g, {}, &report);
  EXPECT_EQ(testing::count_op(q, "Cast"), 3);
  EXPECT_LT(report.quantized_weight_bytes, report.fp32_weight_bytes / 2);
  Graph reloaded = import_onnx(export_onnx(q), ".", "q.onnx");
  testing::expect_same_outputs(q, reloaded, feeds());
  testing::expect_same_outputs(q, lower(q), feeds());

  DynamicQuantOptions only_matmul;
  only_matmul.op_types = {"MatMul"};
  EXPECT_EQ(testing::count_op(quantize_dynamic(g, only_matmul), "Cast"), 0);
  DynamicQuantOptions exclude;
  exclude.exclude = {"w_node", "w2_node"};
  Graph partly = quantize_dynamic(g, exclude);
  EXPECT_EQ(testing::count_op(partly, "Cast"), 1);
  EXPECT_TRUE(partly.find_initializer("word"));
}

// Static quantization does the same after calibration; --exclude on a Gather keeps its table float.
TEST(QuantizeEmbeddings, StaticQuantizationQuantizesTablesToo) {
  const Graph g = embedding_graph();
  std::vector<int64_t> some_ids(24);
  for (int64_t i = 0; i < 24; ++i) some_ids[i] = (i * 5) % 12;
  std::map<std::string, Tensor> calib = {{"ids", ids({4, 2, 3}, some_ids)},
                                         {"pos_ids", ids({4, 3}, {0, 5, 4, 1, 2, 3, 0, 0, 0, 5, 4, 3})}};
  StaticQuantOptions options;
  options.bias_correction = false;
  options.calib_layout = DataLayout::kStacked;
  QuantizeReport report;
  Graph q = quantize_static(g, calib, options, &report);
  EXPECT_EQ(testing::count_op(q, "Cast"), 3);
  EXPECT_NE(std::find(report.quantized_nodes.begin(), report.quantized_nodes.end(), "p_node"),
            report.quantized_nodes.end());
  EXPECT_LT(testing::max_rel_diff(Executor(g).run(feeds()).at("y"), Executor(lower(q)).run(feeds()).at("y")), 0.02);
  options.exclude = {"p_node"};
  Graph partly = quantize_static(g, calib, options);
  EXPECT_EQ(testing::count_op(partly, "Cast"), 2);
  EXPECT_TRUE(partly.find_initializer("pos"));
}

}  // namespace
}  // namespace octet
