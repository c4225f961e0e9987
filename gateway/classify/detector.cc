#include "gateway/classify/detector.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/classify/catalog.h"
#include "gateway/classify/context.h"
#include "gateway/classify/required_characters.h"
#include "gateway/classify/typographic.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace pasarela::classify {

absl::string_view CategoryName(Category category) {
  switch (category) {
    case Category::kPersonal:
      return "personal";
    case Category::kPersonalIdentifier:
      return "personal_identifier";
  }
  return "personal";
}

const std::vector<std::string>& AllDetectorNames() {
  static const std::vector<std::string>* const names = [] {
    auto* out = new std::vector<std::string>();
    for (const Detector& d : Catalog()) out->emplace_back(d.name());
    return out;
  }();
  return *names;
}

Category DetectorCategory(absl::string_view name) {
  const int index = FindDetector(name);
  if (index < 0) {
    std::fprintf(stderr, "DetectorCategory: unknown detector %.*s\n", static_cast<int>(name.size()),
                 name.data());
    std::abort();
  }
  return Catalog()[index].category();
}

namespace {

// A catalog pattern and where it is used. Detectors share some regular expressions (a bare run
// of 11 digits is a candidate CPF, CUIT and RUC); each distinct expression is compiled and
// searched once.
struct PatternUse {
  int detector;
  int pattern;
};

struct CompiledPattern {
  std::unique_ptr<const RE2> re;
  std::vector<PatternUse> uses;
  bool needs_digit_or_at = false;  // EveryMatchHasDigitOrAt
};

struct CompiledCatalog {
  std::vector<CompiledPattern> patterns;
  // All patterns in one automaton: one pass over the text tells which patterns can match at
  // all, so that only those are searched one by one. Null if it could not be built.
  std::unique_ptr<RE2::Set> prefilter;
};

[[noreturn]] void DieBadPattern(const std::string& regex, const std::string& error) {
  std::fprintf(stderr, "classify: catalog pattern %s does not compile: %s\n", regex.c_str(),
               error.c_str());
  std::abort();
}

const CompiledCatalog& Compiled() {
  static const CompiledCatalog* const compiled = [] {
    auto* out = new CompiledCatalog();
    RE2::Options options;
    options.set_log_errors(false);
    std::map<std::string, int> index_of;
    const std::vector<Detector>& catalog = Catalog();
    for (size_t d = 0; d < catalog.size(); ++d) {
      const std::vector<PatternSpec>& patterns = catalog[d].patterns();
      for (size_t p = 0; p < patterns.size(); ++p) {
        const std::string& regex = patterns[p].regex;
        auto [it, inserted] = index_of.emplace(regex, static_cast<int>(out->patterns.size()));
        if (inserted) {
          CompiledPattern cp;
          cp.re = std::make_unique<const RE2>(regex, options);
          if (!cp.re->ok()) DieBadPattern(regex, cp.re->error());
          cp.needs_digit_or_at = EveryMatchHasDigitOrAt(regex);
          out->patterns.push_back(std::move(cp));
        }
        out->patterns[it->second].uses.push_back({static_cast<int>(d), static_cast<int>(p)});
      }
    }
    RE2::Options set_options = options;
    set_options.set_max_mem(64 << 20);
    auto set = std::make_unique<RE2::Set>(set_options, RE2::UNANCHORED);
    bool ok = true;
    for (const CompiledPattern& cp : out->patterns) {
      std::string error;
      ok = ok && set->Add(cp.re->pattern(), &error) >= 0;
    }
    if (ok && set->Compile()) out->prefilter = std::move(set);
    return out;
  }();
  return *compiled;
}

bool IsAsciiAlnum(unsigned char c) { return absl::ascii_isalnum(c); }
bool IsAsciiDigit(unsigned char c) { return absl::ascii_isdigit(c); }

// Whether a non-ASCII character starting with `lead` (a UTF-8 lead byte) is a letter. Letters glue
// to a candidate of letters and digits ("ÑGODE561231GR8" is not an RFC); punctuation and spaces
// such as NBSP, "º", "«" or a typographic dash do not.
bool IsLetterLead(unsigned char lead, unsigned char next) {
  if (lead == 0xC3) return next != 0x97 && next != 0xB7;  // Latin-1 letters, but not × and ÷
  if (lead >= 0xC4 && lead <= 0xDF) return true;          // Latin Extended, Greek, Cyrillic, ...
  if (lead >= 0xE3 && lead <= 0xED) return true;          // CJK and other scripts
  return false;  // C2 (Latin-1 punctuation), E2 (general punctuation), emoji, invalid bytes
}

// The UTF-8 character ending just before `pos`: its lead byte and the byte after the lead.
std::pair<unsigned char, unsigned char> CharBefore(absl::string_view text, size_t pos) {
  size_t lead = pos - 1;
  for (int i = 0; i < 3 && lead > 0 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80;
       ++i) {
    --lead;
  }
  const unsigned char next =
      lead + 1 < text.size() ? static_cast<unsigned char>(text[lead + 1]) : 0;
  return {static_cast<unsigned char>(text[lead]), next};
}

bool LeftEdgeOk(const PatternSpec& spec, absl::string_view text, size_t start) {
  if (start == 0) return true;
  const unsigned char outer = static_cast<unsigned char>(text[start - 1]);
  if (IsAsciiAlnum(outer)) return false;
  if (outer >= 0x80) {
    const auto [lead, next] = CharBefore(text, start);
    return !IsLetterLead(lead, next);
  }
  // "5.12.345.678": a separator of the scheme glues a digit to a candidate that starts with one.
  const bool joiner = spec.joiners.find(static_cast<char>(outer)) != std::string::npos;
  return !(joiner && start >= 2 && IsAsciiDigit(static_cast<unsigned char>(text[start - 2])) &&
           IsAsciiDigit(static_cast<unsigned char>(text[start])));
}

bool RightEdgeOk(const PatternSpec& spec, absl::string_view text, size_t end) {
  if (end >= text.size()) return true;
  const unsigned char outer = static_cast<unsigned char>(text[end]);
  if (IsAsciiAlnum(outer)) return false;
  if (outer >= 0x80) {
    const unsigned char next =
        end + 1 < text.size() ? static_cast<unsigned char>(text[end + 1]) : 0;
    return !IsLetterLead(outer, next);
  }
  const bool joiner = spec.joiners.find(static_cast<char>(outer)) != std::string::npos;
  if (!joiner || end + 1 >= text.size() ||
      !IsAsciiDigit(static_cast<unsigned char>(text[end - 1]))) {
    return true;
  }
  const unsigned char after = static_cast<unsigned char>(text[end + 1]);
  if (IsAsciiDigit(after)) return false;
  // "12.531.909-K", "10117410-G": a lone letter after a hyphen is the check character of a longer
  // identifier, so the digits before it are not a value of their own (a near miss of that
  // identifier must not come back as an AR_DNI).
  return !(outer == '-' && absl::ascii_isalpha(after) &&
           (end + 2 >= text.size() || !IsAsciiAlnum(static_cast<unsigned char>(text[end + 2]))));
}

constexpr double kContextBonus = 0.35;

double RoundScore(double score) { return std::round(std::min(score, 1.0) * 100.0) / 100.0; }

struct Candidate {
  Finding finding;
  int specificity;
};

// Folded context windows, computed once per start offset.
class ContextCache {
 public:
  explicit ContextCache(absl::string_view text) : text_(text) {}
  const std::string& Before(size_t pos) { return Window(pos, false, &windows_); }
  // The same window with the case of its letters kept, for the detectors' acronyms.
  const std::string& CasedBefore(size_t pos) { return Window(pos, true, &cased_windows_); }

  // Whether `detector`'s context words occur before `pos`.
  bool HasContext(const Detector& detector, size_t pos) {
    return detector.HasContext(Before(pos), detector.HasAcronyms() ? CasedBefore(pos) : "");
  }

 private:
  const std::string& Window(size_t pos, bool keep_case,
                            absl::flat_hash_map<size_t, std::string>* windows) {
    auto it = windows->find(pos);
    if (it == windows->end())
      it = windows->emplace(pos, ContextBefore(text_, pos, keep_case)).first;
    return it->second;
  }

  absl::string_view text_;
  absl::flat_hash_map<size_t, std::string> windows_;
  absl::flat_hash_map<size_t, std::string> cased_windows_;
};

// The score of one candidate, or a negative value when it is not a finding at all.
double Score(const Detector& detector, const PatternSpec& spec, absl::string_view value,
             ContextCache& contexts, size_t start) {
  const Verdict verdict = detector.Validate(value);
  if (verdict == Verdict::kReject) return -1;
  const bool own_context = contexts.HasContext(detector, start);
  if (verdict == Verdict::kCheckPassed) {
    bool attributable = own_context;
    switch (spec.attribution) {
      case Attribution::kFormat:
        attributable = true;
        break;
      case Attribution::kShared:
        if (!own_context) {
          // A label of a competing scheme, or of another kind of number altogether ("RG",
          // "expediente"), says the shape is not ours.
          attributable = !HasOtherNumberLabel(contexts.Before(start));
          for (const std::string& competitor : spec.competitors) {
            const int index = FindDetector(competitor);
            if (index >= 0 && contexts.HasContext(Catalog()[index], start)) attributable = false;
          }
        }
        break;
      case Attribution::kContext:
        break;
    }
    // A check digit that cannot be attributed to this scheme proves nothing: the candidate keeps
    // the weak score of its pattern.
    return attributable ? 1.0 : RoundScore(spec.base_score);
  }
  return RoundScore(spec.base_score + (own_context ? kContextBonus : 0.0));
}

// Ordering for overlap resolution: the better finding first.
bool Better(const Candidate& a, const Candidate& b) {
  if (a.finding.score != b.finding.score) return a.finding.score > b.finding.score;
  if (a.specificity != b.specificity) return a.specificity > b.specificity;
  const size_t la = a.finding.end - a.finding.start, lb = b.finding.end - b.finding.start;
  if (la != lb) return la > lb;
  if (a.finding.start != b.finding.start) return a.finding.start < b.finding.start;
  return a.finding.detector < b.finding.detector;
}

// Keeps the best of every group of overlapping candidates, greedily in Better() order.
std::vector<Finding> ResolveOverlaps(std::vector<Candidate> candidates) {
  if (candidates.size() == 1) return {candidates.front().finding};  // nothing to overlap
  std::sort(candidates.begin(), candidates.end(), Better);
  std::map<size_t, size_t> taken;  // start -> end of accepted findings, disjoint
  std::vector<Finding> out;
  for (const Candidate& c : candidates) {
    const size_t start = c.finding.start, end = c.finding.end;
    auto next = taken.lower_bound(start);
    if (next != taken.end() && next->first < end) continue;
    if (next != taken.begin() && std::prev(next)->second > start) continue;
    taken.emplace(start, end);
    out.push_back(c.finding);
  }
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return a.start != b.start ? a.start < b.start : a.end < b.end;
  });
  return out;
}

}  // namespace

struct DetectorSet::Impl {
  std::vector<bool> enabled;       // by catalog index
  std::vector<double> thresholds;  // by catalog index
  std::vector<bool> pattern_used;  // by compiled pattern index
  // Every pattern in use needs a digit or an '@' (true of the whole catalog): a text without
  // either, as most names and places are, can have no finding, and is not searched.
  bool needs_digit_or_at = true;
};

DetectorSet::DetectorSet(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
DetectorSet::~DetectorSet() = default;

absl::StatusOr<std::unique_ptr<const DetectorSet>> DetectorSet::Create(
    const DetectorOptions& options) {
  const std::vector<Detector>& catalog = Catalog();
  std::vector<std::string> unknown;
  for (const std::string& name : options.enabled) {
    if (FindDetector(name) < 0) unknown.push_back(name);
  }
  for (const auto& [name, threshold] : options.thresholds) {
    if (FindDetector(name) < 0) unknown.push_back(name);
  }
  if (!unknown.empty()) {
    std::sort(unknown.begin(), unknown.end());
    unknown.erase(std::unique(unknown.begin(), unknown.end()), unknown.end());
    return absl::InvalidArgumentError(
        absl::StrCat("unknown detector name(s): ", absl::StrJoin(unknown, ", "),
                     "; valid names are: ", absl::StrJoin(AllDetectorNames(), ", ")));
  }
  auto in_range = [](double t) { return t >= 0.0 && t <= 1.0; };
  if (!in_range(options.default_threshold)) {
    return absl::InvalidArgumentError(
        absl::StrCat("default threshold ", options.default_threshold, " is outside [0, 1]"));
  }
  for (const auto& [name, threshold] : options.thresholds) {
    if (!in_range(threshold)) {
      return absl::InvalidArgumentError(
          absl::StrCat("threshold ", threshold, " for detector ", name, " is outside [0, 1]"));
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->enabled.assign(catalog.size(), false);
  impl->thresholds.assign(catalog.size(), options.default_threshold);
  for (const std::string& name : options.enabled) impl->enabled[FindDetector(name)] = true;
  for (const auto& [name, threshold] : options.thresholds) {
    impl->thresholds[FindDetector(name)] = threshold;
  }
  const CompiledCatalog& compiled = Compiled();
  impl->pattern_used.assign(compiled.patterns.size(), false);
  for (size_t i = 0; i < compiled.patterns.size(); ++i) {
    for (const PatternUse& use : compiled.patterns[i].uses) {
      if (impl->enabled[use.detector]) impl->pattern_used[i] = true;
    }
    if (impl->pattern_used[i] && !compiled.patterns[i].needs_digit_or_at) {
      impl->needs_digit_or_at = false;
    }
  }
  return std::unique_ptr<const DetectorSet>(new DetectorSet(std::move(impl)));
}

std::vector<std::string> DetectorSet::EnabledDetectors() const {
  std::vector<std::string> out;
  for (size_t i = 0; i < impl_->enabled.size(); ++i) {
    if (impl_->enabled[i]) out.emplace_back(Catalog()[i].name());
  }
  return out;
}

double DetectorSet::Threshold(absl::string_view detector) const {
  const int index = FindDetector(detector);
  return index < 0 ? 1.0 : impl_->thresholds[index];
}

std::vector<Finding> DetectorSet::Scan(absl::string_view text) const {
  // Folding separators makes spaces and hyphens only: it adds no digit and no '@'.
  if (impl_->needs_digit_or_at && !HasDigitOrAt(text)) return {};
  std::string folded;
  std::vector<size_t> origin;
  if (!FoldTypographicSeparators(text, &folded, &origin)) return ScanAscii(text);
  std::vector<Finding> findings = ScanAscii(folded);
  for (Finding& finding : findings) {
    finding.start = origin[finding.start];
    finding.end = origin[finding.end];
  }
  return findings;
}

std::vector<Finding> DetectorSet::ScanAscii(absl::string_view text) const {
  if (text.empty()) return {};
  const CompiledCatalog& compiled = Compiled();
  const re2::StringPiece input(text.data(), text.size());

  std::vector<int> to_search;
  if (compiled.prefilter != nullptr) {
    RE2::Set::ErrorInfo error;
    // Most values match no pattern: asking only whether any does stops at the first match and,
    // unlike asking which, allocates nothing.
    if (!compiled.prefilter->Match(input, nullptr, &error) && error.kind == RE2::Set::kNoError) {
      return {};
    }
    if (!compiled.prefilter->Match(input, &to_search, &error) && error.kind != RE2::Set::kNoError) {
      to_search.clear();  // the automaton ran out of memory: search every pattern
      for (size_t i = 0; i < compiled.patterns.size(); ++i) to_search.push_back(i);
    }
  } else {
    for (size_t i = 0; i < compiled.patterns.size(); ++i) to_search.push_back(i);
  }

  const std::vector<Detector>& catalog = Catalog();
  ContextCache contexts(text);
  std::vector<Candidate> candidates;
  for (int index : to_search) {
    if (!impl_->pattern_used[index]) continue;
    const CompiledPattern& pattern = compiled.patterns[index];
    size_t pos = 0;
    re2::StringPiece match;
    while (pos < text.size() &&
           pattern.re->Match(input, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
      const size_t start = static_cast<size_t>(match.data() - text.data());
      const size_t end = start + match.size();
      if (end <= start) {  // no catalog pattern matches the empty string; be safe anyway
        pos = start + 1;
        continue;
      }
      bool left_ok_somewhere = false;
      for (const PatternUse& use : pattern.uses) {
        if (!impl_->enabled[use.detector]) continue;
        const Detector& detector = catalog[use.detector];
        const PatternSpec& spec = detector.patterns()[use.pattern];
        if (!LeftEdgeOk(spec, text, start)) continue;
        left_ok_somewhere = true;
        if (!RightEdgeOk(spec, text, end)) continue;
        const double score =
            Score(detector, spec, text.substr(start, end - start), contexts, start);
        if (score < 0 || score + 1e-9 < impl_->thresholds[use.detector]) continue;
        candidates.push_back({Finding{detector.name(), detector.category(), start, end, score},
                              detector.specificity()});
      }
      if (left_ok_somewhere) {
        pos = end;
      } else {
        // Glued on the left: no match can start inside the rest of this run of letters and
        // digits either, so skip it (this keeps the search linear).
        pos = start + 1;
        while (pos < text.size() && IsAsciiAlnum(static_cast<unsigned char>(text[pos - 1]))) ++pos;
      }
    }
  }
  return ResolveOverlaps(std::move(candidates));
}

}  // namespace pasarela::classify
