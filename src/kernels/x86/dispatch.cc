#include "kernels/x86/dispatch.h"

#include <cstdlib>
#include <string>

#include "core/cpu_features.h"
#include "kernels/ref/qgemm_ref.h"
#include "kernels/x86/dwconv_kernels.h"
#include "kernels/x86/qgemm_kernels.h"
#include "kernels/x86/quantize_kernels.h"
#include "octet/error.h"
#include "octet/runtime.h"

namespace octet::kernels {
namespace {

constexpr Isa kAll[] = {Isa::ref, Isa::avx2, Isa::avx512bw, Isa::avxvnni, Isa::avx512vnni};

// GEMM paths: {name, MR, NR, KR, A bytes, B bytes, microkernel, epilogue[, fused microkernel]}.
constexpr QgemmKernel kGemmRef{"qgemm_u8s8_4x16c4__ref", 4, 16, 4, 1, 1, qgemm_u8s8_4x16c4__ref, qgemm_epilogue__ref};
constexpr QgemmKernel kGemmAvx2{"qgemm_u8s8_4x16c2__avx2", 4, 16, 2, 2, 2, qgemm_u8s8_4x16c2__avx2, qgemm_epilogue__avx2, qgemm_u8s8_4x16c2_fused__avx2};
constexpr QgemmKernel kGemmAvx512bw{"qgemm_u8s8_8x32c2__avx512bw", 8, 32, 2, 2, 2, qgemm_u8s8_8x32c2__avx512bw, qgemm_epilogue__avx512bw, qgemm_u8s8_8x32c2_fused__avx512bw};
constexpr QgemmKernel kGemmNarrowAvx512bw{"qgemm_u8s8_8x16c2__avx512bw", 8, 16, 2, 2, 2, qgemm_u8s8_8x16c2__avx512bw, qgemm_epilogue__avx512bw};
constexpr QgemmKernel kGemm7bitAvx512bw{"qgemm_u8s8_8x32c4__avx512bw", 8, 32, 4, 1, 1, qgemm_u8s8_8x32c4__avx512bw, qgemm_epilogue__avx512bw, qgemm_u8s8_8x32c4_fused__avx512bw};
constexpr QgemmKernel kGemm7bitAvx2{"qgemm_u8s8_4x16c4__avx2", 4, 16, 4, 1, 1, qgemm_u8s8_4x16c4__avx2, qgemm_epilogue__avx2};
constexpr QgemmKernel kGemmAvxvnni{"qgemm_u8s8_4x16c4__avxvnni", 4, 16, 4, 1, 1, qgemm_u8s8_4x16c4__avxvnni, qgemm_epilogue__avx2};
constexpr QgemmKernel kGemmAvx512vnni{"qgemm_u8s8_8x32c4__avx512vnni", 8, 32, 4, 1, 1, qgemm_u8s8_8x32c4__avx512vnni, qgemm_epilogue__avx512bw, qgemm_u8s8_8x32c4_fused__avx512vnni};
constexpr QgemmKernel kGemmNarrowAvx512vnni{"qgemm_u8s8_8x16c4__avx512vnni", 8, 16, 4, 1, 1, qgemm_u8s8_8x16c4__avx512vnni, qgemm_epilogue__avx512bw};

const KernelTable kTables[] = {
    {Isa::ref, kGemmRef, dwconv_u8s8__ref, {},
     quantize_f32__ref<uint8_t>, quantize_f32__ref<int8_t>, dequantize_f32__ref<uint8_t>, dequantize_f32__ref<int8_t>,
     qadd_u8__ref, requantize_u8__ref, qmul_u8__ref, lookup_u8__ref,
     kGemmRef, kGemmRef, &vmath__ref},
    {Isa::avx2, kGemmAvx2, dwconv_u8s8__avx2, {},
     quantize_f32_u8__avx2, quantize_f32_s8__avx2, dequantize_u8_f32__avx2, dequantize_s8_f32__avx2,
     qadd_u8__avx2, requantize_u8__avx2, qmul_u8__avx2, lookup_u8__avx2,
     kGemm7bitAvx2, kGemmAvx2, &vmath__avx2},
    {Isa::avx512bw,
     kGemmAvx512bw,
     dwconv_u8s8__avx512bw, {},
     quantize_f32_u8__avx512bw, quantize_f32_s8__avx512bw, dequantize_u8_f32__avx512bw, dequantize_s8_f32__avx512bw,
     qadd_u8__avx512bw, requantize_u8__avx512bw, qmul_u8__avx512bw, lookup_u8__avx512bw,
     kGemm7bitAvx512bw, kGemmNarrowAvx512bw, &vmath__avx512bw},
    {Isa::avxvnni, kGemmAvxvnni,
     dwconv_u8s8__avx2, {},
     quantize_f32_u8__avx2, quantize_f32_s8__avx2, dequantize_u8_f32__avx2, dequantize_s8_f32__avx2,
     qadd_u8__avx2, requantize_u8__avx2, qmul_u8__avx2, lookup_u8__avx2,
     kGemmAvxvnni, kGemmAvxvnni, &vmath__avx2},
    {Isa::avx512vnni,
     kGemmAvx512vnni,
     dwconv_u8s8__avx512bw, {dw_insert_row__avx512vnni, dwconv_c4__avx512vnni},
     quantize_f32_u8__avx512bw, quantize_f32_s8__avx512bw, dequantize_u8_f32__avx512bw, dequantize_s8_f32__avx512bw,
     qadd_u8__avx512bw, requantize_u8__avx512bw, qmul_u8__avx512bw, lookup_u8__avx512bw,
     kGemmAvx512vnni, kGemmNarrowAvx512vnni, &vmath__avx512bw},
};

Isa choose() {
  if (const char* forced = std::getenv("OCTET_ISA"); forced && *forced) {
    Isa isa = parse_isa(forced);
    OCTET_CHECK(isa_supported(isa), "OCTET_ISA=", forced, ": this CPU does not support ", isa_name(isa));
    return isa;
  }
  for (Isa isa : {Isa::avx512vnni, Isa::avxvnni, Isa::avx512bw, Isa::avx2})
    if (isa_supported(isa)) return isa;
  return Isa::ref;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::ref: return "ref";
    case Isa::avx2: return "avx2";
    case Isa::avx512bw: return "avx512bw";
    case Isa::avxvnni: return "avxvnni";
    case Isa::avx512vnni: return "avx512vnni";
  }
  return "?";
}

Isa parse_isa(std::string_view name) {
  for (Isa isa : kAll)
    if (name == isa_name(isa)) return isa;
  fail("unknown ISA '", std::string(name), "' (OCTET_ISA accepts ref, avx2, avx512bw, avxvnni, avx512vnni)");
}

bool isa_supported(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::ref: return true;
    case Isa::avx2: return f.avx2;
    case Isa::avx512bw: return f.avx512bw;
    case Isa::avxvnni: return f.avxvnni;
    case Isa::avx512vnni: return f.avx512vnni;
  }
  return false;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : kAll)
    if (isa_supported(isa)) out.push_back(isa);
  return out;
}

const KernelTable& kernels_for(Isa isa) {
  // The tables as this CPU runs them: the AVX-512 paths look tables up with VBMI where it exists.
  static const std::vector<KernelTable> tables = [] {
    std::vector<KernelTable> t(std::begin(kTables), std::end(kTables));
    for (KernelTable& k : t)
      if ((k.isa == Isa::avx512bw || k.isa == Isa::avx512vnni) && cpu_features().avx512vbmi)
        k.lookup_u8 = lookup_u8__avx512vbmi;
    return t;
  }();
  return tables[int(isa)];
}

const VmathKernels& vmath() { return *kernels().vmath; }

const KernelTable& kernels() {
  static const KernelTable& chosen = kernels_for(choose());
  return chosen;
}

QgemmKernel scalar_twin(const QgemmKernel& k) {
  QgemmKernel t = k;
  t.epilogue = qgemm_epilogue__ref;
  t.fused_ukernel = nullptr;
  if (k.mr == 8 && k.nr == 32) t.ukernel = k.kr == 2 ? qgemm_u8s8_8x32c2__ref : qgemm_u8s8_8x32c4__ref;
  else if (k.mr == 8) t.ukernel = k.kr == 2 ? qgemm_u8s8_8x16c2__ref : qgemm_u8s8_8x16c4__ref;
  else t.ukernel = k.kr == 2 ? qgemm_u8s8_4x16c2__ref : qgemm_u8s8_4x16c4__ref;
  return t;
}

}  // namespace octet::kernels

namespace octet {

KernelPaths kernel_paths() {
  KernelPaths paths{kernels::isa_name(kernels::kernels().isa), {}};
  for (kernels::Isa isa : kernels::supported_isas()) paths.supported.push_back(kernels::isa_name(isa));
  return paths;
}

}  // namespace octet
