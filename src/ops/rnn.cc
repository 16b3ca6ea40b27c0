#include "ops/rnn_common.h"

namespace octet {

void register_rnn_ops(OpRegistry& r) {
  r.add("LSTM", [](KernelContext& ctx) {
    lstm_forward(ctx, parse_rnn(ctx, 4, {"Sigmoid", "Tanh", "Tanh"}), FloatRnnWeights{});
  });
  r.add("GRU", [](KernelContext& ctx) { gru_forward(ctx, parse_rnn(ctx, 3, {"Sigmoid", "Tanh"}), FloatRnnWeights{}); });
}

}  // namespace octet
