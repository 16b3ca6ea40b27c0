#include "train/optimizer.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "octet/error.h"

namespace octet::train {

namespace {

// Per-parameter state tensors (momentum buffers, Adam's moments), made zero on first use.
float* buffer(std::map<std::string, Tensor>& buffers, const std::string& name, const Tensor& like) {
  auto it = buffers.find(name);
  if (it == buffers.end()) it = buffers.emplace(name, Tensor(DType::kFloat32, like.shape())).first;
  return it->second.data<float>();
}

// Checkpoint members: "<prefix>:<parameter>" per buffer.
void save_buffers(const std::string& prefix, const std::map<std::string, Tensor>& buffers,
                  std::map<std::string, Tensor>& out) {
  for (const auto& [name, t] : buffers) out[prefix + ":" + name] = t;
}

std::map<std::string, Tensor> load_buffers(const std::string& prefix, const std::map<std::string, Tensor>& in) {
  std::map<std::string, Tensor> buffers;
  for (const auto& [key, t] : in)
    if (key.rfind(prefix + ":", 0) == 0) {
      OCTET_CHECK(t.dtype() == DType::kFloat32, "optimizer state '", key, "' is not float32");
      buffers[key.substr(prefix.size() + 1)] = t.clone();
    }
  return buffers;
}

// torch.optim.SGD: g += wd * w; b = momentum * b + g (b = g at the first step); w -= lr * b.
class Sgd : public Optimizer {
 public:
  explicit Sgd(const OptimizerOptions& o) : o_(o) {}
  void step(std::map<std::string, Tensor>& params, const std::map<std::string, Tensor>& grads, double lr) override {
    for (const auto& [name, grad] : grads) {
      Tensor& p = params.at(name);
      const bool first = !velocity_.count(name);
      float* w = p.data<float>();
      float* b = buffer(velocity_, name, p);
      const float* g = grad.data<float>();
      for (int64_t i = 0; i < p.numel(); ++i) {
        const float gi = g[i] + static_cast<float>(o_.weight_decay) * w[i];
        b[i] = first ? gi : static_cast<float>(o_.momentum) * b[i] + gi;
        w[i] -= static_cast<float>(lr) * (o_.momentum > 0 ? b[i] : gi);
      }
    }
  }

  std::map<std::string, Tensor> state() const override {
    std::map<std::string, Tensor> out;
    save_buffers("velocity", velocity_, out);
    return out;
  }
  void load_state(const std::map<std::string, Tensor>& state) override { velocity_ = load_buffers("velocity", state); }

 private:
  OptimizerOptions o_;
  std::map<std::string, Tensor> velocity_;
};

// torch.optim.Adam / AdamW: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps). Adam adds wd * w to g; AdamW
// multiplies w by (1 - lr * wd) first.
class Adam : public Optimizer {
 public:
  Adam(const OptimizerOptions& o, bool decoupled) : o_(o), decoupled_(decoupled) {}
  void step(std::map<std::string, Tensor>& params, const std::map<std::string, Tensor>& grads, double lr) override {
    ++t_;
    const double c1 = 1 - std::pow(o_.beta1, t_), c2 = 1 - std::pow(o_.beta2, t_);
    const float b1 = static_cast<float>(o_.beta1), b2 = static_cast<float>(o_.beta2);
    const float wd = static_cast<float>(o_.weight_decay);
    for (const auto& [name, grad] : grads) {
      Tensor& p = params.at(name);
      float* w = p.data<float>();
      float* m = buffer(m_, name, p);
      float* v = buffer(v_, name, p);
      const float* g = grad.data<float>();
      for (int64_t i = 0; i < p.numel(); ++i) {
        float gi = g[i];
        if (decoupled_) w[i] *= static_cast<float>(1 - lr * o_.weight_decay);
        else gi += wd * w[i];
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        const double denom = std::sqrt(v[i] / c2) + o_.eps;
        w[i] -= static_cast<float>(lr * (m[i] / c1) / denom);
      }
    }
  }

  std::map<std::string, Tensor> state() const override {
    std::map<std::string, Tensor> out;
    save_buffers("m", m_, out);
    save_buffers("v", v_, out);
    out["steps"] = Tensor::scalar<int64_t>(t_);
    return out;
  }
  void load_state(const std::map<std::string, Tensor>& state) override {
    m_ = load_buffers("m", state);
    v_ = load_buffers("v", state);
    auto it = state.find("steps");
    OCTET_CHECK(it != state.end() && it->second.dtype() == DType::kInt64 && it->second.numel() == 1,
                "optimizer state: Adam's step count is missing");
    t_ = it->second.data<int64_t>()[0];
  }

 private:
  OptimizerOptions o_;
  bool decoupled_;
  int64_t t_ = 0;
  std::map<std::string, Tensor> m_, v_;
};

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const OptimizerOptions& options) {
  OCTET_CHECK(options.lr > 0 && std::isfinite(options.lr), "learning rate must be positive, got ", options.lr);
  OCTET_CHECK(options.weight_decay >= 0, "weight decay must be >= 0, got ", options.weight_decay);
  if (options.kind == "sgd") {
    OCTET_CHECK(options.momentum >= 0 && options.momentum < 1, "momentum must be in [0, 1), got ", options.momentum);
    return std::make_unique<Sgd>(options);
  }
  if (options.kind == "adam" || options.kind == "adamw")
    return std::make_unique<Adam>(options, options.kind == "adamw");
  fail("unknown optimizer '", options.kind, "' (sgd, adam, adamw)");
}

double learning_rate(const ScheduleOptions& schedule, double base_lr, int64_t step, int64_t steps_per_epoch,
                     int64_t total_steps) {
  if (schedule.kind == "constant") return base_lr;
  if (schedule.kind == "step") {
    OCTET_CHECK(schedule.step_epochs > 0, "step schedule: step_epochs must be positive, got ", schedule.step_epochs);
    const int64_t epoch = step / std::max<int64_t>(1, steps_per_epoch);
    return base_lr * std::pow(schedule.gamma, static_cast<double>(epoch / schedule.step_epochs));
  }
  if (schedule.kind == "cosine")
    return base_lr * 0.5 *
           (1 + std::cos(std::numbers::pi * static_cast<double>(step) /
                         static_cast<double>(std::max<int64_t>(1, total_steps))));
  fail("unknown learning-rate schedule '", schedule.kind, "' (constant, step, cosine)");
}

}  // namespace octet::train
