#include "gateway/common/line_batch.h"

#include <utility>

namespace pasarela {

thread_local LineBatch* LineBatch::open_ = nullptr;

LineBatch::LineBatch() {
  if (open_ == nullptr) {
    outermost_ = true;
    open_ = this;
  }
}

LineBatch::~LineBatch() {
  if (!outermost_) return;
  open_ = nullptr;
  for (const Pending& pending : pending_) {
    pending.writer(pending.destination, pending.lines, pending.count);
  }
  // With the batch closed, what an action logs is written at once.
  for (std::function<void()>& action : after_) action();
}

bool LineBatch::Gather(void* destination, Writer writer, absl::string_view line) {
  if (open_ == nullptr) return false;
  for (Pending& pending : open_->pending_) {
    if (pending.destination == destination && pending.writer == writer) {
      pending.lines.append(line.data(), line.size());
      ++pending.count;
      return true;
    }
  }
  open_->pending_.push_back(Pending{destination, writer, std::string(line), 1});
  return true;
}

void LineBatch::AfterLines(std::function<void()> action) {
  if (open_ == nullptr) {
    action();
    return;
  }
  open_->after_.push_back(std::move(action));
}

}  // namespace pasarela
