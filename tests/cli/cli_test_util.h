// Shared by the CLI tests: running the built binary ($OCTET_BIN, set by CTest) and checking the
// contract of DESIGN.md "The CLI" (exit 1 with "octet: error: ..." naming what is at fault).
#pragma once

#include <filesystem>
#include <string>

namespace octet::testing {

inline const std::string kSrc = OCTET_SOURCE_DIR;
inline const std::string kBad = kSrc + "/tests/fixtures/bad/";
inline const std::string kModels = kSrc + "/tests/fixtures/models/";
inline const std::string kExamples = kSrc + "/examples/";

struct Result {
  int status;
  std::string out;  // stdout and stderr together
};

// Runs `octet ARGS`; status is the exit code (128 + signal when killed).
Result octet(const std::string& args);

// Expects exit 1, "octet: error: " and `fragment` in the output (gtest failures otherwise).
void expect_error(const std::string& args, const std::string& fragment);

// A fresh folder under the system's temp directory, removed with everything in it at the end.
struct TempDir {
  std::filesystem::path path;
  TempDir();
  ~TempDir();
  std::string operator/(const std::string& f) const { return (path / f).string(); }
};

// The bundled MNIST CNN quantized statically with `octet quantize` into `tmp` (gtest failure if it
// fails); returns its path.
std::string quantized_mnist(const TempDir& tmp);

}  // namespace octet::testing
