#include "gateway/audit/segment_format.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <random>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace pasarela::audit {
namespace {

using Outcome = EntryScanner::Outcome;

TEST(Crc32cTest, KnownValues) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);
  // Continuing a CRC equals computing it at once.
  EXPECT_EQ(Crc32c("56789", Crc32c("1234")), 0xE3069283u);
}

TEST(Crc32cTest, TablesGiveTheKnownValues) {
  EXPECT_EQ(internal::Crc32cTables(""), 0u);
  EXPECT_EQ(internal::Crc32cTables("123456789"), 0xE3069283u);
  EXPECT_EQ(internal::Crc32cTables(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(internal::Crc32cTables("56789", internal::Crc32cTables("1234")), 0xE3069283u);
}

TEST(Crc32cTest, EqualsTheTablesAtEveryLengthAndAlignment) {
  std::mt19937 random(7);
  std::string bytes(300, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  for (size_t start = 0; start < 8; ++start) {
    for (size_t length = 0; start + length <= bytes.size(); length += 1 + length / 8) {
      const absl::string_view data = absl::string_view(bytes).substr(start, length);
      const uint32_t seed = static_cast<uint32_t>(random());
      ASSERT_EQ(Crc32c(data), internal::Crc32cTables(data)) << start << " " << length;
      ASSERT_EQ(Crc32c(data, seed), internal::Crc32cTables(data, seed)) << start << " " << length;
    }
  }
}

TEST(Sha256Test, KnownValue) {
  const std::string digest = Sha256("abc");
  ASSERT_EQ(digest.size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>(digest[0]), 0xBA);
  EXPECT_EQ(static_cast<unsigned char>(digest[31]), 0xAD);
}

TEST(SegmentFileNameTest, RoundTripsAndSorts) {
  EXPECT_EQ(SegmentFileName(3), "segment-000003.log");
  EXPECT_EQ(SegmentFileName(1234567), "segment-1234567.log");
  EXPECT_EQ(ParseSegmentFileName("segment-000003.log"), 3u);
  EXPECT_EQ(ParseSegmentFileName("segment-1234567.log"), 1234567u);
  EXPECT_FALSE(ParseSegmentFileName("segment-3.log").has_value());
  EXPECT_FALSE(ParseSegmentFileName("segment-000000.log").has_value());
  EXPECT_FALSE(ParseSegmentFileName("segment-000003.log.bak").has_value());
  EXPECT_FALSE(ParseSegmentFileName(".audit-probe").has_value());
  EXPECT_EQ(
      SegmentNumbers({"segment-1000000.log", "x", "segment-000002.log", "segment-999999.log"}),
      (std::vector<uint64_t>{2, 999999, 1000000}));
}

std::string ThreeEntries() {
  std::string data;
  AppendEntry(EntryType::kRecord, "first", &data);
  AppendEntry(EntryType::kCheckpoint, "second entry", &data);
  AppendEntry(EntryType::kRecord, std::string(300, 'x'), &data);
  return data;
}

TEST(EntryScannerTest, ReadsBackWhatWasFramed) {
  const std::string data = ThreeEntries();
  EntryScanner scanner(data);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  EXPECT_EQ(e.offset, 0u);
  EXPECT_EQ(e.type, EntryType::kRecord);
  EXPECT_EQ(e.payload, "first");
  EXPECT_EQ(e.size, kEntryOverhead + 5);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  EXPECT_EQ(e.type, EntryType::kCheckpoint);
  EXPECT_EQ(e.payload, "second entry");
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  EXPECT_EQ(e.payload.size(), 300u);
  EXPECT_EQ(scanner.Next(&e, &p), Outcome::kEnd);
}

TEST(EntryScannerTest, EveryCutInsideTheLastEntryIsTruncation) {
  const std::string data = ThreeEntries();
  const uint64_t last = 2 * kEntryOverhead + 5 + 12;
  for (uint64_t cut = last + 1; cut < data.size(); ++cut) {
    const std::string torn = data.substr(0, cut);
    EntryScanner scanner(torn);
    EntryScanner::Entry e;
    EntryScanner::Problem p;
    ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
    ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
    ASSERT_EQ(scanner.Next(&e, &p), Outcome::kTruncated) << "cut at " << cut;
    EXPECT_EQ(p.offset, last);
    EXPECT_EQ(scanner.Next(&e, &p), Outcome::kEnd);
  }
}

// The writer reserves space ahead of its appends with zeros; a crash can leave unsynced appends as
// zeros. Neither is an entry, whatever its length.
TEST(EntryScannerTest, ZerosAfterTheLastEntryAreTheEnd) {
  for (size_t zeros : {size_t{1}, size_t{8}, size_t{100}, size_t{1} << 20}) {
    const std::string data = ThreeEntries() + std::string(zeros, '\0');
    EntryScanner scanner(data);
    EntryScanner::Entry e;
    EntryScanner::Problem p;
    for (int i = 0; i < 3; ++i) ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
    ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEnd) << zeros;
    EXPECT_EQ(scanner.reserved_bytes(), zeros);
    EXPECT_EQ(scanner.Next(&e, &p), Outcome::kEnd);
  }
  // A segment of zeros only holds no entry.
  const std::string zeros_only(4096, '\0');
  EntryScanner empty(zeros_only);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  EXPECT_EQ(empty.Next(&e, &p), Outcome::kEnd);
}

// Zeros with anything after them are damage, not the end: an attacker cannot hide entries by
// zeroing them.
TEST(EntryScannerTest, ZerosBeforeAnEntryOrOtherBytesAreDamage) {
  const std::string entries = ThreeEntries();
  const uint64_t second = kEntryOverhead + 5;
  std::string zeroed = entries;
  std::fill(zeroed.begin() + static_cast<std::ptrdiff_t>(second),
            zeroed.begin() + static_cast<std::ptrdiff_t>(second + kEntryOverhead + 12), '\0');
  EntryScanner scanner(zeroed);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kCorrupt);
  EXPECT_EQ(p.offset, second);
  EXPECT_EQ(p.reason, "bad entry magic");
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  EXPECT_EQ(scanner.Next(&e, &p), Outcome::kEnd);

  const std::string stray_bytes = entries + std::string(64, '\0') + "x";
  EntryScanner stray(stray_bytes);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(stray.Next(&e, &p), Outcome::kEntry);
  EXPECT_EQ(stray.Next(&e, &p), Outcome::kCorrupt);
}

// A torn write into reserved space leaves the entry's header and part of its payload, then
// zeros: damage at the end, which nothing readable follows (the writer cuts it away on open).
TEST(EntryScannerTest, TornEntryInReservedSpaceIsDamageAtTheEnd) {
  const std::string entries = ThreeEntries();
  const uint64_t third = (kEntryOverhead + 5) + (kEntryOverhead + 12);
  std::string torn = entries.substr(0, third + kEntryHeaderSize + 2) + std::string(4096, '\0');
  EntryScanner scanner(torn);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kCorrupt);
  EXPECT_EQ(p.offset, third);
  EXPECT_EQ(p.resume_offset, torn.size());
}

TEST(EntryScannerTest, DamageIsReportedAndScanningResumesAtTheNextEntry) {
  std::string data = ThreeEntries();
  const uint64_t second = kEntryOverhead + 5;
  data[second + kEntryHeaderSize + 2] ^= 0x01;  // inside the second payload
  EntryScanner scanner(data);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kCorrupt);
  EXPECT_EQ(p.offset, second);
  EXPECT_EQ(p.reason, "checksum mismatch");
  EXPECT_EQ(p.resume_offset, second + kEntryOverhead + 12);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  EXPECT_EQ(e.payload.size(), 300u);
  EXPECT_EQ(scanner.Next(&e, &p), Outcome::kEnd);
}

TEST(EntryScannerTest, GarbageBetweenEntriesIsSkipped) {
  std::string data;
  AppendEntry(EntryType::kRecord, "a", &data);
  data += "garbage \xF5 more garbage";
  const uint64_t resume = data.size();
  AppendEntry(EntryType::kRecord, "b", &data);
  EntryScanner scanner(data);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kCorrupt);
  EXPECT_EQ(p.reason, "bad entry magic");
  EXPECT_EQ(p.resume_offset, resume);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  EXPECT_EQ(e.payload, "b");
}

TEST(EntryScannerTest, DamagedLengthBeforeValidEntriesIsCorruptionNotTruncation) {
  std::string data = ThreeEntries();
  data[5 + 3] = '\x01';  // the first entry's length now runs far past the end
  EntryScanner scanner(data);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kCorrupt);
  EXPECT_EQ(p.offset, 0u);
  EXPECT_EQ(p.resume_offset, kEntryOverhead + 5);
}

// Damage made of entry headers that each claim a long payload (found while fuzzing the
// verifier): every candidate used to be checked by a CRC over its whole claimed length, so this
// 2 MB segment cost about 2 * 10^11 bytes of CRC, hours; it must take one pass.
TEST(EntryScannerTest, ForgedHeadersDoNotMakeResynchronisationQuadratic) {
  constexpr uint32_t kClaimed = 1u << 20;
  std::string header(kEntryMagic, 4);
  header += static_cast<char>(EntryType::kRecord);
  for (int i = 0; i < 4; ++i) header += static_cast<char>((kClaimed >> (8 * i)) & 0xFF);
  std::string data;
  while (data.size() < (2u << 20)) data += header;
  const uint64_t good = data.size();
  AppendEntry(EntryType::kRecord, "after the damage", &data);
  EntryScanner scanner(data);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kCorrupt);
  EXPECT_EQ(p.offset, 0u);
  EXPECT_EQ(p.reason, "checksum mismatch");
  EXPECT_EQ(p.resume_offset, good);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  EXPECT_EQ(e.payload, "after the damage");
  EXPECT_EQ(scanner.Next(&e, &p), Outcome::kEnd);
}

// The payload length a complete entry header at `at` claims, if one is there.
std::optional<uint32_t> ClaimedLength(const std::string& data, uint64_t at) {
  if (data.compare(at, 4, kEntryMagic, 4) != 0) return std::nullopt;
  uint8_t type = static_cast<uint8_t>(data[at + 4]);
  if (type != 1 && type != 2) return std::nullopt;
  uint32_t len = 0;
  for (int i = 3; i >= 0; --i) len = (len << 8) | static_cast<unsigned char>(data[at + 5 + i]);
  if (len > kMaxEntryPayload || data.size() - at - kEntryOverhead < len) return std::nullopt;
  return len;
}

// The first offset at or after `from` where a complete entry with a good CRC starts, checking
// each candidate directly: the reference for the scanner's resynchronisation.
uint64_t NaiveNextValidEntry(const std::string& data, uint64_t from) {
  for (uint64_t at = from; at + kEntryOverhead <= data.size(); ++at) {
    std::optional<uint32_t> claimed = ClaimedLength(data, at);
    if (!claimed.has_value()) continue;
    const uint32_t len = *claimed;
    uint32_t stored = 0;
    for (int i = 3; i >= 0; --i) {
      stored = (stored << 8) | static_cast<unsigned char>(data[at + kEntryHeaderSize + len + i]);
    }
    if (Crc32c(absl::string_view(data).substr(at + 4, 5 + len)) == stored) return at;
  }
  return data.size();
}

TEST(EntryScannerTest, ResynchronisationFindsTheFirstValidEntryAfterRandomDamage) {
  std::mt19937 random(7);
  int resynchronisations = 0;
  // The scanner checks candidates one by one while their checked ranges cover the data at most
  // twice, and in one pass over the data beyond that: the damage must lead to both.
  int rounds_checked_one_by_one = 0;
  int rounds_checked_in_one_pass = 0;
  for (int round = 0; round < 400; ++round) {
    std::string data;
    int entries = 2 + static_cast<int>(random() % 6);
    for (int i = 0; i < entries; ++i) {
      AppendEntry(random() % 2 ? EntryType::kRecord : EntryType::kCheckpoint,
                  std::string(random() % 80, static_cast<char>('a' + i)), &data);
    }
    // Flip bytes, and plant magic bytes and whole stray headers.
    int damage = 1 + static_cast<int>(random() % 6);
    for (int i = 0; i < damage; ++i) {
      uint64_t at = random() % data.size();
      switch (random() % 5) {
        case 0:
          data[at] = static_cast<char>(random());
          break;
        case 1:
          data[at] = kEntryMagic[0];
          break;
        case 2:
          data.insert(at, std::string(kEntryMagic, 4) + "\x01\x03\x00\x00\x00");
          break;
        default: {
          // A stray header claiming all that follows it but the room for its CRC.
          const uint32_t len =
              static_cast<uint32_t>(data.size() - at > 4 ? data.size() - at - 4 : 0);
          std::string header(kEntryMagic, 4);
          header += '\x01';
          for (int b = 0; b < 4; ++b) header += static_cast<char>((len >> (8 * b)) & 0xFF);
          data.insert(at, header);
          break;
        }
      }
    }
    uint64_t covered = 0;
    for (uint64_t at = 0; at + kEntryOverhead <= data.size(); ++at) {
      if (std::optional<uint32_t> claimed = ClaimedLength(data, at)) covered += 5 + *claimed;
    }
    ++(covered <= 2 * data.size() ? rounds_checked_one_by_one : rounds_checked_in_one_pass);
    EntryScanner scanner(data);
    EntryScanner::Entry e;
    EntryScanner::Problem p;
    for (Outcome outcome; (outcome = scanner.Next(&e, &p)) != Outcome::kEnd;) {
      if (outcome != Outcome::kCorrupt) continue;
      ++resynchronisations;
      ASSERT_EQ(p.resume_offset, NaiveNextValidEntry(data, p.offset + 1))
          << "round " << round << ", damage at " << p.offset << ": " << p.reason;
    }
  }
  EXPECT_GT(resynchronisations, 300);
  EXPECT_GT(rounds_checked_one_by_one, 50) << rounds_checked_in_one_pass;
  EXPECT_GT(rounds_checked_in_one_pass, 30) << rounds_checked_one_by_one;
}

}  // namespace
}  // namespace pasarela::audit
