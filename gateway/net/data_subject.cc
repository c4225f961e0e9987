#include "gateway/net/data_subject.h"

#include "absl/strings/str_cat.h"
#include "pasarela/v1/options.pb.h"

namespace pasarela {
namespace {

std::string StringField(const google::protobuf::Message& message, const char* name) {
  const google::protobuf::FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || field->is_repeated() ||
      field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
    return "";
  }
  return message.GetReflection()->GetString(message, field);
}

}  // namespace

std::string DataSubjectOf(const google::protobuf::Message& request) {
  const google::protobuf::Descriptor* type = request.GetDescriptor();
  const google::protobuf::Reflection* reflection = request.GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = type->field(i);
    if (!field->options().GetExtension(pasarela::v1::data_subject)) continue;
    if (field->is_repeated() ||
        field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
        !reflection->HasField(request, field)) {
      return "";
    }
    const google::protobuf::Message& identifier = reflection->GetMessage(request, field);
    std::string scheme = StringField(identifier, "scheme");
    std::string value = StringField(identifier, "value");
    if (scheme.empty() || value.empty()) return "";
    return absl::StrCat(scheme, ":", value);
  }
  return "";
}

}  // namespace pasarela
