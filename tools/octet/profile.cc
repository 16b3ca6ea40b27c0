#include "profile.h"

#include <algorithm>
#include <cstdio>

namespace octet::cli {

NodeProfile::NodeProfile(Executor& exec) : exec_(exec) {
  hook_ = exec_.add_hook([this](const Node* producer, const std::string&, const Tensor& t) {
    const auto now = std::chrono::steady_clock::now();
    if (producer == nullptr) {  // a graph input: a run starts
      last_ = now;
      last_node_ = nullptr;
      return;
    }
    if (producer == last_node_) return;  // a later output of the same node
    Entry& e = by_node_[producer->name.empty() ? producer->outputs.at(0) : producer->name];
    e.op = producer->op_type;
    e.runs_on = runs_on(*producer, t.dtype());
    e.ms += std::chrono::duration<double, std::milli>(now - last_).count();
    last_ = now;
    last_node_ = producer;
  });
}

NodeProfile::~NodeProfile() { exec_.remove_hook(hook_); }

void NodeProfile::print(int runs, int top) const {
  std::map<std::string, std::pair<double, int>> by_op;
  double total = 0;
  for (const auto& [name, e] : by_node_) {
    by_op[e.op].first += e.ms;
    by_op[e.op].second += 1;
    total += e.ms;
  }
  auto sorted = [](auto rows) {
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return rows;
  };
  std::vector<std::pair<std::string, double>> ops, nodes;
  for (const auto& [op, v] : by_op) ops.emplace_back(op, v.first);
  for (const auto& [name, e] : by_node_) nodes.emplace_back(name, e.ms);
  std::printf("\nper op type (ms per inference, %% of the profiled total %.3f ms):\n", total / runs);
  for (const auto& [op, ms] : sorted(ops))
    std::printf("  %-28s %4d nodes %9.3f ms %5.1f %%\n", op.c_str(), by_op.at(op).second, ms / runs, 100 * ms / total);
  std::printf("slowest nodes:\n");
  const auto rows = sorted(nodes);
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < top; ++i)
    std::printf("  %-40s %-24s %9.3f ms\n", rows[i].first.c_str(), by_node_.at(rows[i].first).op.c_str(),
                rows[i].second / runs);
  std::map<RunsOn, double> by_kind;
  for (const auto& [name, e] : by_node_) by_kind[e.runs_on] += e.ms;
  std::printf("time:");
  for (RunsOn r : {RunsOn::kInt8, RunsOn::kFloat, RunsOn::kLayout, RunsOn::kQdq})
    std::printf("%s %s %.1f %%", r == RunsOn::kInt8 ? "" : ",", runs_on_name(r),
                total > 0 ? 100 * by_kind[r] / total : 0.0);
  std::printf("\n");
}

}  // namespace octet::cli
