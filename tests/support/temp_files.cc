#include "tests/support/temp_files.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace pasarela::testing {
namespace {

// Removes what it holds when the program exits normally. It is made at the first directory,
// after GoogleTest's UnitTest object (made while the tests register), so it is destroyed before
// that object and can still ask it whether a test failed.
class EndOfProgramRemoval {
 public:
  static EndOfProgramRemoval& Instance() {
    static EndOfProgramRemoval removal;
    return removal;
  }

  void Add(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    paths_.push_back(path);
  }

  ~EndOfProgramRemoval() {
    if (::getpid() != owner_) return;
    if (::testing::UnitTest::GetInstance()->Failed()) {
      for (const std::string& path : paths_) {
        std::fprintf(stderr, "kept for the failed test: %s\n", path.c_str());
      }
      return;
    }
    const char* keep = std::getenv("PASARELA_KEEP_TEST_FILES");
    if (keep != nullptr && *keep != '\0' && std::string(keep) != "0") return;
    for (const std::string& path : paths_) {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  }

 private:
  EndOfProgramRemoval() : owner_(::getpid()) {
    // Makes sure of the order the comment above relies on.
    (void)::testing::UnitTest::GetInstance();
  }

  const pid_t owner_;
  std::mutex mutex_;
  std::vector<std::string> paths_;
};

}  // namespace

std::string MakeTempDir(const std::string& prefix) {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/pasarela-",
                                     prefix, "-XXXXXX");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) return std::string();
  std::string dir(buffer.data());
  EndOfProgramRemoval::Instance().Add(dir);
  return dir;
}

void RemoveAtTheEndOfAPassingProgram(const std::string& path) {
  EndOfProgramRemoval::Instance().Add(path);
}

}  // namespace pasarela::testing
