#include "onnx/external_data.h"

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>

#include "octet/error.h"

namespace octet {

namespace fs = std::filesystem;

std::string read_external_data(const onnx::TensorProto& p, const std::string& base_dir, size_t nbytes,
                               const std::string& what, std::set<std::string>* files_read) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : p.external_data()) {
    try {
      if (kv.key() == "location") location = kv.value();
      else if (kv.key() == "offset") offset = std::stoll(kv.value());
      else if (kv.key() == "length") length = std::stoll(kv.value());
    } catch (const std::exception&) {
      fail(what, ": external data field '", kv.key(), "' has a bad value '", kv.value(), "'");
    }
  }
  OCTET_CHECK(!location.empty(), what, ": external data without a location");
  fs::path rel(location);
  OCTET_CHECK(!rel.is_absolute(), what, ": external data location '", location, "' is an absolute path");
  for (const auto& part : rel)
    OCTET_CHECK(part != "..", what, ": external data location '", location, "' leaves the model's folder");
  std::error_code ec;
  fs::path base = fs::canonical(base_dir, ec);
  OCTET_CHECK(!ec, what, ": cannot resolve the model folder '", base_dir, "'");
  fs::path file = base / rel;
  OCTET_CHECK(fs::exists(file, ec), what, ": external data file '", file.string(), "' does not exist");
  fs::path real = fs::canonical(file, ec);
  OCTET_CHECK(!ec, what, ": cannot resolve external data file '", file.string(), "'");
  auto [b, r] = std::mismatch(base.begin(), base.end(), real.begin(), real.end());
  OCTET_CHECK(b == base.end(), what, ": external data file '", file.string(), "' resolves outside the model's folder");
  OCTET_CHECK(!fs::is_directory(real, ec), what, ": external data location '", location,
              "' is a directory, not a regular file");
  OCTET_CHECK(fs::is_regular_file(real, ec), what, ": external data file '", file.string(),
              "' is not a regular file (a device, pipe or socket)");
  OCTET_CHECK(offset >= 0, what, ": negative external data offset");
  OCTET_CHECK(length < 0 || static_cast<size_t>(length) == nbytes, what, ": external data length ", length,
              " does not match the ", nbytes, " bytes of its shape");
  uintmax_t size = fs::file_size(real, ec);
  OCTET_CHECK(!ec && static_cast<uintmax_t>(offset) + nbytes <= size, what, ": external data file '", file.string(),
              "' is too short (", size, " bytes; needs ", nbytes, " at offset ", offset, ")");
  if (files_read) files_read->insert(real.string());
  std::ifstream in(real, std::ios::binary);
  OCTET_CHECK(in, what, ": cannot open external data file '", file.string(), "'");
  std::string bytes(nbytes, '\0');
  in.seekg(offset);
  in.read(bytes.data(), static_cast<std::streamsize>(nbytes));
  OCTET_CHECK(in.gcount() == static_cast<std::streamsize>(nbytes), what, ": short read from '", file.string(), "'");
  return bytes;
}

}  // namespace octet
