#include "cli/cli_test_util.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace octet::testing {

Result octet(const std::string& args) {
  const char* bin = std::getenv("OCTET_BIN");
  std::string cmd = std::string(bin ? bin : "build/bin/octet") + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  Result r{-1, ""};
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

void expect_error(const std::string& args, const std::string& fragment) {
  Result r = octet(args);
  EXPECT_EQ(r.status, 1) << args << "\n" << r.out;
  EXPECT_NE(r.out.find("octet: error: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(fragment), std::string::npos) << "expected '" << fragment << "' in:\n" << r.out;
}

TempDir::TempDir() : path(std::filesystem::temp_directory_path() / ("octet_cli_q_" + std::to_string(::getpid()))) {
  std::filesystem::create_directories(path);
}

TempDir::~TempDir() { std::filesystem::remove_all(path); }

std::string quantized_mnist(const TempDir& tmp) {
  const std::string out = tmp / "mnist.int8.onnx";
  Result q = octet("quantize " + kExamples + "mnist_cnn.onnx --mode static --calib " + kExamples +
                   "mnist_calib.npz -o " + out);
  EXPECT_EQ(q.status, 0) << q.out;
  return out;
}

}  // namespace octet::testing
