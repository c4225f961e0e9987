#include "gateway/classify/findings_json.h"

#include <cmath>
#include <istream>
#include <ostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pasarela::classify {

std::string FormatScore(double score) {
  if (!(score >= 0)) score = 0;  // also maps NaN to 0
  if (score > 1) score = 1;
  const long hundredths = std::lround(score * 100);
  const long whole = hundredths / 100, fraction = hundredths % 100;
  if (fraction % 10 == 0) return absl::StrFormat("%d.%d", whole, fraction / 10);
  return absl::StrFormat("%d.%02d", whole, fraction);
}

std::string FindingsToJson(const std::vector<Finding>& findings) {
  // Detector and category names are fixed identifiers of [A-Z_a-z]: nothing to escape.
  std::string out = "{\"findings\":[";
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"detector\":\"", f.detector, "\",\"category\":\"",
                    CategoryName(f.category), "\",\"start\":", f.start, ",\"end\":", f.end,
                    ",\"score\":", FormatScore(f.score), "}");
  }
  out += "]}";
  return out;
}

int RunClassifyLines(std::istream& in, std::ostream& out, const DetectorSet& set) {
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out << FindingsToJson(set.Scan(line)) << '\n';
    if (!out) return 1;
  }
  out.flush();
  return out ? 0 : 1;
}

}  // namespace pasarela::classify
