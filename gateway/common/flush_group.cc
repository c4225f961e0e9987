#include "gateway/common/flush_group.h"

#include <algorithm>
#include <utility>

namespace pasarela {

thread_local FlushGroup* FlushGroup::open_ = nullptr;

FlushGroup::FlushGroup() {
  if (open_ == nullptr) {
    outermost_ = true;
    open_ = this;
  }
}

FlushGroup::~FlushGroup() {
  if (!outermost_) return;
  open_ = nullptr;
  // Taken first: a flush finds no group open, so what it sends leaves at once.
  std::vector<Deferred> deferred = std::move(deferred_);
  for (const Deferred& d : deferred) d.flush(d.destination);
}

bool FlushGroup::Open() { return open_ != nullptr; }

bool FlushGroup::Defer(void* destination, Flush flush) {
  std::vector<Deferred>& deferred = open_->deferred_;
  // A batch reaches a few destinations (a stream per peer gateway): a scan is cheaper than a map.
  const bool known = std::any_of(deferred.begin(), deferred.end(), [&](const Deferred& d) {
    return d.destination == destination && d.flush == flush;
  });
  if (known) return false;
  deferred.push_back(Deferred{destination, flush});
  return true;
}

}  // namespace pasarela
