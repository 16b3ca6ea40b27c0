// octet.Session's native half (python/octet/_session.py is the other): an octet::Session that
// Python threads may share. The C++ Session is not safe to run from two threads at once
// (octet/session.h), so runs of one Session take turns on a mutex; each run releases the GIL.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "arrays.h"
#include "octet/session.h"

namespace octet::python {

class SharedSession {
 public:
  SharedSession(const Graph& model, const SessionOptions& options);
  // The outputs as NumPy arrays over octet's buffers; an output that is a model constant or one
  // of the feeds (a Reshape of one) is copied, so writing to it changes nothing else.
  std::map<std::string, nanobind::object> run(const std::map<std::string, Array>& feeds);
  const Session& session() const { return session_; }

 private:
  Session session_;
  std::mutex mutex_;
  std::set<const void*> constants_;  // the storage of the running graph's initializers
};

}  // namespace octet::python
