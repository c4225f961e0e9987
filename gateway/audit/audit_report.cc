#include "gateway/audit/audit_report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gateway/audit/audit_verify.h"
#include "gateway/audit/timestamp.h"
#include "gateway/audit/trail_reader.h"
#include "gateway/common/one_line.h"
#include "gateway/common/plural.h"
#include "gateway/common/rfc3339.h"
#include "gateway/common/utf8.h"

namespace pasarela::audit {
namespace {

// A bound of the requested range, "(open)" when infinite.
std::string FormatBound(absl::Time t) {
  if (t == absl::InfinitePast() || t == absl::InfiniteFuture()) return "(open)";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string Milliseconds(uint64_t us) { return absl::StrFormat("%.2f", us / 1000.0); }

std::string OrNone(const std::string& s) { return s.empty() ? "(none)" : s; }

// Replaces `path` with `text`; the error names the path and the operating system's reason.
absl::Status WriteWholeFile(const std::string& path, const std::string& text) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  int error = 0;
  if (std::fwrite(text.data(), 1, text.size(), file) != text.size()) error = errno;
  // A full device often shows only when the buffer is flushed.
  if (std::fflush(file) != 0 && error == 0) error = errno;
  if (std::fclose(file) != 0 && error == 0) error = errno;
  if (error != 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

const char kNotVerified[] =
    "not verified: this report does not check the hash chain or the signatures; run `pasarela "
    "audit verify` on each trail, or report with --verify";

// A summary of the whole report, shared by both renderers: label, value.
std::vector<std::pair<std::string, std::string>> Overview(const ReportData& d) {
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("Trails", absl::StrJoin(d.sources, ", "));
  rows.emplace_back("Range", absl::StrCat(FormatBound(d.from), " to ", FormatBound(d.to),
                                          " (from included, to excluded)"));
  rows.emplace_back("Covered", d.first_record == absl::InfinitePast()
                                   ? std::string("no records in the range")
                                   : absl::StrCat(FormatRfc3339Millis(d.first_record), " to ",
                                                  FormatRfc3339Millis(d.last_record)));
  rows.emplace_back("Gateways",
                    d.gateways.empty() ? std::string("(none)") : absl::StrJoin(d.gateways, ", "));
  rows.emplace_back(
      "Exchanges",
      absl::StrCat(d.exchanges.total(), " (", d.exchanges.allowed, " allowed, ", d.exchanges.denied,
                   " denied), ", Plural(d.reloads.size(), "policy reload", "policy reloads"), "; ",
                   d.records_read, " records read"));
  if (d.duplicates > 0) {
    rows.emplace_back("Duplicates", absl::StrCat(d.duplicates,
                                                 " records of an exchange already counted "
                                                 "(the same trail given twice?) were skipped"));
  }
  if (!d.damage.empty()) {
    rows.emplace_back("Incomplete",
                      absl::StrCat(Plural(d.damage.size(), "damaged or missing part of a trail",
                                          "damaged or missing parts of the trails"),
                                   " skipped (warnings below): the counts may be low"));
  }
  rows.emplace_back("Verified", d.verification.empty() ? std::string(kNotVerified)
                                                       : absl::StrJoin(d.verification, "; "));
  return rows;
}

// A table: a title, column headers, rows of cells; numeric columns align right.
struct Table {
  std::string title;
  std::vector<std::string> headers;
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> rows;
};

// Policy reloads or certificate changes, one row each.
Table ChangesTable(std::string title, const std::vector<PolicyReload>& changes) {
  Table t{
      std::move(title), {"time", "gateway", "policy", "detail"}, {false, false, false, false}, {}};
  for (const PolicyReload& r : changes) {
    t.rows.push_back({FormatRfc3339Millis(r.time), r.gateway, r.policy_digest_hex, r.detail});
  }
  return t;
}

std::vector<Table> Tables(const ReportData& d) {
  std::vector<Table> tables;
  {
    Table t{"Exchanges per agreement and purpose",
            {"agreement", "purpose", "allowed", "denied", "total"},
            {false, false, true, true, true},
            {}};
    for (const auto& [key, c] : d.by_agreement_purpose) {
      t.rows.push_back({OrNone(key.first), OrNone(key.second), absl::StrCat(c.allowed),
                        absl::StrCat(c.denied), absl::StrCat(c.total())});
    }
    tables.push_back(std::move(t));
  }
  {
    Table t{"Denials by rule", {"rule", "denials"}, {false, true}, {}};
    std::vector<std::pair<std::string, uint64_t>> rules(d.denials_by_rule.begin(),
                                                        d.denials_by_rule.end());
    std::stable_sort(rules.begin(), rules.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [rule, n] : rules) t.rows.push_back({OrNone(rule), absl::StrCat(n)});
    tables.push_back(std::move(t));
  }
  {
    Table t{"Personal data disclosed per agreement (allowed exchanges)",
            {"agreement", "category", "exchanges", "field paths (exchanges)"},
            {false, false, true, false},
            {}};
    for (const auto& [agreement, categories] : d.categories) {
      for (const auto& [category, disclosure] : categories) {
        std::vector<std::string> paths;
        for (const auto& [path, n] : disclosure.field_paths) {
          paths.push_back(absl::StrCat(OrNone(path), " (", n, ")"));
        }
        t.rows.push_back({OrNone(agreement), OrNone(category), absl::StrCat(disclosure.exchanges),
                          absl::StrJoin(paths, ", ")});
      }
    }
    tables.push_back(std::move(t));
  }
  {
    Table t{"Latency (milliseconds)",
            {"agreement", "exchanges", "p50", "p90", "p99", "max"},
            {false, true, true, true, true, true},
            {}};
    auto row = [&t](const std::string& name, const LatencySummary& l) {
      t.rows.push_back({name, absl::StrCat(l.count), Milliseconds(l.p50), Milliseconds(l.p90),
                        Milliseconds(l.p99), Milliseconds(l.max)});
    };
    if (d.latency.count > 0) row("(all)", d.latency);
    for (const auto& [agreement, l] : d.latency_by_agreement) row(OrNone(agreement), l);
    tables.push_back(std::move(t));
  }
  {
    Table t{"Exchanges per method",
            {"method", "allowed", "denied", "total"},
            {false, true, true, true},
            {}};
    for (const auto& [method, c] : d.by_method) {
      t.rows.push_back({OrNone(method), absl::StrCat(c.allowed), absl::StrCat(c.denied),
                        absl::StrCat(c.total())});
    }
    tables.push_back(std::move(t));
  }
  tables.push_back(ChangesTable("Policy reloads", d.reloads));
  if (!d.certificate_changes.empty()) {
    tables.push_back(ChangesTable("Gateway certificate changes", d.certificate_changes));
  }
  return tables;
}

// Display width of UTF-8 text: one column per character.
size_t Width(absl::string_view s) { return CountCharacters(s); }

void RenderTextTable(const Table& table, std::string* out) {
  absl::StrAppend(out, "\n", table.title, "\n");
  if (table.rows.empty()) {
    absl::StrAppend(out, "  (none)\n");
    return;
  }
  // Cells hold values from the records (purposes, agreement ids): escaped, none can break a row.
  Table t = table;
  for (auto& row : t.rows) {
    for (std::string& cell : row) cell = EscapeForOneLine(cell);
  }
  std::vector<size_t> widths(t.headers.size());
  for (size_t c = 0; c < t.headers.size(); ++c) widths[c] = Width(t.headers[c]);
  for (const auto& row : t.rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], Width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string pad(widths[c] - Width(cells[c]), ' ');
      const bool last = c + 1 == cells.size();
      absl::StrAppend(&text, "  ", t.numeric[c] ? pad : "", cells[c],
                      t.numeric[c] || last ? "" : pad);
    }
    absl::StrAppend(out, text, "\n");
  };
  line(t.headers);
  for (const auto& row : t.rows) line(row);
}

// One bar of a chart: a label and its segments (value, CSS class), drawn stacked or, for
// percentiles, overlaid from zero (the largest first).
struct Bar {
  std::string label;
  std::vector<std::pair<uint64_t, std::string>> segments;
};

// The first `max` code points of `text`, with an ellipsis when cut.
std::string Shorten(const std::string& text, size_t max) {
  if (Width(text) <= max) return text;
  size_t count = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && count++ == max - 1) break;
  }
  return text.substr(0, i) + "\xE2\x80\xA6";
}

std::string SvgBarChart(const std::string& title, const std::vector<Bar>& bars, bool stacked,
                        const std::string& unit) {
  if (bars.empty()) return "";
  constexpr int kWidth = 720, kLabel = 270, kRow = 22, kValueSpace = 90;
  const int height = static_cast<int>(bars.size()) * kRow + 8;
  uint64_t max = 0;
  for (const Bar& bar : bars) {
    uint64_t sum = 0, largest = 0;
    for (const auto& [value, css] : bar.segments) {
      sum += value;
      largest = std::max(largest, value);
    }
    max = std::max(max, stacked ? sum : largest);
  }
  const double scale = max == 0 ? 0 : double(kWidth - kLabel - kValueSpace) / double(max);
  std::string svg = absl::StrCat("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"",
                                 kWidth, "\" height=\"", height, "\" viewBox=\"0 0 ", kWidth, " ",
                                 height, "\"><title>", HtmlEscape(title), "</title>\n");
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& bar = bars[i];
    const int y = static_cast<int>(i) * kRow + 4;
    absl::StrAppend(&svg, "<text x=\"", kLabel - 6, "\" y=\"", y + 15,
                    "\" text-anchor=\"end\" class=\"label\">", HtmlEscape(Shorten(bar.label, 40)),
                    "</text>");
    double x = kLabel;
    std::vector<std::string> values;
    for (const auto& [value, css] : bar.segments) {
      const double w = value * scale;
      absl::StrAppend(&svg, "<rect x=\"", absl::StrFormat("%.1f", stacked ? x : kLabel), "\" y=\"",
                      y + 2, "\" width=\"", absl::StrFormat("%.1f", w), "\" height=\"", kRow - 6,
                      "\" class=\"", css, "\"/>");
      if (stacked) x += w;
      values.push_back(unit.empty() ? absl::StrCat(value) : Milliseconds(value));
    }
    uint64_t end = 0;
    for (const auto& [value, css] : bar.segments)
      end = stacked ? end + value : std::max(end, value);
    absl::StrAppend(&svg, "<text x=\"", absl::StrFormat("%.1f", kLabel + end * scale + 4),
                    "\" y=\"", y + 15, "\" class=\"value\">", absl::StrJoin(values, " / "), unit,
                    "</text>\n");
  }
  absl::StrAppend(&svg, "</svg>\n");
  return svg;
}

void RenderHtmlTable(const Table& t, std::string* out) {
  absl::StrAppend(out, "<table>\n<tr>");
  for (size_t c = 0; c < t.headers.size(); ++c) {
    absl::StrAppend(out, "<th", t.numeric[c] ? " class=\"n\"" : "", ">", HtmlEscape(t.headers[c]),
                    "</th>");
  }
  absl::StrAppend(out, "</tr>\n");
  if (t.rows.empty()) {
    absl::StrAppend(out, "<tr><td colspan=\"", t.headers.size(), "\">(none)</td></tr>\n");
  }
  for (const auto& row : t.rows) {
    absl::StrAppend(out, "<tr>");
    for (size_t c = 0; c < row.size(); ++c) {
      absl::StrAppend(out, "<td", t.numeric[c] ? " class=\"n\"" : "", ">", HtmlEscape(row[c]),
                      "</td>");
    }
    absl::StrAppend(out, "</tr>\n");
  }
  absl::StrAppend(out, "</table>\n");
}

// The charts that go above each table, by table index (see Tables).
std::string ChartFor(size_t table, const ReportData& d) {
  std::vector<Bar> bars;
  switch (table) {
    case 0:
      for (const auto& [key, c] : d.by_agreement_purpose) {
        bars.push_back({absl::StrCat(OrNone(key.first), " \xC2\xB7 ", OrNone(key.second)),
                        {{c.allowed, "allow"}, {c.denied, "deny"}}});
      }
      return SvgBarChart("Allowed and denied exchanges per agreement and purpose", bars, true, "");
    case 1:
      for (const auto& [rule, n] : d.denials_by_rule) bars.push_back({OrNone(rule), {{n, "deny"}}});
      return SvgBarChart("Denials by rule", bars, true, "");
    case 2:
      for (const auto& [agreement, categories] : d.categories) {
        for (const auto& [category, disclosure] : categories) {
          bars.push_back({absl::StrCat(OrNone(agreement), " \xC2\xB7 ", OrNone(category)),
                          {{disclosure.exchanges, "data"}}});
        }
      }
      return SvgBarChart("Exchanges disclosing each category, per agreement", bars, true, "");
    case 3:
      for (const auto& [agreement, l] : d.latency_by_agreement) {
        bars.push_back({OrNone(agreement), {{l.p99, "p99"}, {l.p90, "p90"}, {l.p50, "p50"}}});
      }
      return SvgBarChart("Latency per agreement: p99 / p90 / p50", bars, false, " ms");
    default:
      return "";
  }
}

constexpr char kHtmlStyle[] = R"(<style>
body { font-family: sans-serif; margin: 2em; color: #111; max-width: 60em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; break-after: avoid; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #999; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
dl.overview { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.overview dt { font-weight: bold; } dl.overview dd { margin: 0; }
.warning { color: #8a4b00; }
svg { display: block; margin: 0.5em 0; max-width: 100%; height: auto; }
svg text { font: 12px sans-serif; fill: #111; }
rect.allow { fill: #3a7d44; } rect.deny { fill: #c0392b; } rect.data { fill: #2c6fad; }
rect.p99 { fill: #c7d7ea; } rect.p90 { fill: #7ea6d1; } rect.p50 { fill: #2c6fad; }
.legend span { display: inline-block; width: 0.9em; height: 0.9em; margin: 0 0.3em 0 1em; }
section { break-inside: avoid; }
@media print { body { margin: 0; max-width: none; } * { -webkit-print-color-adjust: exact;
  print-color-adjust: exact; } }
</style>
)";

}  // namespace

Crossing CrossingOf(const v1::ClassifiedField& field) {
  if (field.in_request()) return Crossing::kNone;
  const std::string& treatment = field.treatment();
  if (treatment.empty() || treatment == "allow") return Crossing::kWhole;
  if (treatment == "mask") return Crossing::kMasked;
  if (treatment == "pseudonymise") return Crossing::kPseudonymised;
  return Crossing::kNone;
}

LatencySummary SummariseLatencies(std::vector<uint64_t>* values) {
  LatencySummary s;
  if (values->empty()) return s;
  std::sort(values->begin(), values->end());
  const size_t n = values->size();
  auto rank = [&](double p) {
    size_t r = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
    return (*values)[std::max<size_t>(r, 1) - 1];
  };
  s.count = n;
  s.p50 = rank(50);
  s.p90 = rank(90);
  s.p99 = rank(99);
  s.max = values->back();
  return s;
}

ReportBuilder::ReportBuilder(std::vector<std::string> sources, absl::Time from, absl::Time to) {
  data_.sources = std::move(sources);
  data_.from = from;
  data_.to = to;
}

void ReportBuilder::Add(const v1::AuditRecord& r) {
  ++data_.records_read;
  const absl::Time time = TimeOf(r.time());
  if (time < data_.from || time >= data_.to) return;
  const bool exchange = r.direction() == v1::CONSUMER_SIDE || r.direction() == v1::PROVIDER_SIDE;
  if (!exchange && r.direction() != v1::POLICY_RELOAD && r.direction() != v1::IDENTITY_CHANGE) {
    return;
  }
  if (exchange &&
      !seen_.emplace(r.gateway(), r.exchange_id(), static_cast<int>(r.direction())).second) {
    ++data_.duplicates;
    return;
  }
  if (data_.first_record == absl::InfinitePast() || time < data_.first_record) {
    data_.first_record = time;
  }
  if (data_.last_record == absl::InfinitePast() || time > data_.last_record) {
    data_.last_record = time;
  }
  data_.gateways.insert(r.gateway());
  if (!exchange) {
    PolicyReload reload;
    reload.time = time;
    reload.gateway = r.gateway();
    reload.policy_digest_hex = absl::BytesToHexString(r.policy_digest()).substr(0, 12);
    reload.detail = r.deciding_rule();
    (r.direction() == v1::IDENTITY_CHANGE ? data_.certificate_changes : data_.reloads)
        .push_back(std::move(reload));
    return;
  }
  const bool allowed = r.decision() == v1::ALLOW;
  auto count = [allowed](ExchangeCounts* c) { ++(allowed ? c->allowed : c->denied); };
  count(&data_.exchanges);
  count(&data_.by_agreement_purpose[{r.agreement_id(), r.purpose()}]);
  count(&data_.by_method[r.method()]);
  if (!allowed) ++data_.denials_by_rule[r.deciding_rule()];
  if (allowed) {
    std::map<std::string, CategoryDisclosure>& categories = data_.categories[r.agreement_id()];
    std::set<std::string> in_this_exchange;
    std::set<std::pair<std::string, std::string>> paths_in_this_exchange;
    for (const v1::ClassifiedField& field : r.classification()) {
      if (CrossingOf(field) == Crossing::kNone) continue;
      CategoryDisclosure& c = categories[field.category()];
      if (in_this_exchange.insert(field.category()).second) ++c.exchanges;
      if (paths_in_this_exchange.emplace(field.category(), field.field_path()).second) {
        ++c.field_paths[field.field_path()];
      }
    }
    if (categories.empty()) data_.categories.erase(r.agreement_id());
  }
  latencies_.push_back(r.latency_us());
  latencies_by_agreement_[r.agreement_id()].push_back(r.latency_us());
}

ReportData ReportBuilder::Finish() {
  data_.latency = SummariseLatencies(&latencies_);
  for (auto& [agreement, values] : latencies_by_agreement_) {
    data_.latency_by_agreement[agreement] = SummariseLatencies(&values);
  }
  std::stable_sort(data_.reloads.begin(), data_.reloads.end(),
                   [](const PolicyReload& a, const PolicyReload& b) { return a.time < b.time; });
  std::stable_sort(data_.certificate_changes.begin(), data_.certificate_changes.end(),
                   [](const PolicyReload& a, const PolicyReload& b) { return a.time < b.time; });
  return std::move(data_);
}

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RenderReportText(const ReportData& d) {
  std::string out = "Pasarela audit report\n";
  const auto overview = Overview(d);
  size_t width = 0;
  for (const auto& [label, value] : overview) width = std::max(width, label.size());
  for (const auto& [label, value] : overview) {
    absl::StrAppend(&out, label, ":", std::string(width - label.size() + 1, ' '),
                    EscapeForOneLine(value), "\n");
  }
  for (const std::string& line : d.damage) {
    absl::StrAppend(&out, "warning: ", EscapeForOneLine(line), "\n");
  }
  for (const Table& t : Tables(d)) RenderTextTable(t, &out);
  return out;
}

std::string RenderReportHtml(const ReportData& d) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>Pasarela audit report</title>\n",
      kHtmlStyle, "</head>\n<body>\n<h1>Pasarela audit report</h1>\n<dl class=\"overview\">\n");
  for (const auto& [label, value] : Overview(d)) {
    absl::StrAppend(&out, "<dt>", HtmlEscape(label), "</dt><dd",
                    label == "Verified" && d.verification.empty() ? " class=\"warning\"" : "", ">",
                    HtmlEscape(value), "</dd>\n");
  }
  absl::StrAppend(&out, "</dl>\n");
  for (const std::string& line : d.damage) {
    absl::StrAppend(&out, "<p class=\"warning\">warning: ", HtmlEscape(line), "</p>\n");
  }
  const std::vector<Table> tables = Tables(d);
  for (size_t i = 0; i < tables.size(); ++i) {
    absl::StrAppend(&out, "<section>\n<h2>", HtmlEscape(tables[i].title), "</h2>\n");
    const std::string chart = ChartFor(i, d);
    if (!chart.empty()) {
      if (i == 0) {
        absl::StrAppend(&out,
                        "<p class=\"legend\"><span style=\"background:#3a7d44\"></span>allowed"
                        "<span style=\"background:#c0392b\"></span>denied</p>\n");
      }
      absl::StrAppend(&out, chart);
    }
    RenderHtmlTable(tables[i], &out);
    absl::StrAppend(&out, "</section>\n");
  }
  absl::StrAppend(&out, "</body>\n</html>\n");
  return out;
}

absl::StatusOr<absl::Time> ParseReportTime(absl::string_view text) {
  absl::Time t;
  std::string error;
  const std::string s(text);
  // absl also takes "+0000" and "+00" for the offset; RFC 3339 has only "Z" and "+HH:MM".
  const bool rfc3339_offset = absl::EndsWithIgnoreCase(s, "z") ||
                              (s.size() > 6 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-') &&
                               s[s.size() - 3] == ':');
  if ((rfc3339_offset && absl::ParseTime(absl::RFC3339_full, s, &t, &error)) ||
      (s.size() == 10 && absl::ParseTime("%Y-%m-%d", s, absl::UTCTimeZone(), &t, &error))) {
    // A gateway writes times of the years 1 to 9999, and the report prints its range back.
    if (absl::optional<int64_t> year = YearOutsideRfc3339(t)) {
      return absl::InvalidArgumentError(absl::StrCat("'", s, "' is in the year ", *year,
                                                     " in UTC: expected the years 1 to 9999"));
    }
    return t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", s,
      "' is not an RFC 3339 time (2026-05-01T00:00:00Z, 2026-05-01T09:00:00-03:00) or a date "
      "(2026-05-01)"));
}

int RunAuditReport(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  constexpr absl::string_view kUsage =
      "usage: pasarela audit report PATH... [--from TIME] [--to TIME] [--format text|html]\n"
      "                             [--output FILE]\n"
      "                             [--verify [--ca [CC=]FILE]... [--crl FILE]... [--peer-cert "
      "FILE]...\n"
      "                                       [--peer-ca [CC=]FILE]... [--peer-crl FILE]...]\n"
      "  PATH      a trail (segment directory or file); several for the replicas of a gateway\n"
      "  --from    first instant counted, RFC 3339 (2026-05-01T00:00:00Z) or a date (UTC)\n"
      "  --to      first instant not counted (the range is half-open)\n"
      "  --format  text (default) or html (one self-contained page with charts)\n"
      "  --output  write the report to FILE (- for standard output, the default)\n"
      "  --verify  verify each trail first (as `pasarela audit verify`); refuse if one fails\n"
      "  --ca      with --verify: CA certificate(s) each checkpoint certificate must chain to;\n"
      "            CC=FILE vouches only for gateway CC's certificates\n"
      "  --crl     with --verify and --ca: CRL(s) of those CAs; a checkpoint signed by a\n"
      "            certificate they revoke fails, whatever its time\n"
      "  --peer-cert  with --verify: a certificate a peer gateway signed receipts with; the\n"
      "            receipts the records keep from that gateway must verify under one of them\n"
      "  --peer-ca   with --verify and --peer-cert: the peers' CA certificate(s) the certificate\n"
      "            that verifies a receipt must chain to, at the receipt's time; CC=FILE\n"
      "            vouches only for gateway CC's certificates\n"
      "  --peer-crl  with --verify and --peer-ca: CRL(s) of those CAs; a receipt signed by a\n"
      "            certificate they revoke fails, whatever its time\n";
  std::vector<std::string> paths;
  std::string format = "text", output;
  absl::Time from = absl::InfinitePast(), to = absl::InfiniteFuture();
  AuditVerifyOptions verify_options;
  bool verify = false;
  std::set<std::string> seen;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    const auto takes_value = [](absl::string_view option) {
      return option == "--from" || option == "--to" || option == "--format" ||
             option == "--output" || option == "--ca" || option == "--crl" ||
             option == "--peer-cert" || option == "--peer-ca" || option == "--peer-crl";
    };
    if (const size_t eq = arg.find('='); absl::StartsWith(arg, "--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (takes_value(arg)) {
      if (i + 1 >= args.size()) {
        err << "audit report: " << arg << " needs a value\n" << kUsage;
        return 2;
      }
      value = args[++i];
    }
    if (takes_value(arg) && value.empty()) {
      // An empty --output would write to standard output, an empty --ca read nothing.
      err << "audit report: " << arg << " must not be empty\n" << kUsage;
      return 2;
    }
    // --ca, --crl and the --peer- options may be repeated; a second value of any other option would
    // silently replace the first.
    if ((arg == "--from" || arg == "--to" || arg == "--format" || arg == "--output") &&
        !seen.insert(arg).second) {
      err << "audit report: " << arg << " given twice\n" << kUsage;
      return 2;
    }
    if (arg == "-h" || arg == "--help") {
      out << kUsage;
      return 0;
    } else if (arg == "--from" || arg == "--to") {
      absl::StatusOr<absl::Time> t = ParseReportTime(value);
      if (!t.ok()) {
        err << "audit report: " << arg << ": " << t.status().message() << "\n";
        return 2;
      }
      (arg == "--from" ? from : to) = *t;
    } else if (arg == "--format") {
      if (value != "text" && value != "html") {
        err << "audit report: --format must be text or html, not '" << value << "'\n";
        return 2;
      }
      format = value;
    } else if (arg == "--output") {
      output = value;
    } else if (arg == "--ca") {
      verify_options.ca_files.push_back(value);
    } else if (arg == "--crl") {
      verify_options.crl_files.push_back(value);
    } else if (arg == "--peer-cert") {
      verify_options.peer_certificate_files.push_back(value);
    } else if (arg == "--peer-ca") {
      verify_options.peer_ca_files.push_back(value);
    } else if (arg == "--peer-crl") {
      verify_options.peer_crl_files.push_back(value);
    } else if (arg == "--verify") {
      verify = true;
    } else if (absl::StartsWith(arg, "-") && arg != "-") {
      err << "audit report: unknown option " << arg << "\n" << kUsage;
      return 2;
    } else {
      paths.push_back(arg);
    }
  }
  if (paths.empty()) {
    err << "audit report: PATH is missing\n" << kUsage;
    return 2;
  }
  if (from >= to) {
    err << "audit report: --from must be before --to\n";
    return 2;
  }
  for (const auto& [option, files] :
       {std::make_pair("--ca", &verify_options.ca_files),
        std::make_pair("--crl", &verify_options.crl_files),
        std::make_pair("--peer-cert", &verify_options.peer_certificate_files),
        std::make_pair("--peer-ca", &verify_options.peer_ca_files),
        std::make_pair("--peer-crl", &verify_options.peer_crl_files)}) {
    if (!files->empty() && !verify) {
      err << "audit report: " << option << " only goes with --verify\n";
      return 2;
    }
  }

  ReportBuilder builder(paths, from, to);
  if (verify) {
    absl::StatusOr<std::unique_ptr<AuditVerifier>> verifier = AuditVerifier::Create(verify_options);
    if (!verifier.ok()) {
      err << "audit report: " << verifier.status().message() << "\n";
      return 2;
    }
    std::vector<std::string> lines;
    for (const std::string& path : paths) {
      absl::StatusOr<AuditVerifyReport> report = (*verifier)->Verify(path);
      if (!report.ok()) {
        out << "audit report: FAILED: " << path << ": " << report.status().message() << "\n";
        return 1;
      }
      if (!report->ok()) {
        out << "audit report: FAILED: " << path
            << " does not verify, so no report: " << report->Summary() << "\n";
        return 1;
      }
      lines.push_back(absl::StrCat(path, ": ", report->Summary()));
    }
    builder.SetVerification(std::move(lines));
  }
  for (const std::string& path : paths) {
    std::vector<std::string> damage;
    absl::Status s = ForEachRecord(
        path, [&](const v1::AuditRecord& r, const TrailSegment&, uint64_t) { builder.Add(r); },
        &damage);
    if (!s.ok()) {
      out << "audit report: FAILED: " << s.message() << "\n";
      return 1;
    }
    for (std::string& line : damage) builder.AddDamage(absl::StrCat(path, ": ", line));
  }
  const ReportData data = builder.Finish();
  const std::string text = format == "html" ? RenderReportHtml(data) : RenderReportText(data);
  const int status = data.damage.empty() ? 0 : 1;
  if (output.empty() || output == "-") {
    out << text;
    return status;
  }
  if (absl::Status s = WriteWholeFile(output, text); !s.ok()) {
    out << "audit report: FAILED: " << s.message() << "\n";
    return 1;
  }
  out << "audit report: wrote " << output << " (" << data.exchanges.total() << " exchanges)"
      << (data.damage.empty() ? "" : "; the trails are damaged, so the counts may be incomplete")
      << "\n";
  return status;
}

}  // namespace pasarela::audit
