// fuse_pad: a zero Pad of the spatial axes joins the Conv or counting AveragePool after it with
// the same outputs (the pool's bit for bit; oneDNN may sum the convolution in another order); Pads that are not zeros,
// pad other axes, are read elsewhere or meet a pool that does not count padding stay.
#include "passes/fuse_pad.h"

#include <gtest/gtest.h>

#include "octet/runtime.h"
#include "pass_test_util.h"
#include "passes/graph_util.h"

namespace octet {
namespace {

using testing::add_node;

struct PadCase {
  std::vector<int64_t> pads = {0, 0, 1, 2, 0, 0, 2, 1};  // [N, C, H, W] begins, then ends
  float value = 0;
  std::string mode = "constant";
  std::string op = "Conv";        // or "AveragePool"
  int64_t count_include_pad = 0;  // AveragePool's
  std::vector<int64_t> op_pads = {1, 0, 0, 1};
  bool pad_is_output = false;
};

// x [2, 3, 9, 8] -> Pad -> Conv 3x3 (stride 2, 4 channels) or AveragePool 3x3 -> y.
Graph pad_then(const PadCase& c) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {testing::f32_value("x", {2, 3, 9, 8})};
  g.initializers["pads"] = testing::i64_vector(c.pads);
  g.initializers["value"] = testing::f32_scalar(c.value);
  add_node(g, "Pad", {"x", "pads", "value"}, "p").attrs["mode"] = string_attr(c.mode);
  if (c.op == "Conv") {
    g.initializers["w"] = testing::sine_tensor({4, 3, 3, 3}, 0.3f);
    Node& conv = add_node(g, "Conv", {"p", "w"}, "y");
    conv.attrs["strides"] = ints_attr({2, 2});
    conv.attrs["pads"] = ints_attr(c.op_pads);
  } else {
    Node& pool = add_node(g, "AveragePool", {"p"}, "y");
    pool.attrs["kernel_shape"] = ints_attr({3, 3});
    pool.attrs["pads"] = ints_attr(c.op_pads);
    pool.attrs["count_include_pad"] = int_attr(c.count_include_pad);
  }
  g.outputs = {testing::f32_value("y", {})};
  if (c.pad_is_output) g.outputs.push_back(testing::f32_value("p", {}));
  return g;
}

TEST(FusePad, ZeroSpatialPadJoinsTheConvolutionOrCountingPool) {
  for (const PadCase& c :
       {PadCase{}, PadCase{.op_pads = {0, 0, 0, 0}}, PadCase{.op = "AveragePool", .count_include_pad = 1},
        PadCase{.op = "AveragePool", .op_pads = {0, 0, 0, 0}}}) {
    SCOPED_TRACE(cat(c.op, " count_include_pad ", c.count_include_pad));
    Graph g = pad_then(c);
    Graph fused = g;
    ASSERT_EQ(fuse_pad(fused), 1);
    ASSERT_EQ(fused.nodes.size(), 1u);
    const Node& op = fused.nodes[0];
    EXPECT_EQ(op.inputs[0], "x");
    EXPECT_EQ(op.attr_ints("pads"),
              (std::vector<int64_t>{1 + c.op_pads[0], 2 + c.op_pads[1], 2 + c.op_pads[2], 1 + c.op_pads[3]}));
    if (c.op == "AveragePool") {
      EXPECT_EQ(op.attr_int("count_include_pad", 0), 1);
    }
    testing::expect_same_outputs(g, fused, {{"x", testing::sine_tensor({2, 3, 9, 8}, 1.0f)}},
                                 c.op == "Conv" ? 1e-6 : 0.0);
  }
}

TEST(FusePad, OtherPadsStay) {
  for (const PadCase& c :
       {PadCase{.value = 1}, PadCase{.mode = "reflect"}, PadCase{.pads = {0, 1, 1, 1, 0, 0, 1, 1}},  // pads a channel
        PadCase{.pads = {0, 0, -1, 0, 0, 0, 1, 1}},                                                  // crops
        PadCase{.op = "AveragePool"},  // own pads, padding not counted
        PadCase{.pad_is_output = true}}) {
    Graph g = pad_then(c);
    EXPECT_EQ(fuse_pad(g), 0);
    EXPECT_EQ(g.nodes.size(), 2u);
  }
}

}  // namespace
}  // namespace octet
