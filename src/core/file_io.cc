#include "octet/io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "octet/error.h"

namespace octet {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(path, ": is a directory, not a file");
  // A device or pipe may never end (/dev/zero would be read until memory runs out).
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec))
    fail(path, ": is not a regular file (a device, pipe or socket); octet reads models and data from files");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open: ", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail(path, ": read error");
  return ss.str();
}

namespace {

// A name no other process can predict: `target`'s folder, a dot, its name, 16 random hex digits.
std::string unguessable_temp_name(const fs::path& target) {
  static std::random_device rd;
  std::uniform_int_distribution<uint64_t> bits;
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%016llx", static_cast<unsigned long long>(bits(rd)));
  return (target.parent_path() / ("." + target.filename().string() + ".tmp" + suffix)).string();
}

bool write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return ::fsync(fd) == 0;
}

// The file's name on disk, made exclusively (O_EXCL: a planted file or symlink is never
// followed) under an unguessable name. Returns -1 with errno set.
int create_exclusive(const fs::path& target, std::string* name) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    *name = unguessable_temp_name(target);
    int fd = ::open(name->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

// Gives the unnamed O_TMPFILE file `fd` an exclusive, unguessable name beside `target` (linkat
// fails on any existing name, symlinks included). False where the folder's filesystem or /proc
// does not allow it.
bool link_exclusive(int fd, const fs::path& target, std::string* name) {
  const std::string self = "/proc/self/fd/" + std::to_string(fd);
  for (int attempt = 0; attempt < 16; ++attempt) {
    *name = unguessable_temp_name(target);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name->c_str(), AT_SYMLINK_FOLLOW) == 0) return true;
    if (errno != EEXIST) return false;
  }
  return false;
}

}  // namespace

// The bytes go to a file with no name (O_TMPFILE) that gets a temporary name only once complete
// and synced, then is renamed over `path`: a process killed at any point, even by SIGKILL, leaves
// either the old file or the new one and at most an empty moment's temp name, never a half-written
// output or a stray full-size temp file. Where O_TMPFILE is unavailable, an exclusively created
// temp file, removed on every error path.
void write_file_atomic(const std::string& path, const std::string& bytes) {
  const fs::path target = fs::absolute(path);
  std::error_code ec;
  if (fs::is_directory(target, ec)) fail(path, ": is a directory, not a file");
  const std::string dir = target.parent_path().string();
  std::string tmp;
  bool named = false;
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0) {
    fd = create_exclusive(target, &tmp);
    if (fd < 0) fail(path, ": cannot create a temp file in '", dir, "': ", std::strerror(errno));
    named = true;
  }
  bool ok = write_all(fd, bytes);
  int err = errno;
  if (ok && !named) {
    named = link_exclusive(fd, target, &tmp);
    if (!named) {  // no /proc or no linkat on this filesystem: the named fallback
      ::close(fd);
      fd = create_exclusive(target, &tmp);
      if (fd < 0) fail(path, ": cannot create a temp file in '", dir, "': ", std::strerror(errno));
      named = true;
      ok = write_all(fd, bytes);
      err = errno;
    }
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && std::rename(tmp.c_str(), target.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    if (named) ::unlink(tmp.c_str());
    fail(path, ": cannot write: ", std::strerror(err));
  }
  // The rename itself is durable only once the folder is synced.
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

}  // namespace octet
