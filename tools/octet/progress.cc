#include "progress.h"

#include <unistd.h>

#include <cstdio>

namespace octet::cli {

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)), total_(total), enabled_(::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() { finish(); }

void Progress::finish() {
  if (enabled_ && last_percent_ >= 0) std::fputc('\n', stderr);
  last_percent_ = -1;
}

void Progress::update(int64_t done, int64_t total) {
  total_ = total;
  update(done);
}

void Progress::update(int64_t done, const std::string& detail) {
  detail_ = detail;
  update(done);
}

void Progress::update(int64_t done) {
  if (!enabled_ || total_ <= 0) return;
  int percent = static_cast<int>(100 * done / total_);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  int filled = percent * 30 / 100;
  std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% (%lld/%lld)%s%s", label_.c_str(), filled,
               "==============================", 30 - filled, "", percent, static_cast<long long>(done),
               static_cast<long long>(total_), detail_.empty() ? "" : " ", detail_.c_str());
  std::fflush(stderr);
}

}  // namespace octet::cli
