#include "gateway/audit/owned_record.h"

#include <utility>

namespace pasarela::audit {
namespace {

// An identity lookup's record with a dozen classified fields takes about 2-3 KiB of field
// objects; larger records continue in further blocks.
constexpr size_t kFirstBlockBytes = 4096;

google::protobuf::ArenaOptions RecordArenaOptions() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = kFirstBlockBytes;
  return options;
}

}  // namespace

OwnedAuditRecord OwnedAuditRecord::New() {
  return OwnedAuditRecord(std::make_unique<google::protobuf::Arena>(RecordArenaOptions()));
}

OwnedAuditRecord::OwnedAuditRecord(std::unique_ptr<google::protobuf::Arena> arena)
    : arena_(std::move(arena)),
      record_(google::protobuf::Arena::CreateMessage<v1::AuditRecord>(arena_.get())) {}

OwnedAuditRecord::OwnedAuditRecord(v1::AuditRecord record)
    : heap_record_(std::make_unique<v1::AuditRecord>(std::move(record))),
      record_(heap_record_.get()) {}

OwnedAuditRecord::OwnedAuditRecord(OwnedAuditRecord&& other) noexcept
    : arena_(std::move(other.arena_)),
      heap_record_(std::move(other.heap_record_)),
      record_(std::exchange(other.record_, nullptr)) {}

OwnedAuditRecord& OwnedAuditRecord::operator=(OwnedAuditRecord&& other) noexcept {
  if (this != &other) {
    // The old record goes before the arena it may live on.
    heap_record_ = std::move(other.heap_record_);
    arena_ = std::move(other.arena_);
    record_ = std::exchange(other.record_, nullptr);
  }
  return *this;
}

}  // namespace pasarela::audit
