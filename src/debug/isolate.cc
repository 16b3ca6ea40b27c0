#include "debug/isolate.h"

#include "passes/graph_util.h"

namespace octet {

Graph isolate_layers(const Graph& quantized, const std::vector<MatchedLayer>& layers,
                     const std::set<std::string>& float_values, std::map<std::string, std::string>* feeds) {
  Graph g = quantized;
  std::map<std::string, size_t> producer;
  for (size_t i = 0; i < g.nodes.size(); ++i)
    for (const auto& o : g.nodes[i].outputs) producer[o] = i;
  auto feed = [&](const std::string& value) {
    auto it = feeds->find(value);
    if (it != feeds->end()) return it->second;
    const std::string name = fresh_name(g, value + "_float");
    g.inputs.push_back({name, DType::kFloat32, false, {}});
    return (*feeds)[value] = name;
  };
  const size_t original = g.nodes.size();
  std::set<size_t> measuring;                   // the layers' own QuantizeLinear nodes
  std::map<std::string, std::string> redirect;  // a layer's DQ output -> its copy's
  for (const MatchedLayer& layer : layers) {
    if (layer.probe == layer.tensor) continue;
    const size_t dq = producer.at(layer.probe), q = producer.at(g.nodes[dq].inputs[0]);
    measuring.insert(q);
    if (!float_values.count(layer.tensor)) continue;
    Node q_copy = g.nodes[q], dq_copy = g.nodes[dq];
    q_copy.name = fresh_name(g, q_copy.name + "_float");
    q_copy.inputs[0] = feed(layer.tensor);
    q_copy.outputs[0] = fresh_name(g, q_copy.outputs[0] + "_float");
    g.nodes.push_back(q_copy);  // before the next fresh_name, so that names stay unique
    dq_copy.name = fresh_name(g, dq_copy.name + "_float");
    dq_copy.inputs[0] = q_copy.outputs[0];
    dq_copy.outputs[0] = fresh_name(g, dq_copy.outputs[0] + "_float");
    g.nodes.push_back(dq_copy);
    redirect[layer.probe] = dq_copy.outputs[0];
  }
  for (size_t i = 0; i < original; ++i) {
    if (measuring.count(i)) continue;
    for (auto& in : g.nodes[i].inputs) {
      auto r = redirect.find(in);
      if (r != redirect.end()) in = r->second;
      else if (float_values.count(in) && producer.count(in)) in = feed(in);
    }
  }
  return g;
}

}  // namespace octet
