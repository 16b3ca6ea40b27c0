// Per-node timing for `octet bench --profile`: a value hook stamps the clock each time a node's
// first output is produced, so a node is charged the time since the previous node finished
// (its kernel plus the executor's bookkeeping for it). Summed over the timed runs.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "octet/runtime.h"
#include "runs_on.h"

namespace octet::cli {

class NodeProfile {
 public:
  explicit NodeProfile(Executor& exec);
  ~NodeProfile();
  NodeProfile(const NodeProfile&) = delete;
  NodeProfile& operator=(const NodeProfile&) = delete;

  // Prints the op types by total time and the `top` slowest nodes, averaged over `runs`, then one
  // line: the shares of the time on INT8 kernels, float ops, layout changes and Q/DQ (runs_on.h).
  void print(int runs, int top) const;

 private:
  struct Entry {
    std::string op;
    RunsOn runs_on = RunsOn::kFloat;
    double ms = 0;
  };
  Executor& exec_;
  int hook_ = -1;
  std::chrono::steady_clock::time_point last_;
  const Node* last_node_ = nullptr;
  std::map<std::string, Entry> by_node_;
};

}  // namespace octet::cli
