// Whole-file reading and atomic writing (temp file beside the target, flush, rename), shared by
// every writer in octet so that an interrupted write never leaves a half-written output.
#pragma once

#include <string>

namespace octet {

std::string read_file(const std::string& path);  // octet::Error naming the path if unreadable
void write_file_atomic(const std::string& path, const std::string& bytes);
// True when the two paths name the same existing file (after resolving links).
bool same_file(const std::string& a, const std::string& b);

}  // namespace octet
