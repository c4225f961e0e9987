#include "gateway/common/allocator.h"

#ifdef PASARELA_TCMALLOC
#include <gperftools/malloc_extension_c.h>
#endif

#include <cstdlib>

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
#else
TEST(AllocatorTest, TheSystemsMallocWithoutTcmalloc) {
  const AllocatorInUse allocator = DescribeAllocator();
  EXPECT_FALSE(allocator.tcmalloc);
  EXPECT_THAT(allocator.description, HasSubstr("built without tcmalloc"));
  EXPECT_EQ(LimitThreadCaches(), 0);
}
#endif

}  // namespace
}  // namespace pasarela
