#include "octet/accuracy.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "debug/debug_test_util.h"
#include "onnx/export.h"
#include "passes/pass_test_util.h"

namespace octet {
namespace {

std::string bytes(const Graph& g) { return export_onnx(g).SerializeAsString(); }

TEST(LayerQuantizer, StaticIsQuantizeStaticWithLayersKeptFloat) {
  const Graph f = testing::planted_outlier_mlp();
  const std::map<std::string, Tensor> calib = {{"x", testing::sine_tensor({64, 8}, 0.3f)}};
  auto q = static_layer_quantizer(f, calib, {});
  EXPECT_EQ(q->layers(), (std::vector<std::string>{"h_node", "y_node"}));
  EXPECT_EQ(q->layer_of("r_node"), "h_node");  // the ReLU fused into the first Gemm's unit
  EXPECT_EQ(q->layer_of("y_node"), "y_node");
  EXPECT_EQ(q->layer_of("nothing"), "");
  EXPECT_EQ(bytes(q->quantize({})), bytes(quantize_static(f, calib, {})));
  // Layers kept float: quantize_static excluding them, for a given range rule. (Observer auto
  // picks the session's rule once, on the full plan; quantize_static picks on the plan it is given.)
  StaticQuantOptions entropy;
  entropy.observer = "entropy";
  auto qe = static_layer_quantizer(f, calib, entropy);
  StaticQuantOptions exclude = entropy;
  exclude.exclude = {"y_node"};
  EXPECT_EQ(bytes(qe->quantize({"y_node"})), bytes(quantize_static(f, calib, exclude)));
  EXPECT_EQ(bytes(qe->quantize({})), bytes(quantize_static(f, calib, entropy)));  // conversions are independent
}

TEST(LayerQuantizer, DynamicLayersAreTheQuantizedNodes) {
  const Graph f = testing::planted_outlier_mlp();
  auto q = dynamic_layer_quantizer(f, {});
  EXPECT_EQ(q->layers(), (std::vector<std::string>{"h_node", "y_node"}));
  EXPECT_EQ(q->layer_of("r_node"), "");
  DynamicQuantOptions exclude;
  exclude.exclude = {"h_node"};
  EXPECT_EQ(bytes(q->quantize({"h_node"})), bytes(quantize_dynamic(f, exclude)));
}

}  // namespace
}  // namespace octet
