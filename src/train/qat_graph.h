// The network quantization-aware training trains (docs/qat.md): the fused float graph
// (passes/fuse.h: BatchNormalization already folded into its Conv, constants folded) run with a
// FakeQuantize wherever convert (passes/convert.h) puts Q/DQ for the same QuantPlan:
// - after every quantized activation value (and on quantized graph inputs and constant operands),
//   with the qparams of its root's observer, which sees the value first while training (PyTorch's
//   FakeQuantize: observe, then fake-quantize with the updated range);
// - on the weight of every quantized Conv/ConvTranspose/Gemm/MatMul, with exactly the qparams
//   convert gives it (per channel, fitted to the bias: unit_weight_qparams).
// So the exported QDQ model computes what the last training forward computed. The parameters are
// the float weights and biases of every Conv, ConvTranspose, Gemm and MatMul; backward() fills
// their gradients through the op backwards (train/backward.h) and the straight-through estimator.
// A Conv whose BatchNormalization the fusion folded trains the BN's own parameters and, until
// freeze_batch_norm(), its statistics (train/conv_bn.h).
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "octet/graph.h"
#include "ops/registry.h"
#include "passes/prepare.h"
#include "quant/observers/observer.h"
#include "train/conv_bn.h"
#include "train/fake_quantize.h"

namespace octet::train {

class QatGraph {
 public:
  // `fused` and `plan` as the static quantizer makes them; `conv_bns` (find_conv_bns of the model
  // before fusion) and `model` (for their tensors): the folded Conv+BN pairs whose BN trains.
  // octet::Error naming the first node between a parameter and output 0 that has no backward, or
  // naming the graph when it has no parameter.
  QatGraph(Graph fused, QuantPlan plan, int threads, const std::vector<ConvBn>& conv_bns = {},
           const Graph* model = nullptr);
  ~QatGraph();

  enum class Mode {
    kTrain,  // the observers see the batch (unless frozen); kept for backward()
    kEval,   // qparams as they are; nothing kept
  };
  // The graph outputs for `feeds` (every graph input, axis 0 the batch).
  std::vector<Tensor> forward(const std::map<std::string, Tensor>& feeds, Mode mode);
  // dL/d output 0 of the last kTrain forward -> gradients() of every parameter.
  void backward(const Tensor& grad_output);

  // The float graph with the current parameters (after fold_batch_norms(), for the Conv+BN
  // pairs); its initializers are the parameters the optimizer updates in place.
  const Graph& graph() const { return g_; }
  std::map<std::string, Tensor>& initializers() { return g_.initializers; }
  // What the optimizer trains: the weights and biases, and the BN scales and shifts of the Conv+BN
  // pairs (in place of their folded weights and biases).
  const std::set<std::string>& parameters() const { return trained_; }
  const std::map<std::string, Tensor>& gradients() const { return grads_; }
  const QuantPlan& plan() const { return plan_; }
  const std::map<std::string, std::unique_ptr<quant::Observer>>& observers() const { return observers_; }
  // Activation ranges stay as they are from now on (PyTorch's disable_observer).
  // Every observer's state (value -> Observer::to_json()), and back: octet::Error naming a value
  // `states` lacks or holds malformed.
  nlohmann::json observer_states() const;
  void load_observer_states(const nlohmann::json& states);
  // From now on the activation scales and zero points (of every observed value but the graph
  // inputs) are parameters, starting from the observers' qparams, which stop (LSQ / LSQ+:
  // train/fake_quantize.h qparam_gradients). Named "lsq.scale:<value>" and "lsq.zero_point:<value>"
  // among the initializers (the zero point a float, rounded where used; none when symmetric).
  void learn_scales();
  // The qparams value `value` is fake-quantized with now (learned, observed or fixed), as the
  // export must write them.
  quant::TensorQParams qparams_of(const std::string& value) const;
  // The running means and variances of the Conv+BN pairs: state, not parameters.
  std::vector<std::string> statistics() const;
  void freeze_observers() { observers_frozen_ = true; }
  bool observers_frozen() const { return observers_frozen_; }
  // The Conv+BN pairs use their running statistics from now on, which stop moving.
  void freeze_batch_norm() { bn_frozen_ = true; }
  bool batch_norm_frozen() const { return bn_frozen_; }
  size_t batch_norms() const { return bn_units_.size(); }
  // Writes the folded weights and biases of the Conv+BN pairs from their current parameters and
  // statistics (forward() does it first; export after the last update).
  void fold_batch_norms();

 private:
  struct Saved;  // what backward() needs of one node's forward
  struct BnUnit {
    ConvBn cb;
    std::string folded_w, folded_b;
    FoldFactors fold;            // of the last fold_batch_norms()
    std::vector<double> grad_s;  // dL/ds from the batch statistics, this backward
  };
  // The fused graph's Conv `node` is `cb`'s with exactly its BN folded: adds cb's tensors from
  // `model` to the graph and returns true.
  bool adopt(const ConvBn& cb, const Graph& model, size_t node);
  const Tensor& value(const std::string& name) const;
  // Stores `raw` as value `name` for its readers: fake-quantized when the plan quantizes it.
  void publish(const std::string& name, Tensor raw, Mode mode);
  void add_grad(std::map<std::string, Tensor>& grads, const std::string& name, const Tensor& g);
  // The learned qparams' gradients from dL/dy of fake-quantized `value` (raw: before).
  void learn_from(const std::string& value, const Tensor& raw, const Tensor& grad_y);

  Graph g_;
  QuantPlan plan_;
  ThreadPool pool_;
  std::vector<size_t> order_;                        // node indices, producers first
  std::vector<std::unique_ptr<OpKernel>> kernels_;   // one per node
  std::map<size_t, const QuantUnit*> weight_units_;  // node index -> its unit, for fake-quantized weights
  std::set<std::string> params_;                     // the values read as weights and biases (folded ones included)
  std::set<std::string> trained_;                    // parameters()
  std::map<size_t, BnUnit> bn_units_;                // by Conv node index
  bool bn_frozen_ = false;
  std::set<std::string> wants_grad_;  // values a parameter's gradient flows through
  std::vector<bool> backward_nodes_;  // per node: on a path from a parameter to output 0
  std::map<std::string, std::unique_ptr<quant::Observer>> observers_;
  bool observers_frozen_ = false;
  bool per_channel_ok_ = false;

  std::map<std::string, Tensor> values_;                 // this forward's values, as their readers see them
  std::map<std::string, quant::TensorQParams> qparams_;  // this forward's activation qparams
  std::map<std::string, std::vector<uint8_t>> inside_;   // kTrain: the STE masks of fake-quantized values
  std::set<std::string> learned_;                        // roots whose qparams are parameters (learn_scales)
  std::map<std::string, Tensor> raw_;                    // kTrain: values of learned roots before fake-quantizing
  std::vector<Saved> saved_;                             // kTrain: per node
  std::map<std::string, Tensor> grads_;
};

}  // namespace octet::train
