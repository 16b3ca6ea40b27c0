// ONNX external data (onnx/external_data_helper.py): a tensor's bytes in a file beside the model.
// The location is confined to the model's folder: absolute paths, `..` components and symlinks
// that resolve outside it are refused, so a model cannot read arbitrary files.
#pragma once

#include <set>
#include <string>

namespace onnx {
class TensorProto;
}

namespace octet {

// Returns exactly `nbytes` bytes of the tensor's external data; octet::Error naming `what` and the
// data file when it is missing, escapes `base_dir`, or is shorter than offset + length (checked
// before the bytes are allocated). The resolved data file is added to `files_read` when given.
std::string read_external_data(const onnx::TensorProto& p, const std::string& base_dir, size_t nbytes,
                               const std::string& what, std::set<std::string>* files_read = nullptr);

}  // namespace octet
