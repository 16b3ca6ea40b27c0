#include "inputs.h"

#include <cstring>
#include <filesystem>

#include "octet/io.h"

namespace octet::cli {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const ValueInfo& find_input(const Graph& g, const std::string& name, const std::string& source) {
  for (const auto& in : g.inputs)
    if (in.name == name) return in;
  std::string names;
  for (const auto& in : g.inputs) names += (names.empty() ? "'" : ", '") + in.name + "'";
  fail(source, ": the model has no input '", name, "'; its inputs are: ", names.empty() ? "(none)" : names);
}

}  // namespace

std::map<std::string, Tensor> load_inputs(const Graph& g, const std::vector<std::string>& pairs,
                                          const std::string& data_file) {
  std::map<std::string, Tensor> feeds;
  if (!data_file.empty()) {
    if (ends_with(data_file, ".npz")) {
      for (auto& [name, t] : read_npz(data_file)) {
        find_input(g, name, data_file);
        feeds[name] = t;
      }
    } else {
      OCTET_CHECK(g.inputs.size() == 1, data_file, ": an .npy data file needs a single-input model; this one has ",
                  g.inputs.size(), " inputs (use an .npz keyed by input names)");
      feeds[g.inputs[0].name] = read_npy(data_file);
    }
  }
  for (const auto& pair : pairs) {
    auto eq = pair.find('=');
    OCTET_CHECK(eq != std::string::npos && eq > 0 && eq + 1 < pair.size(), "-i '", pair, "': expected NAME=FILE.npy");
    std::string name = pair.substr(0, eq), file = pair.substr(eq + 1);
    find_input(g, name, "-i " + pair);
    feeds[name] = read_npy(file);
  }
  return feeds;
}

std::map<std::string, int64_t> parse_dims(const std::vector<std::string>& pairs) {
  std::map<std::string, int64_t> dims;
  for (const auto& pair : pairs) {
    auto eq = pair.find('=');
    OCTET_CHECK(eq != std::string::npos && eq > 0, "--dim '", pair, "': expected SYMBOL=N");
    try {
      size_t used = 0;
      int64_t v = std::stoll(pair.substr(eq + 1), &used);
      OCTET_CHECK(used == pair.size() - eq - 1 && v > 0, "--dim '", pair, "': N must be a positive integer");
      dims[pair.substr(0, eq)] = v;
    } catch (const std::logic_error&) {
      fail("--dim '", pair, "': N must be a positive integer");
    }
  }
  return dims;
}

void check_output_path(const std::string& out, const std::vector<std::string>& inputs) {
  for (const auto& in : inputs)
    OCTET_CHECK(!same_file(out, in), "output '", out, "' is the input file '", in, "'; refusing to overwrite it");
}

uintmax_t bytes_on_disk(const std::vector<std::string>& files) {
  uintmax_t total = 0;
  for (const std::string& f : files) {
    std::error_code ec;
    const uintmax_t n = std::filesystem::file_size(f, ec);
    if (!ec) total += n;
  }
  return total;
}

std::vector<int64_t> load_labels(const std::string& path, int64_t samples) {
  const Tensor labels = read_npy(path);
  bool integer = false;
  for (DType t : {DType::kInt8, DType::kUInt8, DType::kInt16, DType::kUInt16, DType::kInt32, DType::kUInt32,
                  DType::kInt64, DType::kUInt64})
    integer = integer || labels.dtype() == t;
  OCTET_CHECK(integer, path, ": labels must be integer class indices, not ", dtype_name(labels.dtype()));
  OCTET_CHECK(labels.rank() == 1 && labels.dim(0) == samples, path, ": expected ", samples, " labels (shape [", samples,
              "]), got shape ", shape_str(labels.shape()));
  std::vector<int64_t> out(samples);
  for (int64_t i = 0; i < samples; ++i) {
    try {
      out[i] = labels.as_int64(i);
    } catch (const Error& e) {
      fail(path, ": ", e.what());  // a uint64 label past INT64_MAX
    }
  }
  return out;
}

}  // namespace octet::cli
