// `pasarela audit report`: compliance indicators over a time range of one or more audit trails
// (the replicas of a gateway, or several gateways): exchanges per agreement and purpose, denials
// by rule, personal-data categories disclosed per agreement, latency percentiles, per-method
// counts, policy reloads, and the period the records actually cover.
//
// Aggregation is apart from rendering: ReportBuilder turns AuditRecords into a ReportData, and
// RenderReportText / RenderReportHtml print one. The HTML page is self-contained (inline CSS and
// inline SVG charts, no scripts, fonts or images) and escapes every string taken from a trail.
//
// Thread safety: ReportBuilder is not thread-safe (one builder per report); ReportData is a plain
// value; the functions are thread-safe.

#ifndef PASARELA_GATEWAY_AUDIT_AUDIT_REPORT_H_
#define PASARELA_GATEWAY_AUDIT_AUDIT_REPORT_H_

#include <cstdint>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pasarela/audit/v1/audit.pb.h"

namespace pasarela::audit {

// How a classified item of an exchange reached the consumer. The request's own items, and response
// values the agreement dropped or redacted, did not cross (kNone); a response item with no
// treatment (the consumer side's own account, or a gateway that applies none) or "allow" crossed
// whole; "mask" and "pseudonymise" crossed treated. What `subject` lists as disclosed and what
// `report` counts as disclosed both follow this.
enum class Crossing { kNone, kWhole, kMasked, kPseudonymised };
Crossing CrossingOf(const v1::ClassifiedField& field);

// Allowed and denied exchanges.
struct ExchangeCounts {
  uint64_t allowed = 0;
  uint64_t denied = 0;
  uint64_t total() const { return allowed + denied; }
};

// Nearest-rank percentiles of exchange latencies, in microseconds.
struct LatencySummary {
  uint64_t count = 0;
  uint64_t p50 = 0;
  uint64_t p90 = 0;
  uint64_t p99 = 0;
  uint64_t max = 0;
};

// One personal-data category disclosed under one agreement (response items that crossed, see
// CrossingOf): in how many allowed exchanges, and in which field paths (path -> exchanges).
struct CategoryDisclosure {
  uint64_t exchanges = 0;
  std::map<std::string, uint64_t> field_paths;
};

struct PolicyReload {
  absl::Time time;
  std::string gateway;
  std::string policy_digest_hex;  // first 12 hex digits
  std::string detail;             // the record's deciding_rule ("policy reloaded from ...")
};

struct ReportData {
  // What was asked for: the trails and the half-open range [from, to); infinite when open.
  std::vector<std::string> sources;
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  // What `--verify` found, one line per trail; empty when the trails were not verified.
  std::vector<std::string> verification;

  // The time of the first and last record in the range (the period actually covered); both
  // InfinitePast when the range holds no record.
  absl::Time first_record = absl::InfinitePast();
  absl::Time last_record = absl::InfinitePast();
  std::set<std::string> gateways;  // country codes of the gateways that wrote the records
  uint64_t records_read = 0;       // in every trail, in range or not
  uint64_t duplicates = 0;         // the same exchange and side in two trails, counted once
  // What the trail reader skipped (damaged bytes, missing segments): when not empty, the counts
  // may be incomplete.
  std::vector<std::string> damage;

  ExchangeCounts exchanges;
  // (agreement id, purpose) -> counts. A denial before any agreement matched has an empty id.
  std::map<std::pair<std::string, std::string>, ExchangeCounts> by_agreement_purpose;
  std::map<std::string, uint64_t> denials_by_rule;
  // agreement id -> category -> disclosure; allowed exchanges only (a denied exchange disclosed
  // nothing).
  std::map<std::string, std::map<std::string, CategoryDisclosure>> categories;
  LatencySummary latency;
  std::map<std::string, LatencySummary> latency_by_agreement;
  std::map<std::string, ExchangeCounts> by_method;
  std::vector<PolicyReload> reloads;
  // Replacements of a gateway's own certificate (IDENTITY_CHANGE records), in the same form.
  std::vector<PolicyReload> certificate_changes;
};

// Builds a ReportData from records in any order.
class ReportBuilder {
 public:
  // Records whose time is outside [from, to) are read but not counted.
  ReportBuilder(std::vector<std::string> sources, absl::Time from, absl::Time to);

  // Counts one record: exchanges (consumer or provider side) and policy reloads. An exchange and
  // side already counted (the same gateway, exchange id and direction) counts as a duplicate.
  void Add(const v1::AuditRecord& record);
  void AddDamage(std::string line) { data_.damage.push_back(std::move(line)); }
  void SetVerification(std::vector<std::string> lines) { data_.verification = std::move(lines); }

  // The report. REQUIRES: called once, last.
  ReportData Finish();

 private:
  ReportData data_;
  std::vector<uint64_t> latencies_;
  std::map<std::string, std::vector<uint64_t>> latencies_by_agreement_;
  std::set<std::tuple<std::string, std::string, int>> seen_;
};

// Nearest-rank percentiles of `values` (which it sorts).
LatencySummary SummariseLatencies(std::vector<uint64_t>* values);

// A plain-text report, columns aligned, for a terminal or a mail.
std::string RenderReportText(const ReportData& data);

// A self-contained HTML page with tables and inline SVG bar charts, readable when printed.
std::string RenderReportHtml(const ReportData& data);

// "&lt;" for '<', and so on for & > " '.
std::string HtmlEscape(absl::string_view text);

// An RFC 3339 time ("2026-05-01T00:00:00Z", "2026-05-01T09:00:00-03:00"; an offset without its
// colon, "+0000", is not RFC 3339 and is refused) or a date ("2026-05-01", midnight UTC).
absl::StatusOr<absl::Time> ParseReportTime(absl::string_view text);

// `pasarela audit report PATH... [--from TIME] [--to TIME] [--format text|html] [--output FILE]
// [--verify [--ca [CC=]FILE]... [--crl FILE]... [--peer-cert FILE]... [--peer-ca [CC=]FILE]...
// [--peer-crl FILE]...]`; `args` are the words after "report". FILE "-" is standard output.
// Returns 0 when the report was written, 1 when a trail cannot be read, fails verification, is
// damaged (the report is still written, saying its counts may be incomplete), or the output
// cannot be written, 2 on a usage error (an option given twice is one).
int RunAuditReport(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pasarela::audit

#endif  // PASARELA_GATEWAY_AUDIT_AUDIT_REPORT_H_
