// channels_last: runs the lowered INT8 CNN ops in NHWC between the graph's NCHW boundaries.
// The INT8 convolution kernels want channels last (kernels/qconv.h); without this pass every
// QLinearConv would transpose its input and output (on MobileNetV2 that was half the run time).
// Every QLinearConv, and every QLinearMaxPool / QLinearGlobalAveragePool / QLinearConcat (channel
// axis) / QLinearAdd / QLinearLookup whose data inputs come from NHWC ops, gets attribute
// channels_last = 1 (Add and Lookup are element-wise and need none); one Transpose goes where an
// NCHW value enters the region and one where a region value is read outside it (a graph output,
// a float op), under the value's original name. The result is bit-identical to the NCHW plan.
#pragma once

#include "octet/graph.h"

namespace octet {

void to_channels_last(Graph& g);

}  // namespace octet
