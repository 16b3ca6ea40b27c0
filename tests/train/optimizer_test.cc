// train/optimizer.cc: SGD with momentum and weight decay, Adam and AdamW follow torch.optim's
// update rules (checked against the rules computed by hand), and the schedules' learning rates.
#include "train/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace octet::train {
namespace {

std::map<std::string, Tensor> one(float w) { return {{"w", Tensor::from_vector<float>({1}, {w})}}; }
float value(const std::map<std::string, Tensor>& m) { return m.at("w").data<float>()[0]; }

TEST(Sgd, MomentumAndWeightDecayAsTorch) {
  auto params = one(1.0f);
  auto opt = make_optimizer({.kind = "sgd", .lr = 0.1, .momentum = 0.9, .weight_decay = 0.01});
  // step 1: g = 0.5 + 0.01 * 1 = 0.51, b = 0.51, w = 1 - 0.051 = 0.949
  opt->step(params, one(0.5f), 0.1);
  EXPECT_NEAR(value(params), 0.949, 1e-6);
  // step 2: g = 0.5 + 0.00949 = 0.50949, b = 0.9 * 0.51 + 0.50949 = 0.96849, w = 0.949 - 0.096849
  opt->step(params, one(0.5f), 0.1);
  EXPECT_NEAR(value(params), 0.949 - 0.096849, 1e-6);
}

TEST(Sgd, WithoutMomentumIsPlainGradientDescent) {
  auto params = one(2.0f);
  auto opt = make_optimizer({.kind = "sgd", .lr = 0.5, .momentum = 0});
  opt->step(params, one(1.0f), 0.5);
  opt->step(params, one(1.0f), 0.25);
  EXPECT_FLOAT_EQ(value(params), 2.0f - 0.5f - 0.25f);
}

TEST(Adam, FirstStepsMoveByTheLearningRateAgainstTheGradientSign) {
  // With bias correction, m_hat = g and v_hat = g^2 while g is constant: each step is lr * g / (|g| + eps).
  auto params = one(1.0f);
  auto opt = make_optimizer({.kind = "adam", .lr = 0.01});
  for (int i = 0; i < 3; ++i) opt->step(params, one(-4.0f), 0.01);
  EXPECT_NEAR(value(params), 1.0 + 3 * 0.01, 1e-6);
}

TEST(Adam, L2DecayEntersTheGradientWhileAdamwDecaysTheWeight) {
  auto adam_w = one(1.0f), adamw_w = one(1.0f);
  auto adam = make_optimizer({.kind = "adam", .lr = 0.1, .weight_decay = 0.5});
  auto adamw = make_optimizer({.kind = "adamw", .lr = 0.1, .weight_decay = 0.5});
  adam->step(adam_w, one(0.0f), 0.1);    // g = 0 + 0.5 * 1: moves by lr
  adamw->step(adamw_w, one(0.0f), 0.1);  // w *= 1 - 0.05, then no gradient step (m = 0)
  EXPECT_NEAR(value(adam_w), 0.9, 1e-6);
  EXPECT_NEAR(value(adamw_w), 0.95, 1e-6);
}

TEST(Optimizer, OnlyParametersWithAGradientMove) {
  std::map<std::string, Tensor> params = {{"a", Tensor::from_vector<float>({1}, {1.0f})},
                                          {"b", Tensor::from_vector<float>({1}, {1.0f})}};
  auto opt = make_optimizer({.kind = "sgd", .lr = 1});
  opt->step(params, {{"a", Tensor::from_vector<float>({1}, {1.0f})}}, 1);
  EXPECT_EQ(params.at("a").data<float>()[0], 0.0f);
  EXPECT_EQ(params.at("b").data<float>()[0], 1.0f);
}

TEST(Optimizer, StateRoundTripsMidTraining) {
  for (const char* kind : {"sgd", "adam", "adamw"}) {
    const OptimizerOptions o{.kind = kind, .lr = 0.1, .momentum = 0.9, .weight_decay = 0.01};
    auto a = make_optimizer(o), b = make_optimizer(o);
    auto pa = one(1.0f), pb = one(1.0f);
    a->step(pa, one(0.5f), 0.1);
    b->step(pb, one(0.5f), 0.1);
    auto c = make_optimizer(o);  // b's state carried over, as a checkpoint does
    c->load_state(b->state());
    a->step(pa, one(-0.25f), 0.1);
    c->step(pb, one(-0.25f), 0.1);
    EXPECT_EQ(value(pa), value(pb)) << kind;
  }
}

TEST(Optimizer, RefusesUnknownKindsAndBadSettings) {
  EXPECT_THROW(make_optimizer({.kind = "rmsprop"}), Error);
  EXPECT_THROW(make_optimizer({.kind = "sgd", .lr = 0}), Error);
  EXPECT_THROW(make_optimizer({.kind = "sgd", .momentum = 1.0}), Error);
  EXPECT_THROW(make_optimizer({.kind = "adam", .weight_decay = -1}), Error);
}

TEST(Schedule, ConstantStepAndCosine) {
  EXPECT_EQ(learning_rate({.kind = "constant"}, 0.1, 57, 10, 100), 0.1);
  const ScheduleOptions step{.kind = "step", .step_epochs = 2, .gamma = 0.5};
  EXPECT_DOUBLE_EQ(learning_rate(step, 0.1, 19, 10, 100), 0.1);   // epoch 1
  EXPECT_DOUBLE_EQ(learning_rate(step, 0.1, 20, 10, 100), 0.05);  // epoch 2
  EXPECT_DOUBLE_EQ(learning_rate(step, 0.1, 45, 10, 100), 0.025);
  const ScheduleOptions cosine{.kind = "cosine"};
  EXPECT_DOUBLE_EQ(learning_rate(cosine, 0.1, 0, 10, 100), 0.1);
  EXPECT_NEAR(learning_rate(cosine, 0.1, 50, 10, 100), 0.05, 1e-12);
  EXPECT_NEAR(learning_rate(cosine, 0.1, 25, 10, 100), 0.05 * (1 + std::cos(std::numbers::pi / 4)), 1e-12);
  EXPECT_THROW(learning_rate({.kind = "linear"}, 0.1, 0, 10, 100), Error);
}

}  // namespace
}  // namespace octet::train
