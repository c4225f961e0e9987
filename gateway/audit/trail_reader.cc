#include "gateway/audit/trail_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_file.h"
#include "gateway/audit/postgres_trail.h"
#include "gateway/audit/segment_format.h"

namespace pasarela::audit {

absl::StatusOr<std::vector<TrailSegment>> ListTrailSegments(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  std::vector<TrailSegment> segments;
  if (!S_ISDIR(st.st_mode)) {
    const size_t slash = path.find_last_of('/');
    TrailSegment segment;
    segment.path = path;
    segment.name = slash == std::string::npos ? path : path.substr(slash + 1);
    segment.number = ParseSegmentFileName(segment.name).value_or(0);
    segments.push_back(std::move(segment));
    return segments;
  }
  absl::StatusOr<std::vector<std::string>> names = NewPosixAuditFileSystem()->ListDirectory(path);
  if (!names.ok()) return names.status();
  const std::string dir = !path.empty() && path.back() == '/' ? path : path + "/";
  for (uint64_t number : SegmentNumbers(*names)) {
    TrailSegment segment;
    segment.name = SegmentFileName(number);
    segment.path = dir + segment.name;
    segment.number = number;
    segments.push_back(std::move(segment));
  }
  if (segments.empty()) {
    return absl::NotFoundError(absl::StrCat(path, ": no segment files (segment-NNNNNN.log)"));
  }
  return segments;
}

absl::StatusOr<std::string> ReadTrailFile(const std::string& path) {
  return NewPosixAuditFileSystem()->ReadFile(path);
}

namespace {

absl::Status ForEachDatabaseRecord(const std::string& path, const RecordVisitor& visit,
                                   std::vector<std::string>* damage) {
  absl::StatusOr<PostgresTrailAddress> address = ParsePostgresTrail(path);
  if (!address.ok()) return address.status();
  TrailSegment table;
  table.path = path;
  table.offset_word = "position";
  StoredChainHead head;
  return ForEachStoredEntry(
      *address,
      [&](const StoredEntry& entry) {
        if (table.name.empty()) table.name = absl::StrCat("postgresql ", head.gateway);
        if (entry.type != EntryType::kRecord) return;
        v1::AuditRecord record;
        if (!record.ParseFromString(entry.payload)) {
          damage->push_back(
              absl::StrCat(table.name, " position ", entry.position, ": record does not parse"));
          return;
        }
        visit(record, table, entry.position);
      },
      &head);
}

}  // namespace

absl::Status ForEachRecord(const std::string& path, const RecordVisitor& visit,
                           std::vector<std::string>* damage) {
  if (IsPostgresTrail(path)) return ForEachDatabaseRecord(path, visit, damage);
  absl::StatusOr<std::vector<TrailSegment>> segments = ListTrailSegments(path);
  if (!segments.ok()) return segments.status();
  for (const TrailSegment& segment : *segments) {
    absl::StatusOr<std::string> content = ReadTrailFile(segment.path);
    if (!content.ok()) return content.status();
    EntryScanner scanner(*content);
    EntryScanner::Entry entry;
    EntryScanner::Problem problem;
    for (bool more = true; more;) {
      switch (scanner.Next(&entry, &problem)) {
        case EntryScanner::Outcome::kEntry: {
          if (entry.type != EntryType::kRecord) break;
          v1::AuditRecord record;
          if (!record.ParseFromArray(entry.payload.data(),
                                     static_cast<int>(entry.payload.size()))) {
            damage->push_back(
                absl::StrCat(segment.name, " offset ", entry.offset, ": record does not parse"));
            break;
          }
          visit(record, segment, entry.offset);
          break;
        }
        case EntryScanner::Outcome::kEnd:
          more = false;
          break;
        case EntryScanner::Outcome::kTruncated:
          damage->push_back(absl::StrCat(segment.name, ": truncated: last entry at offset ",
                                         problem.offset, " is incomplete"));
          break;
        case EntryScanner::Outcome::kCorrupt:
          damage->push_back(absl::StrCat(segment.name, " offset ", problem.offset,
                                         ": damaged entry: ", problem.reason));
          break;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace pasarela::audit
