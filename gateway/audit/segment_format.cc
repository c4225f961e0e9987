#include "gateway/audit/segment_format.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "gateway/common/digest.h"

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

// a(x) * b(x) modulo the CRC-32C polynomial, both in the reflected bit order (as zlib's
// multmodp).
uint32_t MultiplyModPoly(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
    if (a & m) product ^= b;
    b = (b & 1) ? (b >> 1) ^ kCastagnoli : b >> 1;
  }
  return product;
}

// The CRC register `reg` after `bytes` zero bytes, without the pre- and post-inversion:
// reg * x^(8 * bytes) modulo the polynomial, one multiplication per set bit of `bytes`.
uint32_t ShiftRegister(uint32_t reg, uint64_t bytes) {
  // x^(8 * 2^k) for k = 0..63.
  static const std::array<uint32_t, 64> kPowers = [] {
    std::array<uint32_t, 64> powers{};
    uint32_t power = 1u << 30;  // x^1
    for (int i = 0; i < 3; ++i) power = MultiplyModPoly(power, power);
    for (uint32_t& p : powers) {
      p = power;
      power = MultiplyModPoly(power, power);
    }
    return powers;
  }();
  for (int k = 0; bytes != 0; ++k, bytes >>= 1) {
    if (bytes & 1) reg = MultiplyModPoly(kPowers[k], reg);
  }
  return reg;
}

// Up to this many bytes of checked ranges per byte of data, candidates are checked one by one.
constexpr uint64_t kDirectCheckCoverage = 2;

// Where every complete entry with a good CRC starts in `data`, ascending.
//
// Checking each candidate magic on its own costs its length. That is the cheapest way while
// the candidates cover the data about once, as the entries of a trail with a damaged stretch
// do; but damage made of headers that claim long payloads would cost (size / 9) * size: hours
// for one forged segment. For such data the raw CRC register (no inversions) is run once over
// the data and recorded where a candidate's checked bytes begin and end; CRC-32C is linear, so
// the CRC of any range follows from the two recorded registers: raw(range) = reg(end) ^
// shift(reg(begin), length), and the entry's CRC is ~(shift(0xFFFFFFFF, length) ^ raw(range)) =
// ~(reg(end) ^ shift(~reg(begin), length)).
std::vector<uint64_t> ValidEntryOffsets(absl::string_view data) {
  struct Candidate {
    uint64_t offset;  // of the magic
    uint64_t begin;   // first byte the CRC covers (the type)
    uint64_t end;     // one past the payload, where the stored CRC is
  };
  std::vector<Candidate> candidates;
  uint64_t covered = 0;
  for (uint64_t from = 0; from < data.size();) {
    const void* hit = std::memchr(data.data() + from, kEntryMagic[0], data.size() - from);
    if (hit == nullptr) break;
    uint64_t at = static_cast<const char*>(hit) - data.data();
    from = at + 1;
    if (data.size() - at < kEntryOverhead) break;
    const char* p = data.data() + at;
    uint8_t type = static_cast<uint8_t>(p[4]);
    uint32_t len = GetUint32(p + 5);
    if (std::memcmp(p, kEntryMagic, 4) != 0 ||
        (type != static_cast<uint8_t>(EntryType::kRecord) &&
         type != static_cast<uint8_t>(EntryType::kCheckpoint)) ||
        len > kMaxEntryPayload || data.size() - at - kEntryOverhead < len) {
      continue;
    }
    const Candidate& added =
        candidates.emplace_back(Candidate{at, at + 4, at + kEntryHeaderSize + len});
    covered += added.end - added.begin;
  }
  std::vector<uint64_t> valid;
  if (covered <= kDirectCheckCoverage * data.size()) {
    for (const Candidate& c : candidates) {
      if (Crc32c(data.substr(c.begin, c.end - c.begin)) == GetUint32(data.data() + c.end)) {
        valid.push_back(c.offset);
      }
    }
    return valid;
  }
  std::vector<uint64_t> marks;
  marks.reserve(2 * candidates.size());
  for (const Candidate& c : candidates) {
    marks.push_back(c.begin);
    marks.push_back(c.end);
  }
  std::sort(marks.begin(), marks.end());
  marks.erase(std::unique(marks.begin(), marks.end()), marks.end());
  std::vector<uint32_t> registers(marks.size());
  uint32_t reg = 0;
  uint64_t done = 0;
  for (size_t i = 0; i < marks.size(); ++i) {
    // Crc32c inverts before and after; undo both to run the raw register.
    reg = ~Crc32c(data.substr(done, marks[i] - done), ~reg);
    done = marks[i];
    registers[i] = reg;
  }
  auto register_at = [&](uint64_t offset) {
    return registers[std::lower_bound(marks.begin(), marks.end(), offset) - marks.begin()];
  };
  for (const Candidate& c : candidates) {
    uint32_t crc = ~(register_at(c.end) ^ ShiftRegister(~register_at(c.begin), c.end - c.begin));
    if (crc == GetUint32(data.data() + c.end)) valid.push_back(c.offset);
  }
  return valid;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(absl::string_view data, uint32_t crc) {
  const char* p = data.data();
  size_t n = data.size();
  uint64_t c = ~crc;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
  auto c32 = static_cast<uint32_t>(c);
  for (; n > 0; ++p, --n) c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*p));
  return ~c32;
}
#endif

}  // namespace

uint32_t Crc32c(absl::string_view data, uint32_t crc) {
#if defined(__x86_64__)
  // The SSE4.2 instruction computes the same CRC-32C eight bytes at a time, several times faster
  // than the tables; every x86-64 processor of the last fifteen years has it.
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) return Crc32cHardware(data, crc);
#endif
  return internal::Crc32cTables(data, crc);
}

namespace internal {

uint32_t Crc32cTables(absl::string_view data, uint32_t crc) {
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

}  // namespace internal

std::string Sha256(absl::string_view data) {
  // Empty only from a broken OpenSSL installation; an empty digest never matches a chain.
  return Sha256Digest(data);
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

uint64_t EntryScanner::FindNextValidEntry(uint64_t from) {
  if (!valid_offsets_.has_value()) valid_offsets_ = ValidEntryOffsets(data_);
  auto it = std::lower_bound(valid_offsets_->begin(), valid_offsets_->end(), from);
  return it == valid_offsets_->end() ? data_.size() : *it;
}

EntryScanner::Outcome EntryScanner::Next(Entry* entry, Problem* problem) {
  if (pos_ >= data_.size()) return Outcome::kEnd;
  const uint64_t remaining = data_.size() - pos_;
  const char* p = data_.data() + pos_;
  // Space the writer reserved ahead of its appends, or zeros a crash left where unsynced
  // appends were to go: either way, no entry was written there.
  if (*p == '\0' && std::all_of(p, data_.data() + data_.size(), [](char c) { return c == 0; })) {
    reserved_bytes_ = remaining;
    pos_ = data_.size();
    return Outcome::kEnd;
  }

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
  if (std::memcmp(p, kEntryMagic, 4) != 0) return corrupt("bad entry magic");
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
