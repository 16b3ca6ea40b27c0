#include "ops/conv_activation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace octet {

ConvActivation ConvActivation::of(const Node& n) {
  const std::string act = n.attr_string("activation", "");
  constexpr float kInf = std::numeric_limits<float>::infinity();
  ConvActivation c;
  if (act.empty()) return c;
  if (act == "Relu") {
    c.kind = Kind::kRelu;
  } else if (act == "LeakyRelu") {
    c = {Kind::kLeakyRelu, n.attr_float("alpha", 0.01f), 0};
  } else if (act == "Clip") {
    c = {Kind::kClip, n.attr_float("clip_min", -kInf), n.attr_float("clip_max", kInf)};
    OCTET_CHECK(c.a <= c.b, n.describe(), ": clip_min ", c.a, " > clip_max ", c.b);
  } else if (act == "Sigmoid") {
    c.kind = Kind::kSigmoid;
  } else if (act == "Tanh") {
    c.kind = Kind::kTanh;
  } else if (act == "HardSigmoid") {
    c = {Kind::kHardSigmoid, n.attr_float("alpha", 0.2f), n.attr_float("beta", 0.5f)};
  } else if (act == "HardSwish") {
    c.kind = Kind::kHardSwish;
  } else if (act == "Swish") {
    c.kind = Kind::kSwish;
  } else {
    fail(n.describe(), ": unknown activation '", act,
         "' (Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish or Swish)");
  }
  return c;
}

void ConvActivation::append_to(dnnl::post_ops& ops) const {
  using dnnl::algorithm;
  switch (kind) {
    case Kind::kNone: return;
    case Kind::kRelu: return ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
    case Kind::kLeakyRelu: return ops.append_eltwise(1.0f, algorithm::eltwise_relu, a, 0.0f);
    case Kind::kClip: return ops.append_eltwise(1.0f, algorithm::eltwise_clip, a, b);
    case Kind::kSigmoid: return ops.append_eltwise(1.0f, algorithm::eltwise_logistic, 0.0f, 0.0f);
    case Kind::kTanh: return ops.append_eltwise(1.0f, algorithm::eltwise_tanh, 0.0f, 0.0f);
    case Kind::kHardSigmoid:  // max(0, min(1, alpha x + beta)): linear, then clip
      ops.append_eltwise(1.0f, algorithm::eltwise_linear, a, b);
      return ops.append_eltwise(1.0f, algorithm::eltwise_clip, 0.0f, 1.0f);
    case Kind::kHardSwish: return ops.append_eltwise(1.0f, algorithm::eltwise_hardswish, 0.0f, 0.0f);
    case Kind::kSwish: return ops.append_eltwise(1.0f, algorithm::eltwise_swish, 1.0f, 0.0f);
  }
}

float ConvActivation::apply(float v) const {
  switch (kind) {
    case Kind::kNone: return v;
    case Kind::kRelu: return std::max(v, 0.0f);
    case Kind::kLeakyRelu: return v < 0 ? a * v : v;
    case Kind::kClip: return std::clamp(v, a, b);
    case Kind::kSigmoid: return 1.0f / (1.0f + std::exp(-v));
    case Kind::kTanh: return std::tanh(v);
    case Kind::kHardSigmoid: return std::clamp(a * v + b, 0.0f, 1.0f);
    case Kind::kHardSwish: return v * std::clamp(v / 6.0f + 0.5f, 0.0f, 1.0f);
    case Kind::kSwish: return v / (1.0f + std::exp(-v));
  }
  return v;
}

}  // namespace octet
