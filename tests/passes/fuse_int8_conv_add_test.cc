// fuse_int8_conv_add: the residual Int8Adds of a lowered CNN join the convolutions before them, and
// the graph computes the same bytes as with the Adds apart (on every ISA path `make test` runs).
#include "passes/fuse_int8_conv_add.h"

#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>
#include "ir/octet_ops.h"
#include "octet/error.h"
#include "octet/io.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "onnx/export.h"
#include "onnx/import.h"
#include "pass_test_util.h"
#include "passes/channels_last.h"
#include "passes/fuse_float_patterns.h"
#include "passes/graph_util.h"
#include "passes/lower_dynamic.h"
#include "passes/lower_static.h"
#include "passes/s8_activations.h"

namespace octet {
namespace {

const std::string kModels = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/models/";

struct Fixture {
  Graph apart;  // lower()'s passes before fuse_int8_conv_add: the residual Adds still apart
  std::map<std::string, Tensor> data;
};

Fixture lowered_apart(const std::string& name) {
  Fixture f;
  f.data = slice_samples(read_npz(kModels + name + ".inputs.npz"), 0, 2);
  StaticQuantOptions o;
  o.observer = "minmax";
  // Through ONNX and back, as `octet run` sees it: the importer's shape inference declares the
  // shapes of the Adds' operands.
  Graph q = import_onnx(export_onnx(quantize_static(load_onnx(kModels + name + ".onnx"), f.data, o)), "", name);
  f.apart = q;
  s8_activations_to_u8(f.apart);
  lower_dynamic(f.apart);
  lower_static(f.apart);
  fuse_float_patterns(f.apart);
  to_channels_last(f.apart);
  EXPECT_EQ(testing::count_op(lower(q), octet_op::kInt8Add) + fuse_int8_conv_add(q = f.apart),
            testing::count_op(f.apart, octet_op::kInt8Add))
      << "lower() ends with this pass";
  return f;
}

int convolutions_with_residual(const Graph& g) {
  int n = 0;
  for (const Node& node : g.nodes) n += is_octet_op(node, octet_op::kInt8Conv) && node.has_input(5);
  return n;
}

TEST(FuseInt8ConvAdd, ResidualCnnsAddInsideTheirConvolutionsWithTheSameBytes) {
  for (const char* name : {"resnet_op17", "mobilenetv2_op18"}) {
    SCOPED_TRACE(name);
    Fixture f = lowered_apart(name);
    Graph fused = f.apart;
    const int n = fuse_int8_conv_add(fused);
    EXPECT_GT(n, 0);
    EXPECT_EQ(convolutions_with_residual(fused), n);
    EXPECT_EQ(testing::count_op(f.apart, octet_op::kInt8Add) - testing::count_op(fused, octet_op::kInt8Add), n);
    testing::expect_same_outputs(f.apart, fused, f.data);  // bit for bit, 1 and 2 threads
    EXPECT_EQ(fuse_int8_conv_add(fused), 0) << "a convolution takes one residual";
  }
}

// The first residual Add after a convolution in `g`, and that convolution.
std::pair<size_t, size_t> first_residual(const Graph& g) {
  for (size_t a = 0; a < g.nodes.size(); ++a) {
    if (!is_octet_op(g.nodes[a], octet_op::kInt8Add)) continue;
    for (const std::string& in : g.nodes[a].inputs) {
      const int64_t c = producer_index(g, in);
      if (c >= 0 && is_octet_op(g.nodes[c], octet_op::kInt8Conv) && sole_consumer(g, in) == int64_t(a))
        return {a, size_t(c)};
    }
  }
  ADD_FAILURE() << "no residual Add";
  return {0, 0};
}

bool has_node(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return true;
  return false;
}

// Where the sum would not be the Add's: the convolution's output read elsewhere too (a graph
// output here), operand shapes not known to be equal (the Add might broadcast), a convolution that
// runs NCHW (its output is transposed after the kernel).
TEST(FuseInt8ConvAdd, LeavesAddsItCannotTakeExactly) {
  const Fixture f = lowered_apart("resnet_op17");
  const auto [a, c] = first_residual(f.apart);
  const std::string add_name = f.apart.nodes[a].name, conv_out = f.apart.nodes[c].outputs[0];
  const std::string shortcut = f.apart.nodes[a].inputs[f.apart.nodes[a].inputs[0] == conv_out ? 1 : 0];
  Graph read_twice = f.apart, unknown_shape = f.apart, nchw = f.apart;
  read_twice.outputs.push_back(*read_twice.find_value_info(conv_out));
  unknown_shape.value_info.erase(shortcut);
  nchw.nodes[c].attrs["channels_last"] = int_attr(0);
  for (Graph* g : {&read_twice, &unknown_shape, &nchw}) {
    EXPECT_GT(fuse_int8_conv_add(*g), 0);
    EXPECT_TRUE(has_node(*g, add_name));
  }
}

// The fused op refuses what it cannot compute: a residual of another shape, a missing Add qparam.
TEST(FuseInt8ConvAdd, FusedConvolutionRefusesABadResidualNamingItself) {
  Fixture f = lowered_apart("resnet_op17");
  Graph g = f.apart;
  ASSERT_GT(fuse_int8_conv_add(g), 0);
  Node* conv = nullptr;
  for (Node& n : g.nodes)
    if (is_octet_op(n, octet_op::kInt8Conv) && n.has_input(5) && !conv) conv = &n;
  ASSERT_TRUE(conv);
  // The image as it enters the NHWC region: 3 channels, not the convolution's.
  std::string image;
  for (const Node& n : g.nodes)
    if (n.op_type == "Transpose" && producer_index(g, n.inputs[0]) >= 0 && image.empty()) image = n.outputs[0];
  ASSERT_FALSE(image.empty());
  Graph wrong_shape = g;
  for (Node& n : wrong_shape.nodes)
    if (n.name == conv->name) n.inputs[5] = image;
  try {
    Executor(wrong_shape).run(f.data);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(conv->name), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("residual must be uint8"), std::string::npos) << e.what();
  }
  conv->attrs.erase("sum_scale");
  try {
    Executor(g).run(f.data);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing attribute 'sum_scale'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace octet
