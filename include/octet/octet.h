// octet's public API in one include: load and save ONNX models (model.h) and NumPy data (io.h,
// samples.h), quantize models statically or dynamically (quantize.h) or train them quantized
// (qat.h), run them (session.h; runtime.h for the Executor and its hooks), print them
// (printer.h), and find where quantization hurts (debug.h, accuracy.h, report.h). Every failure is
// an octet::Error (error.h) whose message is the one `octet` prints after "octet: error: " (where
// the CLI names a flag, --exclude, the library names the option, StaticQuantOptions::exclude). The
// headers use only the standard library. CMake: find_package(octet) and
// target_link_libraries(app PRIVATE octet::octet).
#pragma once

#include "octet/accuracy.h"
#include "octet/data_layout.h"
#include "octet/debug.h"
#include "octet/error.h"
#include "octet/graph.h"
#include "octet/io.h"
#include "octet/kernel_paths.h"
#include "octet/model.h"
#include "octet/printer.h"
#include "octet/qat.h"
#include "octet/quantize.h"
#include "octet/report.h"
#include "octet/runtime.h"
#include "octet/samples.h"
#include "octet/session.h"
#include "octet/tensor.h"
