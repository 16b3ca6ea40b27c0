// fuse_gelu: the erf GELU as torch.onnx writes it (both multiplication orders, Div or Mul by the
// constant) becomes one Gelu with the same outputs; near misses (other constants, a value read
// outside the chain) stay as they are.
#include "passes/fuse_gelu.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "octet/io.h"
#include "octet/runtime.h"
#include "onnx/import.h"
#include "pass_test_util.h"

namespace octet {
namespace {

const std::string kSrc = OCTET_SOURCE_DIR;

using testing::add_node;

ValueInfo f32_value(const std::string& name) { return testing::f32_value(name, {3, 37}); }

struct Variant {
  bool half_first = false;      // Mul(x, 0.5) before the multiplication by 1 + erf
  bool mul_by_inverse = false;  // x * (1/√2) instead of x / √2
  float one = 1.0f, half = 0.5f;
  bool expose_erf = false;  // erf(u) also a graph output
};

// x [3, 37] -> GELU written out -> y; x also feeds a Relu so that it has readers outside the chain.
Graph written_out_gelu(const Variant& v) {
  Graph g;
  g.opsets = {{"", 17}};
  g.inputs = {f32_value("x")};
  using testing::f32_scalar;
  g.initializers = {{"sqrt2", f32_scalar(float(M_SQRT2))},
                    {"inv_sqrt2", f32_scalar(float(M_SQRT1_2))},
                    {"one", f32_scalar(v.one)},
                    {"half", f32_scalar(v.half)}};
  auto node = [&](const std::string& op, std::vector<std::string> in, const std::string& out) {
    add_node(g, op, std::move(in), out);
  };
  if (v.mul_by_inverse) node("Mul", {"inv_sqrt2", "x"}, "u");
  else node("Div", {"x", "sqrt2"}, "u");
  node("Erf", {"u"}, "e");
  node("Add", {"e", "one"}, "p");
  if (v.half_first) {
    node("Mul", {"x", "half"}, "h");
    node("Mul", {"h", "p"}, "y");
  } else {
    node("Mul", {"x", "p"}, "xp");
    node("Mul", {"xp", "half"}, "y");
  }
  node("Relu", {"x"}, "r");
  g.outputs = {f32_value("y"), f32_value("r")};
  if (v.expose_erf) g.outputs.push_back(f32_value("e"));
  return g;
}

std::map<std::string, Tensor> feeds() {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  Tensor x(DType::kFloat32, {3, 37});
  for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = nd(rng);
  return {{"x", x}};
}

TEST(FuseGelu, EveryWrittenOutFormBecomesOneGelu) {
  for (bool half_first : {false, true})
    for (bool mul_by_inverse : {false, true}) {
      SCOPED_TRACE(cat("half_first=", half_first, " mul_by_inverse=", mul_by_inverse));
      Graph g = written_out_gelu({half_first, mul_by_inverse});
      Graph fused = g;
      ASSERT_EQ(fuse_gelu(fused), 1);
      ASSERT_EQ(fused.nodes.size(), 2u);  // Gelu and the Relu
      EXPECT_EQ(testing::count_op(fused, "Gelu"), 1);
      EXPECT_EQ(fused.initializers.size(), 0u);  // the chain's constants went with it
      auto want = Executor(g).run(feeds()), got = Executor(fused).run(feeds());
      EXPECT_LT(testing::max_rel_diff(want.at("y"), got.at("y")), 1e-6);
      EXPECT_EQ(testing::max_abs_diff(want.at("r"), got.at("r")), 0.0);
    }
}

TEST(FuseGelu, NearMissesStayWrittenOut) {
  for (const Variant& v : {Variant{.one = 2.0f}, Variant{.half = 0.25f}, Variant{.half_first = true, .half = 0.5001f},
                           Variant{.expose_erf = true}}) {
    Graph g = written_out_gelu(v);
    EXPECT_EQ(fuse_gelu(g), 0);
    EXPECT_EQ(g.nodes.size(), 6u);
  }
}

TEST(FuseGelu, TransformerFixtureRunsItsGelusFused) {
  const std::string dir = kSrc + "/tests/fixtures/models/";
  Graph g = load_onnx(dir + "transformer_op17.onnx");
  Graph o = optimize_for_inference(g);
  EXPECT_EQ(testing::count_op(g, "Erf"), 2);
  EXPECT_EQ(testing::count_op(o, "Erf"), 0);
  EXPECT_EQ(testing::count_op(o, "Gelu"), 2);
  auto data = read_npz(dir + "transformer_op17.inputs.npz");
  auto want = Executor(g).run(data), got = Executor(o).run(data);
  for (const auto& [out, t] : want) EXPECT_LT(testing::max_rel_diff(t, got.at(out)), 1e-5) << out;
}

}  // namespace
}  // namespace octet
