// fuse_pad: an explicit zero Pad of the spatial axes before a convolution or an average pool
// becomes part of that op's own pads. Exporters of TF-style "same" padding write Pad ->
// Conv(pads 0) for every strided or depthwise convolution; run as written, each Pad copies the
// whole activation, and (being a layout-bound op) split the channels-last regions. The Conv pads
// with zeros itself, so the result is the same (up to the order oneDNN sums in); an AveragePool
// only when it counts the padding (count_include_pad = 1, or it has no pads of its own and is given
// that setting), bit for bit.
#pragma once

#include "octet/graph.h"

namespace octet {

// For Pad nodes in constant mode with a constant zero value and constant non-negative pads on
// the spatial axes only, read by one Conv (auto_pad NOTSET) or AveragePool and no graph output.
// Returns the number of Pads removed.
int fuse_pad(Graph& g);

}  // namespace octet
