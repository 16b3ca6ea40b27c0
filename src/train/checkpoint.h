// QAT checkpoints (octet qat --checkpoint / --resume, docs/qat.md): everything a training run
// needs to go on after an epoch as if it had not stopped -- the trained tensors and BN
// statistics, the optimizer's state, the observers, the frozen flags, the sample order's random
// engine, the epochs so far -- in one .npz written atomically (a kill leaves the previous one).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "octet/tensor.h"

namespace octet::train {

struct Checkpoint {
  int epochs_done = 0;
  std::map<std::string, Tensor> tensors;    // by initializer name
  std::map<std::string, Tensor> optimizer;  // Optimizer::state()
  nlohmann::json observers;                 // value -> Observer::to_json()
  bool observers_frozen = false, batch_norm_frozen = false;
  std::string rng;          // std::mt19937_64's text form
  nlohmann::json settings;  // the options that must match to resume
  nlohmann::json history;   // one object per epoch done (QatEpoch's fields)
};

void write_checkpoint(const std::string& path, const Checkpoint& c);
// octet::Error naming the file when it is unreadable or not an octet QAT checkpoint.
Checkpoint read_checkpoint(const std::string& path);

}  // namespace octet::train
