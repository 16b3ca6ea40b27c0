// libFuzzer harness: the .npy and .npz readers (octet::parse_npy, octet::parse_npz) on the same
// bytes. An octet::Error is the expected answer to a bad file; a crash, a sanitizer report or any
// other exception is a bug.
#include <cstdlib>
#include <string>

#include "octet/io.h"

namespace {

// Reads every byte a parsed tensor claims (ASan reports a buffer shorter than its shape) and
// checks the reader's bool promise: every element is 0 or 1.
void check_tensor(const octet::Tensor& t) {
  const auto* p = static_cast<const unsigned char*>(t.raw());
  unsigned char any = 0;
  for (size_t i = 0; i < t.nbytes(); ++i) {
    if (t.dtype() == octet::DType::kBool && p[i] > 1) std::abort();
    any |= p[i];
  }
  volatile unsigned char sink = any;
  (void)sink;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    check_tensor(octet::parse_npy(bytes, "fuzz.npy"));
  } catch (const octet::Error&) {
  }
  try {
    for (const auto& [name, t] : octet::parse_npz(bytes, "fuzz.npz")) check_tensor(t);
  } catch (const octet::Error&) {
  }
  return 0;
}
