#include "gateway/audit/segment_format.h"

#include <string>

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

TEST(EntryScannerTest, ZeroFilledTailIsTruncation) {
  const std::string data = ThreeEntries() + std::string(100, '\0');
  EntryScanner scanner(data);
  EntryScanner::Entry e;
  EntryScanner::Problem p;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(scanner.Next(&e, &p), Outcome::kEntry);
  ASSERT_EQ(scanner.Next(&e, &p), Outcome::kTruncated);
  EXPECT_NE(p.reason.find("zero-filled"), std::string::npos);
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

}  // namespace
}  // namespace pasarela::audit
