// Property: for random canonical responses (random values, valid identifiers of the region planted
// in random strings) and random agreements, after the provider gateway's two stages (the
// allow-list trimming, then the minimiser) no field outside the allow-list remains, and no data of
// a category the agreement does not allow is left untreated. Checked by classifying the output
// again, independently of what the minimiser reported.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/agreement/response_trimmer.h"
#include "gateway/classify/minimiser.h"
#include "gateway/classify/payload_classifier.h"
#include "gtest/gtest.h"
#include "tests/classify/classification_test_util.h"
#include "tests/classify/corpus.h"

namespace pasarela::classify {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::pasarela::classify::testing::DefaultPolicy;
using ::pasarela::classify::testing::ParseText;
using ::pasarela::classify::testing::Text;
using ::pasarela::classify::testing::Type;

constexpr char kKey[] = "property-test-pseudonym-key-0001";

// The responses of the canonical services.
const std::vector<std::string>& ResponseTypes() {
  static const std::vector<std::string>* const types = new std::vector<std::string>{
      "pasarela.identity.v1.GetPersonResponse",
      "pasarela.identity.v1.VerifyIdentityResponse",
      "pasarela.health.v1.GetPatientSummaryResponse",
  };
  return *types;
}

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  // In [0, n).
  size_t Below(size_t n) { return static_cast<size_t>(engine_() % n); }
  bool Chance(int percent) { return Below(100) < static_cast<size_t>(percent); }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

 private:
  std::mt19937_64 engine_;
};

// Text made of words, numbers that are not personal data, and, often, a snippet of the corpus
// that holds personal data (identifiers with or without their label, e-mail, phones, dates of
// birth).
class ValueMaker {
 public:
  ValueMaker() {
    for (const testing::Record& record : testing::GenerateCorpus(testing::kCorpusSeed, 600)) {
      if (!record.labels.empty() && record.text.size() < 200) personal_.push_back(record.text);
    }
  }

  std::string Text(Random& random) {
    static const std::vector<std::string> kWords = {"paciente",
                                                    "controle",
                                                    "ambulatorial",
                                                    "dosis",
                                                    "cada",
                                                    "horas",
                                                    "sin",
                                                    "cambios",
                                                    "alergia",
                                                    "penicilina",
                                                    "estable",
                                                    "registro",
                                                    "Santiago",
                                                    "Montevideo",
                                                    "O+",
                                                    "I21",
                                                    "2025-02-03",
                                                    "sala 304",
                                                    "pedido 4001238821",
                                                    "850 mg",
                                                    "CL",
                                                    "BR-CPF",
                                                    "Ana",
                                                    "Souza"};
    std::string text;
    size_t words = random.Below(8);
    for (size_t i = 0; i < words; ++i) {
      if (!text.empty()) text += ' ';
      text += random.Pick(kWords);
    }
    if (random.Chance(40)) {
      if (!text.empty()) text += ' ';
      text += random.Pick(personal_);
    }
    return text;
  }

  const std::vector<std::string>& personal() const { return personal_; }

 private:
  std::vector<std::string> personal_;
};

// Sets random fields of `message`, recursively to `depth`.
void Fill(Message* message, Random& random, ValueMaker& values, int depth) {
  const Descriptor* type = message->GetDescriptor();
  const Reflection* reflection = message->GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (!random.Chance(75)) continue;
    int count = field->is_repeated() ? static_cast<int>(random.Below(4)) : 1;
    for (int e = 0; e < count; ++e) {
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth <= 0) break;
          Fill(field->is_repeated() ? reflection->AddMessage(message, field)
                                    : reflection->MutableMessage(message, field),
               random, values, depth - 1);
          break;
        case FieldDescriptor::CPPTYPE_STRING:
          if (field->is_repeated()) {
            reflection->AddString(message, field, values.Text(random));
          } else {
            reflection->SetString(message, field, values.Text(random));
          }
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* value = field->enum_type()->value(static_cast<int>(
              random.Below(static_cast<size_t>(field->enum_type()->value_count()))));
          if (field->is_repeated()) {
            reflection->AddEnum(message, field, value);
          } else {
            reflection->SetEnum(message, field, value);
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_INT32:
          if (field->is_repeated()) {
            reflection->AddInt32(message, field, static_cast<int32_t>(random.Below(100)));
          } else {
            reflection->SetInt32(message, field, static_cast<int32_t>(random.Below(100)));
          }
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          if (!field->is_repeated()) reflection->SetBool(message, field, random.Chance(50));
          break;
        default:
          break;
      }
    }
  }
}

PersonalDataPolicy RandomAgreement(Random& random) {
  static const std::vector<DataCategory> kOrdered = {DataCategory::kPublic, DataCategory::kInternal,
                                                     DataCategory::kPersonal,
                                                     DataCategory::kPersonalIdentifier};
  static const std::vector<DataTreatment> kTreatments = {
      DataTreatment::kAllow, DataTreatment::kDrop,         DataTreatment::kRedact,
      DataTreatment::kMask,  DataTreatment::kPseudonymise, DataTreatment::kDeny};
  PersonalDataPolicy rules;
  rules.highest_category = random.Pick(kOrdered);
  for (DataCategory category : AllDataCategories()) {
    if (IsSensitive(category) && random.Chance(30)) rules.also_allowed.push_back(category);
  }
  // Deny is rare, so that most runs exercise the other treatments.
  do {
    rules.default_treatment = random.Pick(kTreatments);
  } while (rules.default_treatment == DataTreatment::kDeny && random.Chance(80));
  for (DataCategory category : AllDataCategories()) {
    if (!rules.Allows(category) && random.Chance(50)) {
      DataTreatment treatment = random.Pick(kTreatments);
      if (treatment == DataTreatment::kDeny && random.Chance(80)) continue;
      rules.beyond[category] = treatment;
    }
  }
  // Undeclared data of allowed categories: let through in half of the runs.
  if (random.Chance(50)) {
    do {
      rules.undeclared = random.Pick(kTreatments);
    } while (rules.undeclared == DataTreatment::kDeny && random.Chance(80));
  }
  rules.mask_keep_last = static_cast<int>(random.Below(7));
  return rules;
}

// Every field path of `type` (no indices), to draw allow-lists from.
void FieldPaths(const Descriptor* type, const std::string& prefix, int depth,
                std::vector<std::string>* out) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    std::string path = prefix.empty() ? field->name() : absl::StrCat(prefix, ".", field->name());
    out->push_back(path);
    if (field->message_type() != nullptr && !field->is_map() && depth > 0) {
      FieldPaths(field->message_type(), path, depth - 1, out);
    }
  }
}

std::string WithoutIndices(const std::string& path) {
  std::string out;
  bool in_index = false;
  for (char c : path) {
    if (c == '[') in_index = true;
    if (!in_index) out.push_back(c);
    if (c == ']') in_index = false;
  }
  return out;
}

bool AllowListCovers(const std::vector<std::string>& allowed, const std::string& path) {
  for (const std::string& entry : allowed) {
    if (path == entry || absl::StartsWith(path, entry + ".")) return true;
  }
  return false;
}

// The values of the field at `path` ("summary.problems[2].note", or a repeated scalar without
// index: all its elements).
std::vector<std::string> ValuesAt(const Message& root, const std::string& path) {
  const Message* message = &root;
  std::vector<std::string> steps = absl::StrSplit(path, '.');
  for (size_t s = 0; s < steps.size(); ++s) {
    std::string name = steps[s];
    int index = -1;
    size_t bracket = name.find('[');
    if (bracket != std::string::npos) {
      index = std::stoi(name.substr(bracket + 1));
      name = name.substr(0, bracket);
    }
    const FieldDescriptor* field = message->GetDescriptor()->FindFieldByName(name);
    if (field == nullptr) return {};
    const Reflection* reflection = message->GetReflection();
    if (s + 1 < steps.size()) {
      message = index >= 0 ? &reflection->GetRepeatedMessage(*message, field, index)
                           : &reflection->GetMessage(*message, field);
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return {"<not a string>"};
    std::vector<std::string> values;
    if (!field->is_repeated()) return {reflection->GetString(*message, field)};
    if (index >= 0) return {reflection->GetRepeatedString(*message, field, index)};
    for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
      values.push_back(reflection->GetRepeatedString(*message, field, i));
    }
    return values;
  }
  return {};
}

bool IsHex64(const std::string& value) {
  return value.size() == 64 && value.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A value that the treatment `treatment` of a whole field produced.
bool LooksTreated(DataTreatment treatment, DataCategory category, const std::string& value,
                  int keep_last) {
  switch (treatment) {
    case DataTreatment::kRedact:
      return value == RedactionMarker(category);
    case DataTreatment::kMask: {
      size_t stars = value.find_first_not_of('*');
      if (stars == std::string::npos) return true;
      // At most keep_last characters after the stars (UTF-8: count first bytes).
      int kept = 0;
      for (size_t i = stars; i < value.size(); ++i) {
        kept += (static_cast<unsigned char>(value[i]) & 0xC0) != 0x80;
      }
      return stars > 0 && kept <= keep_last;
    }
    case DataTreatment::kPseudonymise:
      return IsHex64(value);
    default:
      return false;
  }
}

TEST(MinimiserPropertyTest, NothingBeyondTheAgreementCrossesUntreated) {
  ValueMaker values;
  ASSERT_GT(values.personal().size(), 100u);
  PayloadClassifier classifier(DefaultPolicy());
  int denied = 0;
  int treated_runs = 0;
  int undeclared_seen = 0;
  int span_treatments = 0;
  constexpr int kRuns = 600;
  for (int run = 0; run < kRuns; ++run) {
    Random random(0x5eed0000u + static_cast<uint64_t>(run));
    const std::string& type_name = random.Pick(ResponseTypes());
    auto message = ParseText(type_name, "");
    Fill(message.get(), random, values, 4);
    PersonalDataPolicy rules = RandomAgreement(random);
    std::vector<std::string> paths;
    FieldPaths(Type(type_name), "", 4, &paths);
    std::vector<std::string> allowed;
    for (const std::string& path : paths) {
      if (random.Chance(40)) allowed.push_back(path);
    }
    std::sort(allowed.begin(), allowed.end());
    SCOPED_TRACE(
        absl::StrCat("run ", run, " ", type_name, " allow-list: ", absl::StrJoin(allowed, ",")));

    // Stage 1: the allow-list.
    absl::StatusOr<std::unique_ptr<const ResponseTrimmer>> trimmer =
        ResponseTrimmer::Create(Type(type_name), allowed);
    ASSERT_TRUE(trimmer.ok()) << trimmer.status();
    (*trimmer)->Trim(message.get());

    // Stage 2: the personal-data rules.
    absl::StatusOr<PersonalDataMinimiserPtr> minimiser =
        PersonalDataMinimiser::Create(DefaultPolicy(), rules, kKey);
    ASSERT_TRUE(minimiser.ok()) << minimiser.status();
    std::string before = Text(*message);
    ClassificationSummary input;
    absl::StatusOr<MinimisationReport> report = (*minimiser)->Minimise(message.get(), &input);
    undeclared_seen += static_cast<int>(input.undeclared.size());

    // Deny happens exactly when something of a denied category arrived, and changes nothing.
    bool must_deny = false;
    for (const DeclaredField& field : input.declared) {
      must_deny |= rules.TreatmentFor(field.category) == DataTreatment::kDeny;
    }
    for (const UndeclaredData& data : input.undeclared) {
      must_deny |= rules.UndeclaredTreatmentFor(data.category) == DataTreatment::kDeny;
    }
    if (!report.ok()) {
      ++denied;
      EXPECT_EQ(report.status().code(), absl::StatusCode::kPermissionDenied);
      EXPECT_TRUE(must_deny) << report.status();
      EXPECT_EQ(Text(*message), before);
      continue;
    }
    EXPECT_FALSE(must_deny);
    if (report->changed()) ++treated_runs;
    for (const TreatedData& data : report->treated) {
      span_treatments += data.detected && data.treatment != DataTreatment::kAllow &&
                         data.treatment != DataTreatment::kDrop;
    }

    // Classify the output again.
    ClassificationSummary output = classifier.Classify(*message);
    for (const DeclaredField& field : output.declared) {
      EXPECT_TRUE(AllowListCovers(allowed, WithoutIndices(field.path))) << field.path;
      DataTreatment treatment = rules.TreatmentFor(field.category);
      if (rules.Allows(field.category) || treatment == DataTreatment::kAllow) continue;
      // Drop clears the field, and non-strings are cleared by every treatment: still present is
      // untreated.
      ASSERT_NE(treatment, DataTreatment::kDrop)
          << field.path << " " << DataCategoryName(field.category) << " was not dropped";
      for (const std::string& value : ValuesAt(*message, field.path)) {
        EXPECT_TRUE(LooksTreated(treatment, field.category, value, rules.mask_keep_last))
            << field.path << " (" << DataCategoryName(field.category) << ", "
            << DataTreatmentName(treatment) << ") left as '" << value << "'";
      }
    }
    for (const UndeclaredData& data : output.undeclared) {
      DataTreatment treatment = rules.UndeclaredTreatmentFor(data.category);
      // The visible tail of a masked value can itself look like a short number (six digits
      // after "cédula" read as a Colombian cédula): that is the mask doing what it was told.
      if (treatment == DataTreatment::kMask && data.start > 0 &&
          ValuesAt(*message, data.path).front()[data.start - 1] == '*') {
        continue;
      }
      EXPECT_EQ(treatment, DataTreatment::kAllow)
          << data.path << ": " << DataCategoryName(data.category) << " found by " << data.detector
          << " is still there after " << DataTreatmentName(treatment) << ": "
          << ValuesAt(*message, data.path).front();
    }
    EXPECT_TRUE(output.unclassified.empty());
  }
  // The generator exercises what it should: denials, treatments, undeclared data, spans.
  std::cout << kRuns << " runs: " << denied << " denied, " << treated_runs << " treated, "
            << undeclared_seen << " undeclared findings, " << span_treatments
            << " treated in place\n";
  EXPECT_GT(denied, kRuns / 100);
  EXPECT_GT(treated_runs, kRuns / 3);
  EXPECT_GT(undeclared_seen, kRuns / 2);
  EXPECT_GT(span_treatments, kRuns / 20);
}

}  // namespace
}  // namespace pasarela::classify
