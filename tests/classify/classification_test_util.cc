#include "tests/classify/classification_test_util.h"

#include <google/protobuf/text_format.h>

#include <cstdlib>
#include <iostream>
#include <vector>

#include "gtest/gtest.h"

namespace pasarela::classify::testing {

const DescriptorCatalog& TestCatalog() {
  static const DescriptorCatalog* const catalog = [] {
    std::vector<std::string> sets = {PASARELA_DESCRIPTOR_SET, CLASSIFY_TEST_DESCRIPTOR_SET};
#ifdef PASARELA_NATIONAL_DESCRIPTOR_SET
    sets.push_back(PASARELA_NATIONAL_DESCRIPTOR_SET);
#endif
    absl::StatusOr<std::unique_ptr<const DescriptorCatalog>> loaded = DescriptorCatalog::Load(sets);
    if (!loaded.ok()) {
      std::cerr << "cannot load the test descriptor sets: " << loaded.status() << "\n";
      std::abort();
    }
    return loaded->release();
  }();
  return *catalog;
}

bool HasNationalSchemas() {
#ifdef PASARELA_NATIONAL_DESCRIPTOR_SET
  return true;
#else
  return false;
#endif
}

std::string TestDataDir() { return CLASSIFY_TESTDATA_DIR; }
std::string ExamplePolicyDir() { return CLASSIFY_EXAMPLE_POLICY_DIR; }

const google::protobuf::Descriptor* Type(const std::string& name) {
  const google::protobuf::Descriptor* type = TestCatalog().pool().FindMessageTypeByName(name);
  EXPECT_NE(type, nullptr) << name;
  return type;
}

std::unique_ptr<google::protobuf::Message> ParseText(const std::string& type,
                                                     const std::string& text) {
  static google::protobuf::DynamicMessageFactory* const factory =
      new google::protobuf::DynamicMessageFactory(&TestCatalog().pool());
  std::unique_ptr<google::protobuf::Message> message(factory->GetPrototype(Type(type))->New());
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, message.get())) << text;
  return message;
}

std::string Text(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.PrintToString(message, &text);
  if (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

ClassificationPolicy CompilePolicy(const ClassificationSettings& settings) {
  absl::StatusOr<ClassificationPolicy> policy =
      ClassificationPolicy::Create(settings, TestCatalog());
  if (!policy.ok()) {
    std::cerr << "cannot compile the test policy: " << policy.status() << "\n";
    std::abort();
  }
  return *std::move(policy);
}

const ClassificationPolicy& DefaultPolicy() {
  static const ClassificationPolicy* const policy =
      new ClassificationPolicy(CompilePolicy(ClassificationSettings{}));
  return *policy;
}

}  // namespace pasarela::classify::testing
