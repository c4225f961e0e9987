// The access log: its JSON escaper, and lines read back field by field by an independent JSON
// parser (Python's json module, strict mode), also under concurrent writers and a logrotate-style
// reopen.
#include "gateway/admin/access_log.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/common/line_batch.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_files.h"

namespace pasarela::admin {
namespace {

using ::testing::ElementsAre;

// Reads every line of a file as strict JSON and prints, per field, in the order of the line:
// "<line> <key> <kind> <value>", where a string is the hex of its UTF-8 bytes, a list is its
// strings' hex joined by ',' and a number is as Python prints it. Fails on anything that is not
// one JSON object per line in valid UTF-8.
constexpr char kReader[] = R"(
import json, sys
with open(sys.argv[1], 'rb') as f:
    data = f.read()
assert data.endswith(b'\n'), 'the last line ends in a line feed'
for n, raw in enumerate(data.split(b'\n')[:-1]):
    obj = json.loads(raw.decode('utf-8', errors='strict'))
    assert isinstance(obj, dict)
    for key, value in obj.items():
        if isinstance(value, str):
            print(n, key, 's', value.encode('utf-8').hex() or '-')
        elif isinstance(value, bool):
            print(n, key, 'b', value)
        elif isinstance(value, (int, float)):
            print(n, key, 'n', repr(value))
        elif isinstance(value, list):
            assert all(isinstance(v, str) for v in value)
            print(n, key, 'l', ','.join(v.encode('utf-8').hex() for v in value) or '-')
        else:
            raise SystemExit('unexpected value for ' + key)
)";

struct Field {
  std::string key;
  std::string kind;
  std::string value;
};

std::string TempPath(const std::string& name) {
  static const std::string dir = pasarela::testing::MakeTempDir("access-log");
  return absl::StrCat(dir, "/", name);
}

// Runs kReader over `path`; returns the fields of each line, in order.
std::vector<std::vector<Field>> ReadBack(const std::string& path) {
  std::string script = TempPath("reader.py");
  {
    std::ofstream out(script);
    out << kReader;
  }
  std::string command = absl::StrCat(PYTHON3, " ", script, " ", path, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  if (pipe == nullptr) return {};
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << "the JSON reader refused the log:\n" << output;
  std::vector<std::vector<Field>> lines;
  for (absl::string_view line : absl::StrSplit(output, '\n', absl::SkipEmpty())) {
    std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 3));
    if (parts.size() != 4) {
      ADD_FAILURE() << "unexpected reader output: " << line;
      continue;
    }
    size_t n = std::stoul(parts[0]);
    if (lines.size() <= n) lines.resize(n + 1);
    lines[n].push_back(Field{parts[1], parts[2], parts[3]});
  }
  return lines;
}

std::string Hex(absl::string_view bytes) {
  return bytes.empty() ? "-" : absl::BytesToHexString(bytes);
}

// The fields the reader prints for a string.
Field S(const std::string& key, absl::string_view value) { return Field{key, "s", Hex(value)}; }
Field N(const std::string& key, const std::string& value) { return Field{key, "n", value}; }
Field L(const std::string& key, const std::vector<std::string>& values) {
  std::vector<std::string> hex;
  for (const std::string& value : values) hex.push_back(absl::BytesToHexString(value));
  return Field{key, "l", hex.empty() ? "-" : absl::StrJoin(hex, ",")};
}

MATCHER_P(FieldIs, expected, "") {
  *result_listener << arg.key << " " << arg.kind << " " << arg.value;
  return arg.key == expected.key && arg.kind == expected.kind && arg.value == expected.value;
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << contents;
}

const absl::Time kIn = absl::FromUnixMillis(1780000000123);  // 2026-05-28T20:26:40.123Z

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out;
  AppendJsonString("a\"b\\c\b\f\n\r\t\x01\x1f\x7f/", &out);
  EXPECT_EQ(out, R"("a\"b\\c\b\f\n\r\t\u0001\u001f\u007f/")");
  out.clear();
  AppendJsonString(absl::string_view("nul\0byte", 8), &out);
  EXPECT_EQ(out, R"("nul\u0000byte")");
}

TEST(JsonString, KeepsValidUtf8AndReplacesInvalidBytes) {
  std::string out;
  AppendJsonString("São Paulo, Bogotá, 日本, 🙂", &out);
  EXPECT_EQ(out, "\"São Paulo, Bogotá, 日本, 🙂\"");

  out.clear();
  // A lone continuation byte, a truncated sequence, an overlong '/', a surrogate, beyond U+10FFFF.
  AppendJsonString("a\x80z \xC3 \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80", &out);
  EXPECT_EQ(out, R"("a\ufffdz \ufffd \ufffd\ufffd \ufffd\ufffd\ufffd \ufffd\ufffd\ufffd\ufffd")");

  out.clear();
  AppendJsonString("line\xE2\x80\xA8sep\xE2\x80\xA9", &out);
  EXPECT_EQ(out, R"("line\u2028sep\u2029")");
}

TEST(JsonString, PythonReadsBackWhatWasWritten) {
  std::string path = TempPath("strings.jsonl");
  std::vector<std::string> values = {"plain",
                                     "quote \" and backslash \\",
                                     "controls \x01\x02\x1b[31m\b\f\n\r\t end",
                                     std::string("nul \0 inside", 12),
                                     "non-ASCII: ñandú, Ação, Ελλάδα, 中文, 🙂",
                                     "U+2028 \xE2\x80\xA8 and U+2029 \xE2\x80\xA9",
                                     ""};
  std::string contents;
  for (size_t i = 0; i < values.size(); ++i) {
    contents += "{\"v\":";
    AppendJsonString(values[i], &contents);
    contents += "}\n";
  }
  WriteFile(path, contents);
  std::vector<std::vector<Field>> lines = ReadBack(path);
  ASSERT_EQ(lines.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    EXPECT_THAT(lines[i], ElementsAre(FieldIs(S("v", values[i])))) << i;
  }
}

TEST(AccessLogLine, EveryFieldReadsBack) {
  static const std::string kWithheld[] = {"person.address", "person.#12"};
  static const DataCategory kCategories[] = {DataCategory::kPersonal, DataCategory::kHealth};
  ExchangeFacts facts;
  facts.exchange_id = "0f6c7a2e-1b7d-4c55-9d1e-3f1f2b0a9e01";
  facts.gateway = "CL";
  facts.direction = ExchangeDirection::kProviderSide;
  facts.consumer = "AR/GOV/migraciones";
  facts.provider = "CL/GOV/registro-civil";
  facts.method = "pasarela.identity.v1.IdentityService/GetPerson";
  facts.agreement = "ar-cl-identity-2026";
  facts.purpose = "border-control";
  facts.allowed = true;
  facts.rule = "allowed";
  facts.code = absl::StatusCode::kOk;
  facts.time_in = kIn;
  facts.time_out = kIn + absl::Microseconds(12345);
  facts.bytes_in = 42;
  facts.bytes_out = 1234;
  facts.withheld_fields = kWithheld;
  facts.categories_disclosed = kCategories;
  facts.federation_protocol = 2;

  std::string line = FormatAccessLogLine(facts);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  std::string path = TempPath("line.jsonl");
  WriteFile(path, line);
  std::vector<std::vector<Field>> lines = ReadBack(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(
      lines[0],
      ElementsAre(
          FieldIs(S("exchange_id", "0f6c7a2e-1b7d-4c55-9d1e-3f1f2b0a9e01")),
          FieldIs(S("time_in", "2026-05-28T20:26:40.123Z")),
          FieldIs(S("time_out", "2026-05-28T20:26:40.135Z")), FieldIs(S("gateway", "CL")),  //
          FieldIs(S("direction", "provider_side")), FieldIs(S("consumer", "AR/GOV/migraciones")),
          FieldIs(S("provider", "CL/GOV/registro-civil")),
          FieldIs(S("method", "pasarela.identity.v1.IdentityService/GetPerson")),
          FieldIs(S("agreement", "ar-cl-identity-2026")), FieldIs(S("purpose", "border-control")),
          FieldIs(S("decision", "allow")),                                   //
          FieldIs(S("rule", "allowed")),                                     //
          FieldIs(S("status", "OK")),                                        //
          FieldIs(N("latency_ms", "12.345")), FieldIs(N("bytes_in", "42")),  //
          FieldIs(N("bytes_out", "1234")),
          FieldIs(L("withheld_fields", {"person.address", "person.#12"})),
          FieldIs(L("categories_disclosed", {"personal", "health"})),
          FieldIs(N("federation_protocol", "2"))));
}

TEST(AccessLogLine, HostileValuesStayInsideTheirFields) {
  ExchangeFacts facts;
  facts.exchange_id = "id\"},\"decision\":\"allow";
  facts.direction = ExchangeDirection::kConsumerSide;
  facts.purpose = "p\nurpose\twith\x01 controls é";
  facts.method =
      "bad\xff"
      "bytes";
  facts.allowed = false;
  facts.rule = "purpose-not-allowed";
  facts.code = absl::StatusCode::kPermissionDenied;
  facts.time_in = kIn;
  facts.time_out = kIn;
  std::string path = TempPath("hostile.jsonl");
  WriteFile(path, FormatAccessLogLine(facts));
  std::vector<std::vector<Field>> lines = ReadBack(path);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0].size(), 19u);
  EXPECT_THAT(lines[0][0], FieldIs(S("exchange_id", "id\"},\"decision\":\"allow")));
  EXPECT_THAT(lines[0][4], FieldIs(S("direction", "consumer_side")));
  EXPECT_THAT(lines[0][5], FieldIs(S("consumer", "")));
  EXPECT_THAT(lines[0][7], FieldIs(S("method",
                                     "bad\xEF\xBF\xBD"
                                     "bytes")));
  EXPECT_THAT(lines[0][9], FieldIs(S("purpose", "p\nurpose\twith\x01 controls é")));
  EXPECT_THAT(lines[0][10], FieldIs(S("decision", "deny")));
  EXPECT_THAT(lines[0][12], FieldIs(S("status", "PERMISSION_DENIED")));
  EXPECT_THAT(lines[0][13], FieldIs(N("latency_ms", "0.0")));
  EXPECT_THAT(lines[0][16], FieldIs(L("withheld_fields", {})));
  EXPECT_THAT(lines[0][17], FieldIs(L("categories_disclosed", {})));
}

ExchangeFacts Numbered(int thread, int i, std::string* id) {
  *id = absl::StrCat("t", thread, "-", i);
  ExchangeFacts facts;
  facts.exchange_id = *id;
  facts.gateway = "AR";
  facts.consumer = "AR/GOV/migraciones";
  facts.provider = "CL/GOV/registro-civil";
  facts.method = "pasarela.identity.v1.IdentityService/VerifyIdentity";
  facts.agreement = "ar-cl-identity-2026";
  facts.purpose = "border-control";
  facts.allowed = true;
  facts.rule = "allowed";
  facts.time_in = kIn;
  facts.time_out = kIn + absl::Milliseconds(i);
  return facts;
}

TEST(AccessLog, ConcurrentWritersNeverInterleave) {
  std::string path = TempPath("concurrent.jsonl");
  std::remove(path.c_str());
  absl::StatusOr<std::unique_ptr<AccessLog>> log = AccessLog::Open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  constexpr int kThreads = 8;
  constexpr int kLines = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kLines; ++i) {
        std::string id;
        (*log)->Write(Numbered(t, i, &id));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ((*log)->lines_written(), uint64_t{kThreads} * kLines);
  EXPECT_EQ((*log)->write_failures(), 0u);

  std::vector<std::vector<Field>> lines = ReadBack(path);
  ASSERT_EQ(lines.size(), size_t{kThreads} * kLines);
  std::map<std::string, int> ids;
  for (const std::vector<Field>& fields : lines) {
    ASSERT_EQ(fields.size(), 19u);
    ++ids[absl::HexStringToBytes(fields[0].value)];
  }
  EXPECT_EQ(ids.size(), size_t{kThreads} * kLines);
  for (const auto& [id, count] : ids) EXPECT_EQ(count, 1) << id;
}

TEST(AccessLog, LinesOfABatchReachTheFileTogetherWhenItCloses) {
  std::string path = TempPath("batched.jsonl");
  std::remove(path.c_str());
  absl::StatusOr<std::unique_ptr<AccessLog>> log = AccessLog::Open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  std::string id;
  {
    LineBatch batch;
    for (int i = 0; i < 5; ++i) (*log)->Write(Numbered(2, i, &id));
    EXPECT_EQ((*log)->lines_written(), 0u);
    std::ifstream unwritten(path);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(unwritten), {}), "");
  }
  EXPECT_EQ((*log)->lines_written(), 5u);
  std::vector<std::vector<Field>> lines = ReadBack(path);
  ASSERT_EQ(lines.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(lines[i][0], FieldIs(S("exchange_id", absl::StrCat("t2-", i))));
  }
}

TEST(AccessLog, ReopenContinuesInTheNewFileAfterRotation) {
  std::string path = TempPath("rotated.jsonl");
  std::string rotated = path + ".1";
  std::remove(path.c_str());
  std::remove(rotated.c_str());
  absl::StatusOr<std::unique_ptr<AccessLog>> log = AccessLog::Open(path);
  ASSERT_TRUE(log.ok()) << log.status();
  std::string id;
  (*log)->Write(Numbered(0, 1, &id));
  ASSERT_EQ(std::rename(path.c_str(), rotated.c_str()), 0);  // what logrotate does
  (*log)->Write(Numbered(0, 2, &id));                        // still into the moved file
  ASSERT_TRUE((*log)->Reopen().ok());
  (*log)->Write(Numbered(0, 3, &id));

  std::vector<std::vector<Field>> old_lines = ReadBack(rotated);
  std::vector<std::vector<Field>> new_lines = ReadBack(path);
  ASSERT_EQ(old_lines.size(), 2u);
  ASSERT_EQ(new_lines.size(), 1u);
  EXPECT_THAT(old_lines[0][0], FieldIs(S("exchange_id", "t0-1")));
  EXPECT_THAT(old_lines[1][0], FieldIs(S("exchange_id", "t0-2")));
  EXPECT_THAT(new_lines[0][0], FieldIs(S("exchange_id", "t0-3")));
}

TEST(AccessLog, AppendsToAnExistingFile) {
  std::string path = TempPath("existing.jsonl");
  WriteFile(path, "{\"earlier\":\"line\"}\n");
  {
    absl::StatusOr<std::unique_ptr<AccessLog>> log = AccessLog::Open(path);
    ASSERT_TRUE(log.ok()) << log.status();
    std::string id;
    (*log)->Write(Numbered(1, 1, &id));
  }
  std::vector<std::vector<Field>> lines = ReadBack(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], ElementsAre(FieldIs(S("earlier", "line"))));
  EXPECT_THAT(lines[1][0], FieldIs(S("exchange_id", "t1-1")));
}

TEST(AccessLog, StandardStreamsAndErrors) {
  absl::StatusOr<std::unique_ptr<AccessLog>> out = AccessLog::Open("stdout");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)->destination(), "stdout");
  EXPECT_TRUE((*out)->Reopen().ok());
  ASSERT_TRUE(AccessLog::Open("stderr").ok());

  absl::StatusOr<std::unique_ptr<AccessLog>> missing =
      AccessLog::Open("/nonexistent-directory/access.log");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(missing.status().message()),
              ::testing::HasSubstr("/nonexistent-directory/access.log"));
  EXPECT_EQ(AccessLog::Open("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pasarela::admin
