// quantize_aware_train (octet/qat.h): the training loop around QatGraph, then convert.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <sstream>

#include "octet/qat.h"
#include "octet/quantize.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "passes/convert.h"
#include "passes/fuse.h"
#include "passes/static_quantizer.h"
#include "passes/upgrade_opset.h"
#include "train/checkpoint.h"
#include "train/conv_bn.h"
#include "train/loss.h"
#include "train/optimizer.h"
#include "train/qat_graph.h"

namespace octet {

namespace {

using train::QatGraph;

// Rows `idx` of every array (axis 0), in that order.
std::map<std::string, Tensor> take_samples(const std::map<std::string, Tensor>& data, const std::vector<int64_t>& idx) {
  std::map<std::string, Tensor> out;
  for (const auto& [name, t] : data) {
    Shape shape = t.shape();
    shape[0] = static_cast<int64_t>(idx.size());
    Tensor rows = Tensor::uninitialized(t.dtype(), shape);
    const size_t row_bytes = t.nbytes() / static_cast<size_t>(t.dim(0));
    for (size_t r = 0; r < idx.size(); ++r)
      std::memcpy(static_cast<char*>(rows.raw()) + r * row_bytes,
                  static_cast<const char*>(t.raw()) + static_cast<size_t>(idx[r]) * row_bytes, row_bytes);
    out[name] = std::move(rows);
  }
  return out;
}

Tensor take_labels(const Tensor& labels, const std::vector<int64_t>& idx) {
  return take_samples({{"labels", labels}}, idx).at("labels");
}

// The predicted class of each sample: argmax over axis 1 of logits [N, C, ...1].
int64_t correct(const Tensor& logits, const Tensor& labels) {
  const int64_t n = logits.dim(0), c = logits.numel() / std::max<int64_t>(1, n);
  const float* x = logits.data<float>();
  int64_t hits = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t best = std::max_element(x + i * c, x + (i + 1) * c) - (x + i * c);
    hits += best == labels.as_int64(i);
  }
  return hits;
}

void check_labels(const Tensor& labels, int64_t samples, const std::string& what) {
  OCTET_CHECK(labels.defined(), what, ": labels are needed (or distill against the float model's outputs)");
  OCTET_CHECK(labels.dtype() == DType::kInt64 || labels.dtype() == DType::kInt32, what,
              ": labels must be int64 or int32, not ", dtype_name(labels.dtype()));
  OCTET_CHECK(labels.rank() == 1 && labels.dim(0) == samples, what, ": ", shape_str(labels.shape()), " labels for ",
              samples, " samples (expected one per sample, rank 1)");
}

void check_classes(const Tensor& labels, int64_t classes, const std::string& what) {
  for (int64_t i = 0; i < labels.numel(); ++i) {
    const int64_t y = labels.as_int64(i);
    OCTET_CHECK(y >= 0 && y < classes, what, ": label ", y, " of sample ", i, " is outside the model's ", classes,
                " classes [0, ", classes - 1, "]");
  }
}

// Top-1 of `run` (one batch's feeds -> logits) over `data` in batches of `batch`.
double top1(const std::map<std::string, Tensor>& data, const Tensor& labels, int64_t batch,
            const std::function<Tensor(const std::map<std::string, Tensor>&)>& run) {
  const int64_t n = sample_count(data, "validation data");
  int64_t hits = 0;
  for (int64_t b = 0; b < n; b += batch) {
    const int64_t e = std::min(n, b + batch);
    hits += correct(run(slice_samples(data, b, e)), slice_samples({{"labels", labels}}, b, e).at("labels"));
  }
  return static_cast<double>(hits) / static_cast<double>(n);
}

void check_options(const QatOptions& o) {
  OCTET_CHECK(o.epochs >= 1, "QAT: epochs must be at least 1, got ", o.epochs);
  OCTET_CHECK(o.batch >= 1, "QAT: batch must be at least 1, got ", o.batch);
  OCTET_CHECK(o.distill.empty() || o.distill == "kl" || o.distill == "mse", "QAT: distill must be kl or mse, not '",
              o.distill, "'");
  OCTET_CHECK(o.temperature > 0, "QAT: the distillation temperature must be positive, got ", o.temperature);
  OCTET_CHECK(o.freeze_bn_after >= -1, "QAT: freeze_bn_after must be >= 0 (or -1: never), got ", o.freeze_bn_after);
  OCTET_CHECK(o.freeze_observers_after == -1 || o.freeze_observers_after >= 1,
              "QAT: freeze_observers_after must be at least 1 epoch (or -1: never), got ", o.freeze_observers_after);
  OCTET_CHECK(o.observer != "auto",
              "QAT: observer auto picks a range rule after calibration, for post-training "
              "quantization; QAT observes while training (moving_average, minmax, ...)");
}

// The options a resumed run must share with the run that wrote the checkpoint.
nlohmann::json settings_of(const QatOptions& o, int64_t samples) {
  return {{"epochs", o.epochs},
          {"batch", o.batch},
          {"optimizer", o.optimizer},
          {"lr", o.lr},
          {"momentum", o.momentum},
          {"weight_decay", o.weight_decay},
          {"schedule", o.schedule},
          {"step_epochs", o.step_epochs},
          {"gamma", o.gamma},
          {"freeze_observers_after", o.freeze_observers_after},
          {"freeze_bn_after", o.freeze_bn_after},
          {"learn_scales", o.learn_scales},
          {"distill", o.distill},
          {"temperature", o.temperature},
          {"observer", o.observer},
          {"per_channel", o.per_channel},
          {"act_dtype", dtype_name(o.act_dtype)},
          {"exclude", o.exclude},
          {"config", o.config_json},
          {"seed", o.seed},
          {"training samples", samples}};
}

nlohmann::json epoch_json(const QatEpoch& e) {
  return {{"loss", e.loss},
          {"top1", e.top1},
          {"val_top1", e.val_top1},
          {"lr", e.lr},
          {"seconds", e.seconds},
          {"observers_frozen", e.observers_frozen},
          {"batch_norm_frozen", e.batch_norm_frozen}};
}

QatEpoch epoch_of(const nlohmann::json& j) {
  return {j.at("loss").get<double>(),           j.at("top1").get<double>(),
          j.at("val_top1").get<double>(),       j.at("lr").get<double>(),
          j.at("seconds").get<double>(),        j.at("observers_frozen").get<bool>(),
          j.at("batch_norm_frozen").get<bool>()};
}

// Everything the loop keeps between epochs (train/checkpoint.h).
train::Checkpoint checkpoint_of(const QatGraph& net, const train::Optimizer& optimizer, const std::mt19937_64& rng,
                                const nlohmann::json& settings, const QatReport& rep) {
  train::Checkpoint c;
  c.epochs_done = static_cast<int>(rep.epochs.size());
  for (const std::string& name : net.parameters()) c.tensors[name] = *net.graph().find_initializer(name);
  for (const std::string& name : net.statistics()) c.tensors[name] = *net.graph().find_initializer(name);
  c.optimizer = optimizer.state();
  c.observers = net.observer_states();
  c.observers_frozen = net.observers_frozen();
  c.batch_norm_frozen = net.batch_norm_frozen();
  std::ostringstream engine;
  engine << rng;
  c.rng = engine.str();
  c.settings = settings;
  c.history = nlohmann::json::array();
  for (const QatEpoch& e : rep.epochs) c.history.push_back(epoch_json(e));
  return c;
}

void resume(const std::string& path, const nlohmann::json& settings, QatGraph& net, train::Optimizer& optimizer,
            std::mt19937_64& rng, QatReport& rep) {
  const train::Checkpoint c = train::read_checkpoint(path);
  for (const auto& [key, value] : settings.items())
    OCTET_CHECK(c.settings.contains(key) && c.settings.at(key) == value, path, ": the checkpoint was written with ",
                key, " ", c.settings.contains(key) ? c.settings.at(key).dump() : "unset", ", this run has ",
                value.dump());
  net.load_observer_states(c.observers);
  if (c.observers_frozen) net.freeze_observers();
  if (c.observers_frozen && settings.at("learn_scales").get<bool>()) net.learn_scales();  // restored below
  if (c.batch_norm_frozen) net.freeze_batch_norm();
  optimizer.load_state(c.optimizer);
  std::vector<std::string> needed(net.parameters().begin(), net.parameters().end());
  for (const std::string& name : net.statistics()) needed.push_back(name);
  for (const std::string& name : needed) {
    auto it = c.tensors.find(name);
    Tensor& t = net.initializers().at(name);
    OCTET_CHECK(it != c.tensors.end() && it->second.shape() == t.shape() && it->second.dtype() == t.dtype(), path,
                ": tensor '", name, "' is missing or of another shape than the model's ", shape_str(t.shape()));
    t = it->second.clone();
  }
  std::istringstream engine(c.rng);
  engine >> rng;
  OCTET_CHECK(!engine.fail(), path, ": malformed random engine state");
  try {
    for (const auto& e : c.history) rep.epochs.push_back(epoch_of(e));
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": malformed epoch history: ", e.what());
  }
  OCTET_CHECK(c.epochs_done == static_cast<int>(rep.epochs.size()), path, ": ", c.epochs_done, " epochs done but ",
              rep.epochs.size(), " in the history");
}

}  // namespace

Graph quantize_aware_train(const Graph& model, const std::map<std::string, Tensor>& train, const Tensor& labels,
                           const QatOptions& options, const std::map<std::string, Tensor>& val,
                           const Tensor& val_labels, QatReport* report) {
  check_options(options);
  QatReport rep;
  check_finite(train, "training data");
  const int64_t samples = sample_count(train, "training data");
  OCTET_CHECK(samples > 0, "training data: no samples");
  const bool distill = !options.distill.empty();
  if (!distill) check_labels(labels, samples, "training labels");
  const bool validate = !val.empty();
  if (validate) {
    check_finite(val, "validation data");
    check_labels(val_labels, sample_count(val, "validation data"), "validation labels");
  }

  StaticQuantOptions qo;
  qo.observer = options.observer;
  qo.per_channel = options.per_channel;
  qo.act_dtype = options.act_dtype;
  qo.exclude = options.exclude;
  qo.config_json = options.config_json;
  const quant::QConfigMapping mapping = qconfig_mapping(model, qo);
  Graph fused = model;
  const int opset = model.opsets.count("") ? model.opsets.at("") : 1;
  if (options.per_channel && opset < kPerAxisOpset) {
    OpsetUpgrade up = upgrade_for_per_axis(model, slice_samples(train, 0, 1));
    fused = std::move(up.graph);
    if (!up.note.empty()) rep.notes.push_back(up.note);
  }
  const Graph unfused = fused;
  fuse_for_static_quantization(fused);
  QuantPlan plan = prepare(fused, mapping);

  // The float model: the teacher when distilling, the reference top-1. QatGraph trains copies of
  // the parameters, so it stays as it is.
  const Graph float_model = fused;
  Executor teacher(float_model, ExecutorOptions{options.threads});
  auto float_logits = [&](const std::map<std::string, Tensor>& feeds) {
    return teacher.run(feeds).at(float_model.outputs.front().name);
  };
  if (validate) rep.float_val_top1 = top1(val, val_labels, options.batch, float_logits);

  QatGraph net(std::move(fused), std::move(plan), options.threads, train::find_conv_bns(unfused), &unfused);
  rep.batch_norms = static_cast<int64_t>(net.batch_norms());
  if (options.freeze_bn_after == 0) net.freeze_batch_norm();
  train::OptimizerOptions oo;
  oo.kind = options.optimizer;
  oo.lr = options.lr;
  oo.momentum = options.momentum;
  oo.weight_decay = options.weight_decay;
  std::unique_ptr<train::Optimizer> optimizer = train::make_optimizer(oo);
  train::ScheduleOptions so{options.schedule, options.step_epochs, options.gamma};
  const int64_t steps = (samples + options.batch - 1) / options.batch;
  train::learning_rate(so, options.lr, 0, steps, steps);  // octet::Error on an unknown schedule, before training

  // Learned scales start from the observers' ranges after their first epoch unless told when.
  const int freeze_observers_after = options.freeze_observers_after >= 0 ? options.freeze_observers_after
                                     : options.learn_scales              ? 1
                                                                         : options.epochs + 1;
  std::mt19937_64 rng(options.seed);
  const nlohmann::json settings = settings_of(options, samples);
  if (!options.resume.empty()) resume(options.resume, settings, net, *optimizer, rng, rep);
  std::vector<int64_t> order(samples);
  bool classes_checked = distill;
  for (int epoch = static_cast<int>(rep.epochs.size()); epoch < options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < samples; ++i) order[i] = i;
    // Fisher-Yates with the engine's raw output: the same order on every platform for a seed
    // (std::shuffle's algorithm is the library's choice).
    for (int64_t i = samples - 1; i > 0; --i) std::swap(order[i], order[rng() % static_cast<uint64_t>(i + 1)]);
    QatEpoch ep;
    double loss_sum = 0;
    int64_t hits = 0, seen = 0;
    for (int64_t s = 0; s < steps; ++s) {
      const std::vector<int64_t> idx(order.begin() + s * options.batch,
                                     order.begin() + std::min(samples, (s + 1) * options.batch));
      const std::map<std::string, Tensor> feeds = take_samples(train, idx);
      const Tensor logits = net.forward(feeds, QatGraph::Mode::kTrain).front();
      train::Loss loss;
      if (!distill) {
        const Tensor y = take_labels(labels, idx);
        if (!classes_checked) {
          check_classes(labels, logits.numel() / logits.dim(0), "training labels");
          if (validate) check_classes(val_labels, logits.numel() / logits.dim(0), "validation labels");
          classes_checked = true;
        }
        loss = train::softmax_cross_entropy(logits, y);
        hits += correct(logits, y);
      } else if (options.distill == "kl") {
        loss = train::distillation_kl(logits, float_logits(feeds), options.temperature);
      } else {
        loss = train::mean_squared_error(logits, float_logits(feeds));
      }
      net.backward(loss.grad);
      ep.lr = train::learning_rate(so, options.lr, epoch * steps + s, steps, options.epochs * steps);
      optimizer->step(net.initializers(), net.gradients(), ep.lr);
      loss_sum += loss.value * static_cast<double>(idx.size());
      seen += static_cast<int64_t>(idx.size());
      if (options.progress)
        options.progress({epoch + 1, options.epochs, s + 1, steps, loss_sum / static_cast<double>(seen),
                          distill ? -1.0 : static_cast<double>(hits) / static_cast<double>(seen)});
    }
    ep.loss = loss_sum / static_cast<double>(seen);
    ep.top1 = distill ? -1.0 : static_cast<double>(hits) / static_cast<double>(seen);
    if (epoch + 1 >= freeze_observers_after && !net.observers_frozen()) {
      if (options.learn_scales) net.learn_scales();
      else net.freeze_observers();
    }
    if (options.freeze_bn_after >= 0 && epoch + 1 >= options.freeze_bn_after) net.freeze_batch_norm();
    ep.observers_frozen = net.observers_frozen();
    ep.batch_norm_frozen = net.batch_norm_frozen();
    if (validate)
      ep.val_top1 = top1(val, val_labels, options.batch, [&](const std::map<std::string, Tensor>& feeds) {
        return net.forward(feeds, QatGraph::Mode::kEval).front();
      });
    ep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rep.epochs.push_back(ep);
    if (!options.checkpoint.empty())
      train::write_checkpoint(options.checkpoint, checkpoint_of(net, *optimizer, rng, settings, rep));
  }

  net.fold_batch_norms();  // the last step's parameters and statistics
  ConvertNotes notes;
  std::map<std::string, quant::TensorQParams> act;
  for (const auto& [value, spec] : net.plan().activations) act[value] = net.qparams_of(value);
  Graph qdq = convert_with_qparams(net.graph(), net.plan(), act, &notes);
  rep.notes.insert(rep.notes.end(), notes.notes.begin(), notes.notes.end());
  if (report) *report = std::move(rep);
  return qdq;
}

}  // namespace octet
