// The process settings of include/octet/session.h: why each one pays is written there.
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <mutex>

#include "octet/session.h"

namespace octet {

void keep_freed_memory() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
  });
}

void restart_with_short_openmp_spin(char** argv) {
  if (std::getenv("GOMP_SPINCOUNT") || std::getenv("OMP_WAIT_POLICY")) return;
  setenv("GOMP_SPINCOUNT", "2000", 1);
  execv("/proc/self/exe", argv);
}

}  // namespace octet
