// An audit record on its way to a sink, together with the memory of its fields.
//
// A record made by OwnedAuditRecord::New() lives on a protobuf arena of its own whose first block
// holds a typical exchange's record: building one costs a couple of allocations instead of one per
// field object and per classified field, and freeing it one. A record given as a value (policy
// reloads, identity changes, tests) is kept as it is. Moving an OwnedAuditRecord moves neither
// the record nor its fields, so a sink's queue can hand it on without copying.
//
// Thread safety: thread-compatible, like the message it holds.
#ifndef PASARELA_GATEWAY_AUDIT_OWNED_RECORD_H_
#define PASARELA_GATEWAY_AUDIT_OWNED_RECORD_H_

#include <google/protobuf/arena.h>

#include <memory>

#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {

class OwnedAuditRecord {
 public:
  // An empty record on an arena of its own.
  static OwnedAuditRecord New();

  // Takes `record` as it is (implicit, so that a record value can be appended directly).
  OwnedAuditRecord(v1::AuditRecord record);  // NOLINT(google-explicit-constructor)

  OwnedAuditRecord(OwnedAuditRecord&& other) noexcept;
  OwnedAuditRecord& operator=(OwnedAuditRecord&& other) noexcept;
  OwnedAuditRecord(const OwnedAuditRecord&) = delete;
  OwnedAuditRecord& operator=(const OwnedAuditRecord&) = delete;
  ~OwnedAuditRecord() = default;

  v1::AuditRecord& operator*() const { return *record_; }
  v1::AuditRecord* operator->() const { return record_; }
  v1::AuditRecord* get() const { return record_; }

 private:
  explicit OwnedAuditRecord(std::unique_ptr<google::protobuf::Arena> arena);

  // Destroyed after the record that may live on it (members are destroyed in reverse order).
  std::unique_ptr<google::protobuf::Arena> arena_;
  std::unique_ptr<v1::AuditRecord> heap_record_;  // when the record was given as a value
  v1::AuditRecord* record_ = nullptr;             // on arena_, or heap_record_; never null
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_OWNED_RECORD_H_
