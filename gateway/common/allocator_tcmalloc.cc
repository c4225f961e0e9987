// DescribeAllocator for builds that link tcmalloc (PASARELA_TCMALLOC).
#include <gperftools/malloc_extension_c.h>
#include <gperftools/tcmalloc.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gateway/common/allocator.h"

namespace pasarela {

namespace {

int64_t NumericProperty(const char* name) {
  size_t value = 0;
  return MallocExtension_GetNumericProperty(name, &value) ? static_cast<int64_t>(value) : 0;
}

}  // namespace

AllocatorInUse DescribeAllocator() {
  // tcmalloc owns a block only when its malloc (and its operator new) made it: a library
  // preloaded before it serves malloc in its place, and tcmalloc then disowns the block.
  std::unique_ptr<void, decltype(&std::free)> block(std::malloc(64), &std::free);
  auto object = std::make_unique<char[]>(64);
  const bool owned = MallocExtension_GetOwnership(block.get()) == MallocExtension_kOwned &&
                     MallocExtension_GetOwnership(object.get()) == MallocExtension_kOwned;
  AllocatorInUse in_use;
  if (!owned) {
    in_use.description =
        "not tcmalloc: the gateway links it, but another allocator loaded before it serves malloc";
    return in_use;
  }
  in_use.tcmalloc = true;
  // The version of the library loaded, which may be newer than the headers built against.
  int major = 0;
  int minor = 0;
  const char* patch = "";
  tc_version(&major, &minor, &patch);
  in_use.description = absl::StrCat("tcmalloc (gperftools ", major, ".", minor, patch, ")");
  return in_use;
}

int64_t LimitThreadCaches() {
  if (!DescribeAllocator().tcmalloc) return 0;
  constexpr char kProperty[] = "tcmalloc.max_total_thread_cache_bytes";
  if (std::getenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES") == nullptr) {
    MallocExtension_SetNumericProperty(kProperty, static_cast<size_t>(kThreadCacheBudgetBytes));
  }
  return NumericProperty(kProperty);
}

AllocatorMemory ReadAllocatorMemory() {
  AllocatorMemory memory;
  memory.allocated_bytes = NumericProperty("generic.current_allocated_bytes");
  // The heap's size counts the pages given back to the system (unmapped) too.
  memory.held_bytes =
      NumericProperty("generic.heap_size") - NumericProperty("tcmalloc.pageheap_unmapped_bytes");
  return memory;
}

}  // namespace pasarela
