#include "quant/qconfig.h"

#include <gtest/gtest.h>

namespace octet::quant {
namespace {

Node node(const std::string& name, const std::string& op) {
  Node n;
  n.name = name;
  n.op_type = op;
  return n;
}

TEST(QConfig, DefaultIsX86HistogramPerChannel) {
  QConfig qc = default_qconfig();
  EXPECT_EQ(qc.act_observer, "histogram");
  EXPECT_EQ(qc.activation.dtype, DType::kUInt8);
  EXPECT_FALSE(qc.activation.symmetric);
  EXPECT_EQ(qc.weight.dtype, DType::kInt8);
  EXPECT_TRUE(qc.weight.symmetric);
  EXPECT_TRUE(qc.weight_per_channel);
}

TEST(QConfigMapping, NameBeatsRegexBeatsOpTypeBeatsGlobal) {
  QConfig base = default_qconfig();
  auto m = QConfigMapping::from_json(R"({
    "global": {"activation": {"observer": "minmax"}},
    "op_type": {"Conv": {"weight": {"per_channel": false}}, "Gemm": null},
    "name": {"conv_a": {"activation": {"dtype": "s8"}}, "fc_keep": {}},
    "name_regex": [{"pattern": "^head\\.", "qconfig": null},
                   {"pattern": "^conv", "qconfig": {"activation": {"reduce_range": true}}}]
  })", base);
  auto a = m.resolve(node("conv_a", "Conv"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->activation.dtype, DType::kInt8);
  EXPECT_EQ(a->act_observer, "minmax");       // entries refine the global entry
  EXPECT_TRUE(a->weight_per_channel);         // the name entry replaces the op-type entry
  auto b = m.resolve(node("conv_b", "Conv"));
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->activation.reduce_range);    // regex beats op type
  auto c = m.resolve(node("body.conv", "Conv"));
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->weight_per_channel);        // op type
  EXPECT_FALSE(m.resolve(node("head.fc", "Conv")));  // regex null: float
  EXPECT_FALSE(m.resolve(node("fc1", "Gemm")));      // op type null: float
  EXPECT_TRUE(m.resolve(node("fc_keep", "Gemm")));   // name beats op type
  auto g = m.resolve(node("add1", "Add"));
  ASSERT_TRUE(g);
  EXPECT_EQ(g->act_observer, "minmax");
}

TEST(QConfigMapping, NullGlobalKeepsEverythingFloatUnlessNamed) {
  auto m = QConfigMapping::from_json(R"({"global": null, "op_type": {"Conv": {}}})", default_qconfig());
  EXPECT_FALSE(m.resolve(node("fc", "Gemm")));
  EXPECT_TRUE(m.resolve(node("c", "Conv")));
}

TEST(QConfigMapping, SetNameOverridesEarlierEntries) {
  QConfigMapping m;
  m.set_name("x", std::nullopt);
  EXPECT_FALSE(m.resolve(node("x", "Conv")));
  m.set_name("x", default_qconfig());
  EXPECT_TRUE(m.resolve(node("x", "Conv")));
}

void expect_rejects(const std::string& text, const std::string& fragment) {
  try {
    QConfigMapping::from_json(text, default_qconfig());
    ADD_FAILURE() << "accepted " << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(QConfigMapping, MalformedJsonNamesTheKey) {
  expect_rejects("{", "not valid JSON");
  expect_rejects(R"({"globl": {}})", "unknown key 'globl'");
  expect_rejects(R"({"global": {"activation": {"dtype": "u4"}}})", "'u4'");
  expect_rejects(R"({"global": {"activation": {"observer": "magic"}}})", "unknown observer 'magic'");
  expect_rejects(R"({"op_type": {"Conv": {"weight": {"per_chanel": true}}}})", "unknown key 'per_chanel'");
  expect_rejects(R"({"name_regex": [{"pattern": "(", "qconfig": null}]})", "invalid pattern '('");
  expect_rejects(R"({"name_regex": [{"pattern": "a"}]})", "needs 'pattern' and 'qconfig'");
  expect_rejects(R"({"global": {"activation": {"reduce_range": "yes"}}})", "reduce_range");
}

}  // namespace
}  // namespace octet::quant
