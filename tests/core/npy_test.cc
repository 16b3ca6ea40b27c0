#include "octet/io.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

namespace octet {
namespace {

namespace fs = std::filesystem;

class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("octet_npy_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
  }

 private:
  fs::path dir_;
};

// A tensor of `dtype` whose bytes are 1, 2, 3, ... (bool: alternating 0/1).
Tensor pattern(DType dtype, Shape shape) {
  Tensor t(dtype, std::move(shape));
  auto* p = static_cast<uint8_t*>(t.raw());
  for (size_t i = 0; i < t.nbytes(); ++i) p[i] = dtype == DType::kBool ? i % 2 : static_cast<uint8_t>(i + 1);
  return t;
}

void expect_same(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.dtype(), want.dtype());
  ASSERT_EQ(got.shape(), want.shape());
  EXPECT_EQ(std::memcmp(got.raw(), want.raw(), want.nbytes()), 0);
}

// .npy bytes with a hand-written header dict, format version `major`.
std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
  std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  int len_bytes = major == 1 ? 2 : 4;
  for (int i = 0; i < len_bytes; ++i) out += static_cast<char>(dict.size() >> (8 * i));
  return out + dict + data;
}

std::string le32(uint32_t v) { return std::string(reinterpret_cast<const char*>(&v), 4); }
std::string le16(uint16_t v) { return std::string(reinterpret_cast<const char*>(&v), 2); }
std::string le64(uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no octet::Error, expected one mentioning " << parts[0];
  } catch (const Error& e) {
    for (const std::string& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

constexpr DType kAllDTypes[] = {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kInt8,
                                DType::kUInt8,   DType::kInt16,   DType::kUInt16,  DType::kInt32,
                                DType::kInt64,   DType::kUInt32,  DType::kUInt64,  DType::kBool};

TEST_F(NpyTest, RoundTripsEveryDtype) {
  for (DType dt : kAllDTypes) {
    SCOPED_TRACE(dtype_name(dt));
    Tensor t = pattern(dt, {2, 3, 5});
    write_npy(path("t.npy"), t);
    expect_same(read_npy(path("t.npy")), t);
  }
}

TEST_F(NpyTest, RoundTripsScalarsAndEmptyArrays) {
  for (Shape shape : {Shape{}, Shape{0}, Shape{3, 0, 2}, Shape{1}}) {
    SCOPED_TRACE(shape_str(shape));
    Tensor t = pattern(DType::kInt32, shape);
    expect_same(parse_npy(serialize_npy(t), "mem"), t);
  }
}

TEST_F(NpyTest, WritesHeadersAsNumpyDoes) {
  // numpy.save(np.zeros((2, 3), np.float32)): version 1.0, header padded to 64 bytes with '\n' last.
  std::string b = serialize_npy(Tensor(DType::kFloat32, {2, 3}));
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(b.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(b.substr(10, dict.size()), dict);
  EXPECT_EQ(b[127], '\n');
  EXPECT_EQ(b.size(), 128u + 24u);
  EXPECT_NE(serialize_npy(Tensor(DType::kUInt8, {5})).find("'descr': '|u1', 'fortran_order': False, 'shape': (5,), }"),
            std::string::npos);
  EXPECT_NE(serialize_npy(Tensor::scalar(true)).find("'descr': '|b1', 'fortran_order': False, 'shape': (), }"),
            std::string::npos);
}

TEST_F(NpyTest, ReadsFormatVersions2And3) {
  std::string data = le32(7) + le32(9);
  for (int major : {2, 3}) {
    Tensor t = parse_npy(npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", data, major), "m");
    EXPECT_EQ(t.shape(), Shape({2}));
    EXPECT_EQ(t.data<int32_t>()[1], 9);
  }
}

TEST_F(NpyTest, AcceptsLittleNativeAndNotApplicableByteOrders) {
  for (std::string descr : {"<u2", "=u2", "|u2"}) {
    Tensor t = parse_npy(
        npy_bytes("{\"descr\": \"" + descr + "\", \"fortran_order\": False, \"shape\": (1,)}", le16(513)), "m");
    EXPECT_EQ(t.data<uint16_t>()[0], 513) << descr;
  }
  EXPECT_EQ(parse_npy(npy_bytes("{'descr': '>i1', 'fortran_order': False, 'shape': (1,)}", "\xff"), "m").dtype(),
            DType::kInt8);
  expect_error(
      [] { parse_npy(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}", "abcd"), "be.npy"); },
      {"be.npy", "big-endian", "'>f4'"});
}

TEST_F(NpyTest, TransposesFortranOrderToC) {
  // np.asfortranarray(np.arange(6).reshape(2, 3)) stores the columns: 0 3 1 4 2 5.
  std::string data;
  for (int64_t v : {0, 3, 1, 4, 2, 5}) data += le64(static_cast<uint64_t>(v));
  Tensor t = parse_npy(npy_bytes("{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3), }", data), "m");
  EXPECT_EQ(t.to_int64_vector(), std::vector<int64_t>({0, 1, 2, 3, 4, 5}));
}

TEST_F(NpyTest, NormalizesBoolBytes) {
  Tensor t =
      parse_npy(npy_bytes("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", std::string("\0\1\7", 3)), "m");
  EXPECT_EQ(t.as_int64(2), 1);
}

TEST_F(NpyTest, CorruptFilesAreErrorsNamingTheFile) {
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  struct Case {
    std::string bytes, message;
  } cases[] = {
      {"", "bad magic"},
      {"PK\x03\x04 not npy at all", "bad magic"},
      {npy_bytes(ok_dict, "12345678", 4), "version 4"},
      {npy_bytes(ok_dict, "12345678").substr(0, 9), "truncated .npy header"},
      {npy_bytes(ok_dict, "12345678").substr(0, 40), "truncated .npy header"},
      {npy_bytes(ok_dict, "1234567"), "data is 7 bytes"},
      {npy_bytes(ok_dict, "123456789"), "data is 9 bytes"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), ", "12345678"), "corrupt .npy header"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", "12345678"), "True or False"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", ""), "non-negative integer"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", ""), "too large"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", ""),
       "too many elements"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2305843009213693952,)}", ""), "data is 0 bytes"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False}", ""), "lacks"},
      {npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': ()}", "12345678"), "unsupported dtype '<c8'"},
      {npy_bytes("{'descr': '<U3', 'fortran_order': False, 'shape': ()}", "123456789012"), "unsupported dtype"},
      {npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}", "1234"), "structured"},
      {npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}", "1234"), "unexpected key 'x'"},
      {npy_bytes("{'descr': '<f4, 'fortran_order': False, 'shape': ()}", "1234"), "unsupported dtype '<f4, '"},
  };
  for (const Case& c : cases) {
    std::string file = write("bad.npy", c.bytes);
    expect_error([&] { read_npy(file); }, {file, c.message});
  }
}

TEST_F(NpyTest, NpzRoundTripsStoredAndDeflated) {
  std::map<std::string, Tensor> tensors;
  for (DType dt : kAllDTypes) tensors[std::string("x_") + dtype_name(dt)] = pattern(dt, {4, 7});
  tensors["scalar"] = Tensor::scalar(2.5);
  tensors["empty"] = Tensor(DType::kFloat32, {0, 3});
  for (bool compress : {false, true}) {
    write_npz(path("t.npz"), tensors, compress);
    auto got = read_npz(path("t.npz"));
    ASSERT_EQ(got.size(), tensors.size());
    for (const auto& [name, t] : tensors) {
      SCOPED_TRACE(name);
      ASSERT_TRUE(got.count(name));
      expect_same(got.at(name), t);
    }
  }
}

TEST_F(NpyTest, DeflateShrinksRedundantData) {
  write_npz(path("z.npz"), {{"zeros", Tensor(DType::kFloat32, {256, 256})}}, true);
  EXPECT_LT(fs::file_size(path("z.npz")), 4096u);
}

// Bytes of np.savez_compressed(f, a=np.arange(6, dtype=np.float32).reshape(2, 3), b=np.array(True))
// from numpy 2.4: local headers carry zip64 extra fields (numpy forces zip64), sizes are in the
// central directory only.
const char kNumpyNpz[] =
    "504b03042d0000000800000021004fe9002affffffffffffffff05001400612e6e707901001000980000000000000055000000000000"
    "009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a06e9366a2aea3a09e965f54529498179f5f94920a12774bcc294e058a17672416"
    "a402f91a463a0ac69a3a0ab50a64032e063068b007120e4004c40d40bcc00100504b03042d000000080000002100822df8d3ffffffff"
    "ffffffff05001400622e6e707901001000810000000000000043000000000000009bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a0"
    "5e9364a8aea3a09e965f54529498179f5f94920a12774bcc294e058a17672416a402f91a9a3a0ab50a14012e4600504b01022d032d00"
    "00000800000021004fe9002a5500000098000000050000000000000000000000800100000000612e6e7079504b01022d032d00000008"
    "0000002100822df8d3430000008100000005000000000000000000000080018c000000622e6e7079504b050600000000020002006600"
    "0000060100000000";

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

TEST_F(NpyTest, ReadsNpzWrittenByNumpy) {
  auto got = read_npz(write("np.npz", from_hex(kNumpyNpz)));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.at("a").shape(), Shape({2, 3}));
  EXPECT_EQ(got.at("a").data<float>()[5], 5.0f);
  EXPECT_EQ(got.at("b").dtype(), DType::kBool);
  EXPECT_EQ(got.at("b").as_int64(0), 1);
}

TEST_F(NpyTest, ParsesNpzFromMemoryNamingTheSource) {
  auto got = parse_npz(from_hex(kNumpyNpz), "in-memory");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.at("a").shape(), Shape({2, 3}));
  EXPECT_EQ(got.at("a").data<float>()[4], 4.0f);
  expect_error([] { parse_npz("just text, no zip", "in-memory"); }, {"in-memory", "not a zip archive"});
}

// A one-member stored zip whose central directory moves size and offset into a zip64 extra field,
// as zip writers do for members over 4 GiB.
std::string zip64_central_zip(const std::string& name, const std::string& data) {
  uint32_t crc = crc32(0, reinterpret_cast<const Bytef*>(data.data()), data.size());
  std::string local = le32(0x04034b50) + le16(45) + le16(0) + le16(0) + le32(0) + le32(crc) + le32(data.size()) +
                      le32(data.size()) + le16(name.size()) + le16(0) + name + data;
  std::string extra = le16(1) + le16(24) + le64(data.size()) + le64(data.size()) + le64(0);
  std::string central = le32(0x02014b50) + le16(45) + le16(45) + le16(0) + le16(0) + le32(0) + le32(crc) +
                        le32(0xffffffff) + le32(0xffffffff) + le16(name.size()) + le16(extra.size()) + le16(0) +
                        le16(0) + le16(0) + le32(0) + le32(0xffffffff) + name + extra;
  std::string end =
      le32(0x06054b50) + le32(0) + le16(1) + le16(1) + le32(central.size()) + le32(local.size()) + le16(0);
  return local + central + end;
}

TEST_F(NpyTest, ReadsZip64ExtraFieldsInTheCentralDirectory) {
  Tensor t = pattern(DType::kInt16, {3});
  auto got = read_npz(write("z64.npz", zip64_central_zip("v.npy", serialize_npy(t))));
  expect_same(got.at("v"), t);
}

TEST_F(NpyTest, ManyMembersUseTheZip64EndRecord) {
  std::map<std::string, Tensor> tensors;
  for (int i = 0; i < 70000; ++i) tensors["t" + std::to_string(i)] = Tensor::scalar(i);
  write_npz(path("many.npz"), tensors, false);
  auto got = read_npz(path("many.npz"));
  ASSERT_EQ(got.size(), tensors.size());
  EXPECT_EQ(got.at("t69999").as_int64(0), 69999);
}

TEST_F(NpyTest, CorruptNpzIsAnErrorNamingFileAndMember) {
  write_npz(path("ok.npz"), {{"weights", pattern(DType::kFloat32, {64})}}, true);
  const std::string good = read_file(path("ok.npz"));
  // Every truncation fails cleanly.
  for (size_t n = 0; n < good.size(); ++n) {
    std::string file = write("cut" + std::to_string(n) + ".npz", good.substr(0, n));
    EXPECT_THROW(read_npz(file), Error) << "truncated to " << n;
  }
  // A flipped bit inside the compressed data: a deflate or CRC error on the member.
  size_t data_at = 30 + std::strlen("weights.npy");
  for (size_t at : {data_at, data_at + 20, data_at + 60}) {
    std::string bad = good;
    bad[at] ^= 0x10;
    std::string file = write("flip.npz", bad);
    expect_error([&] { read_npz(file); }, {file, "member 'weights.npy'"});
  }
  std::string bad_crc = good;
  bad_crc[14] ^= 1;                            // local header CRC is not used...
  bad_crc[good.find("PK\x01\x02") + 16] ^= 1;  // ...the central directory's is
  std::string file = write("crc.npz", bad_crc);
  expect_error([&] { read_npz(file); }, {file, "member 'weights.npy'", "CRC-32"});

  std::string bad_method = good;
  bad_method[good.find("PK\x01\x02") + 10] = 12;  // bzip2
  file = write("bz.npz", bad_method);
  expect_error([&] { read_npz(file); }, {file, "compression method 12"});
}

TEST_F(NpyTest, NpzMembersMustBeNpyFiles) {
  Tensor t = pattern(DType::kInt16, {3});
  std::string archive = zip64_central_zip("readme.txt", serialize_npy(t));
  std::string file = write("names.npz", archive);
  expect_error([&] { read_npz(file); }, {file, "member 'readme.txt'", "not a .npy member"});
  file = write("nozip.npz", "just text, no zip");
  expect_error([&] { read_npz(file); }, {file, "not a zip archive"});
}

// Fixtures written by numpy itself (tests/fixtures/bad/manifest.json says how each was made).
const std::string kBadFixtures = std::string(OCTET_SOURCE_DIR) + "/tests/fixtures/bad/";

TEST_F(NpyTest, ReadsNumpyFixturesMatchingTheirJson) {
  std::ifstream json_file(kBadFixtures + "arrays.json");
  nlohmann::json expected = nlohmann::json::parse(json_file);
  for (std::string file : {"arrays.npz", "arrays_compressed.npz"}) {
    SCOPED_TRACE(file);
    auto got = read_npz(kBadFixtures + file);
    ASSERT_EQ(got.size(), expected.size());
    for (const auto& [name, want] : expected.items()) {
      SCOPED_TRACE(name);
      const Tensor& t = got.at(name);
      EXPECT_EQ(dtype_name(t.dtype()), want["dtype"].get<std::string>());
      EXPECT_EQ(t.shape(), want["shape"].get<Shape>());
      ASSERT_EQ(t.numel(), static_cast<int64_t>(want["values"].size()));
      for (int64_t i = 0; i < t.numel(); ++i) {
        const nlohmann::json& v = want["values"][i];
        if (v.is_boolean()) EXPECT_EQ(t.as_int64(i), v.get<bool>());
        else if (v.is_number_integer())  // exact: int64 values beyond 2^53
          EXPECT_EQ(t.as_int64(i), v.get<int64_t>());
        else EXPECT_EQ(t.as_double(i), v.get<double>());
      }
    }
  }
  Tensor input = read_npy(kBadFixtures + "mlp_input.npy");
  EXPECT_EQ(input.dtype(), DType::kFloat32);
  EXPECT_EQ(input.shape(), Shape({2, 64}));
  expect_error([] { read_npy(kBadFixtures + "truncated.npy"); }, {"truncated.npy", "data is 34 bytes"});
}

}  // namespace
}  // namespace octet
