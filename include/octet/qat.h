// Quantization-aware training (docs/qat.md): fine-tunes a float model with the quantization
// simulated (FakeQuantize forward, straight-through estimator backward), then converts it to the
// same QDQ form static quantization writes. Natively on the CPU, from the ONNX model.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

struct QatProgress {
  int epoch = 0, epochs = 0;    // 1-based
  int64_t step = 0, steps = 0;  // within the epoch, 1-based
  double loss = 0;              // running mean over the epoch so far
  double top1 = -1;             // running training top-1 in [0, 1]; -1 when distilling
};

struct QatEpoch {
  double loss = 0;       // mean training loss
  double top1 = -1;      // training top-1 (fake-quantized forward, while training); -1 when distilling
  double val_top1 = -1;  // fake-quantized top-1 on the validation data after the epoch; -1 without
  double lr = 0;         // the learning rate at the epoch's last step
  double seconds = 0;
  bool observers_frozen = false;   // after this epoch
  bool batch_norm_frozen = false;  // after this epoch
};

struct QatReport {
  std::vector<QatEpoch> epochs;
  int64_t batch_norms = 0;         // Conv+BatchNormalization pairs whose BN trained
  double float_val_top1 = -1;      // the float model's top-1 on the validation data; -1 without
  std::vector<std::string> notes;  // changes to the model as a whole (an opset raised)
};

// The options hold every flag of `octet qat`; its files are the caller's to read.
struct QatOptions {
  int epochs = 3;
  int64_t batch = 32;
  std::string optimizer = "sgd";  // "sgd" (momentum, L2 weight decay), "adam", "adamw" (decoupled decay)
  double lr = 1e-3;
  double momentum = 0.9;
  double weight_decay = 0;
  std::string schedule = "cosine";  // "constant", "step" (x gamma every step_epochs), "cosine" (to 0)
  int step_epochs = 1;
  double gamma = 0.1;
  // Activation ranges stop moving after this many epochs, >= 1 (PyTorch's disable_observer); -1: never.
  int freeze_observers_after = -1;
  // A Conv followed by BatchNormalization trains with the BN folded into its fake-quantized weight
  // (docs/qat.md), normalizing with the batch statistics and updating the running ones until this
  // many epochs have passed, then with the running statistics (PyTorch's freeze_bn_stats); 0:
  // from the start; -1: never.
  int freeze_bn_after = -1;
  // The activation scales and zero points become parameters once the observers freeze (after
  // freeze_observers_after epochs; 1 when that is -1), learned with the weights (LSQ, Esser et al.
  // 2020; the zero point as LSQ+). Weight scales keep following the weights' ranges.
  bool learn_scales = false;
  // "" trains against the labels (softmax cross-entropy on output 0, the logits); "kl" against the
  // float model's own outputs on the same batch (knowledge distillation, no labels needed), "mse"
  // likewise for regression heads.
  std::string distill;
  float temperature = 1;  // distill "kl"
  // The qconfig, as StaticQuantOptions: the activation observer (moving_average by default, as
  // PyTorch's QAT qconfig), weights per channel, the activation dtype, nodes kept float, a
  // QConfig mapping as JSON text.
  std::string observer = "moving_average";
  bool per_channel = true;
  DType act_dtype = DType::kUInt8;
  std::vector<std::string> exclude;
  std::string config_json;
  uint64_t seed = 0;  // the order of the samples; the same seed and threads give the same file
  // After every epoch, everything needed to go on is written here (atomically: a run killed while
  // writing leaves the previous epoch's); "" writes none.
  std::string checkpoint;
  // Goes on from this checkpoint, written by a run of the same model, data and settings: the
  // result is the file the uninterrupted run gives. octet::Error naming the file and the setting
  // or tensor that differs.
  std::string resume;
  int threads = 1;
  std::function<void(const QatProgress&)> progress;  // after every step
};

// Trains `model` on `train` (graph input name -> tensor, axis 0 = samples) and `labels` (int64 or
// int32 [samples]; ignored when options.distill is set) and returns the QDQ model. `val` and
// `val_labels` (may be empty) measure top-1 after each epoch. octet::Error naming the array,
// sample or node at fault: a label out of range, data with NaN, an op QAT cannot train through.
Graph quantize_aware_train(const Graph& model, const std::map<std::string, Tensor>& train, const Tensor& labels,
                           const QatOptions& options, const std::map<std::string, Tensor>& val = {},
                           const Tensor& val_labels = {}, QatReport* report = nullptr);

}  // namespace octet
