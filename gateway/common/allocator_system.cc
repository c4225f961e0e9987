// The allocator functions for builds without tcmalloc (-DPASARELA_TCMALLOC=OFF, the sanitizer
// builds, whose runtimes replace malloc with an allocator of their own).
#include <malloc.h>

#include "gateway/common/allocator.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PASARELA_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PASARELA_SANITIZER_ALLOCATOR 1
#endif
#endif

#ifdef PASARELA_SANITIZER_ALLOCATOR
#include <sanitizer/allocator_interface.h>
#endif

namespace pasarela {

AllocatorInUse DescribeAllocator() {
  AllocatorInUse in_use;
  in_use.description = "the system's malloc (built without tcmalloc)";
  return in_use;
}

int64_t LimitThreadCaches() { return 0; }

AllocatorMemory ReadAllocatorMemory() {
  AllocatorMemory memory;
#ifdef PASARELA_SANITIZER_ALLOCATOR
  memory.allocated_bytes = static_cast<int64_t>(__sanitizer_get_current_allocated_bytes());
  memory.held_bytes = static_cast<int64_t>(__sanitizer_get_heap_size());
#else
  // Blocks of mmap's own (large ones) are in hblkhd, both allocated and held.
  const struct mallinfo2 info = mallinfo2();
  memory.allocated_bytes = static_cast<int64_t>(info.uordblks + info.hblkhd);
  memory.held_bytes = static_cast<int64_t>(info.arena + info.hblkhd);
#endif
  return memory;
}

}  // namespace pasarela
