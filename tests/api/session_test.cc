#include "octet/session.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "octet/io.h"
#include "octet/model.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"

namespace octet {
namespace {

const std::string kExamples = std::string(OCTET_SOURCE_DIR) + "/examples/";

// Lowering folds DequantizeLinear nodes into INT8 ops: a lowered graph keeps fewer.
int64_t dequantize_nodes(const Graph& g) {
  int64_t n = 0;
  for (const Node& node : g.nodes) n += node.op_type == "DequantizeLinear";
  return n;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new Graph(load_onnx(kExamples + "mnist_cnn.onnx"));
    StaticQuantOptions o;
    o.samples = 64;
    o.bias_correction_samples = 16;
    quantized_ = new Graph(quantize_static(*model_, read_npz(kExamples + "mnist_calib.npz"), o));
    feeds_ = new std::map<std::string, Tensor>(slice_samples(read_npz(kExamples + "mnist_test.npz"), 0, 8));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete quantized_;
    delete feeds_;
  }
  static Graph* model_;
  static Graph* quantized_;
  static std::map<std::string, Tensor>* feeds_;
};
Graph* SessionTest::model_ = nullptr;
Graph* SessionTest::quantized_ = nullptr;
std::map<std::string, Tensor>* SessionTest::feeds_ = nullptr;

TEST_F(SessionTest, RunsAQuantizedModelLoweredOntoTheInt8Kernels) {
  Session s(*quantized_, {.threads = 2});
  EXPECT_LT(dequantize_nodes(s.graph()), dequantize_nodes(*quantized_));
  Executor lowered(lower(*quantized_));
  const auto want = lowered.run(*feeds_);
  for (int i = 0; i < 2; ++i) {  // lowered once, run many times
    const auto got = s.run(*feeds_);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(same_bits(got.begin()->second, want.begin()->second));
  }
  ASSERT_EQ(s.inputs().size(), 1u);
  EXPECT_EQ(s.inputs()[0].name, feeds_->begin()->first);
  EXPECT_EQ(s.outputs()[0].name, want.begin()->first);
}

TEST_F(SessionTest, AsWrittenRunsTheQdqGraphAndAFloatModelIsOptimized) {
  Session written(*quantized_, {.as_written = true});
  EXPECT_EQ(dequantize_nodes(written.graph()), dequantize_nodes(*quantized_));
  Executor reference(*quantized_);
  EXPECT_TRUE(same_bits(written.run(*feeds_).begin()->second, reference.run(*feeds_).begin()->second));
  Session fp32(*model_);
  EXPECT_LT(fp32.graph().nodes.size(), model_->nodes.size());  // fusions applied
}

TEST_F(SessionTest, OneSessionPerThreadGivesTheSameAnswers) {
  const Tensor want = Session(*quantized_).run(*feeds_).begin()->second;
  std::vector<Session> sessions;
  for (int i = 0; i < 2; ++i) sessions.emplace_back(*quantized_, SessionOptions{.threads = 1 + i});
  bool same[2] = {true, true};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      for (int k = 0; k < 20; ++k) same[i] = same[i] && same_bits(sessions[i].run(*feeds_).begin()->second, want);
    });
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(same[0]);
  EXPECT_TRUE(same[1]);
}

TEST_F(SessionTest, BadInputsAreErrorsWithTheCliMessage) {
  EXPECT_THROW(Session(*model_, {.threads = 0}), Error);
  Session s(kExamples + "mnist_cnn.onnx");
  try {
    s.run({});
    ADD_FAILURE() << "ran without its input";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(s.inputs()[0].name), std::string::npos) << e.what();
  }
  EXPECT_THROW(Session(kExamples + "no_such_model.onnx"), Error);
}

}  // namespace
}  // namespace octet
