#include "fuzz/scratch_dir.h"

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace pasarela::fuzzing {
namespace {

[[noreturn]] void StopWithScratchError(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

// Made on construction, removed with everything in it on destruction (at exit).
class OwnedDir {
 public:
  OwnedDir() {
    const char* tmp = std::getenv("TMPDIR");
    path_ = absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/pasarela-fuzz-XXXXXX");
    if (::mkdtemp(path_.data()) == nullptr)
      StopWithScratchError(absl::StrCat("cannot create ", path_));
  }
  ~OwnedDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  OwnedDir(const OwnedDir&) = delete;
  OwnedDir& operator=(const OwnedDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

const std::string& ScratchDir() {
  static const OwnedDir dir;
  return dir.path();
}

std::string WriteScratchFile(absl::string_view name, absl::string_view contents) {
  std::filesystem::path path = std::filesystem::path(ScratchDir()) / std::string(name);
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) StopWithScratchError(absl::StrCat("cannot create ", path.parent_path().string()));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  out.close();
  if (!out) StopWithScratchError(absl::StrCat("cannot write ", path.string()));
  return path.string();
}

}  // namespace pasarela::fuzzing
