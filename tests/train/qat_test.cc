// train/qat.cc (quantize_aware_train): trains and converts a real model with labels or by
// distillation, reports each epoch, gives the same file for the same seed, and names bad labels
// and options.
#include "octet/qat.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "octet/io.h"
#include "octet/model.h"
#include "octet/quantize.h"
#include "octet/samples.h"

namespace octet {
namespace {

const std::string kSrc = OCTET_SOURCE_DIR;

struct Data {
  Graph model = load_onnx(kSrc + "/examples/mnist_cnn.onnx");
  std::map<std::string, Tensor> train = slice_samples(read_npz(kSrc + "/examples/mnist_train.npz"), 0, 256);
  Tensor labels = slice_samples({{"y", read_npy(kSrc + "/examples/mnist_train_labels.npy")}}, 0, 256).at("y");
  std::map<std::string, Tensor> val = slice_samples(read_npz(kSrc + "/examples/mnist_test.npz"), 0, 200);
  Tensor val_labels = slice_samples({{"y", read_npy(kSrc + "/examples/mnist_test_labels.npy")}}, 0, 200).at("y");
};

QatOptions quick() {
  QatOptions o;
  o.epochs = 2;
  o.lr = 0.01;
  return o;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

bool same_model(const Graph& a, const Graph& b) {
  if (a.nodes.size() != b.nodes.size() || a.initializers.size() != b.initializers.size()) return false;
  for (const auto& [name, t] : a.initializers) {
    const Tensor* u = b.find_initializer(name);
    if (!u || u->shape() != t.shape() || std::memcmp(u->raw(), t.raw(), t.nbytes()) != 0) return false;
  }
  return true;
}

TEST(QuantizeAwareTrain, TrainsReportsEachEpochAndWritesAQdqModel) {
  const Data d;
  QatOptions o = quick();
  o.freeze_observers_after = 1;
  int64_t calls = 0;
  o.progress = [&](const QatProgress& p) {
    ++calls;
    EXPECT_EQ(p.steps, 8);
  };
  QatReport r;
  const Graph q = quantize_aware_train(d.model, d.train, d.labels, o, d.val, d.val_labels, &r);
  EXPECT_TRUE(is_quantized(q));
  EXPECT_EQ(calls, 16);
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_TRUE(r.epochs[0].observers_frozen);
  EXPECT_GT(r.float_val_top1, 0.95);
  for (const QatEpoch& e : r.epochs) {
    EXPECT_GT(e.loss, 0);
    EXPECT_GT(e.top1, 0.95);
    EXPECT_GT(e.val_top1, 0.95);  // the bundled CNN is at 97 % in fp32
  }
  EXPECT_LT(r.epochs[1].lr, r.epochs[0].lr);  // cosine
}

TEST(QuantizeAwareTrain, SameSeedSameModelAnotherSeedAnotherAndTheInputUntouched) {
  const Data d;
  const Graph before = load_onnx(kSrc + "/examples/mnist_cnn.onnx");

  const Graph a = quantize_aware_train(d.model, d.train, d.labels, quick());
  const Graph b = quantize_aware_train(d.model, d.train, d.labels, quick());
  QatOptions other = quick();
  other.seed = 7;
  const Graph c = quantize_aware_train(d.model, d.train, d.labels, other);
  EXPECT_TRUE(same_model(a, b));
  EXPECT_FALSE(same_model(a, c));
  EXPECT_TRUE(same_model(d.model, before));  // the parameters were trained on copies
}

TEST(QuantizeAwareTrain, ResumedAfterAnInterruptedEpochGivesTheUninterruptedModel) {
  const Data d;
  const std::string dir = ::testing::TempDir();
  QatOptions o = quick();
  o.epochs = 3;
  o.freeze_bn_after = 2;  // the frozen flags, the statistics and the learned scales travel too
  o.learn_scales = true;
  o.optimizer = "adam";
  const Graph whole = quantize_aware_train(d.model, d.train, d.labels, o);
  // Interrupted in its second epoch (as Ctrl-C would): the checkpoint holds the first.
  QatOptions first = o;
  first.checkpoint = dir + "/qat_resume_test.ckpt.npz";
  first.progress = [](const QatProgress& p) {
    if (p.epoch == 2 && p.step == 3) throw std::runtime_error("interrupted");
  };
  EXPECT_THROW(quantize_aware_train(d.model, d.train, d.labels, first), std::runtime_error);
  QatOptions rest = o;
  rest.resume = first.checkpoint;
  QatReport r;
  const Graph resumed = quantize_aware_train(d.model, d.train, d.labels, rest, {}, Tensor(), &r);
  EXPECT_TRUE(same_model(whole, resumed));
  EXPECT_EQ(r.epochs.size(), 3u);
  // Another setting is refused, naming it.
  QatOptions other = rest;
  other.lr = 0.5;
  EXPECT_NE(error_of([&] { quantize_aware_train(d.model, d.train, d.labels, other); }).find("written with lr 0.01"),
            std::string::npos);
  std::remove(first.checkpoint.c_str());
}

TEST(QuantizeAwareTrain, DistillsWithoutLabels) {
  const Data d;
  for (const char* kind : {"kl", "mse"}) {
    QatOptions o = quick();
    o.distill = kind;
    o.optimizer = "adam";
    o.lr = 1e-4;
    QatReport r;
    quantize_aware_train(d.model, d.train, Tensor(), o, d.val, d.val_labels, &r);
    EXPECT_EQ(r.epochs.back().top1, -1) << kind;
    EXPECT_GT(r.epochs.back().val_top1, 0.95) << kind;
  }
}

TEST(QuantizeAwareTrain, NamesBadLabelsAndOptions) {
  const Data d;
  Tensor bad = d.labels.clone();
  bad.data<int64_t>()[3] = 10;
  EXPECT_NE(error_of([&] {
              quantize_aware_train(d.model, d.train, bad, quick());
            }).find("label 10 of sample 3 is outside the model's 10 classes"),
            std::string::npos);
  const Tensor few = slice_samples({{"y", d.labels}}, 0, 100).at("y");
  EXPECT_NE(
      error_of([&] { quantize_aware_train(d.model, d.train, few, quick()); }).find("[100] labels for 256 samples"),
      std::string::npos);
  EXPECT_NE(error_of([&] { quantize_aware_train(d.model, d.train, Tensor(), quick()); }).find("labels are needed"),
            std::string::npos);
  Tensor floats(DType::kFloat32, {256});
  EXPECT_NE(error_of([&] { quantize_aware_train(d.model, d.train, floats, quick()); }).find("int64 or int32"),
            std::string::npos);
  QatOptions o = quick();
  o.optimizer = "lbfgs";
  EXPECT_NE(error_of([&] { quantize_aware_train(d.model, d.train, d.labels, o); }).find("unknown optimizer 'lbfgs'"),
            std::string::npos);
  o = quick();
  o.observer = "auto";
  EXPECT_NE(error_of([&] { quantize_aware_train(d.model, d.train, d.labels, o); }).find("observer auto"),
            std::string::npos);
  o = quick();
  o.freeze_observers_after = 0;
  EXPECT_NE(error_of([&] { quantize_aware_train(d.model, d.train, d.labels, o); }).find("at least 1 epoch"),
            std::string::npos);
  std::map<std::string, Tensor> nan = {{"input", d.train.at("input").clone()}};
  nan.at("input").data<float>()[5] = std::nanf("");
  EXPECT_NE(error_of([&] { quantize_aware_train(d.model, nan, d.labels, quick()); }).find("training data"),
            std::string::npos);
}

}  // namespace
}  // namespace octet
