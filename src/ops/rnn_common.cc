#include "ops/rnn_common.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "ops/dnnl_util.h"

namespace octet {
namespace {

using Kind = RnnActivation::Kind;

struct ActivationInfo {
  const char* name;
  Kind kind;
  int params;         // 0: none, 1: alpha, 2: alpha and beta
  float alpha, beta;  // defaults, those of the ONNX operators of the same name
};

constexpr ActivationInfo kActivations[] = {
    {"relu", Kind::kRelu, 0, 0, 0},
    {"tanh", Kind::kTanh, 0, 0, 0},
    {"sigmoid", Kind::kSigmoid, 0, 0, 0},
    {"affine", Kind::kAffine, 2, 1.0f, 0.0f},
    {"leakyrelu", Kind::kLeakyRelu, 1, 0.01f, 0},
    {"thresholdedrelu", Kind::kThresholdedRelu, 1, 1.0f, 0},
    {"scaledtanh", Kind::kScaledTanh, 2, 1.0f, 1.0f},
    {"hardsigmoid", Kind::kHardSigmoid, 2, 0.2f, 0.5f},
    {"elu", Kind::kElu, 1, 1.0f, 0},
    {"softsign", Kind::kSoftsign, 0, 0, 0},
    {"softplus", Kind::kSoftplus, 0, 0, 0},
};

// activation_alpha / activation_beta are consumed in list order by the functions that take them
// (as ONNX Runtime does); a function past the end of a list gets its default.
std::vector<RnnActivation> parse_activations(const Node& node, const std::vector<std::string>& names) {
  const std::vector<float> alphas = node.attr_floats("activation_alpha");
  const std::vector<float> betas = node.attr_floats("activation_beta");
  size_t next_alpha = 0, next_beta = 0;
  std::vector<RnnActivation> out;
  for (const std::string& name : names) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    const ActivationInfo* info = nullptr;
    for (const ActivationInfo& a : kActivations)
      if (lower == a.name) info = &a;
    OCTET_CHECK(info, node.describe(), ": unsupported activation '", name, "'");
    RnnActivation act{info->kind, info->alpha, info->beta};
    if (info->params >= 1 && next_alpha < alphas.size()) act.alpha = alphas[next_alpha++];
    if (info->params >= 2 && next_beta < betas.size()) act.beta = betas[next_beta++];
    out.push_back(act);
  }
  return out;
}

void check_shape(const Node& node, const char* what, const Tensor& t, const Shape& want,
                 DType dtype = DType::kFloat32) {
  OCTET_CHECK(t.dtype() == dtype, node.describe(), ": ", what, " must be ", dtype_name(dtype), ", got ",
              dtype_name(t.dtype()));
  OCTET_CHECK(t.shape() == want, node.describe(), ": ", what, " must have shape ", shape_str(want), ", got ",
              shape_str(t.shape()));
}

}  // namespace

void RnnActivation::apply(float* x, int64_t n) const {
  const float a = alpha, b = beta;
  switch (kind) {
    case Kind::kRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0 ? x[i] : 0.0f;
      break;
    case Kind::kTanh:
      for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
      break;
    case Kind::kSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = 1.0f / (1.0f + std::exp(-x[i]));
      break;
    case Kind::kAffine:
      for (int64_t i = 0; i < n; ++i) x[i] = a * x[i] + b;
      break;
    case Kind::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= 0 ? x[i] : a * x[i];
      break;
    case Kind::kThresholdedRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] > a ? x[i] : 0.0f;
      break;
    case Kind::kScaledTanh:
      for (int64_t i = 0; i < n; ++i) x[i] = a * std::tanh(b * x[i]);
      break;
    case Kind::kHardSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = std::min(1.0f, std::max(0.0f, a * x[i] + b));
      break;
    case Kind::kElu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= 0 ? x[i] : a * (std::exp(x[i]) - 1.0f);
      break;
    case Kind::kSoftsign:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::fabs(x[i]));
      break;
    case Kind::kSoftplus:
      for (int64_t i = 0; i < n; ++i) x[i] = std::log1p(std::exp(x[i]));
      break;
  }
}

int64_t RnnProblem::max_len() const { return lens.empty() ? 0 : *std::max_element(lens.begin(), lens.end()); }

void RnnProblem::clip_span(float* v, int64_t n) const {
  if (!has_clip) return;
  for (int64_t i = 0; i < n; ++i) v[i] = std::min(clip, std::max(-clip, v[i]));
}

RnnProblem parse_rnn(const KernelContext& ctx, int gates, const std::vector<std::string>& default_activations,
                     DType weight_dtype) {
  const Node& node = ctx.node;
  RnnProblem p;
  p.gates = gates;
  RnnDims& d = p.dims;

  const std::string direction = node.attr_string("direction", "forward");
  OCTET_CHECK(direction == "forward" || direction == "reverse" || direction == "bidirectional", node.describe(),
              ": direction must be forward, reverse or bidirectional, got '", direction, "'");
  d.dirs = direction == "bidirectional" ? 2 : 1;
  p.reverse_only = direction == "reverse";
  const int64_t layout = node.attr_int("layout", 0);
  OCTET_CHECK(layout == 0 || layout == 1, node.describe(), ": layout must be 0 or 1, got ", layout);
  d.batch_major = layout == 1;

  const Tensor& x = ctx.input(0);
  OCTET_CHECK(x.dtype() == DType::kFloat32 && x.rank() == 3, node.describe(),
              ": X must be a rank-3 float32 tensor, got ", dtype_name(x.dtype()), " ", shape_str(x.shape()));
  d.seq = x.dim(d.batch_major ? 1 : 0);
  d.batch = x.dim(d.batch_major ? 0 : 1);
  d.input = x.dim(2);
  const Tensor& r = ctx.input(2);
  OCTET_CHECK(r.rank() == 3, node.describe(), ": R must have rank 3, got ", shape_str(r.shape()));
  d.hidden = node.attr_int("hidden_size", r.dim(2));
  OCTET_CHECK(d.hidden > 0, node.describe(), ": hidden_size must be positive, got ", d.hidden);
  const int64_t gh = gates * d.hidden;
  check_shape(node, "W", ctx.input(1), {d.dirs, gh, d.input}, weight_dtype);
  check_shape(node, "R", r, {d.dirs, gh, d.hidden}, weight_dtype);
  p.x = x.data<float>();
  if (weight_dtype == DType::kFloat32) {
    p.w = ctx.input(1).data<float>();
    p.r = r.data<float>();
  }
  if (const Tensor* b = ctx.optional_input(3)) {
    check_shape(node, "B", *b, {d.dirs, 2 * gh});
    p.b = b->data<float>();
  }

  p.lens.assign(d.batch, static_cast<int32_t>(d.seq));
  if (const Tensor* lens = ctx.optional_input(4)) {
    OCTET_CHECK(lens->dtype() == DType::kInt32 && lens->shape() == Shape{d.batch}, node.describe(),
                ": sequence_lens must be int32 of shape [", d.batch, "], got ", dtype_name(lens->dtype()), " ",
                shape_str(lens->shape()));
    for (int64_t b = 0; b < d.batch; ++b) {
      const int32_t len = lens->data<int32_t>()[b];
      OCTET_CHECK(len >= 0 && len <= d.seq, node.describe(), ": sequence_lens[", b, "] = ", len, " is outside [0, ",
                  d.seq, "]");
      p.lens[b] = len;
    }
  }

  if (node.has_attr("clip")) {
    p.has_clip = true;
    p.clip = node.attr_float("clip", 0);
    OCTET_CHECK(p.clip > 0, node.describe(), ": clip must be positive, got ", p.clip);
  }

  // A bidirectional node may list one direction's functions; both directions then use them.
  std::vector<std::string> names = default_activations;
  if (const Attribute* a = node.find_attr("activations")) {
    OCTET_CHECK(a->kind == Attribute::Kind::kStrings, node.describe(), ": activations must be a list of strings");
    if (!a->strings.empty()) names = a->strings;
  }
  const size_t per_dir = default_activations.size();
  OCTET_CHECK(names.size() == per_dir || names.size() == per_dir * d.dirs, node.describe(), ": expected ",
              per_dir * d.dirs, " activations, got ", names.size());
  if (names.size() < per_dir * d.dirs) {
    const std::vector<std::string> one_dir = names;  // inserting a vector into itself is undefined
    names.insert(names.end(), one_dir.begin(), one_dir.end());
  }
  p.activations = parse_activations(node, names);
  return p;
}

void load_initial_state(const KernelContext& ctx, size_t input, const RnnProblem& p, int64_t d, float* state) {
  const RnnDims& dims = p.dims;
  const Tensor* init = ctx.optional_input(input);
  if (!init) {
    std::fill(state, state + dims.batch * dims.hidden, 0.0f);
    return;
  }
  check_shape(ctx.node, input == 5 ? "initial_h" : "initial_c", *init, dims.state_shape());
  for (int64_t b = 0; b < dims.batch; ++b)
    std::memcpy(state + b * dims.hidden, init->data<float>() + dims.state_offset(d, b), dims.hidden * sizeof(float));
}

bool wants_output(const KernelContext& ctx, size_t i) {
  return i < ctx.outputs.size() && i < ctx.node.outputs.size() && !ctx.node.outputs[i].empty();
}

void sgemm_nt(const Node& node, ThreadPool& pool, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
              const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // nothing to multiply; oneDNN rejects K = 0
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0 ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  // oneDNN's sgemm runs on OpenMP; its team size follows the calling thread's setting. A small
  // per-step GEMM costs less than waking and synchronizing a team (far less when the cores are
  // shared), so each thread gets at least ~1M multiply-adds.
  constexpr int64_t kMacsPerThread = int64_t{1} << 20;
  dnnl_util::OpenMpThreads omp(pool, static_cast<int>(std::clamp<int64_t>(m * n * k / kMacsPerThread, 1, pool.size())));
  const dnnl_status_t st = dnnl_sgemm('N', 'T', m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
  OCTET_CHECK(st == dnnl_success, node.describe(), ": oneDNN sgemm failed with status ", static_cast<int>(st));
}

void FloatRnnWeights::gemm(const KernelContext& ctx, const RnnProblem& p, bool recurrent, int64_t d, int64_t row0,
                           int64_t m, int64_t n, const float* a, int64_t lda, float beta, float* c, int64_t ldc) const {
  const int64_t k = recurrent ? p.dims.hidden : p.dims.input, gh = p.gates * p.dims.hidden;
  const float* s = (recurrent ? p.r : p.w) + (d * gh + row0) * k;
  sgemm_nt(ctx.node, ctx.pool, m, n, k, a, lda, s, k, beta, c, ldc);
}

std::vector<float> input_projection(const KernelContext& ctx, const RnnProblem& p, int64_t d, const float* bias,
                                    const RnnWeights& weights) {
  const RnnDims& dims = p.dims;
  const int64_t rows = dims.seq * dims.batch, gh = p.gates * dims.hidden;
  std::vector<float> out(rows * gh);
  if (bias)
    for (int64_t i = 0; i < rows; ++i) std::memcpy(out.data() + i * gh, bias, gh * sizeof(float));
  weights.gemm(ctx, p, false, d, 0, rows, gh, p.x, dims.input, bias ? 1.0f : 0.0f, out.data(), gh);
  return out;
}

}  // namespace octet
