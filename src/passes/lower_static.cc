#include "passes/lower_static.h"

namespace octet {

// Being written (issue 4); until then quantized graphs run in float QDQ form.
void lower_static(Graph&) {}

}  // namespace octet
