// NumPy .npy (numpy/lib/format.py, format versions 1.0-3.0) and .npz (a zip of .npy members,
// PKWARE APPNOTE.TXT 6.3) reading and writing. All data is little-endian on disk and in memory
// (x86-64), so element bytes are copied as they are.
//
// Fortran-order arrays are accepted and transposed to C order on read; octet always writes C order.
#include "octet/io.h"

#include <zlib.h>

#include <cstring>
#include <limits>
#include <string_view>

namespace octet {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// ---- dtype descr <-> DType ---------------------------------------------------------------

struct DescrEntry {
  char kind;  // numpy's dtype.kind
  int size;
  DType dtype;
};
constexpr DescrEntry kDescrs[] = {
    {'f', 4, DType::kFloat32}, {'f', 8, DType::kFloat64}, {'f', 2, DType::kFloat16}, {'i', 1, DType::kInt8},
    {'u', 1, DType::kUInt8},   {'i', 2, DType::kInt16},   {'u', 2, DType::kUInt16},  {'i', 4, DType::kInt32},
    {'i', 8, DType::kInt64},   {'u', 4, DType::kUInt32},  {'u', 8, DType::kUInt64},  {'b', 1, DType::kBool},
};

// Accepts '<' and '=' (native is little-endian here) and '|' ("not applicable", what numpy writes
// for one-byte types); '>' is big-endian and refused unless the type has one byte.
DType dtype_from_descr(const std::string& descr, const std::string& what) {
  OCTET_CHECK(descr.size() >= 3, what, ": unsupported dtype '", descr, "'");
  char order = descr[0], kind = descr[1];
  int size = 0;
  for (char c : descr.substr(2)) {
    OCTET_CHECK(c >= '0' && c <= '9' && size < 100, what, ": unsupported dtype '", descr, "'");
    size = size * 10 + (c - '0');
  }
  OCTET_CHECK(order == '<' || order == '=' || order == '|' || (order == '>' && size == 1), what,
              ": big-endian or unknown byte order in dtype '", descr, "' is not supported (save it little-endian)");
  for (const DescrEntry& e : kDescrs)
    if (e.kind == kind && e.size == size) return e.dtype;
  fail(what, ": unsupported dtype '", descr, "'");
}

std::string descr_of(DType t) {
  for (const DescrEntry& e : kDescrs)
    if (e.dtype == t) return cat(e.size == 1 ? '|' : '<', e.kind, e.size);
  fail("no .npy dtype for ", dtype_name(t));
}

// ---- header dict -------------------------------------------------------------------------
// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
// This parser reads the subset numpy writes: quoted strings, True/False, integers and tuples.

struct HeaderParser {
  std::string_view s;
  const std::string& what;
  size_t pos = 0;

  [[noreturn]] void error(const char* msg) const {
    fail(what, ": corrupt .npy header (", msg, " at offset ", pos, ")");
  }
  void skip_space() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r')) ++pos;
  }
  bool eat(char c) {
    skip_space();
    if (pos < s.size() && s[pos] == c) return ++pos, true;
    return false;
  }
  void expect(char c) {
    if (!eat(c)) error("unexpected character");
  }
  std::string string() {
    skip_space();
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"')) error("expected a string");
    char quote = s[pos++];
    size_t end = s.find(quote, pos);
    if (end == std::string_view::npos) error("unterminated string");
    std::string out(s.substr(pos, end - pos));
    pos = end + 1;
    return out;
  }
  bool boolean() {
    skip_space();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}})
      if (s.substr(pos, std::strlen(word)) == word) return pos += std::strlen(word), value;
    error("expected True or False");
  }
  int64_t integer() {
    skip_space();
    size_t start = pos;
    int64_t v = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) error("dimension too large");
      v = v * 10 + (s[pos++] - '0');
    }
    if (pos == start) error("expected a non-negative integer");
    if (pos < s.size() && s[pos] == 'L') ++pos;  // Python 2 longs, in files numpy 1.x wrote
    return v;
  }
  Shape tuple() {
    Shape shape;
    expect('(');
    while (!eat(')')) {
      shape.push_back(integer());
      if (!eat(',')) {
        expect(')');
        break;
      }
    }
    return shape;
  }
};

struct Header {
  DType dtype;
  bool fortran_order;
  Shape shape;
};

Header parse_header(std::string_view text, const std::string& what) {
  HeaderParser p{text, what};
  bool has_descr = false, has_order = false, has_shape = false;
  Header h{};
  p.expect('{');
  while (!p.eat('}')) {
    std::string key = p.string();
    p.expect(':');
    if (key == "descr") {
      p.skip_space();
      if (p.pos < text.size() && text[p.pos] == '[') fail(what, ": structured (record) dtypes are not supported");
      h.dtype = dtype_from_descr(p.string(), what);
      has_descr = true;
    } else if (key == "fortran_order") {
      h.fortran_order = p.boolean();
      has_order = true;
    } else if (key == "shape") {
      h.shape = p.tuple();
      has_shape = true;
    } else {
      fail(what, ": unexpected key '", key, "' in .npy header");
    }
    if (!p.eat(',')) {
      p.expect('}');
      break;
    }
  }
  OCTET_CHECK(has_descr && has_order && has_shape, what, ": .npy header lacks 'descr', 'fortran_order' or 'shape'");
  return h;
}

// ---- little-endian byte helpers ----------------------------------------------------------

uint64_t load_le(std::string_view b, size_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(b[at + i]);
  return v;
}

void store_le(std::string& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// Copies Fortran-ordered elements (first index fastest) into C order (last index fastest).
void fortran_to_c(const char* src, char* dst, const Shape& shape, size_t elem) {
  int64_t n = shape_numel(shape);
  size_t rank = shape.size();
  std::vector<int64_t> stride(rank), index(rank, 0);  // Fortran strides, in elements
  int64_t s = 1;
  for (size_t k = 0; k < rank; ++k) stride[k] = s, s *= shape[k];
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::memcpy(dst + i * elem, src + off * elem, elem);
    for (size_t k = rank; k-- > 0;) {  // odometer over the C-order index
      off += stride[k];
      if (++index[k] < shape[k]) break;
      off -= stride[k] * shape[k];
      index[k] = 0;
    }
  }
}

Tensor parse_npy_view(std::string_view b, const std::string& what) {
  OCTET_CHECK(b.substr(0, 6) == kMagic, what, ": not a .npy file (bad magic)");
  OCTET_CHECK(b.size() >= 10, what, ": truncated .npy header");
  int major = static_cast<uint8_t>(b[6]);
  OCTET_CHECK(major >= 1 && major <= 3, what, ": unsupported .npy format version ", major, ".",
              static_cast<int>(static_cast<uint8_t>(b[7])));
  size_t len_bytes = major == 1 ? 2 : 4;
  OCTET_CHECK(b.size() >= 8 + len_bytes, what, ": truncated .npy header");
  uint64_t header_len = load_le(b, 8, static_cast<int>(len_bytes));
  size_t start = 8 + len_bytes;
  OCTET_CHECK(header_len <= b.size() - start, what, ": truncated .npy header (", header_len, " bytes declared, ",
              b.size() - start, " present)");
  Header h = parse_header(b.substr(start, header_len), what);

  size_t elem = dtype_size(h.dtype);
  int64_t numel = 0;
  try {
    numel = shape_numel(h.shape);
  } catch (const Error& e) {
    fail(what, ": ", e.what());
  }
  std::string_view data = b.substr(start + header_len);
  OCTET_CHECK(static_cast<uint64_t>(numel) <= std::numeric_limits<uint64_t>::max() / elem &&
                  data.size() == static_cast<uint64_t>(numel) * elem,
              what, ": data is ", data.size(), " bytes but shape ", shape_str(h.shape), " of ", dtype_name(h.dtype),
              " needs ", static_cast<uint64_t>(numel) * elem, " (truncated or corrupt file)");

  Tensor t(h.dtype, h.shape);
  char* dst = static_cast<char*>(t.raw());
  if (h.fortran_order) fortran_to_c(data.data(), dst, h.shape, elem);
  else std::memcpy(dst, data.data(), data.size());
  if (h.dtype == DType::kBool)  // any nonzero byte is True; a C++ bool must hold 0 or 1
    for (int64_t i = 0; i < numel; ++i) dst[i] = dst[i] != 0;
  return t;
}

// ---- zip (for .npz) ----------------------------------------------------------------------

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kEnd64Sig = 0x06064b50, kEnd64LocatorSig = 0x07064b50;
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint64_t kMax32 = 0xffffffff;
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // fixed timestamp: reproducible archives
// Deflate cannot expand data by more than ~1032x; a larger declared size is a corrupt entry.
constexpr uint64_t kMaxDeflateRatio = 1032;
constexpr size_t kZlibChunk = size_t{1} << 30;  // zlib counts bytes in 32-bit unsigned ints

struct ZipEntry {
  std::string name;
  uint16_t method = 0;
  uint32_t crc = 0;
  uint64_t csize = 0, usize = 0, offset = 0;
};

// Bounds-checked little-endian reader over an archive.
struct Reader {
  std::string_view b;
  const std::string& what;
  uint64_t u(size_t at, int n) const {
    OCTET_CHECK(at <= b.size() && static_cast<size_t>(n) <= b.size() - at, what, ": truncated or corrupt zip archive");
    return load_le(b, at, n);
  }
  std::string_view bytes(uint64_t at, uint64_t n) const {
    OCTET_CHECK(at <= b.size() && n <= b.size() - at, what, ": truncated or corrupt zip archive");
    return b.substr(at, n);
  }
};

// Locates the central directory: (offset, entry count), through the zip64 end record when present.
std::pair<uint64_t, uint64_t> find_central_directory(const Reader& r) {
  const size_t kEndSize = 22;
  OCTET_CHECK(r.b.size() >= kEndSize, r.what, ": not a zip archive (too short)");
  // The end record is followed by a comment of at most 65535 bytes.
  size_t lowest = r.b.size() >= kEndSize + 0xffff ? r.b.size() - kEndSize - 0xffff : 0;
  size_t end = r.b.size() - kEndSize;
  while (r.u(end, 4) != kEndSig) {
    OCTET_CHECK(end > lowest, r.what, ": not a zip archive (no end of central directory record)");
    --end;
  }
  uint64_t count = r.u(end + 10, 2), offset = r.u(end + 16, 4);
  if (end >= 20 && r.u(end - 20, 4) == kEnd64LocatorSig) {
    uint64_t end64 = r.u(end - 20 + 8, 8);
    OCTET_CHECK(r.u(end64, 4) == kEnd64Sig, r.what, ": corrupt zip64 end of central directory record");
    count = r.u(end64 + 32, 8);
    offset = r.u(end64 + 48, 8);
  }
  return {offset, count};
}

// Replaces the 0xffffffff placeholders of `e` with the 64-bit values of a zip64 extra field,
// which holds them in the order usize, csize, offset, each only when its placeholder is set.
void apply_zip64_extra(const Reader& r, size_t at, size_t len, ZipEntry& e) {
  for (size_t p = at; p + 4 <= at + len;) {
    uint64_t id = r.u(p, 2), size = r.u(p + 2, 2);
    if (id == kZip64ExtraId) {
      size_t q = p + 4, stop = p + 4 + size;
      OCTET_CHECK(stop <= at + len, r.what, ": member '", e.name, "': corrupt zip64 extra field");
      for (uint64_t* field : {&e.usize, &e.csize, &e.offset}) {
        if (*field != kMax32) continue;
        OCTET_CHECK(q + 8 <= stop, r.what, ": member '", e.name, "': truncated zip64 extra field");
        *field = r.u(q, 8);
        q += 8;
      }
      return;
    }
    p += 4 + size;
  }
}

std::vector<ZipEntry> read_central_directory(const Reader& r) {
  auto [p, count] = find_central_directory(r);
  std::vector<ZipEntry> entries;
  for (uint64_t i = 0; i < count; ++i) {
    OCTET_CHECK(r.u(p, 4) == kCentralSig, r.what, ": corrupt zip central directory (entry ", i, ")");
    ZipEntry e;
    uint64_t flags = r.u(p + 8, 2);
    e.method = static_cast<uint16_t>(r.u(p + 10, 2));
    e.crc = static_cast<uint32_t>(r.u(p + 16, 4));
    e.csize = r.u(p + 20, 4);
    e.usize = r.u(p + 24, 4);
    size_t name_len = r.u(p + 28, 2), extra_len = r.u(p + 30, 2), comment_len = r.u(p + 32, 2);
    e.offset = r.u(p + 42, 4);
    e.name = std::string(r.bytes(p + 46, name_len));
    apply_zip64_extra(r, p + 46 + name_len, extra_len, e);
    OCTET_CHECK(!(flags & 1), r.what, ": member '", e.name, "' is encrypted");
    entries.push_back(std::move(e));
    p += 46 + name_len + extra_len + comment_len;
  }
  return entries;
}

std::string inflate_raw(std::string_view in, uint64_t usize, const std::string& what) {
  OCTET_CHECK(usize <= in.size() * kMaxDeflateRatio + 64, what, ": corrupt zip entry (declared size ", usize,
              " is impossible for ", in.size(), " compressed bytes)");
  std::string out(usize, '\0');
  z_stream zs{};
  OCTET_CHECK(inflateInit2(&zs, -15) == Z_OK, what, ": zlib inflateInit2 failed");
  size_t in_pos = 0, out_pos = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {
    size_t in_chunk = std::min(in.size() - in_pos, kZlibChunk), out_chunk = std::min(out.size() - out_pos, kZlibChunk);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    zs.avail_out = static_cast<uInt>(out_chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    in_pos += in_chunk - zs.avail_in;
    out_pos += out_chunk - zs.avail_out;
    if (rc == Z_BUF_ERROR && zs.avail_in == in_chunk && zs.avail_out == out_chunk) break;  // no progress
    if (rc == Z_BUF_ERROR) rc = Z_OK;  // a chunk ran dry; feed the next one
  }
  inflateEnd(&zs);
  OCTET_CHECK(rc == Z_STREAM_END && out_pos == usize, what, ": corrupt deflate data (",
              rc == Z_STREAM_END ? "wrong size" : "truncated or invalid stream", ")");
  return out;
}

std::string deflate_raw(std::string_view in) {
  z_stream zs{};
  OCTET_CHECK(deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK,
              "zlib deflateInit2 failed");
  std::string out;
  size_t in_pos = 0;
  int rc = Z_OK;
  char buf[1 << 16];
  while (rc != Z_STREAM_END) {
    size_t in_chunk = std::min(in.size() - in_pos, kZlibChunk);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = deflate(&zs, in_pos + in_chunk == in.size() ? Z_FINISH : Z_NO_FLUSH);
    in_pos += in_chunk - zs.avail_in;
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_STREAM_ERROR) break;
  }
  deflateEnd(&zs);
  OCTET_CHECK(rc == Z_STREAM_END, "zlib deflate failed");
  return out;
}

uint32_t crc32_of(std::string_view b) {
  return static_cast<uint32_t>(crc32_z(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(b.data()), b.size()));
}

std::string member_bytes(const Reader& r, const ZipEntry& e, const std::string& what) {
  OCTET_CHECK(r.u(e.offset, 4) == kLocalSig, what, ": corrupt zip local header");
  uint64_t data_at = e.offset + 30 + r.u(e.offset + 26, 2) + r.u(e.offset + 28, 2);
  std::string_view raw = r.bytes(data_at, e.csize);
  std::string out;
  if (e.method == 0) {
    OCTET_CHECK(e.csize == e.usize, what, ": corrupt zip entry (stored sizes differ)");
    out = std::string(raw);
  } else if (e.method == 8) {
    out = inflate_raw(raw, e.usize, what);
  } else {
    fail(what, ": unsupported zip compression method ", e.method, " (only stored and deflate)");
  }
  OCTET_CHECK(crc32_of(out) == e.crc, what, ": CRC-32 mismatch (corrupt archive)");
  return out;
}

// Appends a zip64 extra field holding the values that do not fit 32 bits (APPNOTE 4.5.3).
std::string zip64_extra(uint64_t usize, uint64_t csize, uint64_t offset, bool with_offset) {
  std::string fields;
  if (usize >= kMax32) store_le(fields, usize, 8);
  if (csize >= kMax32) store_le(fields, csize, 8);
  if (with_offset && offset >= kMax32) store_le(fields, offset, 8);
  if (fields.empty()) return fields;
  std::string extra;
  store_le(extra, kZip64ExtraId, 2);
  store_le(extra, fields.size(), 2);
  return extra + fields;
}

// The fields shared by the local and central headers, from "version needed" to "extra length".
void entry_fields(std::string& out, const ZipEntry& e, size_t extra_len) {
  bool zip64 = e.usize >= kMax32 || e.csize >= kMax32 || e.offset >= kMax32;
  store_le(out, zip64 ? 45 : 20, 2);  // version needed: 4.5 for zip64, 2.0 for deflate
  bool utf8 = false;
  for (unsigned char c : e.name) utf8 = utf8 || c >= 0x80;
  store_le(out, utf8 ? 1 << 11 : 0, 2);  // general purpose flags: bit 11 = UTF-8 names
  store_le(out, e.method, 2);
  store_le(out, 0, 2);  // time
  store_le(out, kDosDate1980, 2);
  store_le(out, e.crc, 4);
  store_le(out, std::min(e.csize, kMax32), 4);
  store_le(out, std::min(e.usize, kMax32), 4);
  store_le(out, e.name.size(), 2);
  store_le(out, extra_len, 2);
}

}  // namespace

Tensor parse_npy(const std::string& bytes, const std::string& what) { return parse_npy_view(bytes, what); }

Tensor read_npy(const std::string& path) { return parse_npy_view(read_file(path), path); }

std::string serialize_npy(const Tensor& t) {
  std::string dims;
  for (int64_t d : t.shape()) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
  if (t.rank() == 1) dims += ",";  // a Python 1-tuple
  std::string dict = "{'descr': '" + descr_of(t.dtype()) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // numpy pads the header with spaces and a newline so that the data starts 64-byte aligned;
  // format 2.0 only when the header does not fit 1.0's 16-bit length.
  auto padded = [&](size_t len_bytes) { return (8 + len_bytes + dict.size() + 1 + 63) / 64 * 64 - 8 - len_bytes; };
  size_t len_bytes = padded(2) <= 0xffff ? 2 : 4;
  dict.append(padded(len_bytes) - dict.size() - 1, ' ');
  dict += '\n';
  std::string out(kMagic);
  out += static_cast<char>(len_bytes == 2 ? 1 : 2);
  out += '\0';
  store_le(out, dict.size(), static_cast<int>(len_bytes));
  out += dict;
  out.append(static_cast<const char*>(t.raw()), t.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) { write_file_atomic(path, serialize_npy(t)); }

std::map<std::string, Tensor> read_npz(const std::string& path) { return parse_npz(read_file(path), path); }

std::map<std::string, Tensor> parse_npz(const std::string& bytes, const std::string& what_archive) {
  Reader r{bytes, what_archive};
  std::map<std::string, Tensor> out;
  for (const ZipEntry& e : read_central_directory(r)) {
    std::string what = cat(what_archive, " member '", e.name, "'");
    OCTET_CHECK(e.name.size() > 4 && e.name.ends_with(".npy"), what, ": not a .npy member");
    std::string key = e.name.substr(0, e.name.size() - 4);
    OCTET_CHECK(!out.count(key), what, ": duplicate member");
    out.emplace(key, parse_npy_view(member_bytes(r, e, what), what));
  }
  return out;
}

void write_npz(const std::string& path, const std::map<std::string, Tensor>& tensors, bool compress) {
  std::string body, central;
  for (const auto& [key, tensor] : tensors) {
    std::string npy = serialize_npy(tensor);
    ZipEntry e;
    e.name = key + ".npy";
    e.crc = crc32_of(npy);
    e.usize = npy.size();
    e.offset = body.size();
    std::string data = compress ? deflate_raw(npy) : std::move(npy);
    e.method = compress ? 8 : 0;
    e.csize = data.size();

    std::string local_extra = zip64_extra(e.usize, e.csize, 0, false);
    store_le(body, kLocalSig, 4);
    entry_fields(body, e, local_extra.size());
    body += e.name + local_extra + data;

    std::string central_extra = zip64_extra(e.usize, e.csize, e.offset, true);
    store_le(central, kCentralSig, 4);
    store_le(central, 45 | (3 << 8), 2);  // version made by: 4.5, Unix
    entry_fields(central, e, central_extra.size());
    store_le(central, 0, 2);                        // comment length
    store_le(central, 0, 2);                        // disk number
    store_le(central, 0, 2);                        // internal attributes
    store_le(central, uint32_t{0100644} << 16, 4);  // external attributes: a regular file, rw-r--r--
    store_le(central, std::min(e.offset, kMax32), 4);
    central += e.name + central_extra;
  }

  uint64_t cd_offset = body.size(), cd_size = central.size(), count = tensors.size();
  std::string out = std::move(body) + central;
  if (count >= 0xffff || cd_offset >= kMax32 || cd_size >= kMax32) {
    uint64_t end64 = out.size();
    store_le(out, kEnd64Sig, 4);
    store_le(out, 44, 8);  // size of the rest of this record
    store_le(out, 45 | (3 << 8), 2);
    store_le(out, 45, 2);
    store_le(out, 0, 4);  // this disk
    store_le(out, 0, 4);  // disk of the central directory
    store_le(out, count, 8);
    store_le(out, count, 8);
    store_le(out, cd_size, 8);
    store_le(out, cd_offset, 8);
    store_le(out, kEnd64LocatorSig, 4);
    store_le(out, 0, 4);
    store_le(out, end64, 8);
    store_le(out, 1, 4);  // total disks
  }
  store_le(out, kEndSig, 4);
  store_le(out, 0, 4);  // disk numbers
  store_le(out, std::min<uint64_t>(count, 0xffff), 2);
  store_le(out, std::min<uint64_t>(count, 0xffff), 2);
  store_le(out, std::min(cd_size, kMax32), 4);
  store_le(out, std::min(cd_offset, kMax32), 4);
  store_le(out, 0, 2);  // comment length
  write_file_atomic(path, out);
}

}  // namespace octet
