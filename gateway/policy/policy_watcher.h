// Notices changes to policy files so that the gateway reloads without a signal.
//
// Watches directories and every subdirectory with inotify (which is not recursive by itself),
// including moves and symlink swaps: a Kubernetes ConfigMap volume is updated by renaming a new
// `..data` symlink over the old one. A burst of events (an editor's write-rename-chmod, a whole
// ConfigMap swap) becomes one call of `on_change` once the directory has been quiet for `settle`.
//
// `on_change` runs on the watcher's own thread. Destroying the watcher stops the thread.
#ifndef PASARELA_GATEWAY_POLICY_POLICY_WATCHER_H_
#define PASARELA_GATEWAY_POLICY_POLICY_WATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pasarela {

class PolicyWatcher {
 public:
  static absl::StatusOr<std::unique_ptr<PolicyWatcher>> Start(std::vector<std::string> directories,
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

  std::vector<std::string> roots_;
  absl::Duration settle_;
  std::function<void()> on_change_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::vector<int> watches_;
  std::thread thread_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_POLICY_WATCHER_H_
