// fold_shapes: shape arithmetic on dimensions the model fixes becomes constants. Exporters compute
// some attributes from the input's size at run time: TF-style "same" padding (timm's tf_* nets,
// tf2onnx) is Shape -> Gather(H) -> Div, Ceil, Sub ... -> Pad, on every depthwise convolution. With
// the batch dimension symbolic, Shape(x) itself is not constant, but the H and W it is read for
// are: each Gather or Slice of a Shape that picks only known dimensions (the graph's declared and
// inferred shapes, g.value_info) becomes an initializer, and fold_constants then computes the rest,
// so the Pad's pads are a constant that fuse_pad can move into the convolution.
#pragma once

#include "octet/graph.h"

namespace octet {

// Returns the number of Shape, Gather and Slice nodes replaced by constants.
int fold_shapes(Graph& g);

}  // namespace octet
