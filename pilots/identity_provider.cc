// A civil registry that answers the canonical identity service over mutual TLS, from a small
// seeded set of synthetic persons (no real person). It records every call it receives, with the
// Pasarela headers the gateway set, as one JSON line in --calls-log, so that a test or a person can
// see exactly what reached the provider.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "pasarela/identity/v1/identity.grpc.pb.h"
#include "pilots/pilot_server.h"

namespace {

using pasarela::identity::v1::GetPersonRequest;
using pasarela::identity::v1::GetPersonResponse;
using pasarela::identity::v1::IdentityService;
using pasarela::identity::v1::Person;
using pasarela::identity::v1::VerifyIdentityRequest;
using pasarela::identity::v1::VerifyIdentityResponse;

Person MakePerson(const std::string& run, std::vector<std::string> given,
                  std::vector<std::string> family, const std::string& birth_date,
                  pasarela::identity::v1::Sex sex, const std::string& place) {
  Person person;
  auto* identifier = person.add_identifiers();
  identifier->set_issuing_country("CL");
  identifier->set_scheme("CL-RUN");
  identifier->set_value(run);
  for (auto& name : given) person.add_given_names(name);
  for (auto& name : family) person.add_family_names(name);
  person.set_birth_date(birth_date);
  person.set_sex(sex);
  person.add_nationalities("CL");
  person.set_place_of_birth(place);
  person.mutable_address()->add_lines("Avenida Libertador Bernardo O'Higgins 1302");
  person.mutable_address()->set_locality("Santiago");
  person.mutable_address()->set_country("CL");
  return person;
}

class Registry final : public IdentityService::Service {
 public:
  explicit Registry(const pasarela::pilots::PilotServerOptions& options) : recorder_(options) {
    using pasarela::identity::v1::SEX_FEMALE;
    using pasarela::identity::v1::SEX_MALE;
    // RUNs with valid check digits (modulo 11), all synthetic.
    for (Person person : {MakePerson("12531909-2", {"Valentina", "Isidora"}, {"González", "Muñoz"},
                                     "1985-03-12", SEX_FEMALE, "Valparaíso"),
                          MakePerson("7086428-2", {"Juan", "Pablo"}, {"Rojas", "Díaz"},
                                     "1961-11-02", SEX_MALE, "Concepción"),
                          MakePerson("16351474-5", {"Camila"}, {"Soto", "Pérez"}, "1990-07-25",
                                     SEX_FEMALE, "Temuco")}) {
      persons_[person.identifiers(0).value()] = person;
    }
  }

  grpc::Status GetPerson(grpc::ServerContext* context, const GetPersonRequest* request,
                         GetPersonResponse* response) override {
    Record(context, "GetPerson", request->identifier().value());
    auto it = persons_.find(request->identifier().value());
    if (it == persons_.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("no person with ", request->identifier().scheme(), " ",
                                       request->identifier().value()));
    }
    *response->mutable_person() = it->second;
    return grpc::Status::OK;
  }

  grpc::Status VerifyIdentity(grpc::ServerContext* context, const VerifyIdentityRequest* request,
                              VerifyIdentityResponse* response) override {
    Record(context, "VerifyIdentity", request->identifier().value());
    auto it = persons_.find(request->identifier().value());
    response->set_person_found(it != persons_.end());
    if (it == persons_.end()) return grpc::Status::OK;
    const Person& person = it->second;
    auto verdict = [&](const char* attribute, bool match) {
      auto* entry = response->add_verdicts();
      entry->set_attribute(attribute);
      entry->set_verdict(match ? pasarela::identity::v1::VERDICT_MATCH
                               : pasarela::identity::v1::VERDICT_NO_MATCH);
    };
    const auto& claims = request->claims();
    if (!claims.birth_date().empty())
      verdict("birth_date", claims.birth_date() == person.birth_date());
    if (claims.family_names_size() > 0) {
      // Each registry groups surnames its own way ("DE LA FUENTE" as one element or three): the
      // words, in order, are what must agree.
      auto words = [](const google::protobuf::RepeatedPtrField<std::string>& names) {
        return absl::StrSplit(absl::AsciiStrToLower(absl::StrJoin(names, " ")), ' ',
                              absl::SkipEmpty());
      };
      const std::vector<std::string> claimed = words(claims.family_names());
      const std::vector<std::string> held = words(person.family_names());
      verdict("family_names", claimed == held);
    }
    return grpc::Status::OK;
  }

 private:
  void Record(grpc::ServerContext* context, const char* method, const std::string& subject) {
    recorder_.Record(context, method, subject);
  }

  pasarela::pilots::CallRecorder recorder_;
  std::map<std::string, Person> persons_;
};

}  // namespace

int main(int argc, char** argv) {
  pasarela::pilots::PilotServerOptions options =
      pasarela::pilots::ParsePilotFlags(argc, argv, "identity_provider");
  Registry registry(options);
  return pasarela::pilots::ServeUntilSignal(&registry, options, "identity_provider");
}
