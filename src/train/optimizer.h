// The optimizers and learning-rate schedules QAT trains with, as PyTorch's torch.optim defines
// them (so a schedule tuned there carries over): SGD with momentum and L2 weight decay, Adam, and
// AdamW (Loshchilov & Hutter 2019, decoupled weight decay); constant, step and cosine schedules.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "octet/tensor.h"

namespace octet::train {

struct OptimizerOptions {
  std::string kind = "sgd";  // "sgd", "adam" or "adamw"
  double lr = 0.01;
  double momentum = 0.9;                          // sgd
  double weight_decay = 0;                        // sgd, adam: added to the gradient (L2); adamw: decoupled
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam, adamw
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every parameter that has a gradient, at learning rate `lr`.
  virtual void step(std::map<std::string, Tensor>& params, const std::map<std::string, Tensor>& grads, double lr) = 0;
  // The whole state (momentum buffers, Adam's moments and step count) as named tensors, for a
  // checkpoint; load_state() restores it (octet::Error naming a member of the wrong kind).
  virtual std::map<std::string, Tensor> state() const = 0;
  virtual void load_state(const std::map<std::string, Tensor>& state) = 0;
};

// octet::Error naming the kind when it is none of the three.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options);

struct ScheduleOptions {
  std::string kind = "cosine";  // "constant", "step" (lr * gamma^(epoch / step_epochs)) or "cosine"
  int step_epochs = 1;
  double gamma = 0.1;
};

// The learning rate of step `step` (0-based) of `total_steps`, `steps_per_epoch` per epoch. Cosine
// anneals from base_lr to 0 over all steps (torch.optim.lr_scheduler.CosineAnnealingLR, eta_min 0,
// stepped per batch). octet::Error naming an unknown kind.
double learning_rate(const ScheduleOptions& schedule, double base_lr, int64_t step, int64_t steps_per_epoch,
                     int64_t total_steps);

}  // namespace octet::train
