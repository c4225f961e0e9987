// Notices changes to policy files so that the gateway reloads without a signal.
//
// Watches directories and every subdirectory with inotify (which is not recursive by itself),
// including moves and symlink swaps: a Kubernetes ConfigMap volume is updated by renaming a new
// `..data` symlink over the old one. A burst of events (an editor's write-rename-chmod, a whole
// ConfigMap swap) becomes one call of `on_change` once the directory has been quiet for `settle`.
//
// A file that is a symbolic link to a file elsewhere (the pilot links its per-country policy
// files to the committed ones; a ConfigMap's files are links into `..data`) is watched through
// the link: an edit of the file it points to counts, whether written in place or saved by
// renaming a new file over it, and so does nothing else in that file's directory.
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
#include "absl/container/flat_hash_set.h"
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
  // Adds a watch on every directory under the roots, and on every file a link there points to,
  // that has none yet.
  void WatchTree();
  // Whether `path` is one of ignored_ or lies under one.
  bool Ignored(const std::string& path) const;
  // The directories under `dir` (itself included), and the links among their files that point
  // to a file.
  void Collect(const std::string& dir, int depth, std::vector<std::string>* directories,
               std::vector<std::string>* linked_files) const;

  // What a watch descriptor watches, to name the file of an event and to tell whether it counts.
  struct Watched {
    std::string path;
    // Empty: every name in the directory counts (or the watch is of a file). Otherwise only
    // these names do: the directory holds the targets of links, beside files of no concern.
    absl::flat_hash_set<std::string> only_names;
  };

  std::vector<std::string> roots_;
  // Normalised (see Normalise in the .cc), as are the paths compared with them.
  std::vector<std::string> ignored_;
  absl::flat_hash_map<int, Watched> watched_;
  absl::Duration settle_;
  std::function<void()> on_change_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_POLICY_POLICY_WATCHER_H_
