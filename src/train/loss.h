// The losses quantization-aware training minimizes (docs/qat.md): each returns the loss, averaged
// over the batch (axis 0), and its gradient with respect to the model's output.
#pragma once

#include "octet/tensor.h"

namespace octet::train {

struct Loss {
  double value = 0;  // mean over the batch
  Tensor grad;       // dL/d output, float32, the output's shape
};

// logits float32 [N, C] (or [N, C, 1, ...]), labels int64/int32 [N] in [0, C). octet::Error naming
// the sample and the label when one is out of range.
Loss softmax_cross_entropy(const Tensor& logits, const Tensor& labels);
// Knowledge distillation (Hinton et al. 2015): T^2 * KL(softmax(teacher/T) || softmax(student/T)),
// mean over the batch; teacher is the fp32 model's output on the same batch, the same shape.
Loss distillation_kl(const Tensor& student, const Tensor& teacher, float temperature);
// Mean over all elements of (output - target)^2: for regression heads trained against the fp32
// model's outputs.
Loss mean_squared_error(const Tensor& output, const Tensor& target);

}  // namespace octet::train
