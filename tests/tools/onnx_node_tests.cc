// onnx_node_tests: runs ONNX's own conformance suite, the backend node tests shipped in the onnx
// wheel (onnx/backend/test/data/node/<test>/model.onnx and test_data_set_*/{input,output}_*.pb),
// through octet's importer and fp32 executor, and compares outputs with the rule of ONNX's backend
// test runner (onnx/backend/test/runner/__init__.py, assert_similar_outputs).
//
//   onnx_node_tests DIR [--filter SUBSTR] [--verbose] [--skips FILE]
//
// Each test runs in a forked child so that a crash or hang in one op is reported as that test's
// failure instead of ending the run. Tests octet cannot run (an op it lacks, a dtype it does not
// hold, a deliberate skip listed in tests/onnx/conformance_skips.txt) are "not run", grouped by
// reason at the end. The last line is "N passed, M failed"; the exit status is 1 if any failed.
#include <onnx/onnx_pb.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "octet/io.h"
#include "octet/runtime.h"
#include "onnx/import.h"
#include "ops/registry.h"

namespace fs = std::filesystem;
using namespace octet;

namespace {

constexpr unsigned kTimeoutSeconds = 120;

struct Outcome {
  enum Kind : char { kPass = 'P', kFail = 'F', kNotRun = 'N' } kind;
  std::string detail;  // failure message, or the reason a test was not run
};

// ---- loading -----------------------------------------------------------------------------

// Files named <prefix><index>.pb in numeric index order (input_0.pb ... input_10.pb).
std::vector<fs::path> numbered_files(const fs::path& dir, const std::string& prefix, const std::string& suffix) {
  std::vector<std::pair<int, fs::path>> found;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix)) continue;
    std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (!std::all_of(digits.begin(), digits.end(), ::isdigit)) continue;
    found.emplace_back(std::stoi(digits), e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& [i, p] : found) out.push_back(p);
  return out;
}

Tensor read_tensor_pb(const fs::path& path) {
  onnx::TensorProto proto;
  OCTET_CHECK(proto.ParseFromString(read_file(path.string())), path.string(), ": not a valid TensorProto");
  return tensor_from_proto(proto, path.parent_path().string(), path.string());
}

// The runner's defaults, overridden by an optional data.json beside the model (loader/__init__.py).
std::pair<double, double> tolerances(const fs::path& dir) {
  double rtol = 1e-3, atol = 1e-7;
  if (fs::exists(dir / "data.json")) {
    auto j = nlohmann::json::parse(read_file((dir / "data.json").string()));
    rtol = j.value("rtol", rtol);
    atol = j.value("atol", atol);
  }
  return {rtol, atol};
}

// ---- reasons not to run ------------------------------------------------------------------

// Op types of every node, If branches and other subgraphs included, that no kernel implements.
// Read from the proto, before import: a model of ai.onnx.ml or training ops alone does not even
// import the default domain, which the importer refuses.
void missing_ops(const onnx::GraphProto& g, std::set<std::string>& out) {
  for (const auto& n : g.node()) {
    std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
    if (!OpRegistry::global().find(n.op_type(), domain))
      out.insert(domain.empty() ? n.op_type() : domain + "." + n.op_type());
    for (const auto& a : n.attribute()) {
      if (a.has_g()) missing_ops(a.g(), out);
      for (const auto& sub : a.graphs()) missing_ops(sub, out);
    }
  }
}

// Sequences, maps and optionals are outside octet's model of values (dense tensors only).
std::optional<std::string> non_tensor_type(const onnx::GraphProto& g) {
  for (const auto* list : {&g.input(), &g.output()})
    for (const auto& v : *list) {
      switch (v.type().value_case()) {
        case onnx::TypeProto::kTensorType: break;
        case onnx::TypeProto::kSequenceType: return "sequence type";
        case onnx::TypeProto::kMapType: return "map type";
        case onnx::TypeProto::kOptionalType: return "optional type";
        default: return "non-tensor type";
      }
    }
  return std::nullopt;
}

// Import errors that mean "octet does not hold this", as opposed to a broken import.
std::optional<std::string> unsupported_reason(const std::string& message) {
  if (size_t at = message.find("unsupported dtype "); at != std::string::npos) {
    std::string rest = message.substr(at + std::strlen("unsupported dtype "));
    std::string name = rest.substr(0, rest.find(' '));
    // libonnx 1.12 has no names for types added later (float8, int4, ...): give the number.
    size_t type_at = rest.find("(ONNX type ");
    if (name == "unknown" && type_at != std::string::npos)
      name = rest.substr(type_at + 1, rest.find(')') - type_at - 1);
    return "dtype " + name;
  }
  if (message.find("dtype") != std::string::npos) return "dtype";
  if (size_t at = message.find(": opset ");
      at != std::string::npos && message.find("is not supported") != std::string::npos) {
    std::string rest = message.substr(at + 2);
    return rest.substr(0, rest.find(" is not"));
  }
  return std::nullopt;
}

// ---- comparison ---------------------------------------------------------------------------

std::string value_str(const Tensor& t, int64_t i) {
  std::ostringstream os;
  os.precision(9);
  if (t.dtype() == DType::kInt64 || t.dtype() == DType::kUInt64) os << t.as_int64(i);
  else os << t.as_double(i);
  return os.str();
}

// numpy.testing.assert_allclose(got, want, rtol, atol) with its default equal_nan=True: NaN matches
// NaN, an infinity matches only the same infinity, else |got - want| <= atol + rtol * |want|.
// Booleans (not np.number) must be equal, as must dtypes and shapes.
std::optional<std::string> compare(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.dtype() != want.dtype()) return cat("dtype ", dtype_name(got.dtype()), ", want ", dtype_name(want.dtype()));
  if (got.shape() != want.shape()) return cat("shape ", shape_str(got.shape()), ", want ", shape_str(want.shape()));
  bool integral = got.dtype() == DType::kInt64 || got.dtype() == DType::kUInt64;
  for (int64_t i = 0; i < got.numel(); ++i) {
    if (integral && got.as_int64(i) == want.as_int64(i)) continue;  // exact beyond 2^53
    double g = got.as_double(i), w = want.as_double(i);
    bool ok;
    if (std::isnan(g) || std::isnan(w)) ok = std::isnan(g) && std::isnan(w);
    else if (std::isinf(g) || std::isinf(w) || got.dtype() == DType::kBool) ok = g == w;
    else ok = std::fabs(g - w) <= atol + rtol * std::fabs(w);
    if (!ok)
      return cat("element ", i, " of ", got.numel(), ": got ", value_str(got, i), ", want ", value_str(want, i),
                 " (rtol ", rtol, ", atol ", atol, ")");
  }
  return std::nullopt;
}

// ---- one test -----------------------------------------------------------------------------

Outcome run_data_set(Executor& exec, const Graph& g, const fs::path& set_dir, double rtol, double atol) {
  std::vector<fs::path> inputs = numbered_files(set_dir, "input_", ".pb");
  std::vector<fs::path> outputs = numbered_files(set_dir, "output_", ".pb");
  std::string where = set_dir.filename().string();
  if (inputs.size() != g.inputs.size())
    return {Outcome::kFail, cat(where, ": ", inputs.size(), " input files for ", g.inputs.size(), " graph inputs")};
  if (outputs.size() != g.outputs.size())
    return {Outcome::kFail, cat(where, ": ", outputs.size(), " output files for ", g.outputs.size(), " graph outputs")};
  std::map<std::string, Tensor> feeds;
  for (size_t i = 0; i < inputs.size(); ++i) feeds[g.inputs[i].name] = read_tensor_pb(inputs[i]);
  std::vector<Tensor> wants;
  for (const fs::path& p : outputs) wants.push_back(read_tensor_pb(p));

  std::map<std::string, Tensor> got = exec.run(feeds);
  for (size_t i = 0; i < wants.size(); ++i) {
    const std::string& name = g.outputs[i].name;
    auto it = got.find(name);
    if (it == got.end()) return {Outcome::kFail, cat(where, ": output '", name, "' not produced")};
    if (auto bad = compare(it->second, wants[i], rtol, atol))
      return {Outcome::kFail, cat(where, ": output '", name, "': ", *bad)};
  }
  return {Outcome::kPass, ""};
}

Outcome run_test(const fs::path& dir) {
  std::string model_path = (dir / "model.onnx").string();
  onnx::ModelProto model;
  OCTET_CHECK(model.ParseFromString(read_file(model_path)), model_path, ": not a valid ONNX model");
  if (auto reason = non_tensor_type(model.graph())) return {Outcome::kNotRun, *reason};
  std::set<std::string> missing;
  missing_ops(model.graph(), missing);
  if (!missing.empty()) {
    std::string ops;
    for (const std::string& op : missing) ops += (ops.empty() ? "" : ", ") + op;
    return {Outcome::kNotRun, "missing op " + ops};
  }

  Graph g;
  try {
    g = import_onnx(model, dir.string(), model_path);
  } catch (const Error& e) {
    if (auto reason = unsupported_reason(e.what())) return {Outcome::kNotRun, *reason};
    throw;
  }

  auto [rtol, atol] = tolerances(dir);
  Executor exec(g);
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().starts_with("test_data_set_")) sets.push_back(e.path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return {Outcome::kFail, "no test_data_set_* folder"};
  for (const fs::path& set_dir : sets) {
    try {
      Outcome o = run_data_set(exec, g, set_dir, rtol, atol);
      if (o.kind != Outcome::kPass) return o;
    } catch (const Error& e) {
      if (auto reason = unsupported_reason(e.what()); reason && std::string(e.what()).find(".pb") != std::string::npos)
        return {Outcome::kNotRun, *reason};  // a test-data tensor of a dtype octet does not hold
      throw;
    }
  }
  return {Outcome::kPass, ""};
}

// Runs one test in a child process; a crash, a hang or an exception is a failure.
Outcome run_isolated(const fs::path& dir) {
  int fds[2];
  if (pipe(fds) != 0) return {Outcome::kFail, "pipe failed"};
  std::cout.flush();
  pid_t pid = fork();
  if (pid < 0) return {Outcome::kFail, "fork failed"};
  if (pid == 0) {
    close(fds[0]);
    alarm(kTimeoutSeconds);
    Outcome o;
    try {
      o = run_test(dir);
    } catch (const std::exception& e) {
      o = {Outcome::kFail, e.what()};
    }
    std::string msg = static_cast<char>(o.kind) + o.detail;
    for (size_t done = 0; done < msg.size();) {
      ssize_t n = write(fds[1], msg.data() + done, msg.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGALRM) return {Outcome::kFail, cat("timed out after ", kTimeoutSeconds, " s")};
    return {Outcome::kFail, cat("crashed: ", strsignal(sig))};
  }
  if (msg.empty()) return {Outcome::kFail, "child exited without a result"};
  return {static_cast<Outcome::Kind>(msg[0]), msg.substr(1)};
}

// "test_name  reason" per line; '#' starts a comment; a name ending in '*' matches a prefix.
std::vector<std::pair<std::string, std::string>> read_skips(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> skips;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    std::string name, reason;
    if (!(fields >> name)) continue;
    std::getline(fields >> std::ws, reason);
    OCTET_CHECK(!reason.empty(), path, ": skip of '", name, "' gives no reason");
    skips.emplace_back(name, reason);
  }
  return skips;
}

std::optional<std::string> skip_reason(const std::vector<std::pair<std::string, std::string>>& skips,
                                       const std::string& test) {
  for (const auto& [pattern, reason] : skips) {
    bool prefix = pattern.ends_with('*');
    if (prefix ? test.starts_with(pattern.substr(0, pattern.size() - 1)) : test == pattern) return "skipped: " + reason;
  }
  return std::nullopt;
}

int usage() {
  std::cerr << "usage: onnx_node_tests DIR [--filter SUBSTR] [--verbose] [--skips FILE]\n"
               "  DIR: onnx/backend/test/data/node of an onnx installation\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, filter;
  std::string skips_path = (fs::path(__FILE__).parent_path().parent_path() / "onnx" / "conformance_skips.txt").string();
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--filter" && i + 1 < argc) filter = argv[++i];
    else if (a == "--skips" && i + 1 < argc) skips_path = argv[++i];
    else if (a == "--verbose") verbose = true;
    else if (!a.starts_with("-") && dir.empty()) dir = a;
    else return usage();
  }
  if (dir.empty()) return usage();
  try {
    OCTET_CHECK(fs::is_directory(dir), dir, ": not a directory");
    auto skips = fs::exists(skips_path) ? read_skips(skips_path) : decltype(read_skips("")){};
    std::vector<fs::path> tests;
    for (const auto& e : fs::directory_iterator(dir))
      if (fs::exists(e.path() / "model.onnx") && e.path().filename().string().find(filter) != std::string::npos)
        tests.push_back(e.path());
    std::sort(tests.begin(), tests.end());

    int passed = 0, failed = 0;
    std::map<std::string, std::vector<std::string>> not_run;  // reason -> tests
    for (const fs::path& t : tests) {
      std::string name = t.filename().string();
      Outcome o{Outcome::kNotRun, ""};
      if (auto reason = skip_reason(skips, name)) o.detail = *reason;
      else o = run_isolated(t);
      switch (o.kind) {
        case Outcome::kPass: ++passed; break;
        case Outcome::kFail:
          ++failed;
          std::cout << "FAIL " << name << ": " << o.detail << "\n";
          break;
        case Outcome::kNotRun: not_run[o.detail].push_back(name); break;
      }
      if (verbose && o.kind != Outcome::kFail)
        std::cout << (o.kind == Outcome::kPass ? "ok   " : "skip ") << name << (o.detail.empty() ? "" : ": ")
                  << o.detail << "\n";
    }
    size_t total_not_run = 0;
    for (const auto& [reason, names] : not_run) total_not_run += names.size();
    if (total_not_run) std::cout << "\n" << total_not_run << " not run:\n";
    for (const auto& [reason, names] : not_run) {
      std::cout << "  " << reason << " (" << names.size() << "):";
      for (const std::string& n : names) std::cout << " " << n;
      std::cout << "\n";
    }
    std::cout << passed << " passed, " << failed << " failed\n";
    return failed ? 1 : 0;
  } catch (const Error& e) {
    std::cerr << "onnx_node_tests: error: " << e.what() << "\n";
    return 1;
  }
}
