#include "gateway/common/allocator.h"

#ifdef PASARELA_TCMALLOC
#include <gperftools/malloc_extension_c.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pasarela {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

#ifdef PASARELA_TCMALLOC
TEST(AllocatorTest, TcmallocServesMallocWhenLinked) {
  const AllocatorInUse allocator = DescribeAllocator();
  EXPECT_TRUE(allocator.tcmalloc);
  EXPECT_THAT(allocator.description, StartsWith("tcmalloc (gperftools 2."));
}

TEST(AllocatorTest, ThreadCachesAreHeldToTheGatewaysBudget) {
  if (std::getenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES") != nullptr) {
    GTEST_SKIP() << "the environment sets the budget";
  }
  EXPECT_EQ(LimitThreadCaches(), kThreadCacheBudgetBytes);
  size_t budget = 0;
  ASSERT_TRUE(MallocExtension_GetNumericProperty("tcmalloc.max_total_thread_cache_bytes", &budget));
  EXPECT_EQ(static_cast<int64_t>(budget), kThreadCacheBudgetBytes);
}

TEST(AllocatorTest, ABudgetTheEnvironmentSetsStays) {
  ASSERT_EQ(setenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES", "16777216", 1), 0);
  ASSERT_TRUE(
      MallocExtension_SetNumericProperty("tcmalloc.max_total_thread_cache_bytes", 16777216));
  EXPECT_EQ(LimitThreadCaches(), 16777216);
  ASSERT_EQ(unsetenv("TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES"), 0);
}
#endif

// Whichever allocator serves the process (tcmalloc, glibc's, a sanitizer's), its account follows
// a block from malloc to free.
TEST(AllocatorTest, TheAccountCountsABlockWhileItIsAllocated) {
  constexpr int64_t kBlockBytes = int64_t{32} << 20;
  const AllocatorMemory before = ReadAllocatorMemory();
  {
    auto block = std::make_unique<char[]>(kBlockBytes);
    // The block escapes, so that the compiler cannot leave the allocation out.
    asm volatile("" : : "r"(block.get()) : "memory");
    const AllocatorMemory during = ReadAllocatorMemory();
    EXPECT_GE(during.allocated_bytes - before.allocated_bytes, kBlockBytes);
    EXPECT_GE(during.held_bytes, during.allocated_bytes);
  }
  const AllocatorMemory after = ReadAllocatorMemory();
  EXPECT_LT(after.allocated_bytes - before.allocated_bytes, kBlockBytes);
}

#ifndef PASARELA_TCMALLOC
TEST(AllocatorTest, TheSystemsMallocWithoutTcmalloc) {
  const AllocatorInUse allocator = DescribeAllocator();
  EXPECT_FALSE(allocator.tcmalloc);
  EXPECT_THAT(allocator.description, HasSubstr("built without tcmalloc"));
  EXPECT_EQ(LimitThreadCaches(), 0);
}
#endif

}  // namespace
}  // namespace pasarela
