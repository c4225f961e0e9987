#include "gateway/admin/catalog.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gateway/common/counted.h"
#include "pasarela/v1/options.pb.h"

namespace pasarela::admin {
namespace {

namespace catalogpb = ::pasarela::catalog::v1;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// Deep enough for any real schema; a guard against pathological nesting.
constexpr int kMaxDepth = 16;

// The declared category of a field with nothing of its own and no message category: internal.
constexpr int kDefaultCategory = pasarela::v1::DATA_CATEGORY_INTERNAL;

// What the walk of a response type needs to know about the agreement.
struct Disclosure {
  const std::vector<std::string>* allowed_paths;  // the method's allow-list
  const PersonalDataPolicy* personal_data;
};

std::string ScalarOrNamedType(const FieldDescriptor& field) {
  switch (field.type()) {
    case FieldDescriptor::TYPE_MESSAGE:
    case FieldDescriptor::TYPE_GROUP:
      return absl::StrCat("message ", field.message_type()->full_name());
    case FieldDescriptor::TYPE_ENUM:
      return absl::StrCat("enum ", field.enum_type()->full_name());
    default:
      return field.type_name();
  }
}

std::string TypeName(const FieldDescriptor& field) {
  if (field.is_map()) {
    const Descriptor* entry = field.message_type();
    return absl::StrCat("map<", ScalarOrNamedType(*entry->map_key()), ", ",
                        ScalarOrNamedType(*entry->map_value()), ">");
  }
  return ScalarOrNamedType(field);
}

int OwnCategory(const FieldDescriptor& field) {
  return field.options().GetExtension(pasarela::v1::category);
}

int MessageCategory(const Descriptor& type) {
  return type.options().GetExtension(pasarela::v1::message_category);
}

// True when `path` is on the allow-list, inside an allowed subtree, or a message on the way to an
// allowed path.
bool MayLeave(const std::string& path, const std::vector<std::string>& allowed) {
  for (const std::string& entry : allowed) {
    if (path == entry) return true;
    if (absl::StartsWith(path, entry) && path[entry.size()] == '.') return true;
    if (absl::StartsWith(entry, path) && entry[path.size()] == '.') return true;
  }
  return false;
}

// Lists the fields of `type` depth first. `plan` is the classification stage's table of `type`
// under the category it was reached with; null only for a type the classification policy does not
// hold, whose categories are then read from the options by the same rules (without annotations).
void WalkMessage(const Descriptor& type, const classify::MessagePlan* plan,
                 const std::string& prefix, int inherited, std::vector<const Descriptor*>* on_path,
                 const Disclosure* disclosure, catalogpb::MessageShape* shape) {
  std::vector<const FieldDescriptor*> fields;
  for (int i = 0; i < type.field_count(); ++i) fields.push_back(type.field(i));
  std::sort(fields.begin(), fields.end(), [](const FieldDescriptor* a, const FieldDescriptor* b) {
    return a->number() < b->number();
  });
  const int message_category = MessageCategory(type);
  on_path->push_back(&type);
  for (const FieldDescriptor* field : fields) {
    const classify::FieldPlan* field_plan = plan != nullptr ? plan->Find(field) : nullptr;
    int category = 0;
    if (field_plan != nullptr) {
      category = static_cast<int>(field_plan->category);
    } else {
      category = OwnCategory(*field);
      if (category == 0) category = message_category;
      if (category == 0) category = inherited;
    }

    catalogpb::FieldShape* out = shape->add_fields();
    out->set_path(absl::StrCat(prefix, field->name()));
    out->set_type(TypeName(*field));
    out->set_repeated(field->is_repeated() && !field->is_map());
    out->set_category(static_cast<pasarela::v1::DataCategory>(category));
    if (disclosure != nullptr) {
      out->set_may_leave(MayLeave(out->path(), *disclosure->allowed_paths));
      out->set_treatment(std::string(DataTreatmentName(
          disclosure->personal_data->TreatmentFor(static_cast<DataCategory>(category)))));
    }
    bool is_message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_map();
    if (is_message && on_path->size() < kMaxDepth &&
        std::find(on_path->begin(), on_path->end(), field->message_type()) == on_path->end()) {
      WalkMessage(*field->message_type(), field_plan != nullptr ? field_plan->message : nullptr,
                  absl::StrCat(out->path(), "."), category, on_path, disclosure, shape);
    }
  }
  on_path->pop_back();
}

catalogpb::MessageShape Shape(const Descriptor& type,
                              const classify::ClassificationPolicy& classification,
                              const Disclosure* disclosure) {
  catalogpb::MessageShape shape;
  shape.set_type(type.full_name());
  std::vector<const Descriptor*> on_path;
  WalkMessage(type, classification.PlanFor(&type), "", kDefaultCategory, &on_path, disclosure,
              &shape);
  return shape;
}

// Whole days from `now` until `until`, rounded down (negative once past).
int64_t DaysUntil(absl::Time until, absl::Time now) {
  absl::Duration remainder;
  int64_t days = absl::IDivDuration(until - now, absl::Hours(24), &remainder);
  if (remainder < absl::ZeroDuration()) --days;
  return days;
}

catalogpb::Validity ValidityAt(const Agreement& agreement, absl::Time now) {
  if (now < agreement.valid_from) return catalogpb::VALIDITY_NOT_YET_IN_FORCE;
  if (now > agreement.valid_until) return catalogpb::VALIDITY_EXPIRED;
  return catalogpb::VALIDITY_IN_FORCE;
}

catalogpb::Offering BuildOffering(const Agreement& agreement, const std::string& method,
                                  const google::protobuf::MethodDescriptor* descriptor,
                                  const classify::ClassificationPolicy& classification,
                                  absl::Time now) {
  catalogpb::Offering offering;
  offering.set_method(method);
  offering.set_provider(agreement.provider);
  offering.set_agreement(agreement.id);
  offering.set_agreement_title(agreement.title);
  offering.set_agreement_digest(agreement.digest);
  for (const std::string& purpose : agreement.purposes) offering.add_purposes(purpose);
  offering.set_legal_basis(agreement.legal_basis.text);
  offering.set_legal_reference(agreement.legal_basis.reference);
  offering.set_valid_from(FormatRfc3339(agreement.valid_from));
  offering.set_valid_until(FormatRfc3339(agreement.valid_until));
  offering.set_validity(ValidityAt(agreement, now));
  offering.set_days_until_expiry(DaysUntil(agreement.valid_until, now));
  offering.set_retention(agreement.retention.ToString());
  offering.set_quota_requests_per_second(agreement.quota.requests_per_second);
  offering.set_quota_burst(agreement.quota.burst);
  offering.set_highest_category(
      static_cast<pasarela::v1::DataCategory>(agreement.personal_data.highest_category));
  for (DataCategory category : agreement.personal_data.also_allowed) {
    offering.add_also_allowed(static_cast<pasarela::v1::DataCategory>(category));
  }
  if (descriptor != nullptr) {
    *offering.mutable_request() = Shape(*descriptor->input_type(), classification, nullptr);
    static const std::vector<std::string> kNothing;
    const std::vector<std::string>* allowed = agreement.ResponseFieldsOf(method);
    Disclosure disclosure{allowed != nullptr ? allowed : &kNothing, &agreement.personal_data};
    *offering.mutable_response() = Shape(*descriptor->output_type(), classification, &disclosure);
  }
  return offering;
}

// ---- Markdown ----

// A table cell: pipes escaped, line breaks folded.
std::string Cell(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\r\n", " "}, {"\n", " "}, {"\r", " "}});
}

std::string CategoryName(int category) {
  if (category == 0) return "unspecified";
  return std::string(DataCategoryName(static_cast<DataCategory>(category)));
}

std::string ValidityWords(const catalogpb::Offering& offering) {
  std::string window =
      absl::StrCat("from ", offering.valid_from(), " until ", offering.valid_until());
  int64_t days = offering.days_until_expiry();
  switch (offering.validity()) {
    case catalogpb::VALIDITY_NOT_YET_IN_FORCE:
      return absl::StrCat(window, "; not yet in force");
    case catalogpb::VALIDITY_EXPIRED:
      return absl::StrCat(window, "; expired, calls are refused");
    default:
      return absl::StrCat(window, "; in force, ", Counted(days, "day", "days"), " left");
  }
}

std::string ShortValidity(const catalogpb::Offering& offering) {
  switch (offering.validity()) {
    case catalogpb::VALIDITY_NOT_YET_IN_FORCE:
      return absl::StrCat("not yet (from ", offering.valid_from(), ")");
    case catalogpb::VALIDITY_EXPIRED:
      return absl::StrCat("expired (", offering.valid_until(), ")");
    default:
      return absl::StrCat("yes, ", offering.days_until_expiry(), " days left");
  }
}

std::string PersonalDataWords(const catalogpb::Offering& offering) {
  std::string text = absl::StrCat("up to ", CategoryName(offering.highest_category()));
  if (offering.also_allowed_size() > 0) {
    std::vector<std::string> names;
    for (int category : offering.also_allowed()) names.push_back(CategoryName(category));
    absl::StrAppend(&text, ", and by name ", absl::StrJoin(names, ", "));
  }
  return text;
}

// "20", "0.5", "2.25": a quota without trailing zeros.
std::string FormatQuota(double requests_per_second) {
  std::string text = absl::StrFormat("%.6f", requests_per_second);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

void AppendFieldTable(const catalogpb::MessageShape& shape, bool response, std::string* out) {
  if (shape.fields_size() == 0) {
    out->append("No fields.\n\n");
    return;
  }
  if (response) {
    out->append(
        "| field | type | category | may leave | data of this category |\n"
        "|---|---|---|---|---|\n");
  } else {
    out->append("| field | type | category |\n|---|---|---|\n");
  }
  for (const catalogpb::FieldShape& field : shape.fields()) {
    std::string type = absl::StrCat(field.repeated() ? "repeated " : "", field.type());
    absl::StrAppend(out, "| `", Cell(field.path()), "` | ", Cell(type), " | ",
                    CategoryName(field.category()));
    if (response) {
      absl::StrAppend(out, " | ", field.may_leave() ? "yes" : "no, withheld", " | ",
                      field.treatment() == "allow" ? "allowed" : field.treatment());
    }
    out->append(" |\n");
  }
  out->append("\n");
}

void AppendParticipant(const catalogpb::ListOfferingsResponse& response, std::string* out) {
  absl::StrAppend(out, "## ", response.participant(), "\n\n");
  if (response.offerings_size() == 0) {
    absl::StrAppend(out, "No agreement lets ", response.participant(), " call any method.\n\n");
    return;
  }
  out->append("| method | provider | agreement | in force |\n|---|---|---|---|\n");
  for (const catalogpb::Offering& offering : response.offerings()) {
    absl::StrAppend(out, "| `", offering.method(), "` | ", offering.provider(), " | `",
                    offering.agreement(), "` | ", ShortValidity(offering), " |\n");
  }
  out->append("\n");
  for (const catalogpb::Offering& offering : response.offerings()) {
    absl::StrAppend(out, "### `", offering.method(), "` from ", offering.provider(), " under `",
                    offering.agreement(), "`\n\n");
    if (!offering.agreement_title().empty()) {
      absl::StrAppend(out, "- Agreement: ", offering.agreement_title(), "\n");
    }
    absl::StrAppend(out, "- Call with: `x-pasarela-target: ", offering.provider(),
                    "`, `x-pasarela-agreement: ", offering.agreement(),
                    "`, `x-pasarela-purpose:` one of the purposes\n");
    absl::StrAppend(out, "- Purposes: ", absl::StrJoin(offering.purposes(), ", "), "\n");
    absl::StrAppend(out, "- Validity: ", ValidityWords(offering), "\n");
    absl::StrAppend(out, "- Legal basis: ", offering.legal_basis());
    if (!offering.legal_reference().empty()) {
      absl::StrAppend(out, " (", offering.legal_reference(), ")");
    }
    out->append("\n");
    absl::optional<IsoDuration> retention = ParseIsoDuration(offering.retention());
    absl::StrAppend(out, "- Retention: the consumer may keep what it receives for ",
                    retention.has_value() ? retention->ToWords() : offering.retention(), " (",
                    offering.retention(), ")\n");
    absl::StrAppend(out, "- Quota: ", FormatQuota(offering.quota_requests_per_second()),
                    " requests per second, in bursts of up to ", offering.quota_burst(), "\n");
    absl::StrAppend(out, "- Personal data that may cross: ", PersonalDataWords(offering), "\n");
    absl::StrAppend(out, "- Agreement digest: `sha256:", offering.agreement_digest(), "`\n\n");
    absl::StrAppend(out, "Request `", offering.request().type(), "`:\n\n");
    AppendFieldTable(offering.request(), false, out);
    absl::StrAppend(out, "Response `", offering.response().type(), "`:\n\n");
    AppendFieldTable(offering.response(), true, out);
  }
}

}  // namespace

catalogpb::ListOfferingsResponse CatalogForParticipant(
    const AgreementBook& agreements, const DescriptorCatalog& catalog,
    const classify::ClassificationPolicy& classification, absl::string_view participant,
    absl::Time now) {
  catalogpb::ListOfferingsResponse response;
  response.set_participant(std::string(participant));
  response.set_as_of(FormatRfc3339(now));
  std::vector<catalogpb::Offering> offerings;
  for (const std::unique_ptr<const Agreement>& agreement : agreements.agreements()) {
    if (participant.empty() || !agreement->HasConsumer(participant)) continue;
    for (const std::string& method : agreement->methods) {
      offerings.push_back(
          BuildOffering(*agreement, method, catalog.FindMethod(method), classification, now));
    }
  }
  std::sort(offerings.begin(), offerings.end(),
            [](const catalogpb::Offering& a, const catalogpb::Offering& b) {
              return std::tie(a.method(), a.provider(), a.agreement()) <
                     std::tie(b.method(), b.provider(), b.agreement());
            });
  for (catalogpb::Offering& offering : offerings) {
    *response.add_offerings() = std::move(offering);
  }
  return response;
}

catalogpb::ListOfferingsResponse CatalogForParticipant(const PolicySnapshot& snapshot,
                                                       absl::string_view participant,
                                                       absl::Time now) {
  catalogpb::ListOfferingsResponse response = CatalogForParticipant(
      snapshot.agreements(), snapshot.catalog(), snapshot.classification(), participant, now);
  response.set_gateway(snapshot.gateway().country);
  response.set_policy_digest(snapshot.digest());
  return response;
}

std::string CatalogMarkdown(const Federation& federation, const AgreementBook& agreements,
                            const DescriptorCatalog& catalog,
                            const classify::ClassificationPolicy& classification,
                            absl::string_view participant, absl::Time now) {
  std::set<std::string> participants;
  if (!participant.empty()) {
    participants.insert(std::string(participant));
  } else {
    for (const FederationCountry& country : federation.countries) {
      participants.insert(country.participants.begin(), country.participants.end());
    }
    for (const std::unique_ptr<const Agreement>& agreement : agreements.agreements()) {
      participants.insert(agreement->consumers.begin(), agreement->consumers.end());
    }
  }
  std::string out = "# Service catalog\n\n";
  absl::StrAppend(&out, "As of ", FormatRfc3339(now),
                  ". For each participant: the methods it may call, at which provider, under "
                  "which agreement and for which purposes, and what each field of the request "
                  "and response carries. A response field that may not leave is withheld by the "
                  "provider's gateway; \"data of this category\" is what the agreement does with "
                  "personal data of the field's category.\n\n");
  if (participants.empty()) out.append("The policy names no participant.\n");
  for (const std::string& name : participants) {
    AppendParticipant(CatalogForParticipant(agreements, catalog, classification, name, now), &out);
  }
  return out;
}

}  // namespace pasarela::admin
