// DescribeAllocator for builds without tcmalloc (-DPASARELA_TCMALLOC=OFF, the sanitizer builds).
#include "gateway/common/allocator.h"

namespace pasarela {

AllocatorInUse DescribeAllocator() {
  AllocatorInUse in_use;
  in_use.description = "the system's malloc (built without tcmalloc)";
  return in_use;
}

int64_t LimitThreadCaches() { return 0; }

}  // namespace pasarela
