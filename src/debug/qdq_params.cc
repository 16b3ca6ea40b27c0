#include "debug/qdq_params.h"

#include "ops/quantize_linear.h"
#include "passes/graph_util.h"
#include "quant/weight_quant.h"

namespace octet {

bool code_range(DType t, int64_t* qmin, int64_t* qmax) {
  switch (t) {
    case DType::kUInt8:
      *qmin = 0;
      *qmax = 255;
      return true;
    case DType::kInt8:
      *qmin = -128;
      *qmax = 127;
      return true;
    case DType::kUInt16:
      *qmin = 0;
      *qmax = 65535;
      return true;
    case DType::kInt16:
      *qmin = -32768;
      *qmax = 32767;
      return true;
    case DType::kInt32:
      *qmin = INT32_MIN;
      *qmax = INT32_MAX;
      return true;
    default: return false;
  }
}

std::optional<QdqParams> read_qdq_params(const Graph& g, const Node& n, const Shape* data_shape) {
  const Tensor* scale = g.find_initializer(n.inputs.at(1));
  const Tensor* zp = n.has_input(2) ? g.find_initializer(n.inputs[2]) : nullptr;
  if (!scale || (n.has_input(2) && !zp) || n.attr_int("block_size", 0) != 0) return std::nullopt;
  QdqParams p;
  if (n.op_type == "QuantizeLinear") {
    p.dtype = quantize_output_dtype(n, zp);
  } else {
    const Tensor* codes = g.find_initializer(n.inputs[0]);
    p.dtype = codes ? codes->dtype() : zp ? zp->dtype() : DType::kUInt8;
  }
  OCTET_CHECK(code_range(p.dtype, &p.qmin, &p.qmax), n.describe(), ": unsupported quantized dtype ",
              dtype_name(p.dtype));
  OCTET_CHECK(scale->rank() <= 1 && scale->numel() >= 1, n.describe(), ": scale '", n.inputs[1],
              "' must be a scalar or 1-D, got shape ", shape_str(scale->shape()));
  OCTET_CHECK(!zp || (zp->numel() == scale->numel() && zp->rank() == scale->rank()), n.describe(), ": zero point '",
              n.inputs[2], "' has shape ", shape_str(zp->shape()), ", the scale ", shape_str(scale->shape()));
  OCTET_CHECK(!zp || zp->dtype() == p.dtype, n.describe(), ": zero point '", n.inputs[2], "' is ",
              dtype_name(zp->dtype()), ", the codes ", dtype_name(p.dtype));
  for (int64_t c = 0; c < scale->numel(); ++c) {
    p.scale.push_back(scale->as_double(c));
    p.zero_point.push_back(zp ? zp->as_int64(c) : 0);
  }
  if (scale->numel() > 1) {  // per axis (a one-element scale is per tensor, whatever its axis)
    int64_t axis = n.attr_int("axis", 1);
    Shape declared;
    if (const ValueInfo* v = g.find_value_info(n.inputs[0]); !data_shape && v && v->has_shape) {
      for (const Dim& d : v->shape) declared.push_back(d.known() ? d.value : scale->numel());  // unknown: may match
      data_shape = &declared;
    }
    if (data_shape) {
      const int64_t rank = static_cast<int64_t>(data_shape->size());
      OCTET_CHECK(axis >= -rank && axis < rank, n.describe(), ": axis ", axis, " out of range for '", n.inputs[0],
                  "' of shape ", shape_str(*data_shape));
      if (axis < 0) axis += rank;
      OCTET_CHECK((*data_shape)[axis] == scale->numel(), n.describe(), ": ", scale->numel(), " scales for the ",
                  (*data_shape)[axis], " channels of '", n.inputs[0], "' (axis ", axis, ")");
    }
    p.axis = axis;
  }
  return p;
}

int output_channel_axis(const Graph& g, const Node& dq) {
  const Tensor* w = g.find_initializer(dq.inputs[0]);
  const int rank = w ? w->rank() : 1;
  for (size_t c : consumers(g, dq.outputs[0])) {
    const Node& n = g.nodes[c];
    const int axis = n.inputs.size() > 1 && n.inputs[1] == dq.outputs[0] ? quant::weight_channel_axis(n, rank) : -1;
    if (axis >= 0) return axis;
  }
  return 0;
}

}  // namespace octet
