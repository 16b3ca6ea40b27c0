// kernels/vmath.h for any x86-64 (baseline SSE2): the reference the vector paths match.
#include "kernels/vmath_loops.h"

namespace octet::kernels {

const VmathKernels vmath__ref = vmath_loops();

}  // namespace octet::kernels
