#include "train/qat_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "ir/topo_sort.h"
#include "octet/error.h"
#include "passes/calibrate.h"
#include "passes/convert.h"
#include "passes/upgrade_opset.h"
#include "train/backward.h"

namespace octet::train {

namespace {

bool is_weighted(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "Gemm" || op == "MatMul";
}

// Ops whose outputs are integers or booleans: no gradient flows through them.
bool has_integer_outputs(const std::string& op) {
  static const std::set<std::string> kOps = {
      "Shape", "Size", "ArgMax",  "ArgMin",          "Equal", "Less",        "Greater",       "Not",
      "And",   "Or",   "NonZero", "ConstantOfShape", "Range", "LessOrEqual", "GreaterOrEqual"};
  return kOps.count(op) > 0;
}

std::string trainable_list() {
  std::string s;
  for (const auto& op : trainable_op_types()) s += (s.empty() ? "" : ", ") + op;
  return s;
}

}  // namespace

struct QatGraph::Saved {
  std::vector<Tensor> inputs;          // as the node read them (fake-quantized where they were)
  std::vector<Tensor> outputs;         // as the node wrote them (a Conv+BN's: the convolution's, z)
  std::vector<uint8_t> weight_inside;  // the STE mask of a fake-quantized weight (input 1)
  std::optional<BnBatch> bn;           // a Conv+BN with batch statistics
};

bool QatGraph::adopt(const ConvBn& cb, const Graph& model, size_t node) {
  const Node& n = g_.nodes[node];
  if (n.op_type != "Conv" || !n.has_input(2)) return false;
  std::map<std::string, Tensor> own;
  for (const std::string* name : {&cb.weight, &cb.bias, &cb.scale, &cb.shift, &cb.mean, &cb.var}) {
    if (name->empty()) continue;
    if (g_.find_initializer(*name)) return false;  // still read as it is: not folded away
    own[*name] = model.find_initializer(*name)->clone();
  }
  // Only this BN folded into it (a Mul or Add after the BN would fold too): the fold of the
  // tensors must give the fused weight and bias.
  const FoldFactors fold = fold_factors(cb, own);
  const Tensor w = folded_weight(cb, fold, own), b = folded_bias(cb, fold, own);
  const Tensor* fw = g_.find_initializer(n.inputs[1]);
  const Tensor* fb = g_.find_initializer(n.inputs[2]);
  if (!fw || !fb || fw->shape() != w.shape() || fb->shape() != b.shape() ||
      std::memcmp(fw->raw(), w.raw(), w.nbytes()) != 0 || std::memcmp(fb->raw(), b.raw(), b.nbytes()) != 0)
    return false;
  for (auto& [name, t] : own) g_.initializers[name] = std::move(t);
  bn_units_[node] = BnUnit{cb, n.inputs[1], n.inputs[2], fold, {}};
  return true;
}

QatGraph::QatGraph(Graph fused, QuantPlan plan, int threads, const std::vector<ConvBn>& conv_bns, const Graph* model)
    : g_(std::move(fused)), plan_(std::move(plan)), pool_(std::max(1, threads)) {
  OCTET_CHECK(!g_.outputs.empty(), "QAT: the model has no output");
  const int opset = g_.opsets.count("") ? g_.opsets.at("") : 1;
  per_channel_ok_ = opset >= kPerAxisOpset;
  for (const QuantUnit& u : plan_.units) {
    const Node& head = g_.nodes[u.nodes.front()];
    if (is_weighted(head.op_type) && head.has_input(1) && g_.find_initializer(head.inputs[1]))
      weight_units_[u.nodes.front()] = &u;
  }
  // The parameters: the float weights and biases of the weighted ops.
  for (const Node& n : g_.nodes) {
    if (!is_weighted(n.op_type)) continue;
    for (size_t i : {size_t{1}, size_t{2}})
      if (n.has_input(i))
        if (const Tensor* t = g_.find_initializer(n.inputs[i]); t && t->dtype() == DType::kFloat32)
          params_.insert(n.inputs[i]);
  }
  OCTET_CHECK(!params_.empty(), "QAT: graph '", g_.name,
              "' has no Conv, ConvTranspose, Gemm or MatMul weight to train");
  // A Tensor copy shares its buffer: the optimizer updates the parameters in place, which must not
  // reach the caller's model (nor a float teacher built on it).
  for (const std::string& p : params_) g_.initializers[p] = g_.initializers[p].clone();
  trained_ = params_;
  if (model)
    for (const ConvBn& cb : conv_bns)
      for (size_t i = 0; i < g_.nodes.size(); ++i)
        if (g_.nodes[i].name == cb.conv && adopt(cb, *model, i)) {
          trained_.erase(g_.nodes[i].inputs[1]);
          trained_.erase(g_.nodes[i].inputs[2]);
          for (const std::string& t : {cb.weight, cb.bias, cb.scale, cb.shift})
            if (!t.empty()) trained_.insert(t);
        }

  // Forward from the parameters, backward from output 0: the nodes in between need a backward.
  order_ = topological_order(g_, false);
  wants_grad_ = params_;
  for (size_t i : order_) {
    const Node& n = g_.nodes[i];
    const bool reached =
        std::any_of(n.inputs.begin(), n.inputs.end(), [&](const auto& v) { return wants_grad_.count(v); });
    if (reached && !has_integer_outputs(n.op_type))
      for (const auto& o : n.outputs) wants_grad_.insert(o);
  }
  std::set<std::string> to_loss = {g_.outputs.front().name};
  backward_nodes_.assign(g_.nodes.size(), false);
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const size_t i = *it;
    const Node& n = g_.nodes[i];
    if (!std::any_of(n.outputs.begin(), n.outputs.end(), [&](const auto& v) { return to_loss.count(v); })) continue;
    for (const auto& v : n.inputs) to_loss.insert(v);
    if (!std::any_of(n.inputs.begin(), n.inputs.end(), [&](const auto& v) { return wants_grad_.count(v); })) continue;
    OCTET_CHECK(n.domain.empty() && find_backward(n.op_type), "QAT cannot train through ", n.describe(),
                ": no backward pass for it (octet trains through ", trainable_list(), ")");
    backward_nodes_[i] = true;
  }

  const OpRegistry& registry = OpRegistry::global();
  for (const Node& n : g_.nodes) {
    const KernelFactory* factory = registry.find(n.op_type, n.domain);
    OCTET_CHECK(factory, n.describe(), ": unsupported operator");
    // Constants other than the parameters may be prepacked; the parameters change every step.
    KernelInit init{n, pool_.size(),
                    [&](size_t i) -> const Tensor* {
                      if (!n.has_input(i) || params_.count(n.inputs[i])) return nullptr;
                      return g_.find_initializer(n.inputs[i]);
                    },
                    nullptr};
    kernels_.push_back((*factory)(init));
  }
  observers_ = make_activation_observers(g_, plan_);
}

QatGraph::~QatGraph() = default;

const Tensor& QatGraph::value(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  const Tensor* t = g_.find_initializer(name);
  OCTET_CHECK(t, "QAT: value '", name, "' has no producer");
  return *t;
}

namespace {

std::string scale_name(const std::string& value) { return "lsq.scale:" + value; }
std::string zero_point_name(const std::string& value) { return "lsq.zero_point:" + value; }

}  // namespace

void QatGraph::learn_scales() {
  freeze_observers();
  for (const auto& [value, observer] : observers_) {
    if (g_.find_initializer(value) ||
        std::any_of(g_.inputs.begin(), g_.inputs.end(), [&](const ValueInfo& in) { return in.name == value; }))
      continue;  // constants and graph inputs get no gradient to learn from
    const quant::TensorQParams qp = activation_qparams(plan_, value, observers_);
    g_.initializers[scale_name(value)] = Tensor::from_vector<float>({1}, {qp.scale[0]});
    trained_.insert(scale_name(value));
    if (!plan_.activations.at(value).scheme.symmetric) {
      g_.initializers[zero_point_name(value)] = Tensor::from_vector<float>({1}, {float(qp.zero_point[0])});
      trained_.insert(zero_point_name(value));
    }
    learned_.insert(value);
  }
}

quant::TensorQParams QatGraph::qparams_of(const std::string& value) const {
  quant::TensorQParams qp = activation_qparams(plan_, value, observers_);
  const std::string root = plan_.qparams_root(value);
  if (!learned_.count(root)) return qp;
  // A scale the optimizer pushed to 0 or below would divide by zero: the smallest normal float
  // stands in (qparams_from_range's floor).
  qp.scale[0] = std::max(g_.find_initializer(scale_name(root))->data<float>()[0], std::numeric_limits<float>::min());
  if (const Tensor* z = g_.find_initializer(zero_point_name(root))) {
    const quant::QScheme& scheme = plan_.activations.at(root).scheme;
    qp.zero_point[0] =
        std::clamp(static_cast<int32_t>(std::nearbyint(z->data<float>()[0])), scheme.qmin(), scheme.qmax());
  }
  return qp;
}

void QatGraph::publish(const std::string& name, Tensor raw, Mode mode) {
  if (!plan_.activations.count(name)) {
    values_[name] = std::move(raw);
    return;
  }
  const std::string root = plan_.qparams_root(name);
  auto obs = observers_.find(root);
  // A value sharing a later value's qparams (a Concat input, its output's) uses the range its root
  // saw up to the last step; before the root's first sight, the value itself starts the range.
  if (mode == Mode::kTrain && !observers_frozen_ && obs != observers_.end() && !g_.find_initializer(name) &&
      (root == name || obs->second->stats().finite == 0))
    obs->second->observe(raw);
  const quant::TensorQParams qp = qparams_of(name);
  FakeQuantized fq = fake_quantize(raw, qp, &pool_);
  qparams_[name] = qp;
  values_[name] = std::move(fq.y);
  if (mode == Mode::kTrain) {
    inside_[name] = std::move(fq.inside);
    if (learned_.count(root)) raw_[name] = std::move(raw);
  }
}

nlohmann::json QatGraph::observer_states() const {
  nlohmann::json states = nlohmann::json::object();
  for (const auto& [value, o] : observers_) states[value] = o->to_json();
  return states;
}

void QatGraph::load_observer_states(const nlohmann::json& states) {
  for (auto& [value, o] : observers_) {
    OCTET_CHECK(states.contains(value), "QAT checkpoint: no observer state for value '", value, "'");
    try {
      o = quant::load_observer(states.at(value));
    } catch (const nlohmann::json::exception& e) {
      fail("QAT checkpoint: observer of value '", value, "': ", e.what());
    }
  }
}

std::vector<std::string> QatGraph::statistics() const {
  std::vector<std::string> names;
  for (const auto& [node, u] : bn_units_) {
    names.push_back(u.cb.mean);
    names.push_back(u.cb.var);
  }
  return names;
}

void QatGraph::fold_batch_norms() {
  for (auto& [node, u] : bn_units_) {
    u.fold = fold_factors(u.cb, g_.initializers);
    g_.initializers[u.folded_w] = folded_weight(u.cb, u.fold, g_.initializers);
    g_.initializers[u.folded_b] = folded_bias(u.cb, u.fold, g_.initializers);
  }
}

std::vector<Tensor> QatGraph::forward(const std::map<std::string, Tensor>& feeds, Mode mode) {
  fold_batch_norms();
  values_.clear();
  qparams_.clear();
  inside_.clear();
  raw_.clear();
  saved_.clear();
  if (mode == Mode::kTrain) saved_.resize(g_.nodes.size());
  for (const ValueInfo& in : g_.inputs) {
    auto it = feeds.find(in.name);
    OCTET_CHECK(it != feeds.end(), "QAT: no data for graph input '", in.name, "'");
    publish(in.name, it->second, mode);
  }
  for (const auto& [name, t] : g_.initializers)
    if (plan_.activations.count(name)) publish(name, t, mode);  // quantized constant operands

  for (size_t i : order_) {
    const Node& n = g_.nodes[i];
    KernelContext ctx{n, {}, std::vector<Tensor>(n.outputs.size()), pool_, nullptr};
    std::vector<Tensor> inputs;
    for (size_t k = 0; k < n.inputs.size(); ++k) inputs.push_back(n.has_input(k) ? value(n.inputs[k]) : Tensor());
    if (auto wu = weight_units_.find(i); wu != weight_units_.end()) {
      const float x_scale = qparams_.at(wu->second->act_inputs.at(0)).scale.at(0);
      const quant::TensorQParams qp = unit_weight_qparams(g_, n, *wu->second, x_scale, per_channel_ok_).qp;
      FakeQuantized fq = fake_quantize(inputs[1], qp, &pool_);
      inputs[1] = std::move(fq.y);
      if (mode == Mode::kTrain) saved_[i].weight_inside = std::move(fq.inside);
    }
    // A Conv+BN with batch statistics convolves without the folded bias; batch_norm_train adds
    // what the BN makes of it.
    auto bu = bn_units_.find(i);
    const bool batch_stats = bu != bn_units_.end() && mode == Mode::kTrain && !bn_frozen_;
    if (batch_stats) inputs[2] = Tensor();
    for (const Tensor& t : inputs) ctx.inputs.push_back(t.defined() ? &t : nullptr);
    try {
      kernels_[i]->run(ctx);
    } catch (const Error& e) {
      fail(n.describe(), ": ", e.what());
    }
    if (batch_stats) {
      BnBatch bn = batch_norm_train(bu->second.cb, bu->second.fold, ctx.outputs[0], g_.initializers);
      publish(n.outputs[0], bn.y, mode);
      saved_[i].bn = std::move(bn);
    } else {
      for (size_t k = 0; k < n.outputs.size(); ++k)
        if (!n.outputs[k].empty()) publish(n.outputs[k], ctx.outputs[k], mode);
    }
    if (mode == Mode::kTrain && backward_nodes_[i]) {
      saved_[i].inputs = std::move(inputs);
      saved_[i].outputs = std::move(ctx.outputs);
    }
  }
  std::vector<Tensor> outputs;
  for (const ValueInfo& out : g_.outputs) outputs.push_back(value(out.name));
  return outputs;
}

void QatGraph::add_grad(std::map<std::string, Tensor>& grads, const std::string& name, const Tensor& g) {
  auto it = grads.find(name);
  if (it == grads.end()) {
    grads.emplace(name, g);
    return;
  }
  OCTET_CHECK(it->second.shape() == g.shape(), "QAT: gradient of '", name, "' has shape ", shape_str(g.shape()),
              ", expected ", shape_str(it->second.shape()));
  Tensor sum = it->second.clone();
  float* s = sum.data<float>();
  const float* d = g.data<float>();
  for (int64_t k = 0; k < sum.numel(); ++k) s[k] += d[k];
  it->second = std::move(sum);
}

void QatGraph::learn_from(const std::string& value, const Tensor& raw, const Tensor& grad_y) {
  const std::string root = plan_.qparams_root(value);
  const QParamGradients g = qparam_gradients(raw, qparams_.at(value), grad_y);
  // LSQ's gradient scale 1 / sqrt(N Q_P): N the elements of one sample, Q_P the positive levels.
  const double per_sample = double(raw.numel()) / double(std::max<int64_t>(1, raw.dim(0)));
  const double k = 1 / std::sqrt(per_sample * plan_.activations.at(root).scheme.qmax());
  add_grad(grads_, scale_name(root), Tensor::from_vector<float>({1}, {static_cast<float>(g.scale * k)}));
  if (g_.find_initializer(zero_point_name(root)))
    add_grad(grads_, zero_point_name(root), Tensor::from_vector<float>({1}, {static_cast<float>(g.zero_point * k)}));
}

void QatGraph::backward(const Tensor& grad_output) {
  OCTET_CHECK(saved_.size() == g_.nodes.size(), "QAT: backward() without a training forward()");
  grads_.clear();
  std::map<std::string, Tensor> value_grads;  // dL/d value as its readers saw it
  value_grads.emplace(g_.outputs.front().name, grad_output);
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    const size_t i = *it;
    if (!backward_nodes_[i]) continue;
    const Node& n = g_.nodes[i];
    Saved& s = saved_[i];
    BackwardContext ctx{n, {}, {}, {}, {}, {}, pool_};
    std::vector<Tensor> grad_outs;  // owned here: the STE's outputs
    bool any = false;
    for (const auto& o : n.outputs) {
      auto it = o.empty() ? value_grads.end() : value_grads.find(o);
      if (it == value_grads.end()) {
        grad_outs.emplace_back();
        continue;
      }
      any = true;
      if (auto raw = raw_.find(o); raw != raw_.end()) learn_from(o, raw->second, it->second);
      auto mask = inside_.find(o);
      grad_outs.push_back(mask != inside_.end() ? straight_through(it->second, mask->second, &pool_) : it->second);
    }
    if (!any) continue;
    if (s.bn) {  // dL/dy -> dL/dz, the BN's own gradients into grads_
      BnUnit& u = bn_units_.at(i);
      std::vector<double> grad_s;
      grad_outs[0] =
          batch_norm_train_backward(u.cb, u.fold, *s.bn, s.outputs[0], grad_outs[0], g_.initializers, grads_, grad_s);
      u.grad_s = std::move(grad_s);
    }
    for (const Tensor& t : s.inputs) ctx.inputs.push_back(t.defined() ? &t : nullptr);
    for (const Tensor& t : s.outputs) ctx.outputs.push_back(t.defined() ? &t : nullptr);
    for (const Tensor& t : grad_outs) ctx.grad_outputs.push_back(t.defined() ? &t : nullptr);
    for (size_t k = 0; k < n.inputs.size(); ++k)
      ctx.wants_grad.push_back(n.has_input(k) && s.inputs[k].defined() && wants_grad_.count(n.inputs[k]) &&
                               s.inputs[k].dtype() == DType::kFloat32);
    ctx.grad_inputs.resize(n.inputs.size());
    try {
      find_backward(n.op_type)(ctx);
    } catch (const Error& e) {
      fail("QAT backward of ", n.describe(), ": ", e.what());
    }
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      if (!ctx.wants_grad[k]) continue;
      const Tensor& g = ctx.grad_inputs[k];
      OCTET_CHECK(g.defined() && g.shape() == s.inputs[k].shape(), "QAT backward of ", n.describe(),
                  ": no gradient of the input's shape for input ", k);
      const std::string& name = n.inputs[k];
      if (k == 1 && !s.weight_inside.empty()) add_grad(grads_, name, straight_through(g, s.weight_inside, &pool_));
      else if (params_.count(name)) add_grad(grads_, name, g);
      else add_grad(value_grads, name, g);
    }
  }
  for (auto& [node, u] : bn_units_) {
    if (!grads_.count(u.folded_w) && !grads_.count(u.folded_b) && u.grad_s.empty()) continue;
    unfold_gradients(u.cb, u.fold, u.folded_w, u.folded_b, u.grad_s, g_.initializers, grads_);
    u.grad_s.clear();
  }
}

}  // namespace octet::train
