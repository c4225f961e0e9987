// How audit entries are laid out in a segment file, and a scanner that reads them back. Internal
// to gateway/audit: the writer, the verifier and the reconcile and subject commands share it.
//
// A trail is a directory of segment files named segment-NNNNNN.log (six or more digits, numbered
// from 1 without gaps). A segment is a plain sequence of entries, with no header:
//
//   +--------------+--------+--------------+---------------------------+--------------+
//   | magic (4)    | type   | length (4)   | payload (length bytes)    | crc32c (4)   |
//   | F5 41 55 44  | (1)    | uint32, LE   | a serialized AuditRecord  | uint32, LE   |
//   |              |        |              | (type 1) or Checkpoint    |              |
//   |              |        |              | (type 2)                  |              |
//   +--------------+--------+--------------+---------------------------+--------------+
//   offset 0        4        5              9                           9 + length
//
// The CRC-32C (Castagnoli) covers type, length and payload. The magic's first byte, 0xF5, never
// occurs in UTF-8 text, so a reader that meets damage can search forward for the next magic and
// confirm it with the CRC (resynchronisation). An entry whose bytes run past the end of the file
// is a torn (truncated) entry. Zero bytes from where an entry would begin to the end of the file
// are not an entry: the writer reserves space ahead of its appends that way (audit_file.h), and a
// crash can leave unsynced appends as zeros. The entries end there.
//
// The hash chain: every entry's payload has a previous_hash field holding SHA-256 of the payload
// bytes of the entry before it in the trail (records and checkpoints alike, across segment
// boundaries); the first record of a trail has 32 zero bytes there.

#ifndef PASARELA_GATEWAY_AUDIT_SEGMENT_FORMAT_H_
#define PASARELA_GATEWAY_AUDIT_SEGMENT_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace pasarela::audit {

enum class EntryType : uint8_t {
  kRecord = 1,
  kCheckpoint = 2,
};

inline constexpr char kEntryMagic[4] = {'\xF5', 'A', 'U', 'D'};
inline constexpr size_t kEntryHeaderSize = 9;   // magic, type, length
inline constexpr size_t kEntryTrailerSize = 4;  // crc32c
inline constexpr size_t kEntryOverhead = kEntryHeaderSize + kEntryTrailerSize;
// Larger lengths are taken as damage.
inline constexpr uint32_t kMaxEntryPayload = 16u << 20;
inline constexpr size_t kHashSize = 32;

// CRC-32C of `data`, continuing from `crc` (0 to start). Uses the processor's CRC32 instruction
// where it has one.
uint32_t Crc32c(absl::string_view data, uint32_t crc = 0);

namespace internal {
// The same, by tables on any processor (what Crc32c falls back to); for tests.
uint32_t Crc32cTables(absl::string_view data, uint32_t crc = 0);
}  // namespace internal

// SHA-256 of `data`, 32 bytes.
std::string Sha256(absl::string_view data);

// Appends one framed entry to `out`.
void AppendEntry(EntryType type, absl::string_view payload, std::string* out);

// "segment-000042.log" for 42.
std::string SegmentFileName(uint64_t number);
// 42 for "segment-000042.log"; nullopt for any other name.
std::optional<uint64_t> ParseSegmentFileName(absl::string_view name);
// The segment numbers among `names`, ascending.
std::vector<uint64_t> SegmentNumbers(const std::vector<std::string>& names);

// Reads entries from the bytes of one segment. It does not parse payloads or check the chain.
// Not thread-safe; `data` must outlive the scanner and the entries it returns.
class EntryScanner {
 public:
  enum class Outcome {
    kEntry,      // `entry` is a complete entry with a good CRC
    kEnd,        // no more entries: the end of the data, or only zero bytes to it
    kTruncated,  // the bytes from `problem.offset` to the end are an incomplete entry
    kCorrupt,    // the bytes from `problem.offset` to `problem.resume_offset` are damaged;
                 // scanning continues at resume_offset (the end when nothing readable follows)
  };
  struct Entry {
    uint64_t offset = 0;
    EntryType type = EntryType::kRecord;
    absl::string_view payload;
    uint64_t size = 0;  // framed size
  };
  struct Problem {
    uint64_t offset = 0;
    uint64_t resume_offset = 0;
    std::string reason;  // "checksum mismatch", "bad entry magic", ...
  };

  explicit EntryScanner(absl::string_view data) : data_(data) {}

  Outcome Next(Entry* entry, Problem* problem);
  // Offset of the first byte not yet consumed.
  uint64_t position() const { return pos_; }
  // The zero bytes after the last entry, once Next has returned kEnd.
  uint64_t reserved_bytes() const { return reserved_bytes_; }

 private:
  // Whether a complete entry with a good CRC starts at `offset`.
  bool ValidEntryAt(uint64_t offset) const;
  // The first offset at or after `from` where a valid entry starts, or the size of the data.
  uint64_t FindNextValidEntry(uint64_t from);

  absl::string_view data_;
  uint64_t pos_ = 0;
  uint64_t reserved_bytes_ = 0;
  // Where every valid entry of the data starts, ascending: found on the first resynchronisation
  // in one pass, so that damage full of magic bytes cannot make the scan quadratic (see
  // ValidEntryOffsets in segment_format.cc).
  std::optional<std::vector<uint64_t>> valid_offsets_;
};

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_SEGMENT_FORMAT_H_
