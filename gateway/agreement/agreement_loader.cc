// LoadAgreements: reads agreements/*.yaml into an AgreementBook, reporting every error of every
// file.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gateway/agreement/agreement_book.h"
#include "gateway/common/rfc3339.h"
#include "gateway/identity/participant_id.h"
#include "gateway/policy/yaml_reader.h"

namespace pasarela {
namespace {

constexpr int64_t kMaxBurst = 1000000;
constexpr double kMaxRequestsPerSecond = 1000000;
// One call in about 11.6 days: below it a refusal's "try again in" would no longer be a duration.
constexpr double kMinRequestsPerSecond = 0.000001;
constexpr int64_t kMaxMaskKeepLast = 64;

// The field of a date and time written in RFC 3339's shape that no calendar or clock has
// ("there is no month 13", "2026-02 has 28 days, not 30"), or empty. Said first, since the
// expected form the message goes on to give is the form the value already has.
std::string ImpossibleDateTimeField(absl::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  auto number = [&text](size_t at, size_t count, int* value) {
    return at + count <= text.size() &&
           std::all_of(text.begin() + at, text.begin() + at + count,
                       [](char c) { return c >= '0' && c <= '9'; }) &&
           absl::SimpleAtoi(text.substr(at, count), value);
  };
  if (!number(0, 4, &year) || !number(5, 2, &month) || !number(8, 2, &day) || text[4] != '-' ||
      text[7] != '-') {
    return "";
  }
  if (month < 1 || month > 12) return absl::StrCat("there is no month ", month);
  const absl::CivilMonth civil_month(year, month);
  const int days = static_cast<int>(absl::CivilDay(civil_month + 1) - absl::CivilDay(civil_month));
  if (day < 1 || day > days) {
    return absl::StrCat(text.substr(0, 7), " has ", days, " days, not ", day);
  }
  if (!number(11, 2, &hour) || !number(14, 2, &minute) || !number(17, 2, &second)) return "";
  if (hour > 23) return absl::StrCat("there is no hour ", hour, " (hours run from 00 to 23)");
  if (minute > 59) return absl::StrCat("there is no minute ", minute);
  if (second > 59) return absl::StrCat("there is no second ", second);
  if (text.size() > 19 && text[19] == '.') {
    size_t digits = 0;
    while (20 + digits < text.size() && text[20 + digits] >= '0' && text[20 + digits] <= '9') {
      ++digits;
    }
    if (digits > 9) {
      return absl::StrCat("a second is written with at most 9 decimals (nanoseconds), not ",
                          digits);
    }
  }
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) {
    if (absl::optional<int64_t> year = YearOutsideRfc3339(time)) {
      return absl::StrCat("in UTC that is in the year ", *year, ", outside the years 0001 to 9999");
    }
  }
  return "";
}

bool IsName(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string DidYouMean(absl::string_view word, const std::vector<std::string>& candidates) {
  std::string suggestion = ClosestMatch(word, candidates);
  return suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)");
}

std::string BaseName(absl::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == absl::string_view::npos ? path : path.substr(slash + 1));
}

// Everything one file is checked against, and the cross-file state.
struct LoadContext {
  // Null when federation.yaml has errors: participants are then checked for their form only.
  const Federation* federation;
  const DescriptorCatalog& catalog;
  Diagnostics& diagnostics;
  std::vector<std::string> participants;  // every registered participant, for suggestions
  std::vector<std::string> method_names;  // every method of the catalog, for suggestions
};

// Reads one agreement file. Errors go to the diagnostics; the agreement is complete only when the
// file added none.
class AgreementReader {
 public:
  AgreementReader(const YamlFile& file, LoadContext& context)
      : file_(file),
        context_(context),
        top_(file.root, file.path, context.diagnostics, "agreement") {}

  Agreement Read() {
    Agreement agreement;
    agreement.file = file_.path;
    if (!top_.valid() || !CheckFileBelongsHere(top_, {"Agreement"})) return agreement;
    top_.ExpectKeys({"apiVersion", "kind", "id", "title", "consumers", "provider", "methods",
                     "purposes", "legal_basis", "validity", "retention", "quota", "response_fields",
                     "personal_data"});
    CheckHeader(top_, "Agreement");
    ReadId(agreement);
    if (auto title = TopString("title", false)) agreement.title = *title;
    ReadParties(agreement);
    ReadMethods(agreement);
    ReadPurposes(agreement);
    ReadLegalBasis(agreement);
    ReadValidity(agreement);
    ReadRetention(agreement);
    ReadQuota(agreement);
    ReadResponseFields(agreement);
    ReadPersonalData(agreement);
    return agreement;
  }

  // Where the id was written (for the duplicate-id message of a later file).
  SourceLocation id_location() const { return top_.LocationOf("id"); }
  YAML::Node id_node() const { return top_.Get("id"); }

 private:
  void Error(const YAML::Node& at, absl::string_view message) { top_.Error(at, message); }

  // "<what>: missing required key '<key>'" at the start of the mapping, as YamlMap words it.
  bool Require(YamlMap& map, absl::string_view key) {
    if (!map.valid()) return false;
    if (map.Has(key)) return true;
    context_.diagnostics.Error(map.location(),
                               absl::StrCat(map.what(), ": missing required key '", key, "'"));
    return false;
  }

  // True when the section `key` is present (its absence is reported).
  bool HasSection(absl::string_view key) { return Require(top_, key); }

  static const char* KindOf(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        return "a single value";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Map:
        return "a mapping";
      default:
        return "nothing";
    }
  }

  // A top-level value read exactly as written. Reports a missing required key, a value that is not
  // a single one, and an empty required one.
  absl::optional<std::string> TopString(absl::string_view key, bool required) {
    if (!top_.valid()) return absl::nullopt;
    YAML::Node value = top_.Get(key);
    if (!value.IsDefined()) {
      if (required) Require(top_, key);
      return absl::nullopt;
    }
    if (!value.IsScalar()) {
      Error(value, absl::StrCat(key, ": expected a single value, found ", KindOf(value)));
      return absl::nullopt;
    }
    if (required && value.Scalar().empty()) {
      Error(value, absl::StrCat(key, ": must not be empty"));
      return absl::nullopt;
    }
    return value.Scalar();
  }

  struct ListItem {
    std::string value;
    YAML::Node node;
    // Where an earlier copy of the same value is; none (line 0) for the first.
    SourceLocation first;
  };

  // A required top-level list of at least one single value, in file order.
  std::vector<ListItem> RequiredList(absl::string_view key, absl::string_view item_kind) {
    std::vector<ListItem> items;
    if (!Require(top_, key)) return items;
    YAML::Node nodes = top_.Get(key);
    if (!nodes.IsSequence()) {
      Error(nodes,
            absl::StrCat(key, ": expected a list of ", item_kind, "s, found ", KindOf(nodes)));
      return items;
    }
    if (nodes.size() == 0) {
      Error(nodes,
            absl::StrCat(key, ": expected at least one ", item_kind, ", found an empty list"));
      return items;
    }
    absl::flat_hash_map<std::string, SourceLocation> first_at;
    for (const YAML::Node& node : nodes) {
      if (!node.IsScalar()) {
        Error(node, absl::StrCat(key, ": expected a ", item_kind, ", found ", KindOf(node)));
        continue;
      }
      auto [it, inserted] = first_at.emplace(node.Scalar(), top_.Location(node));
      items.push_back(ListItem{node.Scalar(), node, inserted ? SourceLocation() : it->second});
    }
    return items;
  }

  // True (after reporting) when `item` repeats an earlier one.
  bool Repeated(absl::string_view key, const ListItem& item) {
    if (item.first.line == 0) return false;
    Error(item.node,
          absl::StrCat(key, ": '", item.value, "' is listed twice ", FirstAt(item.first)));
    return true;
  }

  void ReadId(Agreement& agreement) {
    absl::optional<std::string> id = TopString("id", true);
    if (!id.has_value()) return;
    if (!IsName(*id)) {
      Error(top_.Get("id"), absl::StrCat("id: expected lower-case letters, digits and '-' (such as "
                                         "ar-cl-identity-2026), found '",
                                         *id, "'"));
      return;
    }
    agreement.id = *id;
    agreement.line = top_.LocationOf("id").line;
  }

  // True when `text` names a participant registered in the federation (reported when not).
  bool CheckParticipant(absl::string_view key, const std::string& text, const YAML::Node& node) {
    absl::StatusOr<ParticipantId> parsed = ParticipantId::Parse(text);
    if (!parsed.ok()) {
      Error(node, absl::StrCat(key, ": '", text,
                               "' is not a participant name: expected COUNTRY/CLASS/MEMBER such as "
                               "CL/GOV/registro-civil"));
      return false;
    }
    if (context_.federation == nullptr) return true;
    if (!context_.federation->HasParticipant(text)) {
      std::string why =
          context_.federation->Find(parsed->country()) == nullptr
              ? absl::StrCat(": country ", parsed->country(), " is not in the federation")
              : DidYouMean(text, context_.participants);
      Error(node, absl::StrCat(key, ": participant ", text, " is not registered in ",
                               BaseName(context_.federation->file), why));
      return false;
    }
    return true;
  }

  void ReadParties(Agreement& agreement) {
    // Consumers come first in the file; each is compared with the provider as written.
    YAML::Node provider_node = top_.Get("provider");
    std::string provider_text = provider_node.IsScalar() ? provider_node.Scalar() : "";
    for (const ListItem& item : RequiredList("consumers", "participant")) {
      if (Repeated("consumers", item)) continue;
      if (!CheckParticipant("consumers", item.value, item.node)) continue;
      if (item.value == provider_text) {
        Error(item.node, absl::StrCat("consumers: ", item.value,
                                      " is also the provider; expected consumers other than the "
                                      "provider (an agency needs no agreement with itself)"));
        continue;
      }
      agreement.consumers.push_back(item.value);
    }
    std::sort(agreement.consumers.begin(), agreement.consumers.end());
    absl::optional<std::string> provider = TopString("provider", true);
    if (provider.has_value() && CheckParticipant("provider", *provider, provider_node)) {
      agreement.provider = *provider;
    }
  }

  void ReadMethods(Agreement& agreement) {
    for (const ListItem& item : RequiredList("methods", "method")) {
      if (Repeated("methods", item)) continue;
      const std::string& written = item.value;
      const YAML::Node& node = item.node;
      std::string method(CanonicalMethodName(written));
      if (method.find('/') == std::string::npos) {
        Error(node, absl::StrCat("methods: '", written,
                                 "' is not a method name: expected package.Service/Method"));
        continue;
      }
      const google::protobuf::MethodDescriptor* descriptor = context_.catalog.FindMethod(method);
      if (descriptor == nullptr) {
        Error(node, absl::StrCat("methods: unknown method '", written, "'",
                                 DidYouMean(method, context_.method_names),
                                 "; expected a method of a service in the loaded descriptors"));
        continue;
      }
      if (descriptor->client_streaming() || descriptor->server_streaming()) {
        Error(node, absl::StrCat("methods: ", method,
                                 " is a streaming method; agreements govern unary methods only"));
        continue;
      }
      agreement.methods.push_back(method);
      method_nodes_.emplace(method, node);
    }
    std::sort(agreement.methods.begin(), agreement.methods.end());
  }

  void ReadPurposes(Agreement& agreement) {
    for (const ListItem& item : RequiredList("purposes", "purpose")) {
      if (Repeated("purposes", item)) continue;
      const std::string& purpose = item.value;
      const YAML::Node& node = item.node;
      if (!IsName(purpose)) {
        Error(node, absl::StrCat("purposes: expected lower-case letters, digits and '-' (such as "
                                 "border-control), found '",
                                 purpose, "'"));
        continue;
      }
      agreement.purposes.push_back(purpose);
    }
    std::sort(agreement.purposes.begin(), agreement.purposes.end());
  }

  void ReadLegalBasis(Agreement& agreement) {
    if (!HasSection("legal_basis")) return;
    YamlMap legal(top_, top_.Get("legal_basis"), "legal_basis");
    if (!legal.valid()) return;
    legal.ExpectKeys({"text", "reference"});
    if (auto text = legal.RequiredString("text")) agreement.legal_basis.text = *text;
    if (auto reference = legal.RequiredString("reference")) {
      agreement.legal_basis.reference = *reference;
    }
  }

  absl::optional<absl::Time> ReadTime(YamlMap& validity, absl::string_view key) {
    absl::optional<std::string> text = validity.RequiredString(key);
    if (!text.has_value()) return absl::nullopt;
    absl::optional<absl::Time> time = ParseRfc3339(*text);
    if (!time.has_value()) {
      const std::string impossible = ImpossibleDateTimeField(*text);
      validity.Error(validity.Get(key),
                     absl::StrCat("validity.", key, ": ",
                                  impossible.empty() ? "" : absl::StrCat(impossible, "; "),
                                  "expected an RFC 3339 date and time with its offset, such as "
                                  "2026-01-01T00:00:00Z or 2026-01-01T00:00:00-03:00, found '",
                                  *text, "'"));
    }
    return time;
  }

  void ReadValidity(Agreement& agreement) {
    if (!HasSection("validity")) return;
    YamlMap validity(top_, top_.Get("validity"), "validity");
    if (!validity.valid()) return;
    validity.ExpectKeys({"from", "until"});
    absl::optional<absl::Time> from = ReadTime(validity, "from");
    absl::optional<absl::Time> until = ReadTime(validity, "until");
    if (from.has_value()) agreement.valid_from = *from;
    if (until.has_value()) agreement.valid_until = *until;
    if (from.has_value() && until.has_value() && *until <= *from) {
      validity.Error(validity.Get("until"),
                     absl::StrCat("validity.until: expected a time after validity.from (",
                                  *validity.OptionalString("from"), "), found '",
                                  *validity.OptionalString("until"), "'"));
    }
  }

  void ReadRetention(Agreement& agreement) {
    absl::optional<std::string> text = TopString("retention", true);
    if (!text.has_value()) return;
    absl::optional<IsoDuration> retention = ParseIsoDuration(*text);
    if (!retention.has_value()) {
      Error(top_.Get("retention"),
            absl::StrCat("retention: expected an ISO 8601 duration in whole units, such as P30D, "
                         "P6M, P1Y or PT12H, found '",
                         *text, "'"));
      return;
    }
    agreement.retention = *retention;
  }

  void ReadQuota(Agreement& agreement) {
    if (!HasSection("quota")) return;
    YamlMap quota(top_, top_.Get("quota"), "quota");
    if (!quota.valid()) return;
    quota.ExpectKeys({"requests_per_second", "burst"});
    if (auto text = quota.RequiredString("requests_per_second")) {
      absl::optional<double> rate = ParsePlainDecimal(*text);
      if (!rate.has_value() || *rate < kMinRequestsPerSecond || *rate > kMaxRequestsPerSecond) {
        quota.Error(
            quota.Get("requests_per_second"),
            absl::StrCat("quota.requests_per_second: expected a decimal number (20, 0.5) "
                         "of at least 0.000001 and at most ",
                         static_cast<int64_t>(kMaxRequestsPerSecond), ", found '", *text, "'"));
      } else {
        agreement.quota.requests_per_second = *rate;
      }
    }
    if (Require(quota, "burst")) {
      if (auto burst = quota.OptionalInt("burst", 1, kMaxBurst)) agreement.quota.burst = *burst;
    }
  }

  void ReadResponseFields(Agreement& agreement) {
    if (!HasSection("response_fields")) return;
    YAML::Node node = top_.Get("response_fields");
    YamlMap fields(top_, node, "response_fields");
    if (!fields.valid()) return;
    absl::flat_hash_map<std::string, SourceLocation> first_at;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        Error(key, "response_fields: expected method names as keys");
        continue;
      }
      std::string method(CanonicalMethodName(key.Scalar()));
      auto [previous, inserted] = first_at.emplace(method, top_.Location(key));
      if (!inserted) {
        Error(key, absl::StrCat("response_fields: duplicate key '", key.Scalar(), "' ",
                                FirstAt(previous->second), "; YAML would silently keep only one"));
        continue;
      }
      if (!agreement.AllowsMethod(method)) {
        // A method written under methods but in error there is reported there already.
        if (!MethodWasWritten(method) && !NearMethodInError(method, agreement)) {
          Error(key,
                absl::StrCat("response_fields: method '", key.Scalar(),
                             "' is not listed under methods", DidYouMean(method, agreement.methods),
                             "; expected one of the agreement's methods"));
        }
        continue;
      }
      std::string what = absl::StrCat("response_fields.", method);
      if (!value.IsSequence()) {
        Error(value, absl::StrCat(what, ": expected a list of field paths ([] for none), found ",
                                  KindOf(value)));
        agreement.response_fields[method];  // reported; avoid a second "no entry" error
        continue;
      }
      const google::protobuf::Descriptor* response =
          context_.catalog.FindMethod(method)->output_type();
      std::vector<std::string>& allowed = agreement.response_fields[method];
      absl::flat_hash_map<std::string, SourceLocation> first_path_at;
      for (const YAML::Node& item : value) {
        if (!item.IsScalar() || item.Scalar().empty()) {
          Error(item, absl::StrCat(what, ": expected a field path such as person.given_names"));
          continue;
        }
        const std::string& path = item.Scalar();
        auto [seen, fresh] = first_path_at.emplace(path, top_.Location(item));
        if (!fresh) {
          Error(item, absl::StrCat(what, ": '", path, "' is listed twice ", FirstAt(seen->second)));
          continue;
        }
        absl::StatusOr<std::vector<const google::protobuf::FieldDescriptor*>> resolved =
            ResolveFieldPath(response, path);
        if (!resolved.ok()) {
          Error(item, absl::StrCat(what, ": ", resolved.status().message()));
          continue;
        }
        allowed.push_back(path);
      }
      std::sort(allowed.begin(), allowed.end());
    }
    for (const std::string& method : agreement.methods) {
      if (agreement.response_fields.count(method) != 0) continue;
      Error(method_nodes_.at(method),
            absl::StrCat("response_fields: no entry for ", method,
                         "; expected the response fields that may cross for every listed method "
                         "([] lets nothing of the response cross)"));
    }
  }

  // True when `method` was written under methods (even if it was in error there).
  bool MethodWasWritten(const std::string& method) const {
    YAML::Node methods = top_.Get("methods");
    if (!methods.IsSequence()) return false;
    for (const YAML::Node& item : methods) {
      if (item.IsScalar() && CanonicalMethodName(item.Scalar()) == method) return true;
    }
    return false;
  }

  // True when a method written under methods, and reported there, is a near miss of `method`:
  // a typo there (GetPersn) leaves the correctly spelled response_fields key of the same method
  // unmatched, and saying so as well would send the reader to the wrong line.
  bool NearMethodInError(const std::string& method, const Agreement& agreement) const {
    YAML::Node methods = top_.Get("methods");
    if (!methods.IsSequence()) return false;
    std::vector<std::string> in_error;
    for (const YAML::Node& item : methods) {
      if (!item.IsScalar()) continue;
      std::string written(CanonicalMethodName(item.Scalar()));
      if (!agreement.AllowsMethod(written)) in_error.push_back(std::move(written));
    }
    return !ClosestMatch(method, in_error).empty();
  }

  // `expected` lists the categories that fit here; the suggestion may be any category.
  absl::optional<DataCategory> ReadCategory(YamlMap& map, const YAML::Node& node,
                                            absl::string_view what, const std::string& name,
                                            bool sensitive) {
    absl::optional<DataCategory> category = ParseDataCategory(name);
    if (!category.has_value()) {
      std::vector<std::string> expected;
      for (DataCategory candidate : AllDataCategories()) {
        if (IsSensitive(candidate) == sensitive) {
          expected.emplace_back(DataCategoryName(candidate));
        }
      }
      map.Error(node, absl::StrCat(what, ": unknown category '", name, "'",
                                   DidYouMean(name, DataCategoryNames()),
                                   "; expected one of: ", absl::StrJoin(expected, ", ")));
    }
    return category;
  }

  absl::optional<DataTreatment> ReadTreatment(YamlMap& map, const YAML::Node& node,
                                              absl::string_view what) {
    if (!node.IsScalar()) {
      map.Error(node, absl::StrCat(what, ": expected one treatment, such as redact, found ",
                                   KindOf(node)));
      return absl::nullopt;
    }
    absl::optional<DataTreatment> treatment = ParseDataTreatment(node.Scalar());
    if (!treatment.has_value()) {
      map.Error(node,
                absl::StrCat(what, ": unknown treatment '", node.Scalar(), "'",
                             DidYouMean(node.Scalar(), DataTreatmentNames()),
                             "; expected one of: ", absl::StrJoin(DataTreatmentNames(), ", ")));
    }
    return treatment;
  }

  void ReadPersonalData(Agreement& agreement) {
    if (!HasSection("personal_data")) return;
    YamlMap data(top_, top_.Get("personal_data"), "personal_data");
    if (!data.valid()) return;
    data.ExpectKeys({"highest_category", "also_allowed", "beyond", "undeclared", "mask_keep_last"});
    PersonalDataPolicy& policy = agreement.personal_data;

    if (auto highest = data.RequiredString("highest_category")) {
      YAML::Node node = data.Get("highest_category");
      if (auto category = ReadCategory(data, node, "personal_data.highest_category", *highest,
                                       /*sensitive=*/false)) {
        if (IsSensitive(*category)) {
          data.Error(node, absl::StrCat("personal_data.highest_category: ", *highest,
                                        " is a sensitive category, which no highest_category "
                                        "implies; expected one of public, internal, personal, "
                                        "personal_identifier, with ",
                                        *highest, " under also_allowed"));
        } else {
          policy.highest_category = *category;
        }
      }
    }

    if (auto also = data.OptionalStringList("also_allowed")) {
      YAML::Node nodes = data.Get("also_allowed");
      for (size_t i = 0; i < also->size(); ++i) {
        const std::string& name = (*also)[i];
        absl::optional<DataCategory> category =
            ReadCategory(data, nodes[i], "personal_data.also_allowed", name, /*sensitive=*/true);
        if (!category.has_value()) continue;
        if (!IsSensitive(*category)) {
          data.Error(nodes[i], absl::StrCat("personal_data.also_allowed: ", name,
                                            " is not a sensitive category; expected a sensitive "
                                            "one (health and after) here, and ordinary categories "
                                            "through highest_category"));
          continue;
        }
        if (std::find(policy.also_allowed.begin(), policy.also_allowed.end(), *category) !=
            policy.also_allowed.end()) {
          data.Error(nodes[i],
                     absl::StrCat("personal_data.also_allowed: '", name, "' is listed twice"));
          continue;
        }
        policy.also_allowed.push_back(*category);
      }
      std::sort(policy.also_allowed.begin(), policy.also_allowed.end());
    }

    YAML::Node beyond = data.Get("beyond");
    if (beyond.IsDefined()) {
      YamlMap treatments(data, beyond, "personal_data.beyond");
      if (treatments.valid()) ReadBeyond(treatments, beyond, policy);
    }

    YAML::Node undeclared = data.Get("undeclared");
    if (undeclared.IsDefined()) {
      if (auto treatment = ReadTreatment(data, undeclared, "personal_data.undeclared")) {
        policy.undeclared = *treatment;
      }
    }

    if (auto keep = data.OptionalInt("mask_keep_last", 0, kMaxMaskKeepLast)) {
      policy.mask_keep_last = static_cast<int>(*keep);
    }
  }

  void ReadBeyond(YamlMap& map, const YAML::Node& node, PersonalDataPolicy& policy) {
    absl::flat_hash_map<std::string, SourceLocation> first_at;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) {
        map.Error(key, "personal_data.beyond: expected 'default' or category names as keys");
        continue;
      }
      const std::string& name = key.Scalar();
      auto [previous, inserted] = first_at.emplace(name, map.Location(key));
      if (!inserted) {
        map.Error(key,
                  absl::StrCat("personal_data.beyond: duplicate key '", name, "' ",
                               FirstAt(previous->second), "; YAML would silently keep only one"));
        continue;
      }
      std::string what = absl::StrCat("personal_data.beyond.", name);
      if (name == "default") {
        if (auto treatment = ReadTreatment(map, it->second, what)) {
          policy.default_treatment = *treatment;
        }
        continue;
      }
      absl::optional<DataCategory> category = ParseDataCategory(name);
      if (!category.has_value()) {
        std::vector<std::string> keys = DataCategoryNames();
        keys.insert(keys.begin(), "default");
        map.Error(key, absl::StrCat("personal_data.beyond: unknown category '", name, "'",
                                    DidYouMean(name, keys), "; expected default or one of: ",
                                    absl::StrJoin(DataCategoryNames(), ", ")));
        continue;
      }
      absl::optional<DataTreatment> treatment = ReadTreatment(map, it->second, what);
      if (!treatment.has_value()) continue;
      if (policy.Allows(*category)) {
        map.Error(key,
                  absl::StrCat("personal_data.beyond: ", name,
                               " is allowed by this agreement, so a treatment for it would "
                               "never apply; expected only categories beyond what is allowed"));
        continue;
      }
      policy.beyond[*category] = *treatment;
    }
  }

  const YamlFile& file_;
  LoadContext& context_;
  YamlMap top_;
  absl::flat_hash_map<std::string, YAML::Node> method_nodes_;
};

std::vector<std::string> AllMethodNames(const DescriptorCatalog& catalog) {
  std::vector<std::string> names;
  for (const std::string& service_name : catalog.ServiceNames()) {
    const google::protobuf::ServiceDescriptor* service =
        catalog.pool().FindServiceByName(service_name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      names.push_back(absl::StrCat(service->full_name(), "/", service->method(i)->name()));
    }
  }
  return names;
}

}  // namespace

absl::optional<AgreementBook> LoadAgreements(const std::string& agreements_dir,
                                             const Federation* federation,
                                             const DescriptorCatalog& catalog,
                                             Diagnostics& diagnostics) {
  const size_t errors_before = diagnostics.errors().size();
  AgreementBook book;

  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(agreements_dir, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    if (federation == nullptr) return absl::nullopt;
    return book;
  }
  if (error || !std::filesystem::is_directory(status)) {
    diagnostics.Error(SourceLocation{agreements_dir, 0, 0},
                      "expected a directory of agreement files (*.yaml)");
    return absl::nullopt;
  }

  // Subdirectories (an archive of old agreements) are not read.
  absl::optional<std::vector<PolicyDirectoryEntry>> entries =
      ListPolicyDirectory(agreements_dir, diagnostics);
  if (!entries.has_value()) return absl::nullopt;
  std::vector<std::string> paths;
  for (const PolicyDirectoryEntry& entry : *entries) {
    if (!entry.is_directory) paths.push_back(entry.path);
  }

  LoadContext context{federation, catalog, diagnostics, {}, AllMethodNames(catalog)};
  if (federation != nullptr) {
    for (const FederationCountry& country : federation->countries) {
      context.participants.insert(context.participants.end(), country.participants.begin(),
                                  country.participants.end());
    }
  }

  absl::flat_hash_map<std::string, SourceLocation> first_definition;
  std::vector<std::unique_ptr<const Agreement>> agreements;
  for (const std::string& path : paths) {
    const size_t file_errors_before = diagnostics.errors().size();
    YamlFile file = ParseYamlFile(path, diagnostics);
    if (!file.ok()) continue;
    AgreementReader reader(file, context);
    Agreement agreement = reader.Read();
    if (!agreement.id.empty()) {
      auto [previous, inserted] = first_definition.emplace(agreement.id, reader.id_location());
      if (!inserted) {
        diagnostics.Error(reader.id_location(),
                          absl::StrCat("id: agreement id '", agreement.id, "' is already used in ",
                                       previous->second.ToString(),
                                       "; expected ids unique across all agreement files"));
      }
    }
    if (diagnostics.errors().size() != file_errors_before) continue;
    agreement.digest = AgreementDigest(agreement);
    agreements.push_back(std::make_unique<const Agreement>(std::move(agreement)));
  }
  if (diagnostics.errors().size() != errors_before || federation == nullptr) return absl::nullopt;

  std::sort(agreements.begin(), agreements.end(),
            [](const auto& a, const auto& b) { return a->id < b->id; });
  for (const auto& agreement : agreements) {
    auto& by_method = book.trimmers_[agreement->id];
    for (const auto& [method, fields] : agreement->response_fields) {
      const google::protobuf::MethodDescriptor* descriptor = catalog.FindMethod(method);
      absl::StatusOr<ResponseTrimmerPtr> trimmer =
          ResponseTrimmer::Create(descriptor->output_type(), fields);
      if (!trimmer.ok()) {  // every path resolved above; kept as a guard
        diagnostics.Error(SourceLocation{agreement->file, agreement->line, 1},
                          trimmer.status().message());
        return absl::nullopt;
      }
      by_method.emplace(method, *std::move(trimmer));
    }
  }
  book.digest_ = AgreementBookDigest(agreements);
  book.agreements_ = std::move(agreements);
  return book;
}

}  // namespace pasarela
