// Backward passes of the ops quantization-aware training trains through (docs/qat.md): given what
// an op's forward saw and produced and dL/d(each output), dL/d(each input that wants one).
// The forward itself is the op's inference kernel (ops/registry.h), run on the same inputs.
//
// Adding an op: write its backward in the family's file (src/train/backward_<family>.cc), register
// it in that file's register_<family>_backward(), and check it against finite differences in
// tests/train/backward_<family>_test.cc (tests/train/grad_check_util.h).
#pragma once

#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet::train {

struct BackwardContext {
  const Node& node;
  std::vector<const Tensor*> inputs;        // the forward's inputs, nullptr where omitted
  std::vector<const Tensor*> outputs;       // the forward's outputs
  std::vector<const Tensor*> grad_outputs;  // dL/d output i; nullptr when no loss reads it (all zero)
  std::vector<bool> wants_grad;             // per input: whether dL/d input is needed
  std::vector<Tensor> grad_inputs;          // the backward sets grad_inputs[i] (float32, input i's shape)
                                            // for every i with wants_grad[i]; sized like inputs
  ThreadPool& pool;
};

using BackwardFn = void (*)(BackwardContext&);

// The backward of ONNX op `op_type` (default domain), nullptr when octet cannot train through it.
BackwardFn find_backward(const std::string& op_type);
// Every op type find_backward knows, sorted (for the error that names an op QAT cannot train).
std::vector<std::string> trainable_op_types();

}  // namespace octet::train
