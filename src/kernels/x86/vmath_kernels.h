// The x86 builds of kernels/vmath.h's loops (vmath__<isa>.cc); kernels/x86/paths.cc puts them in
// the kernel tables.
#pragma once

#include "kernels/vmath.h"

namespace octet::kernels {

extern const VmathKernels vmath__avx2;
extern const VmathKernels vmath__avx512bw;

}  // namespace octet::kernels
