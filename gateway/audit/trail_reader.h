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

// The segments of `path`: a directory (its segment-NNNNNN.log files, six or more digits,
// ascending by number, each under the name it has on disk) or one segment file. NotFound when the
// path does not exist or a directory holds no segment; FailedPrecondition, naming both files,
// when two files of a directory have the same number (segment-000003.log and
// segment-0000003.log), since either could be the trail's, when a segment of a directory is
// not a regular file (a FIFO would block its reader), or when a file named segment-*.log has no
// segment number (segment-000000.log, segment-12.log, a number beyond 64 bits).
absl::StatusOr<std::vector<TrailSegment>> ListTrailSegments(const std::string& path);

// What is missing between two consecutive segments of a listing: "segment-000002.log missing:
// the trail goes from segment-000001.log to segment-000003.log" (or "segment-000002.log to
// segment-000004.log missing: ..."). Empty when `after` follows `before` directly or either has
// no number.
std::string MissingSegments(const TrailSegment& before, const TrailSegment& after);

// The whole content of a file.
absl::StatusOr<std::string> ReadTrailFile(const std::string& path);

// Calls `visit` with each record of the trail at `path` in order, skipping checkpoints (whose
// signatures audit verify checks; an entry framed as a checkpoint that holds none is damage).
// Damaged or truncated bytes are skipped, and segments missing from the numbering are passed over;
// each adds a line to `damage`, so that a command can say its answer may be incomplete. `path` may
// also name a trail in PostgreSQL, "postgresql:CONNINFO_FILE[#GATEWAY]" (see postgres_trail.h): the
// segment is then named "postgresql GATEWAY" and the offset is the entry's position.
using RecordVisitor = std::function<void(const v1::AuditRecord& record, const TrailSegment& segment,
                                         uint64_t offset)>;
absl::Status ForEachRecord(const std::string& path, const RecordVisitor& visit,
                           std::vector<std::string>* damage);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_TRAIL_READER_H_
