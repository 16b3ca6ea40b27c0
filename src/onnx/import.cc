#include "onnx/import.h"

#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "octet/io.h"
#include "onnx/export.h"
#include "onnx/external_data.h"
#include "onnx/validate.h"

namespace octet {

namespace fs = std::filesystem;

// Opsets of the default domain octet reads. 22 only widened type lists (bfloat16) for the ops
// octet implements, so its models run unchanged.
constexpr int kMinOpset = 1, kMaxOpset = 22;

// ir/onnx_dtype.h numbers the codes as onnx.proto does; the protobuf enum is the check.
static_assert(kOnnxFloat == int(onnx::TensorProto::FLOAT) && kOnnxUInt8 == int(onnx::TensorProto::UINT8) &&
              kOnnxInt8 == int(onnx::TensorProto::INT8) && kOnnxUInt16 == int(onnx::TensorProto::UINT16) &&
              kOnnxInt16 == int(onnx::TensorProto::INT16) && kOnnxInt32 == int(onnx::TensorProto::INT32) &&
              kOnnxInt64 == int(onnx::TensorProto::INT64) && kOnnxBool == int(onnx::TensorProto::BOOL) &&
              kOnnxFloat16 == int(onnx::TensorProto::FLOAT16) && kOnnxDouble == int(onnx::TensorProto::DOUBLE) &&
              kOnnxUInt32 == int(onnx::TensorProto::UINT32) && kOnnxUInt64 == int(onnx::TensorProto::UINT64));

namespace {

// Copies the typed repeated field of a TensorProto into `t`, converting each element with `cast`.
template <class Field, class Cast>
void copy_typed(const Field& field, Tensor& t, const std::string& what, Cast cast) {
  OCTET_CHECK(field.size() == t.numel(), what, ": holds ", field.size(), " values for shape ", shape_str(t.shape()));
  uint8_t* dst = static_cast<uint8_t*>(t.raw());
  for (int64_t i = 0; i < t.numel(); ++i) cast(field.Get(static_cast<int>(i)), dst + i * dtype_size(t.dtype()));
}

template <class T>
auto store_as() {
  return [](auto v, uint8_t* dst) {
    T x = static_cast<T>(v);
    std::memcpy(dst, &x, sizeof(T));
  };
}

}  // namespace

namespace {

// How many values the TensorProto's typed field for `dtype` holds (where raw_data is absent).
int typed_count(const onnx::TensorProto& p, DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return p.float_data_size();
    case DType::kFloat64: return p.double_data_size();
    case DType::kInt64: return p.int64_data_size();
    case DType::kUInt32:
    case DType::kUInt64: return p.uint64_data_size();
    default: return p.int32_data_size();
  }
}

}  // namespace

// Every size is checked against the data the file holds before anything is allocated: a tiny
// file declaring a huge tensor is refused as short, not after reserving its memory.
Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& base_dir, const std::string& context,
                         std::set<std::string>* files_read) {
  std::string what = cat(context, ": tensor '", p.name(), "'");
  if (p.has_segment()) fail(what, ": segmented tensors are not supported");
  DType dtype = dtype_from_onnx(p.data_type(), what);
  Shape shape(p.dims().begin(), p.dims().end());
  for (int64_t d : shape) OCTET_CHECK(d >= 0, what, ": negative dimension ", d);
  int64_t numel = 0;
  try {
    numel = shape_numel(shape);
  } catch (const Error&) {
    fail(what, ": shape ", shape_str(shape), " has too many elements");
  }
  OCTET_CHECK(static_cast<uint64_t>(numel) <= (uint64_t{1} << 62) / dtype_size(dtype), what, ": shape ",
              shape_str(shape), " has too many elements");
  const size_t nbytes = static_cast<size_t>(numel) * dtype_size(dtype);
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string bytes = read_external_data(p, base_dir, nbytes, what, files_read);
    Tensor t(dtype, shape);
    if (nbytes) std::memcpy(t.raw(), bytes.data(), nbytes);
    return t;
  }
  if (p.has_raw_data()) {
    OCTET_CHECK(p.raw_data().size() == nbytes, what, ": raw_data has ", p.raw_data().size(), " bytes, shape ",
                shape_str(shape), " of ", dtype_name(dtype), " needs ", nbytes);
    Tensor t(dtype, shape);
    if (nbytes) std::memcpy(t.raw(), p.raw_data().data(), nbytes);
    return t;
  }
  if (numel == 0) return Tensor(dtype, shape);
  OCTET_CHECK(typed_count(p, dtype) == numel, what, ": holds ", typed_count(p, dtype), " values for shape ",
              shape_str(shape));
  Tensor t(dtype, shape);
  switch (dtype) {
    case DType::kFloat32: copy_typed(p.float_data(), t, what, store_as<float>()); break;
    case DType::kFloat64: copy_typed(p.double_data(), t, what, store_as<double>()); break;
    case DType::kInt64: copy_typed(p.int64_data(), t, what, store_as<int64_t>()); break;
    case DType::kUInt32: copy_typed(p.uint64_data(), t, what, store_as<uint32_t>()); break;
    case DType::kUInt64: copy_typed(p.uint64_data(), t, what, store_as<uint64_t>()); break;
    case DType::kInt32: copy_typed(p.int32_data(), t, what, store_as<int32_t>()); break;
    case DType::kInt16: copy_typed(p.int32_data(), t, what, store_as<int16_t>()); break;
    case DType::kUInt16:
    case DType::kFloat16: copy_typed(p.int32_data(), t, what, store_as<uint16_t>()); break;
    case DType::kInt8: copy_typed(p.int32_data(), t, what, store_as<int8_t>()); break;
    case DType::kUInt8: copy_typed(p.int32_data(), t, what, store_as<uint8_t>()); break;
    case DType::kBool: copy_typed(p.int32_data(), t, what, [](int32_t v, uint8_t* d) { *d = v != 0; }); break;
  }
  return t;
}

namespace {

struct Importer {
  std::string base_dir;
  std::string model_name;  // for messages
  std::map<std::string, int> opsets;
  std::set<std::string>* files_read = nullptr;  // external data files, when the caller asks

  ValueInfo value_info(const onnx::ValueInfoProto& v) {
    ValueInfo info;
    info.name = v.name();
    if (!v.type().has_tensor_type()) return info;
    const auto& tt = v.type().tensor_type();
    if (tt.elem_type() != 0) info.dtype = dtype_from_onnx(tt.elem_type(), cat(model_name, ": value '", v.name(), "'"));
    if (tt.has_shape()) {
      info.has_shape = true;
      for (const auto& d : tt.shape().dim()) {
        Dim dim;
        if (d.has_dim_value()) dim.value = d.dim_value();
        if (d.has_dim_param()) dim.symbol = d.dim_param();
        info.shape.push_back(dim);
      }
    }
    return info;
  }

  Attribute attribute(const onnx::AttributeProto& a, const std::string& node_desc) {
    Attribute out;
    std::string what = cat(node_desc, ": attribute '", a.name(), "'");
    switch (a.type()) {
      case onnx::AttributeProto::INT:
        out.kind = Attribute::Kind::kInt;
        out.i = a.i();
        break;
      case onnx::AttributeProto::FLOAT:
        out.kind = Attribute::Kind::kFloat;
        out.f = a.f();
        break;
      case onnx::AttributeProto::STRING:
        out.kind = Attribute::Kind::kString;
        out.s = a.s();
        break;
      case onnx::AttributeProto::TENSOR:
        out.kind = Attribute::Kind::kTensor;
        out.t = tensor_from_proto(a.t(), base_dir, what, files_read);
        break;
      case onnx::AttributeProto::GRAPH:
        out.kind = Attribute::Kind::kGraph;
        out.g = std::make_shared<Graph>(graph(a.g()));
        break;
      case onnx::AttributeProto::INTS:
        out.kind = Attribute::Kind::kInts;
        out.ints.assign(a.ints().begin(), a.ints().end());
        break;
      case onnx::AttributeProto::FLOATS:
        out.kind = Attribute::Kind::kFloats;
        out.floats.assign(a.floats().begin(), a.floats().end());
        break;
      case onnx::AttributeProto::STRINGS:
        out.kind = Attribute::Kind::kStrings;
        out.strings.assign(a.strings().begin(), a.strings().end());
        break;
      default: fail(what, ": unsupported attribute type ", static_cast<int>(a.type()));
    }
    return out;
  }

  // A Constant node becomes an initializer: the executor then sees the weights it holds as
  // constants (for prepacking), exactly like initializer weights.
  static bool constant_value(const Node& n, Tensor* out) {
    if (n.op_type != "Constant" || !n.domain.empty() || n.outputs.size() != 1) return false;
    if (const Attribute* a = n.find_attr("value"); a && a->kind == Attribute::Kind::kTensor) *out = a->t;
    else if (const Attribute* a = n.find_attr("value_float")) *out = Tensor::scalar<float>(a->f);
    else if (const Attribute* a = n.find_attr("value_int")) *out = Tensor::scalar<int64_t>(a->i);
    else if (const Attribute* a = n.find_attr("value_floats"))
      *out = Tensor::from_vector<float>({static_cast<int64_t>(a->floats.size())}, a->floats);
    else if (const Attribute* a = n.find_attr("value_ints"))
      *out = Tensor::from_vector<int64_t>({static_cast<int64_t>(a->ints.size())}, a->ints);
    else return false;
    return true;
  }

  Graph graph(const onnx::GraphProto& gp) {
    Graph g;
    g.name = gp.name();
    g.opsets = opsets;
    for (const auto& init : gp.initializer()) {
      OCTET_CHECK(!init.name().empty(), model_name, ": an initializer has no name");
      g.initializers[init.name()] = tensor_from_proto(init, base_dir, model_name, files_read);
    }
    OCTET_CHECK(gp.sparse_initializer_size() == 0, model_name, ": sparse initializers are not supported");
    for (const auto& in : gp.input())
      if (!g.initializers.count(in.name())) g.inputs.push_back(value_info(in));
    for (const auto& out : gp.output()) g.outputs.push_back(value_info(out));
    for (const auto& vi : gp.value_info()) g.value_info[vi.name()] = value_info(vi);

    std::set<std::string> names;
    for (int i = 0; i < gp.node_size(); ++i) {
      const auto& np = gp.node(i);
      Node n;
      n.op_type = np.op_type();
      n.domain = np.domain() == "ai.onnx" ? "" : np.domain();
      auto it = opsets.find(n.domain);
      n.opset = it == opsets.end() ? 0 : it->second;
      n.name = np.name().empty() || names.count(np.name()) ? cat(n.op_type, "_", i) : np.name();
      while (names.count(n.name)) n.name += "_";
      names.insert(n.name);
      n.inputs.assign(np.input().begin(), np.input().end());
      n.outputs.assign(np.output().begin(), np.output().end());
      OCTET_CHECK(it != opsets.end(), n.describe(), ": domain '", np.domain(), "' is not imported by the model");
      for (const auto& a : np.attribute()) {
        if (!a.ref_attr_name().empty()) fail(n.describe(), ": attribute references (functions) are not supported");
        n.attrs[a.name()] = attribute(a, n.describe());
      }
      Tensor value;
      if (constant_value(n, &value)) {
        g.initializers[n.outputs[0]] = value;
        continue;
      }
      g.nodes.push_back(std::move(n));
    }
    return g;
  }
};

// Records the shapes ONNX's own shape inference derives (for `octet inspect` and the passes that
// need static dims, fold_shapes.h). Inference is advisory: a model it cannot handle (e.g. an
// opset newer than libonnx knows) still runs. Declared shapes are kept unless `overwrite`.
void add_inferred_shapes(const onnx::ModelProto& model, Importer& imp, Graph& g, bool overwrite) {
  onnx::ModelProto copy = model;
  try {
    onnx::shape_inference::InferShapes(copy);
  } catch (const std::exception&) {
    return;
  }
  for (const auto& vi : copy.graph().value_info()) {
    if (!overwrite && g.value_info.count(vi.name())) continue;
    try {
      ValueInfo v = imp.value_info(vi);
      v.inferred = true;
      g.value_info[vi.name()] = v;
    } catch (const Error&) {
      // a value of a dtype octet does not hold (e.g. a string) stays without declared type
    }
  }
}

}  // namespace

Graph import_onnx(const onnx::ModelProto& model, const std::string& base_dir, const std::string& what,
                  std::set<std::string>* files_read) {
  Importer imp{base_dir, what, {}, files_read};
  for (const auto& os : model.opset_import()) {
    std::string domain = os.domain() == "ai.onnx" ? "" : os.domain();
    imp.opsets[domain] = static_cast<int>(os.version());
  }
  if (model.opset_import_size() == 0) imp.opsets[""] = 1;  // IR version 1-2 models omit it
  auto it = imp.opsets.find("");
  OCTET_CHECK(it != imp.opsets.end(), what, ": the model imports no version of the default ONNX domain");
  OCTET_CHECK(it->second >= kMinOpset && it->second <= kMaxOpset, what, ": opset ", it->second,
              " is not supported (octet reads opsets ", kMinOpset, " to ", kMaxOpset, ")");
  OCTET_CHECK(model.has_graph(), what, ": the model has no graph");
  // Validation in the order that keeps every step safe (onnx/validate.h): octet's structural
  // checks, octet's reading of the tensors (sizes against data), ONNX's checker, then inference.
  validate_structure(model.graph(), what);
  Graph g = imp.graph(model.graph());
  check_with_onnx_checker(model, base_dir, what);
  g.ir_version = static_cast<int>(model.ir_version());
  g.producer = model.producer_name();
  for (const auto& kv : model.metadata_props()) g.metadata[kv.key()] = kv.value();
  check_ranks_for_inference(model, what);
  add_inferred_shapes(model, imp, g, false);
  return g;
}

void infer_shapes(Graph& g) {
  // Inference needs the shapes of the weights, not their bytes: large initializers go to it as
  // typed graph inputs (small ones stay data, as a Reshape's shape must).
  constexpr int64_t kMaxDataElements = 1024;
  Graph light = g;
  for (auto it = light.initializers.begin(); it != light.initializers.end();) {
    if (it->second.numel() <= kMaxDataElements) {
      ++it;
      continue;
    }
    ValueInfo vi{it->first, it->second.dtype(), true, {}};
    for (int64_t d : it->second.shape()) vi.shape.push_back(Dim{d, ""});
    light.inputs.push_back(std::move(vi));
    it = light.initializers.erase(it);
  }
  // Shapes inferred earlier go in as declared: they carry inference past ops libonnx does not know.
  for (auto& [_, v] : light.value_info) v.inferred = false;
  Importer imp{".", "shape inference", g.opsets};
  const onnx::ModelProto proto = export_onnx(light);
  validate_structure(proto.graph(), "shape inference");
  check_ranks_for_inference(proto, "shape inference");
  add_inferred_shapes(proto, imp, g, true);
}

namespace {

// Parses and imports a ModelProto's bytes; `files_read` receives the external data files read.
Graph import_bytes(const std::string& bytes, const std::string& what, const std::string& base_dir,
                   std::set<std::string>* files_read) {
  onnx::ModelProto model;
  google::protobuf::io::ArrayInputStream raw(bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), INT32_MAX)));
  google::protobuf::io::CodedInputStream coded(&raw);
  coded.SetTotalBytesLimit(INT32_MAX);
  OCTET_CHECK(bytes.size() < INT32_MAX, what, ": model file is 2 GiB or larger; store weights as external data");
  if (!model.ParseFromCodedStream(&coded) || !coded.ConsumedEntireMessage())
    fail(what, ": not a valid ONNX model (truncated or corrupt protobuf)");
  OCTET_CHECK(model.has_graph(), what, ": not a valid ONNX model (no graph)");
  try {
    return import_onnx(model, base_dir, what, files_read);
  } catch (const Error& e) {
    const std::string message = e.what();
    if (message.rfind(what, 0) == 0) throw;
    fail(what, ": ", message);  // a node's or tensor's message: say which model holds it
  }
}

}  // namespace

Graph load_onnx(const std::string& path, std::vector<std::string>* files_read) {
  const std::string dir = fs::path(path).parent_path().string();
  std::set<std::string> data_files;
  Graph g = import_bytes(read_file(path), path, dir.empty() ? "." : dir, &data_files);
  if (files_read) {
    files_read->push_back(path);
    files_read->insert(files_read->end(), data_files.begin(), data_files.end());
  }
  return g;
}

Graph load_onnx_bytes(const std::string& bytes, const std::string& what, const std::string& external_data_dir) {
  return import_bytes(bytes, what, external_data_dir, nullptr);
}

}  // namespace octet
