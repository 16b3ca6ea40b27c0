#include "ops/rnn_common.h"

namespace octet {

void register_rnn_ops(OpRegistry& r) {
  r.add("LSTM", lstm_forward);
  r.add("GRU", gru_forward);
}

}  // namespace octet
