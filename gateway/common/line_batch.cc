#include "gateway/common/line_batch.h"

namespace pasarela {

thread_local std::vector<LineBatch::Pending>* LineBatch::open_ = nullptr;

LineBatch::LineBatch() {
  if (open_ == nullptr) {
    outermost_ = true;
    open_ = &pending_;
  }
}

LineBatch::~LineBatch() {
  if (!outermost_) return;
  open_ = nullptr;
  for (const Pending& pending : pending_) {
    pending.writer(pending.destination, pending.lines, pending.count);
  }
}

bool LineBatch::Gather(void* destination, Writer writer, absl::string_view line) {
  if (open_ == nullptr) return false;
  for (Pending& pending : *open_) {
    if (pending.destination == destination && pending.writer == writer) {
      pending.lines.append(line.data(), line.size());
      ++pending.count;
      return true;
    }
  }
  open_->push_back(Pending{destination, writer, std::string(line), 1});
  return true;
}

}  // namespace pasarela
