#include "kernels/dispatch.h"

#include <cstdlib>
#include <string>

#include "kernels/ref/qgemm_ref.h"
#include "octet/error.h"
#include "octet/kernel_paths.h"

namespace octet::kernels {
namespace {

// {name, MR, NR, KR, A bytes, B bytes, microkernel, epilogue}: qgemm_ukernel.h.
constexpr QgemmKernel kGemmRef{"qgemm_u8s8_4x16c4__ref", 4, 16, 4, 1, 1, qgemm_u8s8_4x16c4__ref, qgemm_epilogue__ref};

const KernelPath& find_path(std::string_view name) {
  std::string names;
  for (const KernelPath& p : architecture_paths()) {
    if (name == p.name) return p;
    names += std::string(names.empty() ? "" : ", ") + p.name;
  }
  fail("unknown kernel path '", std::string(name), "' (OCTET_ISA accepts ", names, ")");
}

const KernelTable& choose() {
  if (const char* forced = std::getenv("OCTET_ISA"); forced && *forced) {
    const KernelPath& p = find_path(forced);
    OCTET_CHECK(p.supported(), "OCTET_ISA=", forced, ": this CPU does not support ", p.name);
    return p.table();
  }
  const auto paths = architecture_paths();
  for (auto it = paths.rbegin(); it != paths.rend(); ++it)
    if (it->supported()) return it->table();
  return ref_kernels();
}

}  // namespace

const KernelTable& ref_kernels() {
  static const KernelTable table{
      .path = "ref",
      .qgemm = kGemmRef,
      .dwconv = dwconv_u8s8__ref,
      .dwconv_ring = {},
      .quantize_u8 = quantize_f32__ref<uint8_t>,
      .quantize_s8 = quantize_f32__ref<int8_t>,
      .dequantize_u8 = dequantize_f32__ref<uint8_t>,
      .dequantize_s8 = dequantize_f32__ref<int8_t>,
      .qadd_u8 = qadd_u8__ref,
      .requantize_u8 = requantize_u8__ref,
      .qmul_u8 = qmul_u8__ref,
      .lookup_u8 = lookup_u8__ref,
      .qgemm_7bit = kGemmRef,
      .qgemm_narrow = kGemmRef,
      .vmath = &vmath__ref,
  };
  return table;
}

const KernelTable& kernels_for(std::string_view path) { return find_path(path).table(); }

bool path_supported(std::string_view path) { return find_path(path).supported(); }

const KernelTable& kernels() {
  static const KernelTable& chosen = choose();
  return chosen;
}

const VmathKernels& vmath() { return *kernels().vmath; }

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
  const kernels::KernelTable& t = kernels::kernels();
  KernelPaths paths{t.path, {}, t.qgemm_7bit.ukernel != t.qgemm.ukernel};
  for (const kernels::KernelPath& p : kernels::architecture_paths())
    if (p.supported()) paths.supported.push_back(p.name);
  return paths;
}

}  // namespace octet
