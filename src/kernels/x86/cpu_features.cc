#include "kernels/x86/cpu_features.h"

#include <cpuid.h>

#include <cstdint>

namespace octet {
namespace {

bool bit(uint32_t reg, int b) { return (reg >> b) & 1u; }

// XGETBV(0) reads XCR0: which register states the OS saves on context switch. A CPU can support
// AVX-512 while the OS has not enabled ZMM state; then the instructions fault, so both must agree.
uint64_t xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  uint32_t a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  bool osxsave = bit(c, 27), avx = bit(c, 28), fma = bit(c, 12);
  if (!osxsave || !avx) return f;
  uint64_t xcr = xcr0();
  bool ymm_state = (xcr & 0x6) == 0x6;    // SSE + AVX state
  bool zmm_state = (xcr & 0xE6) == 0xE6;  // + opmask, ZMM0-15 upper halves, ZMM16-31
  if (!ymm_state || !__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  f.avx2 = bit(b, 5) && fma;
  // F (16), DQ (17), BW (30), VL (31): the subset Skylake-SP and later all have.
  f.avx512bw = f.avx2 && zmm_state && bit(b, 16) && bit(b, 17) && bit(b, 30) && bit(b, 31);
  f.avx512vnni = f.avx512bw && bit(c, 11);
  f.avx512vbmi = f.avx512bw && bit(c, 1);
  uint32_t max_sub = a;
  if (max_sub >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avxvnni = f.avx2 && bit(a, 4);
  return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

}  // namespace octet
