// tools/octet/qat.cc: `octet qat` trains, reports each epoch and the INT8 model's accuracy,
// writes the QDQ model and a checkpoint after every epoch, and a run resumed from that checkpoint
// writes the same file.
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/cli_test_util.h"
#include "octet/io.h"

namespace octet::testing {
namespace {

TEST(QatCli, TrainsWritesAModelAndACheckpointAndResumesToTheSameFile) {
  TempDir tmp;
  // The 1,000 test digits stand in for training data: the test is about the command.
  const std::string data = " --train " + kExamples + "mnist_test.npz --labels " + kExamples +
                           "mnist_test_labels.npy --val " + kExamples + "mnist_test.npz --val-labels " + kExamples +
                           "mnist_test_labels.npy --epochs 2 --batch 64 --freeze-bn-after 1";
  const Result r = octet("qat " + kExamples + "mnist_cnn.onnx" + data + " -o " + (tmp / "q.onnx"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("epoch 1/2: loss"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("epoch 2/2: loss"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("BN statistics frozen"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("val top-1: fp32 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("on octet's INT8 kernels"), std::string::npos) << r.out;
  ASSERT_TRUE(std::filesystem::exists(tmp / "q.onnx.ckpt.npz"));

  const Result again = octet("qat " + kExamples + "mnist_cnn.onnx" + data + " -o " + (tmp / "r.onnx") +
                             " --no-checkpoint --resume " + (tmp / "q.onnx.ckpt.npz"));
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_EQ(read_file(tmp / "q.onnx"), read_file(tmp / "r.onnx"));
  EXPECT_FALSE(std::filesystem::exists(tmp / "r.onnx.ckpt.npz"));

  expect_error("qat " + kExamples + "mnist_cnn.onnx" + data + " --lr 0.5 -o " + (tmp / "s.onnx") + " --resume " +
                   (tmp / "q.onnx.ckpt.npz"),
               "written with lr");
}

}  // namespace
}  // namespace octet::testing
