// Notices changes to policy files so that the gateway reloads without a signal.
//
// Watches directories and every subdirectory with inotify (which is not recursive by itself),
// including moves and symlink swaps: a Kubernetes ConfigMap volume is updated by renaming a new
// `..data` symlink over the old one. A burst of events (an editor's write-rename-chmod, a whole
// ConfigMap swap) becomes one call of `on_change` once the directory has been quiet for `settle`.
//
// Paths the gateway itself writes (its audit directory, its access log) may lie under a watched
// directory: they are given as `ignored`, and their changes never count, or each write, rotation
// or reopen would start a reload, and the reload's own writes the next one.
//
// `on_change` runs on the watcher's own thread. Destroying the watcher stops the thread.
#ifndef PASARELA_GATEWAY_POLICY_POLICY_WATCHER_H_
#define PASARELA_GATEWAY_POLICY_POLICY_WATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pasarela {

class PolicyWatcher {
 public:
  // `ignored`: files, and directories with everything under them, whose changes do not count.
  static absl::StatusOr<std::unique_ptr<PolicyWatcher>> Start(std::vector<std::string> directories,
                                                              std::vector<std::string> ignored,
                                                              absl::Duration settle,
                                                              std::function<void()> on_change);
  ~PolicyWatcher();
  PolicyWatcher(const PolicyWatcher&) = delete;
  PolicyWatcher& operator=(const PolicyWatcher&) = delete;

 private:
  PolicyWatcher() = default;
  void Run();
  // Adds a watch on every directory under the roots that has none yet.
  void WatchTree();
  // Whether `path` is one of ignored_ or lies under one.
  bool Ignored(const std::string& path) const;
  void CollectDirectories(const std::string& dir, int depth, std::vector<std::string>* out) const;

  std::vector<std::string> roots_;
  // Normalised (see Normalise in the .cc), as are the paths compared with them.
  std::vector<std::string> ignored_;
  // The directory each watch descriptor watches, to name the file of an event.
  absl::flat_hash_map<int, std::string> watched_dirs_;
  absl::Duration settle_;
  std::function<void()> on_change_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_POLICY_WATCHER_H_
