// CPUID + XGETBV detection against what the kernel reports in /proc/cpuinfo.
#include "kernels/x86/cpu_features.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>

namespace octet {
namespace {

std::set<std::string> proc_cpuinfo_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) {
      std::istringstream words(line.substr(line.find(':') + 1));
      return {std::istream_iterator<std::string>(words), std::istream_iterator<std::string>()};
    }
  return {};
}

TEST(CpuFeatures, AgreesWithProcCpuinfo) {
  std::set<std::string> flags = proc_cpuinfo_flags();
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags line";
  auto has = [&](const char* f) { return flags.count(f) > 0; };
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(f.avx2, has("avx2") && has("fma"));
  EXPECT_EQ(f.avx512bw, has("avx512f") && has("avx512bw") && has("avx512dq") && has("avx512vl"));
  EXPECT_EQ(f.avx512vnni, f.avx512bw && has("avx512_vnni"));
  EXPECT_EQ(f.avxvnni, f.avx2 && has("avx_vnni"));
}

TEST(CpuFeatures, WiderPathsImplyNarrowerOnes) {
  const CpuFeatures& f = cpu_features();
  EXPECT_TRUE(!f.avx512bw || f.avx2);
  EXPECT_TRUE(!f.avx512vnni || f.avx512bw);
  EXPECT_TRUE(!f.avxvnni || f.avx2);
}

}  // namespace
}  // namespace octet
