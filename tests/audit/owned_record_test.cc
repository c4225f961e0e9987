#include "gateway/audit/owned_record.h"

#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "tests/audit/audit_test_util.h"

namespace pasarela::audit {
namespace {

using testing::MakeRecord;

TEST(OwnedAuditRecordTest, ANewRecordLivesOnAnArenaOfItsOwn) {
  OwnedAuditRecord first = OwnedAuditRecord::New();
  OwnedAuditRecord second = OwnedAuditRecord::New();
  ASSERT_NE(first->GetArena(), nullptr);
  ASSERT_NE(second->GetArena(), nullptr);
  EXPECT_NE(first->GetArena(), second->GetArena());
  EXPECT_EQ(first->ByteSizeLong(), 0u);
}

TEST(OwnedAuditRecordTest, ARecordGivenAsAValueIsKeptAsItIs) {
  const v1::AuditRecord expected = MakeRecord(7);
  OwnedAuditRecord owned(MakeRecord(7));
  EXPECT_EQ(owned->GetArena(), nullptr);
  EXPECT_EQ(owned->SerializeAsString(), expected.SerializeAsString());
}

TEST(OwnedAuditRecordTest, MovingKeepsTheRecordAndItsFieldsWhereTheyAre) {
  for (bool on_arena : {true, false}) {
    OwnedAuditRecord owned = on_arena ? OwnedAuditRecord::New() : OwnedAuditRecord(MakeRecord(1));
    *owned = MakeRecord(3);
    v1::AuditRecord* record = owned.get();
    const std::string* exchange_id = &owned->exchange_id();

    OwnedAuditRecord moved(std::move(owned));
    EXPECT_EQ(moved.get(), record) << on_arena;
    EXPECT_EQ(&moved->exchange_id(), exchange_id) << on_arena;

    // Through a container that moves its elements as it grows, as a sink's queue does.
    std::vector<OwnedAuditRecord> queue;
    queue.push_back(std::move(moved));
    for (int i = 0; i < 20; ++i) queue.push_back(OwnedAuditRecord::New());
    EXPECT_EQ(queue.front().get(), record) << on_arena;
    EXPECT_EQ(queue.front()->exchange_id(), "ex-3") << on_arena;

    OwnedAuditRecord assigned = OwnedAuditRecord::New();
    assigned = std::move(queue.front());
    EXPECT_EQ(assigned.get(), record) << on_arena;
    EXPECT_EQ(assigned->SerializeAsString(), MakeRecord(3).SerializeAsString()) << on_arena;
  }
}

}  // namespace
}  // namespace pasarela::audit
