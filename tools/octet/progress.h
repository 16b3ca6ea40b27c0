// A one-line progress bar on stderr for long work (calibration, evaluation, training). It draws
// only when stderr is a terminal, so pipes and CI logs stay quiet.
#pragma once

#include <cstdint>
#include <string>

namespace octet::cli {

class Progress {
 public:
  Progress(std::string label, int64_t total);
  ~Progress();  // ends the line if anything was drawn
  void update(int64_t done);
  void update(int64_t done, int64_t total);              // when the total becomes known only as work goes
  void update(int64_t done, const std::string& detail);  // `detail` after the count (a running loss)
  void finish();                                         // ends the line now (once) if anything was drawn

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  int last_percent_ = -1;
  std::string detail_;
};

}  // namespace octet::cli
