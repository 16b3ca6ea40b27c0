#include "onnx/export.h"

#include <onnx/onnx_pb.h>

#include "octet/io.h"
#include "onnx/import.h"

namespace octet {

namespace {

void tensor_to_proto(const std::string& name, const Tensor& t, onnx::TensorProto* p) {
  p->set_name(name);
  p->set_data_type(dtype_to_onnx(t.dtype()));
  for (int64_t d : t.shape()) p->add_dims(d);
  p->set_raw_data(t.raw(), t.nbytes());
}

void value_to_proto(const ValueInfo& v, onnx::ValueInfoProto* p) {
  p->set_name(v.name);
  auto* tt = p->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(dtype_to_onnx(v.dtype));
  if (!v.has_shape) return;
  auto* shape = tt->mutable_shape();
  for (const Dim& d : v.shape) {
    auto* dim = shape->add_dim();
    if (d.known()) dim->set_dim_value(d.value);
    else if (!d.symbol.empty()) dim->set_dim_param(d.symbol);
  }
}

void graph_to_proto(const Graph& g, onnx::GraphProto* p);

void attribute_to_proto(const std::string& name, const Attribute& a, onnx::AttributeProto* p) {
  p->set_name(name);
  switch (a.kind) {
    case Attribute::Kind::kInt:
      p->set_type(onnx::AttributeProto::INT);
      p->set_i(a.i);
      break;
    case Attribute::Kind::kFloat:
      p->set_type(onnx::AttributeProto::FLOAT);
      p->set_f(a.f);
      break;
    case Attribute::Kind::kString:
      p->set_type(onnx::AttributeProto::STRING);
      p->set_s(a.s);
      break;
    case Attribute::Kind::kTensor:
      p->set_type(onnx::AttributeProto::TENSOR);
      tensor_to_proto("", a.t, p->mutable_t());
      break;
    case Attribute::Kind::kGraph:
      p->set_type(onnx::AttributeProto::GRAPH);
      graph_to_proto(*a.g, p->mutable_g());
      break;
    case Attribute::Kind::kInts:
      p->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : a.ints) p->add_ints(v);
      break;
    case Attribute::Kind::kFloats:
      p->set_type(onnx::AttributeProto::FLOATS);
      for (float v : a.floats) p->add_floats(v);
      break;
    case Attribute::Kind::kStrings:
      p->set_type(onnx::AttributeProto::STRINGS);
      for (const auto& v : a.strings) p->add_strings(v);
      break;
  }
}

void graph_to_proto(const Graph& g, onnx::GraphProto* p) {
  p->set_name(g.name.empty() ? "octet" : g.name);
  for (const auto& [name, t] : g.initializers) tensor_to_proto(name, t, p->add_initializer());
  for (const auto& v : g.inputs) value_to_proto(v, p->add_input());
  for (const auto& v : g.outputs) value_to_proto(v, p->add_output());
  // Shapes octet inferred are left out: any reader infers them again (they were 0.3 % of a
  // quantized depthwise net's file).
  for (const auto& [name, v] : g.value_info)
    if (!v.inferred) value_to_proto(v, p->add_value_info());
  for (const auto& n : g.nodes) {
    auto* np = p->add_node();
    np->set_name(n.name);
    np->set_op_type(n.op_type);
    if (!n.domain.empty()) np->set_domain(n.domain);
    for (const auto& in : n.inputs) np->add_input(in);
    for (const auto& out : n.outputs) np->add_output(out);
    for (const auto& [key, a] : n.attrs) attribute_to_proto(key, a, np->add_attribute());
  }
}

}  // namespace

onnx::ModelProto export_onnx(const Graph& g) {
  onnx::ModelProto m;
  m.set_ir_version(g.ir_version > 0 ? g.ir_version : 8);
  m.set_producer_name("octet");
  m.set_producer_version("0.1.0");
  for (const auto& [domain, version] : g.opsets) {
    auto* os = m.add_opset_import();
    os->set_domain(domain);
    os->set_version(version);
  }
  for (const auto& [key, value] : g.metadata) {
    auto* kv = m.add_metadata_props();
    kv->set_key(key);
    kv->set_value(value);
  }
  graph_to_proto(g, m.mutable_graph());
  return m;
}

namespace {

std::string serialize(const Graph& g, const std::string& what) {
  onnx::ModelProto m = export_onnx(g);
  OCTET_CHECK(m.ByteSizeLong() < (size_t{2} << 30), what, ": the model is 2 GiB or larger");
  return m.SerializeAsString();
}

}  // namespace

void save_onnx(const Graph& g, const std::string& path) { write_file_atomic(path, serialize(g, path)); }

std::string save_onnx_bytes(const Graph& g) { return serialize(g, "save_onnx_bytes"); }

}  // namespace octet
