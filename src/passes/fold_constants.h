// fold_constants: nodes whose inputs are all constants are computed once and replaced by
// initializers (e.g. the Unsqueeze that exporters put between an LSTM and its weights), so the
// quantizer sees constant weights where the model has them.
#pragma once

#include "octet/graph.h"

namespace octet {

// Returns the number of nodes folded. Random generators, control flow and outputs larger than
// 64 MiB are left alone.
int fold_constants(Graph& g);

}  // namespace octet
