// Finding and reading the segment files of a trail, for the audit commands. Internal to
// gateway/audit.

#ifndef PASARELA_GATEWAY_AUDIT_TRAIL_READER_H_
#define PASARELA_GATEWAY_AUDIT_TRAIL_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {

struct TrailSegment {
  std::string path;     // as given, joined with the file name for a directory
  std::string name;     // file name, e.g. "segment-000002.log"
  uint64_t number = 0;  // from the name; 0 when a single file has another name
  // What an entry's offset is, in messages: a byte offset, or a row's position in a database.
  std::string offset_word = "offset";
};

// The segments of `path`: a directory (its segment-NNNNNN.log files, ascending) or one segment
// file. NotFound when the path does not exist or a directory holds no segment.
absl::StatusOr<std::vector<TrailSegment>> ListTrailSegments(const std::string& path);

// The whole content of a file.
absl::StatusOr<std::string> ReadTrailFile(const std::string& path);

// Calls `visit` with each record of the trail at `path` in order, skipping checkpoints. Damaged
// or truncated bytes are skipped; each adds a line to `damage`. `path` may also name a trail in
// PostgreSQL, "postgresql:CONNINFO_FILE[#GATEWAY]" (see postgres_trail.h): the segment is then
// named "postgresql GATEWAY" and the offset is the entry's position.
using RecordVisitor = std::function<void(const v1::AuditRecord& record, const TrailSegment& segment,
                                         uint64_t offset)>;
absl::Status ForEachRecord(const std::string& path, const RecordVisitor& visit,
                           std::vector<std::string>* damage);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_TRAIL_READER_H_
