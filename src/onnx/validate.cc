#include "onnx/validate.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "octet/error.h"

namespace octet {

namespace {

std::string describe(const onnx::NodeProto& n, int index) {
  return cat("node ", n.name().empty() ? cat("#", index) : cat("'", n.name(), "'"), " (", n.op_type(), ")");
}

// Attributes whose every value must be positive in every op that has them (ONNX operator specs:
// Conv, ConvTranspose, the pools, Col2Im, DepthToSpace/SpaceToDepth, Split-18); shape inference
// divides by them.
bool must_be_positive(const std::string& attr) {
  static const std::set<std::string> names{"strides", "dilations", "kernel_shape", "blocksize", "group", "num_outputs"};
  return names.count(attr) > 0;
}

void check_node(const onnx::NodeProto& n, int index, const std::string& where) {
  const std::string node = cat(where, ": ", describe(n, index));
  OCTET_CHECK(std::any_of(n.output().begin(), n.output().end(), [](const std::string& o) { return !o.empty(); }),
              node, ": has no output");
  for (const auto& a : n.attribute()) {
    if (!must_be_positive(a.name())) continue;
    OCTET_CHECK(a.type() != onnx::AttributeProto::INT || a.i() > 0, node, ": attribute '", a.name(), "' is ", a.i(),
                "; it must be positive");
    for (int64_t v : a.ints())
      OCTET_CHECK(v > 0, node, ": attribute '", a.name(), "' holds ", v, "; every value must be positive");
  }
  if (n.op_type() != "Pad")
    for (const auto& a : n.attribute())
      if (a.name() == "pads")
        for (int64_t v : a.ints()) OCTET_CHECK(v >= 0, node, ": attribute 'pads' holds ", v, "; pads must be >= 0");
}

// Every value is defined once (ONNX IR: "names ... MUST be unique" among a graph's inputs,
// initializers and node outputs; an initializer may also be listed as an input).
void check_single_definition(const onnx::GraphProto& g, const std::string& where) {
  std::set<std::string> defined, initializers;
  auto define = [&](const std::string& name, const std::string& by) {
    if (name.empty()) return;
    OCTET_CHECK(defined.insert(name).second, where, ": value '", name, "' is defined twice (again by ", by, ")");
  };
  for (const auto& t : g.initializer()) {
    OCTET_CHECK(initializers.insert(t.name()).second, where, ": initializer '", t.name(), "' is given twice");
    define(t.name(), "an initializer");
  }
  std::set<std::string> inputs;
  for (const auto& in : g.input()) {
    OCTET_CHECK(inputs.insert(in.name()).second, where, ": graph input '", in.name(), "' is listed twice");
    if (!initializers.count(in.name())) define(in.name(), "a graph input");
  }
  for (int i = 0; i < g.node_size(); ++i)
    for (const auto& o : g.node(i).output()) define(o, describe(g.node(i), i));
}

// A convolution's input and weight have the same rank (ONNX Conv: X is (N x C x D1 ... Dn), W is
// (M x C/group x k1 ... kn)). ONNX's shape inference reads the input's dims at the weight's spatial
// axes without checking (a rank-4 weight on a rank-3 input reads past the end), so the ranks the
// graph declares are compared first.
void check_conv_ranks(const onnx::GraphProto& g, const std::string& where) {
  std::unordered_map<std::string, int> rank;
  auto declare = [&](const onnx::ValueInfoProto& v) {
    if (v.type().has_tensor_type() && v.type().tensor_type().has_shape())
      rank[v.name()] = v.type().tensor_type().shape().dim_size();
  };
  for (const auto& v : g.input()) declare(v);
  for (const auto& v : g.value_info()) declare(v);
  for (const auto& t : g.initializer()) rank[t.name()] = t.dims_size();
  static const std::unordered_map<std::string, int> weight_input{
      {"Conv", 1}, {"ConvInteger", 1}, {"ConvTranspose", 1}, {"QLinearConv", 3}};
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    auto w = weight_input.find(n.op_type());
    if (w == weight_input.end() || n.input_size() <= w->second) continue;
    auto x_rank = rank.find(n.input(0)), w_rank = rank.find(n.input(w->second));
    if (x_rank == rank.end() || w_rank == rank.end()) continue;
    OCTET_CHECK(x_rank->second == w_rank->second, where, ": ", describe(n, i), ": input '", n.input(0), "' has rank ",
                x_rank->second, " but weight '", n.input(w->second), "' has rank ", w_rank->second,
                "; a convolution's input and weight have the same rank");
  }
}

}  // namespace

// Only for opsets libonnx knows: a newer opset changed the signatures of ops the registry has only
// in older versions, so the checker would refuse valid nodes there and the structural checks stand
// alone. IR versions newer than libonnx's are checked by the rules of the newest it knows.
void check_with_onnx_checker(const onnx::ModelProto& model, const std::string& base_dir, const std::string& what) {
  std::unordered_map<std::string, int> opsets;
  for (const auto& os : model.opset_import()) opsets[os.domain() == "ai.onnx" ? "" : os.domain()] = static_cast<int>(os.version());
  if (opsets.empty()) opsets[""] = 1;
  const auto& known = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  if (opsets[""] > known.at("").second) return;
  onnx::checker::CheckerContext ctx;
  ctx.set_ir_version(static_cast<int>(std::min<int64_t>(model.ir_version(), onnx::IR_VERSION)));
  ctx.set_opset_imports(opsets);
  ctx.set_model_dir(base_dir);
  // Node by node (check_node: the op exists at the model's opset and is not deprecated, its
  // input/output counts and attributes fit the schema; subgraphs whole, with every value of the
  // main graph in scope). check_graph would also demand a shape on every graph input and output,
  // which the spec leaves optional and real exports omit, and a topological order octet restores.
  const onnx::GraphProto& g = model.graph();
  onnx::checker::LexicalScopeContext scope;
  for (const auto& t : g.initializer()) scope.add(t.name());
  for (const auto& in : g.input()) scope.add(in.name());
  for (const auto& n : g.node())
    for (const auto& o : n.output()) scope.add(o);
  for (int i = 0; i < g.node_size(); ++i) {
    try {
      onnx::checker::check_node(g.node(i), ctx, scope);
    } catch (const std::exception& e) {  // ValidationError, or what a schema check throws
      fail(what, ": ", describe(g.node(i), i), ": not valid ONNX (ONNX checker): ", e.what());
    }
  }
}

void validate_structure(const onnx::GraphProto& graph, const std::string& what) {
  check_single_definition(graph, what);
  check_conv_ranks(graph, what);
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& n = graph.node(i);
    check_node(n, i, what);
    for (const auto& a : n.attribute()) {
      if (a.has_g()) validate_structure(a.g(), cat(what, ": ", describe(n, i), " subgraph '", a.name(), "'"));
      for (const auto& g : a.graphs()) validate_structure(g, cat(what, ": ", describe(n, i), " subgraph '", a.name(), "'"));
    }
  }
}

}  // namespace octet
