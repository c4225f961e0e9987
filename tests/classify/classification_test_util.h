// Shared fixtures of the classification tests: the descriptor catalog (canonical schemas, the test
// schemas, and the national schemas when the build made their set), messages from text format,
// and policies.
#ifndef PASARELA_TESTS_CLASSIFY_CLASSIFICATION_TEST_UTIL_H_
#define PASARELA_TESTS_CLASSIFY_CLASSIFICATION_TEST_UTIL_H_

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include <memory>
#include <string>

#include "gateway/classify/classification.h"
#include "gateway/policy/descriptor_catalog.h"

namespace pasarela::classify::testing {

// pasarela.desc, classify_test.desc and, when built, national.desc. Loaded once per process.
const DescriptorCatalog& TestCatalog();
bool HasNationalSchemas();

// tests/classify/testdata and gateway/classify/testdata in the source tree.
std::string TestDataDir();
std::string ExamplePolicyDir();

// The message type `name` of TestCatalog(); fails the test when absent.
const google::protobuf::Descriptor* Type(const std::string& name);

// A DynamicMessage of `type` parsed from text format; fails the test when the text does not parse.
std::unique_ptr<google::protobuf::Message> ParseText(const std::string& type,
                                                     const std::string& text);
// One-line text format.
std::string Text(const google::protobuf::Message& message);

// The default settings (every detector, default thresholds, no annotations) compiled against
// TestCatalog(), once per process.
const ClassificationPolicy& DefaultPolicy();
// `settings` compiled against TestCatalog(); aborts on error.
ClassificationPolicy CompilePolicy(const ClassificationSettings& settings);

}  // namespace pasarela::classify::testing

#endif  // PASARELA_TESTS_CLASSIFY_CLASSIFICATION_TEST_UTIL_H_
