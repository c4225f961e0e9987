#include "gateway/audit/audit_tools.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "gateway/audit/audit_crypto.h"
#include "gateway/audit/audit_report.h"
#include "gateway/audit/audit_verify.h"
#include "gateway/audit/timestamp.h"
#include "gateway/audit/trail_reader.h"
#include "gateway/common/file.h"
#include "gateway/common/one_line.h"
#include "gateway/common/plural.h"
#include "gateway/common/rfc3339.h"
#include "gateway/identity/participant_id.h"
#include "google/protobuf/util/json_util.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {
namespace {

constexpr size_t kMinPseudonymKeyBytes = 16;

std::string FormatTime(const google::protobuf::Timestamp& t) {
  return FormatRfc3339Millis(TimeOf(t));
}

std::string DecisionName(v1::Decision d) {
  switch (d) {
    case v1::ALLOW:
      return "ALLOW";
    case v1::DENY:
      return "DENY";
    default:
      return "UNSPECIFIED";
  }
}

// The categories of personal data the response carried across, in the order first met:
// "personal,personal_identifier,health", then what crossed only treated: "; masked:
// personal_identifier". Dropped and redacted values did not cross; requests are not disclosures.
std::string DisclosedCategories(const v1::AuditRecord& r) {
  std::vector<std::string> whole;
  std::map<std::string, std::vector<std::string>> treated;  // treatment -> categories
  auto add_once = [](std::vector<std::string>& list, const std::string& value) {
    if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
  };
  for (const v1::ClassifiedField& field : r.classification()) {
    if (CrossingOf(field) == Crossing::kWhole) add_once(whole, field.category());
  }
  for (const v1::ClassifiedField& field : r.classification()) {
    const Crossing crossing = CrossingOf(field);
    if (crossing != Crossing::kMasked && crossing != Crossing::kPseudonymised) continue;
    if (std::find(whole.begin(), whole.end(), field.category()) != whole.end()) continue;
    add_once(treated[crossing == Crossing::kMasked ? "masked" : "pseudonymised"], field.category());
  }
  std::string out = absl::StrJoin(whole, ",");
  for (const auto& [how, categories] : treated) {
    absl::StrAppend(&out, out.empty() ? "" : "; ", how, ": ", absl::StrJoin(categories, ","));
  }
  return out;
}

// One side's records of exchanges, by exchange id and direction.
struct SideRecords {
  std::string gateway;  // the gateway that wrote most of its records; empty when it has none
  std::map<std::pair<std::string, int>, v1::AuditRecord> records;
  std::vector<std::string> duplicates;
  std::vector<std::string> damage;
};

absl::Status LoadSide(const std::string& path, SideRecords* side) {
  std::map<std::string, uint64_t> gateways;
  absl::Status s = ForEachRecord(
      path,
      [&](const v1::AuditRecord& record, const TrailSegment& segment, uint64_t offset) {
        // Policy reloads count too: a trail of reloads alone still names its gateway.
        if (!record.gateway().empty()) ++gateways[record.gateway()];
        if (record.direction() != v1::CONSUMER_SIDE && record.direction() != v1::PROVIDER_SIDE) {
          return;
        }
        auto key = std::make_pair(record.exchange_id(), static_cast<int>(record.direction()));
        if (!side->records.emplace(key, record).second) {
          side->duplicates.push_back(absl::StrCat("exchange ", record.exchange_id(),
                                                  " recorded twice (", segment.name, " record ",
                                                  record.sequence(), ", offset ", offset, ")"));
        }
      },
      &side->damage);
  if (!s.ok()) return s;
  uint64_t best = 0;
  for (const auto& [gateway, count] : gateways) {
    if (count > best) {
      best = count;
      side->gateway = gateway;
    }
  }
  return absl::OkStatus();
}

// "4 DEADLINE_EXCEEDED": the number is what the record holds, the name what a reader knows.
std::string StatusCodeText(int code) {
  const std::string name = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat(code) : absl::StrCat(code, " ", name);
}

std::string Describe(const v1::AuditRecord& r) {
  return absl::StrCat(FormatTime(r.time()), " ", r.consumer(), " -> ", r.provider(), " ",
                      r.method(), " ", DecisionName(r.decision()), " status ",
                      StatusCodeText(r.grpc_status_code()));
}

// A call whose caller gave up: the consumer side sees its caller's deadline pass, and cancels the
// provider side's call, which may see the cancellation or its own copy of the deadline first.
// Two records that each say one of these agree that nobody was answered in time.
bool EndedUnanswered(int code) {
  return code == static_cast<int>(absl::StatusCode::kCancelled) ||
         code == static_cast<int>(absl::StatusCode::kDeadlineExceeded);
}

// The fields two sides' records of one exchange must agree on, by name.
std::vector<std::string> Differences(const v1::AuditRecord& a, const v1::AuditRecord& b) {
  std::vector<std::string> d;
  auto text = [&d](absl::string_view name, const std::string& x, const std::string& y) {
    if (x != y) d.push_back(absl::StrCat(name, " (A \"", x, "\", B \"", y, "\")"));
  };
  auto digest = [&d](absl::string_view name, const std::string& x, const std::string& y) {
    if (x != y) {
      d.push_back(absl::StrCat(name, " (A ", absl::BytesToHexString(x).substr(0, 16), "..., B ",
                               absl::BytesToHexString(y).substr(0, 16), "...)"));
    }
  };
  text("consumer", a.consumer(), b.consumer());
  text("provider", a.provider(), b.provider());
  text("method", a.method(), b.method());
  text("agreement", a.agreement_id(), b.agreement_id());
  text("purpose", a.purpose(), b.purpose());
  digest("request_digest", a.request_digest(), b.request_digest());
  digest("response_digest", a.response_digest(), b.response_digest());
  if (a.decision() != b.decision()) {
    d.push_back(absl::StrCat("decision (A ", DecisionName(a.decision()), ", B ",
                             DecisionName(b.decision()), ")"));
  }
  if (a.grpc_status_code() != b.grpc_status_code() &&
      !(EndedUnanswered(a.grpc_status_code()) && EndedUnanswered(b.grpc_status_code()))) {
    d.push_back(absl::StrCat("status (A ", StatusCodeText(a.grpc_status_code()), ", B ",
                             StatusCodeText(b.grpc_status_code()), ")"));
  }
  return d;
}

// Whether the other trail, written by gateway `other`, should hold a record of this exchange. A
// consumer-side denial never left this gateway. Otherwise the exchange is expected there unless
// that trail is known to be a third country's: when `other` is empty (the trail holds no record
// that names its gateway), nothing in it can excuse a missing record.
bool OtherSideExpected(const v1::AuditRecord& r, absl::string_view other) {
  if (r.direction() == v1::CONSUMER_SIDE && r.decision() == v1::DENY) return false;
  const absl::string_view far =
      CountryOfParticipant(r.direction() == v1::CONSUMER_SIDE ? r.provider() : r.consumer());
  return other.empty() || far == other;
}

int OtherDirection(int direction) {
  return direction == v1::CONSUMER_SIDE ? v1::PROVIDER_SIDE : v1::CONSUMER_SIDE;
}

// The warning for a record whose time no gateway writes: "segment-000001.log offset 412: record
// 2's time is out of range (seconds S, nanos N); HOW" (how the command shows it instead).
std::string TimeOutOfRange(const TrailSegment& segment, uint64_t offset, const v1::AuditRecord& r,
                           absl::string_view how) {
  return absl::StrCat(segment.name, " ", segment.offset_word, " ", offset, ": record ",
                      r.sequence(), "'s time is out of range (", DescribeTimestamp(r.time()), "); ",
                      how);
}

}  // namespace

absl::StatusOr<std::string> NormaliseSubjectId(absl::string_view scheme_value) {
  const size_t colon = scheme_value.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError("subject id must be SCHEME:VALUE, e.g. CL-RUN:12531909-2");
  }
  std::string scheme =
      absl::AsciiStrToUpper(absl::StripAsciiWhitespace(scheme_value.substr(0, colon)));
  std::string value;
  for (char c : absl::StripAsciiWhitespace(scheme_value.substr(colon + 1))) {
    if (c == ' ' || c == '.' || c == '-' || c == '/' || c == '\t') continue;
    value.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  if (scheme.empty() || value.empty()) {
    return absl::InvalidArgumentError("subject id must be SCHEME:VALUE with both parts non-empty");
  }
  // Schemes written body-dash-check character keep that one dash, so that the normal form is the
  // one people write (CL-RUN:12531909-2); every other separator is dropped.
  if ((scheme == "CL-RUN" || scheme == "CL-RUT" || scheme == "UY-CI") && value.size() > 1) {
    value.insert(value.size() - 1, "-");
  }
  return absl::StrCat(scheme, ":", value);
}

std::string SubjectPseudonym(absl::string_view hmac_key, absl::string_view scheme_value) {
  absl::StatusOr<std::string> normalised = NormaliseSubjectId(scheme_value);
  if (!normalised.ok()) return std::string();
  return HmacSha256(hmac_key, *normalised);
}

absl::StatusOr<std::string> ReadPseudonymKeyFile(const std::string& path) {
  if (absl::Status s = CheckPrivateFileMode(path, "pseudonym key"); !s.ok()) return s;
  absl::StatusOr<std::string> key = ReadFileToString(path);
  if (!key.ok()) return key.status();
  while (!key->empty() && (key->back() == '\n' || key->back() == '\r')) key->pop_back();
  if (key->size() < kMinPseudonymKeyBytes) {
    return absl::InvalidArgumentError(absl::StrCat("pseudonym key ", path, " has ", key->size(),
                                                   " bytes; it needs at least ",
                                                   kMinPseudonymKeyBytes));
  }
  return key;
}

int RunAuditReconcile(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr absl::string_view kUsage =
      "usage: pasarela audit reconcile PATH_A PATH_B\n"
      "  PATH_A, PATH_B  the trails (segment directories or files) of two gateways\n";
  std::vector<std::string> paths;
  for (const std::string& arg : args) {
    if (arg == "-h" || arg == "--help") {
      out << kUsage;
      return 0;
    }
    if (absl::StartsWith(arg, "-")) {
      err << "audit reconcile: unknown option " << arg << "\n" << kUsage;
      return 2;
    }
    paths.push_back(arg);
  }
  if (paths.size() != 2) {
    err << "audit reconcile: two trails needed\n" << kUsage;
    return 2;
  }
  SideRecords a, b;
  for (auto [path, side] : {std::make_pair(paths[0], &a), std::make_pair(paths[1], &b)}) {
    if (absl::Status s = LoadSide(path, side); !s.ok()) {
      out << "audit reconcile: FAILED: " << s.message() << "\n";
      return 1;
    }
  }
  if (!a.gateway.empty() && a.gateway == b.gateway) {
    err << "audit reconcile: both trails are gateway " << a.gateway
        << "'s: reconcile compares two gateways' trails\n"
        << kUsage;
    return 2;
  }
  for (const std::string& line : a.damage) out << "warning: A " << line << "\n";
  for (const std::string& line : b.damage) out << "warning: B " << line << "\n";
  // A trail without exchanges cannot confirm any, and may be the wrong trail or an emptied one.
  std::vector<std::string> notes;
  const std::pair<const char*, const SideRecords*> sides[] = {{"A", &a}, {"B", &b}};
  for (size_t i = 0; i < 2; ++i) {
    const auto [name, side] = sides[i];
    if (!side->damage.empty()) {
      notes.push_back(absl::StrCat(name, "'s trail is damaged (",
                                   Plural(side->damage.size(), "warning", "warnings"),
                                   "), so records may be missing from it"));
    }
    if (side->records.empty()) {
      out << "warning: " << name << " " << paths[i] << " holds no exchange record\n";
      notes.push_back(absl::StrCat(name, " holds no exchange record"));
    }
  }
  for (const std::string& line : a.duplicates) out << "error: A " << line << "\n";
  for (const std::string& line : b.duplicates) out << "error: B " << line << "\n";

  uint64_t matched = 0, only_a = 0, only_b = 0, differ = 0, not_forwarded = 0;
  for (const auto& [key, record] : a.records) {
    auto it = b.records.find(std::make_pair(key.first, OtherDirection(key.second)));
    if (it == b.records.end()) {
      if (OtherSideExpected(record, b.gateway)) {
        ++only_a;
        out << "only in A: exchange " << key.first << ": " << Describe(record) << "\n";
      } else if (record.direction() == v1::CONSUMER_SIDE && record.decision() == v1::DENY) {
        ++not_forwarded;
      }
      continue;
    }
    std::vector<std::string> d = Differences(record, it->second);
    if (d.empty()) {
      ++matched;
    } else {
      ++differ;
      out << "differs: exchange " << key.first << ": " << absl::StrJoin(d, ", ") << "\n";
    }
  }
  for (const auto& [key, record] : b.records) {
    if (a.records.count(std::make_pair(key.first, OtherDirection(key.second))) != 0) continue;
    if (OtherSideExpected(record, a.gateway)) {
      ++only_b;
      out << "only in B: exchange " << key.first << ": " << Describe(record) << "\n";
    } else if (record.direction() == v1::CONSUMER_SIDE && record.decision() == v1::DENY) {
      ++not_forwarded;
    }
  }
  const uint64_t duplicates = a.duplicates.size() + b.duplicates.size();
  const std::string gateways = absl::StrCat("A ", a.gateway.empty() ? "?" : a.gateway, ", B ",
                                            b.gateway.empty() ? "?" : b.gateway);
  if (only_a + only_b + differ + duplicates == 0 && notes.empty()) {
    out << "audit reconcile: OK: " << Plural(matched, "exchange matches", "exchanges match") << " ("
        << gateways << "), " << not_forwarded << " denied before forwarding\n";
    return 0;
  }
  out << "audit reconcile: FAILED: " << only_a << " only in A, " << only_b << " only in B, "
      << differ << " differ, " << duplicates << " duplicated, " << matched << " match (" << gateways
      << ")";
  for (const std::string& note : notes) out << "; " << note;
  out << "\n";
  return 1;
}

int RunAuditSubject(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr absl::string_view kUsage =
      "usage: pasarela audit subject DIR --id SCHEME:VALUE --key-file FILE\n"
      "  DIR         a segment directory (or file)\n"
      "  --id        the data subject's identifier, e.g. CL-RUN:12.531.909-2\n"
      "  --key-file  the gateway's pseudonym key\n";
  std::string dir, id, key_file;
  std::set<std::string> seen;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    // `name` is "--id" and `arg` "--id" or "--id=VALUE". Each option once: a second would
    // otherwise silently replace the first.
    auto value = [&](const std::string& name, std::string* target) {
      if (!seen.insert(name).second) {
        err << "audit subject: " << name << " given twice\n" << kUsage;
        return false;
      }
      if (arg.size() > name.size()) {
        *target = arg.substr(name.size() + 1);
      } else if (i + 1 < args.size()) {
        *target = args[++i];
      } else {
        err << "audit subject: " << name << " needs a value\n" << kUsage;
        return false;
      }
      return true;
    };
    if (arg == "-h" || arg == "--help") {
      out << kUsage;
      return 0;
    } else if (arg == "--id" || absl::StartsWith(arg, "--id=")) {
      if (!value("--id", &id)) return 2;
    } else if (arg == "--key-file" || absl::StartsWith(arg, "--key-file=")) {
      if (!value("--key-file", &key_file)) return 2;
    } else if (absl::StartsWith(arg, "-")) {
      err << "audit subject: unknown option " << arg << "\n" << kUsage;
      return 2;
    } else if (dir.empty()) {
      dir = arg;
    } else {
      err << "audit subject: one DIR only\n" << kUsage;
      return 2;
    }
  }
  if (dir.empty() || id.empty() || key_file.empty()) {
    err << "audit subject: DIR, --id and --key-file are required\n" << kUsage;
    return 2;
  }
  absl::StatusOr<std::string> normalised = NormaliseSubjectId(id);
  if (!normalised.ok()) {
    err << "audit subject: " << normalised.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<std::string> key = ReadPseudonymKeyFile(key_file);
  if (!key.ok()) {
    out << "audit subject: FAILED: " << key.status().message() << "\n";
    return 1;
  }
  const std::string pseudonym = HmacSha256(*key, *normalised);
  uint64_t matches = 0, about_someone = 0;
  std::vector<std::string> damage;
  absl::Status s = ForEachRecord(
      dir,
      [&](const v1::AuditRecord& r, const TrailSegment& segment, uint64_t offset) {
        if (!r.subject_pseudonym().empty()) ++about_someone;
        if (r.subject_pseudonym() != pseudonym) return;
        if (!IsValidTimestamp(r.time())) {
          damage.push_back(TimeOutOfRange(segment, offset, r, "shown as -"));
        }
        if (matches++ == 0) {
          out << "time\tconsumer\tprovider\tagreement\tpurpose\tmethod\tdecision\tdisclosed\t"
                 "exchange\n";
        }
        const std::string disclosed = DisclosedCategories(r);
        // Values are escaped: none can break the row or shift a column.
        out << (IsValidTimestamp(r.time()) ? FormatTime(r.time()) : "-") << "\t"
            << EscapeForOneLine(r.consumer()) << "\t" << EscapeForOneLine(r.provider()) << "\t"
            << EscapeForOneLine(r.agreement_id()) << "\t" << EscapeForOneLine(r.purpose()) << "\t"
            << EscapeForOneLine(r.method()) << "\t" << DecisionName(r.decision()) << "\t"
            << (disclosed.empty() ? "-" : EscapeForOneLine(disclosed)) << "\t"
            << EscapeForOneLine(r.exchange_id()) << "\n";
      },
      &damage);
  if (!s.ok()) {
    out << "audit subject: FAILED: " << s.message() << "\n";
    return 1;
  }
  for (const std::string& line : damage) out << "warning: " << line << "\n";
  out << "audit subject: " << matches << (matches == 1 ? " exchange" : " exchanges") << " about "
      << *normalised;
  // A key other than the gateway's matches nothing, which looks like a person with no history.
  if (matches == 0 && about_someone > 0) {
    out << " (" << Plural(about_someone, "record names", "records name")
        << " a subject; is this the gateway's pseudonym key?)";
  }
  if (!damage.empty()) {
    out << "; the trail is damaged (" << Plural(damage.size(), "warning", "warnings")
        << "), so this list may be incomplete\n";
    return 1;
  }
  out << "\n";
  return 0;
}

int RunAuditShow(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr absl::string_view kUsage =
      "usage: pasarela audit show PATH --exchange ID\n"
      "  PATH        a trail directory or one segment file\n"
      "  --exchange  the exchange id (both gateways' records of one exchange share it)\n";
  std::string path, exchange;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--exchange") {
      if (!exchange.empty()) {
        err << "audit show: --exchange given twice\n" << kUsage;
        return 2;
      }
      if (i + 1 >= args.size()) {
        err << "audit show: --exchange needs a value\n" << kUsage;
        return 2;
      }
      exchange = args[++i];
    } else if (absl::StartsWith(args[i], "-")) {
      err << "audit show: unknown option " << args[i] << "\n" << kUsage;
      return 2;
    } else if (path.empty()) {
      path = args[i];
    } else {
      err << "audit show: one PATH only\n" << kUsage;
      return 2;
    }
  }
  if (path.empty() || exchange.empty()) {
    err << "audit show: PATH and --exchange are required\n" << kUsage;
    return 2;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  uint64_t matches = 0;
  std::vector<std::string> damage;
  absl::Status s = ForEachRecord(
      path,
      [&](const v1::AuditRecord& r, const TrailSegment& segment, uint64_t offset) {
        if (r.exchange_id() != exchange) return;
        // protobuf's JSON printer refuses a time a gateway never writes: the record is shown
        // without it, and the time is named beside it.
        v1::AuditRecord shown;
        const v1::AuditRecord* printable = &r;
        if (!IsValidTimestamp(r.time())) {
          damage.push_back(TimeOutOfRange(segment, offset, r, "shown without it"));
          shown = r;
          shown.clear_time();
          printable = &shown;
        }
        std::string json;
        const auto printed =
            google::protobuf::util::MessageToJsonString(*printable, &json, options);
        if (!printed.ok()) {
          damage.push_back(absl::StrCat(
              segment.name, " ", segment.offset_word, " ", offset, ": record ", r.sequence(),
              " cannot be shown as JSON: ", std::string(printed.message())));
          return;
        }
        out << json << "\n";
        ++matches;
      },
      &damage);
  if (!s.ok()) {
    err << "audit show: FAILED: " << s.message() << "\n";
    return 1;
  }
  for (const std::string& line : damage) err << "warning: " << line << "\n";
  if (matches == 0) {
    err << "audit show: no record of exchange " << EscapeForOneLine(exchange) << " in " << path
        << (damage.empty() ? "" : " (the trail is damaged: the record may be in what was lost)")
        << "\n";
    return 1;
  }
  if (!damage.empty()) {
    err << "audit show: the trail is damaged (" << Plural(damage.size(), "warning", "warnings")
        << "), so the exchange may have more records than these\n";
    return 1;
  }
  return 0;
}

int RunAuditCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr absl::string_view kUsage =
      "usage: pasarela audit verify PATH [--ca [CC=]FILE]... [--crl FILE]... [--peer-cert "
      "FILE]...\n"
      "                             [--peer-ca [CC=]FILE]... [--peer-crl FILE]... [--strict]\n"
      "       pasarela audit reconcile PATH_A PATH_B\n"
      "       pasarela audit subject DIR --id SCHEME:VALUE --key-file FILE\n"
      "       pasarela audit show PATH --exchange ID\n"
      "       pasarela audit report PATH... [--from TIME] [--to TIME] [--format text|html]\n"
      "                             [--output FILE]\n"
      "                             [--verify [--ca [CC=]FILE]... [--crl FILE]... [--peer-cert "
      "FILE]...\n"
      "                                       [--peer-ca [CC=]FILE]... [--peer-crl FILE]...]\n";
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "verify") return RunAuditVerify(rest, out, err);
  if (args[0] == "reconcile") return RunAuditReconcile(rest, out, err);
  if (args[0] == "subject") return RunAuditSubject(rest, out, err);
  if (args[0] == "show") return RunAuditShow(rest, out, err);
  if (args[0] == "report") return RunAuditReport(rest, out, err);
  if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    out << kUsage;
    return 0;
  }
  err << "audit: unknown command " << args[0] << "\n" << kUsage;
  return 2;
}

}  // namespace pasarela::audit
