// Which allocator serves the gateway's memory.
//
// The gateway is linked with gperftools' tcmalloc (CMake option PASARELA_TCMALLOC, on except in
// the sanitizer builds, whose runtimes bring their own allocator): every exchange allocates and
// frees many small objects on several threads (gRPC's call state, metadata, slices, the audit
// record), and tcmalloc's per-thread caches serve them with less work and fewer locks than
// glibc's arenas. docs/PERFORMANCE.md has the figures. The gateway logs the answer at start, so
// that a build or a preloaded library that replaced the allocator shows in the log.
//
// Thread safety: may be called from any thread.
#ifndef PASARELA_GATEWAY_COMMON_ALLOCATOR_H_
#define PASARELA_GATEWAY_COMMON_ALLOCATOR_H_

#include <cstdint>
#include <string>

namespace pasarela {

// The most tcmalloc keeps in the per-thread caches of all the gateway's threads together.
// gperftools' default, 32 MiB, lets the caches of gRPC's threads hold many megabytes that a
// soak cannot tell from growth; 8 MiB carries the same load with no less throughput
// (docs/PERFORMANCE.md, row 22 of "What changed").
constexpr int64_t kThreadCacheBudgetBytes = int64_t{8} << 20;

struct AllocatorInUse {
  // True when tcmalloc allocates this process's memory: it was linked and nothing loaded before
  // it (LD_PRELOAD) took malloc's place.
  bool tcmalloc = false;
  // For the log, e.g. "tcmalloc (gperftools 2.10)".
  std::string description;
};

// Asks the allocator about a block just allocated with malloc and one with operator new.
AllocatorInUse DescribeAllocator();

// Sets tcmalloc's thread-cache budget to kThreadCacheBudgetBytes, unless the environment sets
// TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES (which tcmalloc reads itself, and which then stays).
// Returns the budget in force, or 0 when tcmalloc does not serve the process.
int64_t LimitThreadCaches();

// The allocator's own account of the process's memory. Resident memory alone cannot tell a leak
// from an allocator that keeps freed memory for reuse: a leak raises `allocated_bytes`, memory
// kept for reuse only `held_bytes`.
struct AllocatorMemory {
  // Bytes in blocks allocated and not freed.
  int64_t allocated_bytes = 0;
  // Bytes the allocator has from the system and has not given back: the allocated ones and those
  // it keeps free for reuse (tcmalloc's caches and free lists, glibc's free chunks).
  int64_t held_bytes = 0;
};

// Reads them from tcmalloc, from a sanitizer's allocator in sanitizer builds, else from glibc's
// mallinfo2 (which walks every arena under its lock: for a scrape, not for a hot path).
AllocatorMemory ReadAllocatorMemory();

}  // namespace pasarela

#endif  // PASARELA_GATEWAY_COMMON_ALLOCATOR_H_
