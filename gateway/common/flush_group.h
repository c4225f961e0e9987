// FlushGroup lets a thread that finishes many pieces of work at once (the audit writer answering
// a batch of exchanges) have each destination send what those pieces produced together, once,
// when the group closes, instead of a send per piece. A federation stream answering a batch of
// its exchanges then writes their answer frames in one message (docs/PERFORMANCE.md).
//
// A destination that has something to send asks Open(): while a group is open on the calling
// thread, it keeps what it has and calls Defer(), and is flushed once, when the outermost group
// closes, in the order the destinations were first deferred; otherwise it sends now. A
// destination that deferred must stay alive, and keep what it holds, until it is flushed: Defer
// says when it has just been registered, so that it can count the flushes it waits for.
//
// Thread safety: a FlushGroup belongs to the thread that opened it. Groups nest; the outermost
// flushes. Flushes run on that thread, after the group has closed, so that what a flush does
// itself is not deferred.
#ifndef PASARELA_GATEWAY_COMMON_FLUSH_GROUP_H_
#define PASARELA_GATEWAY_COMMON_FLUSH_GROUP_H_

#include <vector>

namespace pasarela {

class FlushGroup {
 public:
  // Sends what `destination` holds.
  using Flush = void (*)(void* destination);

  FlushGroup();
  ~FlushGroup();
  FlushGroup(const FlushGroup&) = delete;
  FlushGroup& operator=(const FlushGroup&) = delete;

  // True when a group is open on this thread.
  static bool Open();

  // Has `flush(destination)` run when the outermost group open on this thread closes, once however
  // many times it is asked. True when this call registered it, false when it already was.
  // REQUIRES: Open().
  static bool Defer(void* destination, Flush flush);

 private:
  struct Deferred {
    void* destination;
    Flush flush;
  };
  // The outermost group open on this thread, or null.
  static thread_local FlushGroup* open_;
  bool outermost_ = false;
  std::vector<Deferred> deferred_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_FLUSH_GROUP_H_
