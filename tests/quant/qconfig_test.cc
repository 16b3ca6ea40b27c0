#include "quant/qconfig.h"

#include <gtest/gtest.h>

#include <chrono>

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
  })",
                                     base);
  auto a = m.resolve(node("conv_a", "Conv"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->activation.dtype, DType::kInt8);
  EXPECT_EQ(a->act_observer, "minmax");  // entries refine the global entry
  EXPECT_TRUE(a->weight_per_channel);    // the name entry replaces the op-type entry
  auto b = m.resolve(node("conv_b", "Conv"));
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->activation.reduce_range);  // regex beats op type
  auto c = m.resolve(node("body.conv", "Conv"));
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->weight_per_channel);               // op type
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

TEST(QConfigMapping, NumbersMustBeOfTheirKindAndInTheObserversRange) {
  expect_rejects(R"({"global": {"activation": {"bins": 2048.7}}})", "global.activation.bins: expected an integer");
  expect_rejects(R"({"global": {"activation": {"bins": 1000000000000}}})", "1000000000000 is out of range (16 to");
  expect_rejects(R"({"global": {"activation": {"bins": -5}}})", "bins: -5 is out of range");
  expect_rejects(R"({"global": {"activation": {"percentile": 101}}})", "percentile: 101 is out of range");
  expect_rejects(R"({"global": {"activation": {"averaging_constant": 0}}})", "averaging_constant: 0 is out of range");
  expect_rejects(R"({"global": {"activation": {"averaging_constant": "0.1"}}})", "expected a number");
  expect_rejects(R"({"global": 1e400})", "not valid JSON");  // past double: the fuzzer's find
  auto m =
      QConfigMapping::from_json(R"({"global": {"activation": {"bins": 512, "percentile": 99.9}}})", default_qconfig());
  EXPECT_EQ(m.resolve(node("a", "Conv"))->observer_options.bins, 512);
}

TEST(QConfigMapping, EmptyAndDeeplyNestedFilesAreRefused) {
  expect_rejects("", "the file is empty");
  expect_rejects(" \n\t ", "the file is empty");
  expect_rejects(std::string(100000, '[') + std::string(100000, ']'), "nested 100000 levels deep");
  expect_rejects(R"({"global": {"activation": {"dtype": "[[[[[[[[[[[[[[[[[[[[[[[[["}}})",
                 "'[[[[");  // in a string: not nesting
}

// RE2 matches in time linear in the name: the patterns that made std::regex recurse until the stack
// overflowed resolve instantly on 50,000-character names.
TEST(QConfigMapping, RegexesOnVeryLongNamesAreLinearTime) {
  auto m = QConfigMapping::from_json(R"({"name_regex": [{"pattern": "^(a|b)*c", "qconfig": null},
                                                         {"pattern": ".*z$", "qconfig": {}}]})",
                                     default_qconfig());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(m.resolve(node(std::string(50000, 'a') + "c", "Conv")));
  EXPECT_TRUE(m.resolve(node(std::string(50000, 'b') + "z", "Conv")));
  EXPECT_TRUE(m.resolve(node(std::string(50000, 'a'), "Conv")));  // the global default
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << "not linear time";
  expect_rejects(R"({"name_regex": [{"pattern": "(a)\\1", "qconfig": null}]})", "RE2 syntax");
}

TEST(QConfigMapping, EntriesThatMatchNoNodeAreErrors) {
  Graph g;
  g.nodes.push_back(node("conv_a", "Conv"));
  g.nodes.push_back(node("fc", "Gemm"));
  auto check = [&](const std::string& text, const std::string& fragment) {
    try {
      QConfigMapping::from_json(text, default_qconfig()).check_matches({&g});
      if (!fragment.empty()) ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_FALSE(fragment.empty()) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  check(R"({"name": {"conv_a": null}, "op_type": {"Gemm": null}, "name_regex": [{"pattern": "^fc", "qconfig": {}}]})",
        "");
  check(R"({"name": {"conv_b": null}})", "qconfig name 'conv_b': the model has no node of that name");
  check(R"({"op_type": {"conv": null}})",
        "qconfig op_type 'conv': the model has no node of that op type (it has Conv, Gemm)");
  check(R"({"name_regex": [{"pattern": "^head", "qconfig": null}]})", "qconfig name_regex '^head': matches no node");
}

}  // namespace
}  // namespace octet::quant
