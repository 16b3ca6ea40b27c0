#include "octet/runtime.h"

#include <random>

#include "octet/error.h"

namespace octet {

std::map<std::string, Shape> bind_input_shapes(const Graph& g, const std::map<std::string, int64_t>& dims,
                                               int64_t batch) {
  std::map<std::string, Shape> shapes;
  for (const auto& in : g.inputs) {
    OCTET_CHECK(in.has_shape, "input '", in.name, "' has no declared shape; give it with -i ", in.name, "=FILE.npy");
    Shape s;
    for (size_t d = 0; d < in.shape.size(); ++d) {
      const Dim& dim = in.shape[d];
      if (dim.known()) s.push_back(dim.value);
      else if (auto it = dims.find(dim.symbol); !dim.symbol.empty() && it != dims.end()) s.push_back(it->second);
      else s.push_back(d == 0 ? batch : 1);
    }
    shapes[in.name] = s;
  }
  return shapes;
}

std::map<std::string, Tensor> synthesize_inputs(const Graph& g, const std::map<std::string, Shape>& shapes) {
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> uni(-1.f, 1.f);
  std::map<std::string, Tensor> feeds;
  for (const auto& in : g.inputs) {
    Tensor t;
    try {
      t = Tensor(in.dtype, shapes.at(in.name));
    } catch (const Error& e) {
      fail("input '", in.name, "': cannot synthesize it (its symbolic dims come from bind_input_shapes' dims and ",
           "batch): ", e.what());
    }
    if (in.dtype == DType::kFloat32) {
      float* p = t.data<float>();
      for (int64_t i = 0; i < t.numel(); ++i) p[i] = uni(rng);
    }
    feeds[in.name] = t;
  }
  return feeds;
}

}  // namespace octet
