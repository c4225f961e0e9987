#include "gateway/policy/policy_watcher.h"

#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace pasarela {
namespace {

constexpr uint32_t kEvents = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                             IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

// `path` made absolute and lexically normal, without resolving symlinks (a ConfigMap's `..data`
// link must stay what it is), so that "./audit", "audit/" and "/etc/pasarela/audit" compare.
std::string Normalise(const std::string& path) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) absolute = path;
  std::string normal = absolute.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

}  // namespace

void PolicyWatcher::Collect(const std::string& dir, int depth,
                            std::vector<std::string>* directories,
                            std::vector<std::string>* linked_files) const {
  if (depth > 8 || Ignored(dir)) return;
  directories->push_back(dir);
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return;
  while (dirent* entry = ::readdir(handle)) {
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string path = absl::StrCat(dir, "/", name);
    struct stat info;
    // stat follows symlinks: a ConfigMap's `..data` link to a directory is watched through it.
    if (::stat(path.c_str(), &info) != 0) continue;
    if (S_ISDIR(info.st_mode)) {
      Collect(path, depth + 1, directories, linked_files);
    } else if (struct stat link; S_ISREG(info.st_mode) && ::lstat(path.c_str(), &link) == 0 &&
                                 S_ISLNK(link.st_mode) && !Ignored(path)) {
      linked_files->push_back(path);
    }
  }
  ::closedir(handle);
}

bool PolicyWatcher::Ignored(const std::string& path) const {
  const std::string normal = Normalise(path);
  for (const std::string& ignored : ignored_) {
    if (normal == ignored ||
        (normal.size() > ignored.size() && normal.compare(0, ignored.size(), ignored) == 0 &&
         (ignored == "/" || normal[ignored.size()] == '/'))) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::unique_ptr<PolicyWatcher>> PolicyWatcher::Start(
    std::vector<std::string> directories, std::vector<std::string> ignored, absl::Duration settle,
    std::function<void()> on_change) {
  std::unique_ptr<PolicyWatcher> watcher(new PolicyWatcher());
  watcher->roots_ = std::move(directories);
  for (const std::string& path : ignored) {
    if (!path.empty()) watcher->ignored_.push_back(Normalise(path));
  }
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
  std::vector<std::string> directories, linked_files;
  for (const std::string& root : roots_) Collect(root, 0, &directories, &linked_files);
  // inotify_add_watch returns the existing descriptor for a path already watched.
  for (const std::string& dir : directories) {
    int watch = ::inotify_add_watch(inotify_fd_, dir.c_str(), kEvents);
    if (watch >= 0) watched_[watch] = Watched{dir, {}};
  }
  for (const std::string& link : linked_files) {
    // Through the link, the file itself: an edit in place.
    int watch = ::inotify_add_watch(inotify_fd_, link.c_str(), kEvents);
    if (watch >= 0) watched_[watch] = Watched{link, {}};
    // Its directory, for that name only: a new file saved over it by rename.
    std::error_code error;
    const std::filesystem::path target = std::filesystem::canonical(link, error);
    if (error) continue;
    const std::string parent = target.parent_path().string();
    watch = ::inotify_add_watch(inotify_fd_, parent.c_str(), kEvents);
    if (watch < 0) continue;
    auto [it, added] = watched_.try_emplace(watch, Watched{parent, {}});
    if (added || !it->second.only_names.empty()) {
      it->second.only_names.insert(target.filename().string());
    }
  }
}

void PolicyWatcher::Run() {
  bool pending = false;
  absl::Time last_event;
  alignas(inotify_event) char buffer[16 * 1024];
  while (true) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int timeout_ms = pending ? 50 : -1;
    int ready = ::poll(fds, 2, timeout_ms);
    if (ready < 0 && errno != EINTR) return;
    if (fds[1].revents & POLLIN) return;
    if (fds[0].revents & POLLIN) {
      bool counts = false;
      ssize_t length;
      while ((length = ::read(inotify_fd_, buffer, sizeof(buffer))) > 0) {
        for (ssize_t offset = 0; offset + static_cast<ssize_t>(sizeof(inotify_event)) <= length;) {
          const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
          offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
          if (event->mask & IN_Q_OVERFLOW) {
            counts = true;  // events were lost: assume one of them mattered
            continue;
          }
          auto watched = watched_.find(event->wd);
          if (watched == watched_.end()) continue;
          const std::string name = event->len > 0 ? std::string(event->name) : std::string();
          if (!watched->second.only_names.empty() && !watched->second.only_names.contains(name)) {
            continue;
          }
          const std::string path =
              name.empty() ? watched->second.path : absl::StrCat(watched->second.path, "/", name);
          if (!Ignored(path)) counts = true;
        }
      }
      if (counts) {
        // New subdirectories (a new agreements/ folder, a swapped ConfigMap tree) are watched
        // too.
        WatchTree();
        pending = true;
        last_event = absl::Now();
      }
    }
    if (pending && absl::Now() - last_event >= settle_) {
      pending = false;
      on_change_();
    }
  }
}

}  // namespace pasarela
