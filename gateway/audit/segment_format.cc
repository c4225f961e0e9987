#include "gateway/audit/segment_format.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace pasarela::audit {
namespace {

constexpr absl::string_view kSegmentPrefix = "segment-";
constexpr absl::string_view kSegmentSuffix = ".log";

// Reflected CRC-32C polynomial.
constexpr uint32_t kCastagnoli = 0x82F63B78u;

std::array<std::array<uint32_t, 256>, 4> MakeCrcTables() {
  std::array<std::array<uint32_t, 256>, 4> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCastagnoli : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int s = 1; s < 4; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  return t;
}

const std::array<std::array<uint32_t, 256>, 4>& CrcTables() {
  static const auto* tables = new std::array<std::array<uint32_t, 256>, 4>(MakeCrcTables());
  return *tables;
}

void PutUint32(uint32_t v, char* out) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

uint32_t GetUint32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

}  // namespace

uint32_t Crc32c(absl::string_view data, uint32_t crc) {
  const auto& t = CrcTables();
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  uint32_t c = ~crc;
  // Four bytes per step (slicing-by-4), then the rest byte by byte.
  while (n >= 4) {
    c ^= static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
    c = t[3][c & 0xFF] ^ t[2][(c >> 8) & 0xFF] ^ t[1][(c >> 16) & 0xFF] ^ t[0][c >> 24];
    p += 4;
    n -= 4;
  }
  while (n-- > 0) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFF];
  return ~c;
}

std::string Sha256(absl::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1 ||
      len != kHashSize) {
    // Only a broken OpenSSL installation gets here; an empty digest never matches a chain.
    return std::string();
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

void AppendEntry(EntryType type, absl::string_view payload, std::string* out) {
  char header[kEntryHeaderSize];
  std::memcpy(header, kEntryMagic, 4);
  header[4] = static_cast<char>(type);
  PutUint32(static_cast<uint32_t>(payload.size()), header + 5);
  uint32_t crc = Crc32c(absl::string_view(header + 4, 5));
  crc = Crc32c(payload, crc);
  char trailer[kEntryTrailerSize];
  PutUint32(crc, trailer);
  out->append(header, sizeof header);
  out->append(payload.data(), payload.size());
  out->append(trailer, sizeof trailer);
}

std::string SegmentFileName(uint64_t number) {
  return absl::StrFormat("%s%06d%s", kSegmentPrefix, number, kSegmentSuffix);
}

std::optional<uint64_t> ParseSegmentFileName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, kSegmentPrefix) || !absl::ConsumeSuffix(&name, kSegmentSuffix)) {
    return std::nullopt;
  }
  if (name.size() < 6 || !std::all_of(name.begin(), name.end(), absl::ascii_isdigit)) {
    return std::nullopt;
  }
  uint64_t number = 0;
  if (!absl::SimpleAtoi(name, &number) || number == 0) return std::nullopt;
  return number;
}

std::vector<uint64_t> SegmentNumbers(const std::vector<std::string>& names) {
  std::vector<uint64_t> numbers;
  for (const std::string& name : names) {
    if (auto n = ParseSegmentFileName(name)) numbers.push_back(*n);
  }
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

bool EntryScanner::ValidEntryAt(uint64_t offset) const {
  if (data_.size() - offset < kEntryOverhead) return false;
  const char* p = data_.data() + offset;
  if (std::memcmp(p, kEntryMagic, 4) != 0) return false;
  uint8_t type = static_cast<uint8_t>(p[4]);
  if (type != static_cast<uint8_t>(EntryType::kRecord) &&
      type != static_cast<uint8_t>(EntryType::kCheckpoint)) {
    return false;
  }
  uint32_t len = GetUint32(p + 5);
  if (len > kMaxEntryPayload || data_.size() - offset - kEntryOverhead < len) return false;
  uint32_t crc = Crc32c(absl::string_view(p + 4, 5 + len));
  return crc == GetUint32(p + kEntryHeaderSize + len);
}

uint64_t EntryScanner::FindNextValidEntry(uint64_t from) const {
  while (from < data_.size()) {
    const void* hit = std::memchr(data_.data() + from, kEntryMagic[0], data_.size() - from);
    if (hit == nullptr) break;
    uint64_t at = static_cast<const char*>(hit) - data_.data();
    if (ValidEntryAt(at)) return at;
    from = at + 1;
  }
  return data_.size();
}

EntryScanner::Outcome EntryScanner::Next(Entry* entry, Problem* problem) {
  if (pos_ >= data_.size()) return Outcome::kEnd;
  const uint64_t remaining = data_.size() - pos_;
  const char* p = data_.data() + pos_;

  auto truncated = [&](std::string reason) {
    *problem = Problem{pos_, data_.size(), std::move(reason)};
    pos_ = data_.size();
    return Outcome::kTruncated;
  };
  auto corrupt = [&](std::string reason) {
    uint64_t next = FindNextValidEntry(pos_ + 1);
    *problem = Problem{pos_, next, std::move(reason)};
    pos_ = next;
    return Outcome::kCorrupt;
  };

  if (remaining < kEntryHeaderSize) {
    return truncated(absl::StrCat("incomplete entry header (", remaining, " bytes)"));
  }
  if (std::memcmp(p, kEntryMagic, 4) != 0) {
    // A crash can leave the end of a file zero-filled: that is a torn entry, not damage.
    if (FindNextValidEntry(pos_ + 1) == data_.size() &&
        std::all_of(p, data_.data() + data_.size(), [](char c) { return c == 0; })) {
      return truncated(absl::StrCat("zero-filled tail (", remaining, " bytes)"));
    }
    return corrupt("bad entry magic");
  }
  const uint8_t type = static_cast<uint8_t>(p[4]);
  const uint32_t len = GetUint32(p + 5);
  if (type != static_cast<uint8_t>(EntryType::kRecord) &&
      type != static_cast<uint8_t>(EntryType::kCheckpoint)) {
    return corrupt(absl::StrCat("unknown entry type ", type));
  }
  if (len > kMaxEntryPayload) return corrupt(absl::StrCat("implausible entry length ", len));
  if (remaining < kEntryOverhead || remaining - kEntryOverhead < len) {
    if (FindNextValidEntry(pos_ + 1) == data_.size()) {
      return truncated(
          absl::StrCat("entry of ", kEntryOverhead + len, " bytes has only ", remaining, " bytes"));
    }
    return corrupt("entry length runs into the next entry");
  }
  if (!ValidEntryAt(pos_)) return corrupt("checksum mismatch");

  entry->offset = pos_;
  entry->type = static_cast<EntryType>(type);
  entry->payload = absl::string_view(p + kEntryHeaderSize, len);
  entry->size = kEntryOverhead + len;
  pos_ += entry->size;
  return Outcome::kEntry;
}

}  // namespace pasarela::audit
