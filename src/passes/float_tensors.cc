#include "passes/float_tensors.h"

#include <algorithm>
#include <map>
#include <set>

#include "passes/quantize_embeddings.h"

namespace octet {

std::vector<FloatTensor> float_tensors(const Graph& quantized, const std::vector<std::string>& float_nodes,
                                       int64_t min_bytes) {
  std::map<std::string, std::string> why;
  for (const std::string& line : float_nodes)
    if (size_t colon = line.find(": "); colon != std::string::npos) why[line.substr(0, colon)] = line.substr(colon + 2);
  std::map<std::string, const Node*> reader;  // first reader of each value
  std::map<std::string, bool> only_qparam;    // read only as a Q/DQ scale or zero point
  for (const Node& n : quantized.nodes)
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const std::string& v = n.inputs[i];
      reader.emplace(v, &n);
      const bool qparam =
          i > 0 && n.domain.empty() && (n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear");
      auto [it, first] = only_qparam.emplace(v, qparam);
      if (!first) it->second = it->second && qparam;
    }
  // A quantized Conv's or Gemm's bias is stored as float values on its int32 grid (convert.cc):
  // quantized, at the four bytes per channel int32 codes would take.
  std::set<std::string> dequantized, grid_biases;
  for (const Node& n : quantized.nodes)
    if (n.domain.empty() && n.op_type == "DequantizeLinear") dequantized.insert(n.outputs.at(0));
  for (const Node& n : quantized.nodes)
    if ((n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm") && n.has_input(2) &&
        dequantized.count(n.inputs[0]) && dequantized.count(n.inputs[1]))
      grid_biases.insert(n.inputs[2]);
  std::vector<FloatTensor> out;
  for (const auto& [name, t] : quantized.initializers) {
    auto r = reader.find(name);
    if (t.dtype() != DType::kFloat32 || static_cast<int64_t>(t.nbytes()) < min_bytes || r == reader.end()) continue;
    if (only_qparam.at(name) || grid_biases.count(name) || is_embedding_row_scales(quantized, name)) continue;
    auto w = why.find(r->second->name);
    out.push_back({name, t.shape(), static_cast<int64_t>(t.nbytes()), r->second->op_type + " '" + r->second->name + "'",
                   w == why.end() ? "" : w->second});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FloatTensor& a, const FloatTensor& b) { return a.bytes > b.bytes; });
  return out;
}

}  // namespace octet
