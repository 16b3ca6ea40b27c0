// The losses of quantization-aware training. Softmax-based ones work on log-probabilities computed
// as x - max - log(sum exp(x - max)) (log-sum-exp with the maximum subtracted), so large logits
// neither overflow exp nor lose the small probabilities.
#include "train/loss.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace octet::train {
namespace {

// [N, C, 1, ...] as N rows of C: octet::Error unless every dim after the second is 1.
void rows_of(const Tensor& t, const char* who, int64_t* n, int64_t* c) {
  OCTET_CHECK(t.dtype() == DType::kFloat32 && t.rank() >= 2, who,
              ": logits must be float32 [N, C] or [N, C, 1, ...], got ", dtype_name(t.dtype()), " ",
              shape_str(t.shape()));
  for (int d = 2; d < t.rank(); ++d)
    OCTET_CHECK(t.dim(d) == 1, who, ": logits must be [N, C] or [N, C, 1, ...], got ", shape_str(t.shape()));
  *n = t.dim(0);
  *c = t.dim(1);
}

void check_same_shape(const Tensor& a, const Tensor& b, const char* who, const char* a_name, const char* b_name) {
  OCTET_CHECK(a.shape() == b.shape() && a.dtype() == DType::kFloat32 && b.dtype() == DType::kFloat32, who, ": ", a_name,
              " ", dtype_name(a.dtype()), " ", shape_str(a.shape()), " and ", b_name, " ", dtype_name(b.dtype()), " ",
              shape_str(b.shape()), " must be float32 tensors of the same shape");
}

// log softmax(x / t) of one row of c logits, in double.
void log_softmax(const float* x, int64_t c, double t, double* out) {
  double mx = -INFINITY;
  for (int64_t j = 0; j < c; ++j) mx = std::max(mx, x[j] / t);
  double sum = 0;
  for (int64_t j = 0; j < c; ++j) sum += std::exp(x[j] / t - mx);
  const double lse = mx + std::log(sum);
  for (int64_t j = 0; j < c; ++j) out[j] = x[j] / t - lse;
}

}  // namespace

// L = mean over n of -log softmax(x_n)[label_n]; dL/dx_n = (softmax(x_n) - onehot(label_n)) / N.
Loss softmax_cross_entropy(const Tensor& logits, const Tensor& labels) {
  const char* who = "softmax_cross_entropy";
  int64_t n = 0, c = 0;
  rows_of(logits, who, &n, &c);
  OCTET_CHECK((labels.dtype() == DType::kInt64 || labels.dtype() == DType::kInt32) && labels.numel() == n, who,
              ": labels must be int64 or int32 [", n, "] for logits ", shape_str(logits.shape()), ", got ",
              dtype_name(labels.dtype()), " ", shape_str(labels.shape()));
  Loss loss{0, Tensor(DType::kFloat32, logits.shape())};
  std::vector<double> logp(c);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = labels.as_int64(i);
    OCTET_CHECK(label >= 0 && label < c, who, ": sample ", i, " has label ", label, ", outside [0, ", c, ")");
    log_softmax(logits.data<float>() + i * c, c, 1.0, logp.data());
    loss.value -= logp[label];
    float* g = loss.grad.data<float>() + i * c;
    for (int64_t j = 0; j < c; ++j) g[j] = static_cast<float>((std::exp(logp[j]) - (j == label)) / n);
  }
  if (n > 0) loss.value /= n;
  return loss;
}

// Hinton et al. 2015, "Distilling the Knowledge in a Neural Network", section 2: with
// p = softmax(x / T), L = T^2 * mean over n of sum_j p_t log(p_t / p_s); dL/dx_s = T (p_s - p_t) / N
// (the T^2 keeps the gradient's scale independent of T).
Loss distillation_kl(const Tensor& student, const Tensor& teacher, float temperature) {
  const char* who = "distillation_kl";
  check_same_shape(student, teacher, who, "student", "teacher");
  OCTET_CHECK(temperature > 0 && std::isfinite(temperature), who, ": temperature must be positive, got ", temperature);
  int64_t n = 0, c = 0;
  rows_of(student, who, &n, &c);
  const double t = temperature;
  Loss loss{0, Tensor(DType::kFloat32, student.shape())};
  std::vector<double> ls(c), lt(c);
  for (int64_t i = 0; i < n; ++i) {
    log_softmax(student.data<float>() + i * c, c, t, ls.data());
    log_softmax(teacher.data<float>() + i * c, c, t, lt.data());
    float* g = loss.grad.data<float>() + i * c;
    for (int64_t j = 0; j < c; ++j) {
      const double pt = std::exp(lt[j]), ps = std::exp(ls[j]);
      if (pt > 0) loss.value += pt * (lt[j] - ls[j]);
      g[j] = static_cast<float>(t * (ps - pt) / n);
    }
  }
  if (n > 0) loss.value *= t * t / n;
  return loss;
}

// L = mean over all elements of (out - target)^2; dL/dout = 2 (out - target) / numel.
Loss mean_squared_error(const Tensor& output, const Tensor& target) {
  check_same_shape(output, target, "mean_squared_error", "output", "target");
  Loss loss{0, Tensor(DType::kFloat32, output.shape())};
  const int64_t n = output.numel();
  const float *o = output.data<float>(), *t = target.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(o[i]) - t[i];
    loss.value += d * d;
    loss.grad.data<float>()[i] = static_cast<float>(2 * d / n);
  }
  if (n > 0) loss.value /= n;
  return loss;
}

}  // namespace octet::train
