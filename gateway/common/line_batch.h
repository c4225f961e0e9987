// LineBatch gathers the log lines one thread writes while it is open and writes them when it
// closes, each destination's in one call. The audit writer answers a whole batch of exchanges at
// once, and each answer writes a log line and an access-log line: one write(2) per batch instead
// of two per exchange.
//
// A destination (the line logger, an access log) asks Gather() first and writes the line itself
// only when no batch is open on the calling thread. Lines keep their order within a destination;
// lines are whole, so they never interleave with other threads' lines. A batch that is open
// delays its lines by the time the thread takes to close it: open one only around a bounded
// piece of work. What must not be seen before its lines are written (an exchange's answer, whose
// caller may read the access log next) goes through AfterLines(): it runs once they are.
//
// Thread safety: a LineBatch belongs to the thread that opened it. Batches nest; the outermost
// writes. A destination passed to Gather must outlive the batch.
#ifndef PASARELA_GATEWAY_COMMON_LINE_BATCH_H_
#define PASARELA_GATEWAY_COMMON_LINE_BATCH_H_

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace pasarela {

class LineBatch {
 public:
  // Writes `lines` (whole lines, `count` of them) to `destination`.
  using Writer = void (*)(void* destination, absl::string_view lines, size_t count);

  LineBatch();
  ~LineBatch();
  LineBatch(const LineBatch&) = delete;
  LineBatch& operator=(const LineBatch&) = delete;

  // True when a batch is open on this thread: `line` (one whole line, with its '\n') is kept for
  // `destination` and will be written by `writer`. False otherwise: the caller writes it now.
  static bool Gather(void* destination, Writer writer, absl::string_view line);

  // Runs `action` once the lines gathered so far on this thread are written: when the outermost
  // batch closes, after its lines, in the order of the calls; at once when no batch is open.
  static void AfterLines(std::function<void()> action);

 private:
  struct Pending {
    void* destination;
    Writer writer;
    std::string lines;
    size_t count;
  };
  // The outermost batch open on this thread, or null.
  static thread_local LineBatch* open_;
  // True for the outermost batch of its thread, the one that writes.
  bool outermost_ = false;
  std::vector<Pending> pending_;
  std::vector<std::function<void()>> after_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_LINE_BATCH_H_
