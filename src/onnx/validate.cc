#include "onnx/validate.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

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
  OCTET_CHECK(std::any_of(n.output().begin(), n.output().end(), [](const std::string& o) { return !o.empty(); }), node,
              ": has no output");
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

// The input of each convolution whose weight is input `index` (ONNX Conv: X is (N x C x D1 ... Dn),
// W is (M x C/group x k1 ... kn): the same rank).
const std::unordered_map<std::string, int>& convolution_weight_input() {
  static const std::unordered_map<std::string, int> index{
      {"Conv", 1}, {"ConvInteger", 1}, {"ConvTranspose", 1}, {"QLinearConv", 3}};
  return index;
}

// ONNX's LayerNormalization shape inference indexes the input's dims from `axis` without checking
// it against the input's rank (an axis of -262145 read far out of bounds: found by octet's
// onnx_run fuzzer).
bool is_layer_norm(const onnx::NodeProto& n) {
  return n.op_type() == "LayerNormalization" && (n.domain().empty() || n.domain() == "ai.onnx");
}

// Each convolution and LayerNormalization (in every subgraph too) becomes Identity of its input,
// which has its (first) output's rank: shape inference of the copy then never runs ONNX's rules
// for them.
void replace_unchecked_ops(onnx::GraphProto& g) {
  for (auto& n : *g.mutable_node()) {
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) replace_unchecked_ops(*a.mutable_g());
      for (auto& sub : *a.mutable_graphs()) replace_unchecked_ops(sub);
    }
    const bool conv = convolution_weight_input().count(n.op_type()) && (n.domain().empty() || n.domain() == "ai.onnx");
    if (!(conv || is_layer_norm(n)) || n.input_size() == 0 || n.output_size() == 0) continue;
    const std::string x = n.input(0), y = n.output(0);
    n.clear_input();
    n.add_input(x);
    n.clear_output();
    n.add_output(y);
    n.clear_attribute();
    n.set_op_type("Identity");
  }
}

// `rank` holds the ranks of the enclosing graphs' values (a subgraph may read them).
void check_ranks(const onnx::GraphProto& inferred, const onnx::GraphProto& original, const std::string& where,
                 std::unordered_map<std::string, int> rank = {}) {
  auto declare = [&](const onnx::ValueInfoProto& v) {
    if (v.type().has_tensor_type() && v.type().tensor_type().has_shape())
      rank[v.name()] = v.type().tensor_type().shape().dim_size();
  };
  for (const auto& v : inferred.input()) declare(v);
  for (const auto& v : inferred.value_info()) declare(v);
  for (const auto& v : inferred.output()) declare(v);
  for (const auto& t : inferred.initializer()) rank[t.name()] = t.dims_size();
  for (int i = 0; i < original.node_size(); ++i) {
    const auto& n = original.node(i);
    const auto& stand_in = inferred.node(i);
    for (int k = 0; k < n.attribute_size() && k < stand_in.attribute_size(); ++k) {
      const auto &a = n.attribute(k), &b = stand_in.attribute(k);
      const std::string sub = cat(where, ": ", describe(n, i), " subgraph '", a.name(), "'");
      if (a.has_g() && b.has_g()) check_ranks(b.g(), a.g(), sub, rank);
      for (int j = 0; j < a.graphs_size() && j < b.graphs_size(); ++j) check_ranks(b.graphs(j), a.graphs(j), sub, rank);
    }
    if (is_layer_norm(n) && n.input_size() > 0) {
      auto x_rank = rank.find(n.input(0));
      int64_t axis = -1;
      for (const auto& a : n.attribute())
        if (a.name() == "axis") axis = a.i();
      OCTET_CHECK(x_rank == rank.end() || (axis >= -x_rank->second && axis < x_rank->second), where, ": ",
                  describe(n, i), ": attribute 'axis' is ", axis, ", out of range for input '", n.input(0),
                  "' of rank ", x_rank->second);
      continue;
    }
    auto w = convolution_weight_input().find(n.op_type());
    if (w == convolution_weight_input().end() || n.input_size() <= w->second) continue;
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
  for (const auto& os : model.opset_import())
    opsets[os.domain() == "ai.onnx" ? "" : os.domain()] = static_cast<int>(os.version());
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
  for (int i = 0; i < graph.node_size(); ++i) {
    const auto& n = graph.node(i);
    check_node(n, i, what);
    for (const auto& a : n.attribute()) {
      if (a.has_g()) validate_structure(a.g(), cat(what, ": ", describe(n, i), " subgraph '", a.name(), "'"));
      for (const auto& g : a.graphs())
        validate_structure(g, cat(what, ": ", describe(n, i), " subgraph '", a.name(), "'"));
    }
  }
}

// ONNX's convolution shape inference (convPoolShapeInference) indexes the input's dims, dilations
// and strides by the weight's spatial axes without checking that the ranks agree: a rank-4 weight
// on a rank-3 input reads past the end, and on a rank-2 input dereferences an empty vector (both
// found by octet's fuzzers); LayerNormalization's rule reads dims from an unchecked axis. The ranks
// are found by inferring a copy in which each such op is Identity of its input, then checked
// before the real inference runs.
void check_ranks_for_inference(const onnx::ModelProto& model, const std::string& what) {
  // The copy leaves out the data of large initializers (typed graph inputs instead): inference
  // needs only their shapes, and a model of hundreds of MB is not copied for a rank check.
  onnx::ModelProto copy;
  copy.set_ir_version(model.ir_version());
  *copy.mutable_opset_import() = model.opset_import();
  const onnx::GraphProto& from = model.graph();
  onnx::GraphProto& g = *copy.mutable_graph();
  *g.mutable_node() = from.node();
  *g.mutable_input() = from.input();
  *g.mutable_output() = from.output();
  *g.mutable_value_info() = from.value_info();
  for (const auto& t : from.initializer()) {
    bool small = true;  // at most 1,024 elements (each factor <= 1,024 keeps the product in range)
    int64_t elements = 1;
    for (int64_t d : t.dims()) small = small && d >= 0 && d <= 1024 && (elements *= d) <= 1024;
    if (small) {
      *g.add_initializer() = t;  // small ones stay data, as a Reshape's shape must
      continue;
    }
    auto* in = g.add_input();
    in->set_name(t.name());
    auto* type = in->mutable_type()->mutable_tensor_type();
    type->set_elem_type(t.data_type());
    for (int64_t d : t.dims()) type->mutable_shape()->add_dim()->set_dim_value(d);
  }
  replace_unchecked_ops(g);
  try {
    onnx::shape_inference::InferShapes(copy);
  } catch (const std::exception&) {
    // advisory, like the real inference: the declared ranks are still compared below
  }
  check_ranks(copy.graph(), model.graph(), what);
}

}  // namespace octet
