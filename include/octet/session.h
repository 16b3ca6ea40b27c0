// Session: a model made ready to run once, then run many times on named tensors (as ONNX
// Runtime's InferenceSession). A quantized model (QDQ form, from octet or any other tool) runs
// lowered onto the INT8 kernels; a float model runs with ONNX Runtime's basic optimizations
// (lower_or_optimize in octet/quantize.h): the rule `octet run` and `octet bench` follow.
//
// Threads: a Session runs its heavy ops on `threads` threads of its own. One Session is not safe
// to run from two threads at once; one Session per thread is (Sessions share nothing mutable).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "octet/graph.h"
#include "octet/tensor.h"

namespace octet {

struct SessionOptions {
  int threads = 1;  // threads inside the heavy ops
  // Run the graph as given: a quantized model in its float QDQ semantics (`octet run --reference`).
  bool as_written = false;
  // Calls keep_freed_memory() (below) once per process: what `octet run` does for speed.
  bool keep_freed_memory = true;
};

class Session {
 public:
  // Lowers (or optimizes) `model` and builds its kernels. octet::Error naming the node for an
  // operator octet does not run.
  explicit Session(const Graph& model, SessionOptions options = {});
  // The same for the model file `path` (octet/model.h load_onnx).
  explicit Session(const std::string& path, SessionOptions options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  // `feeds` holds every graph input by name with its dtype and rank (and fixed dims); returns
  // every graph output by name. octet::Error naming the input or node at fault.
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& feeds);

  const std::vector<ValueInfo>& inputs() const;   // the graph inputs run() needs
  const std::vector<ValueInfo>& outputs() const;  // what run() returns
  const Graph& graph() const;                     // the graph that runs (lowered or optimized)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- process settings the CLI runs with (tools/octet/main.cc) ----

// Inference frees and re-allocates the same activation buffers every run. glibc would hand large
// ones back to the kernel (mmap/munmap, heap trimming) and page-fault them in again each time: a
// quarter of a small CNN's run time. This keeps freed memory in the process (mallopt: mmap
// threshold 256 MiB, trim threshold 512 MiB). Process-wide; idempotent.
void keep_freed_memory();

// oneDNN's OpenMP workers spin ~300k iterations after each primitive by default; on a loaded or
// small machine that spinning starves octet's own pool and other processes (MNIST fp32 at 2
// threads beside a second process: 18.7 ms instead of 0.6 ms with a short spin). libgomp reads
// the setting when it loads, before main, so a library cannot change it: call this first thing in
// main() with main's argv. It sets GOMP_SPINCOUNT=2000 and re-executes the program (/proc/self/exe)
// once; it returns when the environment already sets GOMP_SPINCOUNT or OMP_WAIT_POLICY (the user's
// choice wins) or when exec fails (the defaults stay). Setting GOMP_SPINCOUNT=2000 in the
// environment before the process starts does the same.
void restart_with_short_openmp_spin(char** argv);

}  // namespace octet
