// The atomic writer: the output appears whole or not at all, under its own name only; nothing is
// left beside it, nothing planted in the folder is followed, and a link at the output is replaced
// (the file it pointed to is untouched).
#include "octet/io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "octet/error.h"

namespace octet {
namespace {

namespace fs = std::filesystem;

class FileIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("octet_file_io_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(FileIoTest, WritesAndReplacesLeavingNothingBeside) {
  const std::string out = (dir_ / "out.bin").string();
  write_file_atomic(out, "first");
  write_file_atomic(out, std::string(1 << 20, 'x'));
  EXPECT_EQ(read_file(out), std::string(1 << 20, 'x'));
  EXPECT_EQ(entries(), std::vector<std::string>{"out.bin"});
}

TEST_F(FileIoTest, PlantedTempNamesAreNeverFollowed) {
  // The name the writer used to take (OUT.tmp.<pid>), planted as a link to a victim file.
  const fs::path victim = dir_ / "victim.txt";
  write_file_atomic(victim.string(), "precious");
  fs::create_symlink(victim, dir_ / ("out.onnx.tmp." + std::to_string(::getpid())));
  write_file_atomic((dir_ / "out.onnx").string(), "model bytes");
  EXPECT_EQ(read_file(victim.string()), "precious");
  EXPECT_EQ(read_file((dir_ / "out.onnx").string()), "model bytes");
  EXPECT_EQ(entries().size(), 3u) << "victim, the planted link, the output";
}

TEST_F(FileIoTest, ALinkAtTheOutputIsReplacedNotWrittenThrough) {
  const fs::path target = dir_ / "target.txt";
  write_file_atomic(target.string(), "untouched");
  fs::create_symlink(target, dir_ / "out.txt");
  write_file_atomic((dir_ / "out.txt").string(), "new");
  EXPECT_EQ(read_file(target.string()), "untouched");
  EXPECT_FALSE(fs::is_symlink(dir_ / "out.txt"));
  EXPECT_EQ(read_file((dir_ / "out.txt").string()), "new");
}

TEST_F(FileIoTest, FailuresNameThePathAndLeaveNoTempFile) {
  try {
    write_file_atomic((dir_ / "no/such/folder/out.bin").string(), "x");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no/such/folder/out.bin"), std::string::npos) << e.what();
  }
  fs::create_directories(dir_ / "sub");
  EXPECT_THROW(write_file_atomic((dir_ / "sub").string(), "x"), Error) << "a folder is not a file";
  EXPECT_EQ(entries(), std::vector<std::string>{"sub"});
  EXPECT_TRUE(fs::is_empty(dir_ / "sub"));
}

// A device may never end: /dev/zero would be read until memory runs out.
TEST_F(FileIoTest, ReadsOnlyRegularFiles) {
  try {
    read_file("/dev/zero");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/zero: is not a regular file"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_file(dir_.string()), Error);
}

TEST_F(FileIoTest, SameFileSeesThroughLinks) {
  const std::string a = (dir_ / "a").string();
  write_file_atomic(a, "x");
  fs::create_symlink(a, dir_ / "b");
  fs::create_hard_link(a, dir_ / "c");
  EXPECT_TRUE(same_file(a, (dir_ / "b").string()));
  EXPECT_TRUE(same_file(a, (dir_ / "c").string()));
  EXPECT_FALSE(same_file(a, (dir_ / "missing").string()));
  EXPECT_FALSE(same_file(a, ""));
}

}  // namespace
}  // namespace octet
