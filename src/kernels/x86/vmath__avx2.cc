// kernels/vmath.h compiled for avx2 (its flags come from the file name, CMakeLists.txt).
#include "kernels/vmath_loops.h"
#include "kernels/x86/vmath_kernels.h"

namespace octet::kernels {

const VmathKernels vmath__avx2 = vmath_loops();

}  // namespace octet::kernels
