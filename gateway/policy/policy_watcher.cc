#include "gateway/policy/policy_watcher.h"

#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace pasarela {
namespace {

constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                             IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

void CollectDirectories(const std::string& dir, int depth, std::vector<std::string>* out) {
  if (depth > 8) return;
  out->push_back(dir);
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return;
  while (dirent* entry = ::readdir(handle)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string path = absl::StrCat(dir, "/", name);
    struct stat info;
    // stat follows symlinks: a ConfigMap's `..data` link to a directory is watched through it.
    if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
      CollectDirectories(path, depth + 1, out);
    }
  }
  ::closedir(handle);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PolicyWatcher>> PolicyWatcher::Start(
    std::vector<std::string> directories, absl::Duration settle, std::function<void()> on_change) {
  std::unique_ptr<PolicyWatcher> watcher(new PolicyWatcher());
  watcher->roots_ = std::move(directories);
  watcher->settle_ = settle;
  watcher->on_change_ = std::move(on_change);
  watcher->inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (watcher->inotify_fd_ < 0) {
    return absl::InternalError(absl::StrCat("inotify_init1: ", std::strerror(errno)));
  }
  watcher->stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (watcher->stop_fd_ < 0) {
    return absl::InternalError(absl::StrCat("eventfd: ", std::strerror(errno)));
  }
  watcher->WatchTree();
  PolicyWatcher* self = watcher.get();
  watcher->thread_ = std::thread([self] { self->Run(); });
  return watcher;
}

PolicyWatcher::~PolicyWatcher() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof(one));
    thread_.join();
  }
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
}

void PolicyWatcher::WatchTree() {
  std::vector<std::string> directories;
  for (const std::string& root : roots_) CollectDirectories(root, 0, &directories);
  // inotify_add_watch returns the existing descriptor for a directory already watched.
  for (const std::string& dir : directories) {
    int watch = ::inotify_add_watch(inotify_fd_, dir.c_str(), kEvents);
    if (watch >= 0) watches_.push_back(watch);
  }
}

void PolicyWatcher::Run() {
  bool pending = false;
  absl::Time last_event;
  char buffer[16 * 1024];
  while (true) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int timeout_ms = pending ? 50 : -1;
    int ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) return;
    if (fds[1].revents & POLLIN) return;
    if (fds[0].revents & POLLIN) {
      while (::read(inotify_fd_, buffer, sizeof(buffer)) > 0) {
      }
      // New subdirectories (a new agreements/ folder, a swapped ConfigMap tree) are watched too.
      WatchTree();
      pending = true;
      last_event = absl::Now();
    }
    if (pending && absl::Now() - last_event >= settle_) {
      pending = false;
      on_change_();
    }
  }
}

}  // namespace pasarela
