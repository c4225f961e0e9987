#include "gateway/audit/trail_reader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/audit/audit_file.h"
#include "gateway/audit/postgres_trail.h"
#include "gateway/audit/segment_format.h"
#include "gateway/common/file.h"

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
  // Keyed by number, holding the name found on disk: a name rebuilt from the number would miss
  // segment-0000001.log, which the format allows.
  std::map<uint64_t, std::string> by_number;
  for (const std::string& name : *names) {
    const std::optional<uint64_t> number = ParseSegmentFileName(name);
    if (!number.has_value()) {
      // Skipped in silence, a segment renamed out of range would look like one never written.
      if (absl::StartsWith(name, "segment-") && absl::EndsWith(name, ".log")) {
        return absl::FailedPreconditionError(absl::StrCat(
            dir, name,
            " is named like a segment but its number is not one (six or more digits, from 1 "
            "to 18446744073709551615): rename it or move it aside"));
      }
      continue;
    }
    auto [it, inserted] = by_number.emplace(*number, name);
    if (!inserted) {
      const auto [first, second] = std::minmax(it->second, name);
      return absl::FailedPreconditionError(
          absl::StrCat(dir, first, " and ", second, " are both segment ", *number,
                       ": a trail has one file per segment number; move the wrong one aside"));
    }
  }
  for (auto& [number, name] : by_number) {
    // Opening a FIFO planted under a segment's name would wait for a writer forever.
    struct stat entry;
    if (::stat((dir + name).c_str(), &entry) == 0 && !S_ISREG(entry.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, name, " is not a regular file (", DescribeFileType(entry.st_mode),
                       "): a segment is a file of entries; move it aside"));
    }
    TrailSegment segment;
    segment.path = dir + name;
    segment.name = std::move(name);
    segment.number = number;
    segments.push_back(std::move(segment));
  }
  if (segments.empty()) {
    return absl::NotFoundError(absl::StrCat(path, ": no segment files (segment-NNNNNN.log)"));
  }
  return segments;
}

std::string MissingSegments(const TrailSegment& before, const TrailSegment& after) {
  if (before.number == 0 || after.number == 0 || after.number == before.number + 1) return "";
  const std::string missing = after.number == before.number + 2
                                  ? SegmentFileName(before.number + 1)
                                  : absl::StrCat(SegmentFileName(before.number + 1), " to ",
                                                 SegmentFileName(after.number - 1));
  return absl::StrCat(missing, " missing: the trail goes from ", before.name, " to ", after.name);
}

absl::StatusOr<std::string> ReadTrailFile(const std::string& path) {
  return NewPosixAuditFileSystem()->ReadFile(path);
}

namespace {

// Whether a checkpoint entry holds a checkpoint. The commands that read records pass checkpoints
// over without checking their signatures (audit verify does), but an entry framed as a checkpoint
// that is not one (a record re-framed to hide it from them) is damage they must name.
bool HoldsCheckpoint(absl::string_view payload) {
  v1::Checkpoint checkpoint;
  return checkpoint.ParseFromArray(payload.data(), static_cast<int>(payload.size())) &&
         checkpoint.GetReflection()->GetUnknownFields(checkpoint).empty() &&
         !checkpoint.signature().empty() &&
         absl::StartsWith(checkpoint.signer_certificate_pem(), "-----BEGIN ");
}

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
        if (entry.type != EntryType::kRecord) {
          if (!HoldsCheckpoint(entry.payload)) {
            damage->push_back(absl::StrCat(table.name, " position ", entry.position,
                                           ": checkpoint does not parse"));
          }
          return;
        }
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
  const TrailSegment* previous = nullptr;
  for (const TrailSegment& segment : *segments) {
    if (previous != nullptr) {
      if (std::string missing = MissingSegments(*previous, segment); !missing.empty()) {
        damage->push_back(std::move(missing));
      }
    }
    previous = &segment;
    absl::StatusOr<std::string> content = ReadTrailFile(segment.path);
    if (!content.ok()) return content.status();
    EntryScanner scanner(*content);
    EntryScanner::Entry entry;
    EntryScanner::Problem problem;
    for (bool more = true; more;) {
      switch (scanner.Next(&entry, &problem)) {
        case EntryScanner::Outcome::kEntry: {
          if (entry.type != EntryType::kRecord) {
            if (!HoldsCheckpoint(entry.payload)) {
              damage->push_back(absl::StrCat(segment.name, " offset ", entry.offset,
                                             ": checkpoint does not parse"));
            }
            break;
          }
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
