// JSON output of findings, and the line-oriented classify command built on it.
//
// Pure functions; safe from any thread as long as the streams passed in are not shared.

#ifndef PASARELA_GATEWAY_CLASSIFY_FINDINGS_JSON_H_
#define PASARELA_GATEWAY_CLASSIFY_FINDINGS_JSON_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "gateway/classify/detector.h"

namespace pasarela::classify {

// Formats a score with two decimals at most and one at least: 1.0, 0.85, 0.4.
std::string FormatScore(double score);

// Returns one line of JSON, without a newline:
//   {"findings":[{"detector":"CPF","category":"personal_identifier","start":12,"end":26,"score":1.0}]}
// Findings are written in the order given.
std::string FindingsToJson(const std::vector<Finding>& findings);

// Reads `in` one line at a time (a trailing "\r" is dropped), scans each line with `set`, and
// writes one FindingsToJson() line per input line to `out`. Offsets are relative to the line.
// Returns 0 when every line was read and written, 1 when writing to `out` failed.
int RunClassifyLines(std::istream& in, std::ostream& out, const DetectorSet& set);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_FINDINGS_JSON_H_
