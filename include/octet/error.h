// The one exception type of octet: every failure a user can cause (bad file, bad node, bad value)
// is reported as an octet::Error whose message names the thing at fault. The CLI prints it as
// "octet: error: <message>" and exits 1.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace octet {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Concatenates its arguments with operator<< (gcc 12 has no <format>).
template <class... Args>
std::string cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

template <class... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(cat(std::forward<Args>(args)...));
}

}  // namespace octet

// Checks a condition that bad input can violate; the message arguments are only evaluated on failure.
#define OCTET_CHECK(cond, ...)               \
  do {                                       \
    if (!(cond)) ::octet::fail(__VA_ARGS__); \
  } while (0)
