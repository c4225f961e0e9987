#include "gateway/classify/payload_classifier.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "gateway/classify/findings_json.h"
#include "gateway/classify/payload_walk.h"

namespace pasarela::classify {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;

class ClassifyVisitor {
 public:
  ClassifyVisitor(const DetectorSet& detectors, ClassificationSummary* summary)
      : recorder_(detectors, summary) {}

  void OnField(const Message& message, const FieldDescriptor* field, const FieldPlan& plan,
               const std::string& path) {
    recorder_.RecordDeclared(path, plan);
    if (!plan.scan) return;
    if (!field->is_repeated()) {
      recorder_.ScanValue(internal::StringValue(message, field, -1, &scratch_), plan, path);
      return;
    }
    int count = message.GetReflection()->FieldSize(message, field);
    for (int i = 0; i < count; ++i) {
      recorder_.ScanValue(internal::StringValue(message, field, i, &scratch_), plan, path, i);
    }
  }

  void OnUnclassified(const Message&, const FieldDescriptor*, const std::string& path) {
    recorder_.RecordUnclassified(path);
  }

  void Finish() { recorder_.Finish(); }

 private:
  internal::SummaryRecorder recorder_;
  std::string scratch_;
};

// JSON string escaping for field paths (names of the schema, ASCII in practice).
void AppendJsonString(std::string* out, absl::string_view text) {
  out->push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(out, "\\u00", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

bool ClassificationSummary::Contains(DataCategory category) const {
  return std::find(categories.begin(), categories.end(), category) != categories.end();
}

std::string SummaryToJson(const ClassificationSummary& summary) {
  std::string out = "{\"categories\":[";
  for (size_t i = 0; i < summary.categories.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, DataCategoryName(summary.categories[i]));
  }
  out += "],\"declared\":[";
  for (size_t i = 0; i < summary.declared.size(); ++i) {
    const DeclaredField& field = summary.declared[i];
    if (i > 0) out.push_back(',');
    out += "{\"path\":";
    AppendJsonString(&out, field.path);
    out += ",\"category\":";
    AppendJsonString(&out, DataCategoryName(field.category));
    out += ",\"source\":";
    AppendJsonString(&out, CategorySourceName(field.source));
    out.push_back('}');
  }
  out += "],\"undeclared\":[";
  for (size_t i = 0; i < summary.undeclared.size(); ++i) {
    const UndeclaredData& data = summary.undeclared[i];
    if (i > 0) out.push_back(',');
    out += "{\"path\":";
    AppendJsonString(&out, data.path);
    out += ",\"declared\":";
    AppendJsonString(&out, DataCategoryName(data.declared));
    out += ",\"category\":";
    AppendJsonString(&out, DataCategoryName(data.category));
    out += ",\"detector\":";
    AppendJsonString(&out, data.detector);
    absl::StrAppend(&out, ",\"start\":", data.start, ",\"end\":", data.end,
                    ",\"score\":", FormatScore(data.score), "}");
  }
  out += "],\"unclassified\":[";
  for (size_t i = 0; i < summary.unclassified.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(&out, summary.unclassified[i]);
  }
  out += "]}";
  return out;
}

ClassificationSummary PayloadClassifier::Classify(const Message& message) const {
  ClassificationSummary summary;
  ClassifyVisitor visitor(policy_.detectors(), &summary);
  std::string path;
  internal::WalkMessage(message, policy_.PlanFor(message.GetDescriptor()), &path, visitor);
  visitor.Finish();
  return summary;
}

}  // namespace pasarela::classify
