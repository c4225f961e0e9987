#include "gateway/common/allocator.h"

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
#else
TEST(AllocatorTest, TheSystemsMallocWithoutTcmalloc) {
  const AllocatorInUse allocator = DescribeAllocator();
  EXPECT_FALSE(allocator.tcmalloc);
  EXPECT_THAT(allocator.description, HasSubstr("built without tcmalloc"));
}
#endif

}  // namespace
}  // namespace pasarela
