// AnnotatedMutex is an absl::Mutex whose acquire and release ThreadSanitizer can see.
//
// Why: the Abseil of the Debian packages is built without ThreadSanitizer, so TSan does not see
// absl::Mutex lock and unlock and reports every access that one guards as a data race. Code that
// is checked under TSan (the audit writer, the quota limiter) uses this wrapper, which tells TSan
// about each acquire and release (__tsan_acquire/__tsan_release on the mutex's address). Without
// TSan it is plain absl::Mutex. Waiting uses absl::CondVar rather than absl::Condition, because
// absl evaluates a Condition inside its own code, where the annotations cannot reach. Under TSan it
// also turns off absl's lock-order (deadlock) graph, whose internal copies through memmove TSan
// would report as races for want of seeing absl's internal spin lock.
//
// Thread safety: as absl::Mutex.

#ifndef PASARELA_GATEWAY_COMMON_ANNOTATED_MUTEX_H_
#define PASARELA_GATEWAY_COMMON_ANNOTATED_MUTEX_H_

#include "absl/base/config.h"
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#ifdef ABSL_HAVE_THREAD_SANITIZER
#include <sanitizer/tsan_interface.h>
#endif

namespace pasarela {

class ABSL_LOCKABLE AnnotatedMutex {
 public:
  AnnotatedMutex() {
#ifdef ABSL_HAVE_THREAD_SANITIZER
    static const bool graph_off = [] {
      absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
      return true;
    }();
    (void)graph_off;
#endif
  }
  AnnotatedMutex(const AnnotatedMutex&) = delete;
  AnnotatedMutex& operator=(const AnnotatedMutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    mu_.Lock();
    Acquired();
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    Releasing();
    mu_.Unlock();
  }

  // Releases the mutex while waiting on `cv` until signalled, then takes it back. Spurious
  // wake-ups happen: callers loop on their predicate.
  void Wait(absl::CondVar* cv) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    Releasing();
    cv->Wait(&mu_);
    Acquired();
  }
  // As Wait, but gives up at `deadline`; returns true when it timed out.
  bool WaitWithDeadline(absl::CondVar* cv, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    Releasing();
    const bool timed_out = cv->WaitWithDeadline(&mu_, deadline);
    Acquired();
    return timed_out;
  }

 private:
  void Acquired() {
#ifdef ABSL_HAVE_THREAD_SANITIZER
    __tsan_acquire(this);
#endif
  }
  void Releasing() {
#ifdef ABSL_HAVE_THREAD_SANITIZER
    __tsan_release(this);
#endif
  }

  absl::Mutex mu_;
};

// Holds an AnnotatedMutex for its scope.
class ABSL_SCOPED_LOCKABLE AnnotatedMutexLock {
 public:
  explicit AnnotatedMutexLock(AnnotatedMutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~AnnotatedMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  AnnotatedMutexLock(const AnnotatedMutexLock&) = delete;
  AnnotatedMutexLock& operator=(const AnnotatedMutexLock&) = delete;

 private:
  AnnotatedMutex* const mu_;
};

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_ANNOTATED_MUTEX_H_
