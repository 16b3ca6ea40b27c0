// Files octet reads and writes (src/core/npy.cc, file_io.cc): NumPy .npy and .npz arrays (format
// spec: numpy/lib/format.py, NEP 1; .npz is a zip of .npy members, stored or deflate-compressed),
// whole files, and atomic writes (temp file beside the target, flush, rename) so that an
// interrupted write never leaves a half-written output. Every read is bounds-checked: a truncated
// or corrupt file is an octet::Error naming the file and member.
#pragma once

#include <map>
#include <string>

#include "octet/tensor.h"

namespace octet {

Tensor read_npy(const std::string& path);
// Parses .npy bytes; `what` names the source in error messages ("x.npz member 'input'").
Tensor parse_npy(const std::string& bytes, const std::string& what);
std::string serialize_npy(const Tensor& t);
void write_npy(const std::string& path, const Tensor& t);  // atomic: temp file, then rename

// Keys are member names without the ".npy" suffix, as numpy.savez names them.
std::map<std::string, Tensor> read_npz(const std::string& path);
// Parses .npz bytes held in memory; `what` names the archive in error messages.
std::map<std::string, Tensor> parse_npz(const std::string& bytes, const std::string& what);
void write_npz(const std::string& path, const std::map<std::string, Tensor>& tensors, bool compress = true);

// ---- whole files ----

std::string read_file(const std::string& path);  // octet::Error naming the path if unreadable
void write_file_atomic(const std::string& path, const std::string& bytes);
// True when the two paths name the same existing file (after resolving links).
bool same_file(const std::string& a, const std::string& b);

}  // namespace octet
