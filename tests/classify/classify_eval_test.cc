// The evaluation as a test: every check-digit detector reaches precision >= 0.99 and recall >=
// 0.98 on the generated corpus and on the independently sourced vectors.

#include <map>
#include <set>
#include <string>

#include "gateway/classify/detector.h"
#include "gateway/classify/validators.h"
#include "gtest/gtest.h"
#include "tests/classify/corpus.h"

namespace pasarela::classify::testing {
namespace {

constexpr double kMinPrecision = 0.99;
constexpr double kMinRecall = 0.98;

std::unique_ptr<const DetectorSet> DefaultSet() {
  auto set = DetectorSet::Create(DetectorOptions{});
  EXPECT_TRUE(set.ok()) << set.status();
  return std::move(set).value();
}

std::vector<IndependentVector> Vectors() {
  auto vectors = LoadIndependentVectors(PASARELA_CLASSIFY_VECTORS);
  EXPECT_TRUE(vectors.ok()) << vectors.status();
  return vectors.ok() ? *vectors : std::vector<IndependentVector>{};
}

TEST(CorpusTest, DeterministicAndLargeEnough) {
  const std::vector<Record> a = GenerateCorpus(kCorpusSeed, kCorpusSize);
  const std::vector<Record> b = GenerateCorpus(kCorpusSeed, kCorpusSize);
  ASSERT_GE(a.size(), 2000u);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].text, b[i].text) << i;
    ASSERT_EQ(a[i].labels.size(), b[i].labels.size()) << i;
  }
  std::map<std::string, int> kinds;
  std::set<std::string> countries;
  for (const Record& r : a) {
    ++kinds[r.kind];
    for (const Label& l : r.labels) {
      ASSERT_LT(l.start, l.end);
      ASSERT_LE(l.end, r.text.size());
      if (!l.optional && l.detector.size() > 3 && l.detector[2] == '_') {
        countries.insert(l.detector.substr(0, 2));
      }
      if (l.detector == "CPF" || l.detector == "CNPJ") countries.insert("BR");
    }
  }
  for (const char* kind : {"identifier", "identity_record", "near_miss", "look_alike", "clean"}) {
    EXPECT_GT(kinds[kind], 100) << kind;
  }
  EXPECT_GE(countries.size(), 10u);
}

TEST(IndependentVectorsTest, AtLeastTwentyPerSchemeWithSources) {
  std::map<std::string, int> count;
  for (const IndependentVector& v : Vectors()) {
    EXPECT_FALSE(v.source.empty()) << v.value;
    ++count[v.scheme];
  }
  for (const char* scheme :
       {"CPF", "CNPJ", "CL_RUN", "MX_CURP", "AR_CUIT", "CO_NIT", "PE_DNI", "PE_RUC", "UY_CI",
        "UY_RUT", "EC_CEDULA", "CA_SIN", "MX_RFC", "US_SSN"}) {
    EXPECT_GE(count[scheme], 20) << scheme;
  }
}

TEST(IndependentVectorsTest, EveryVectorPassesTheLibraryValidator) {
  for (const IndependentVector& v : Vectors()) {
    bool ok = false;
    const std::string& s = v.scheme;
    if (s == "CPF") ok = IsValidCpf(v.value);
    if (s == "CNPJ") ok = IsValidCnpj(v.value);
    if (s == "CL_RUN") ok = IsValidClRun(v.value);
    if (s == "MX_CURP") ok = IsValidMxCurp(v.value);
    if (s == "MX_RFC") ok = CheckMxRfc(v.value) == RfcCheck::kValid;
    if (s == "AR_CUIT") ok = IsValidArCuit(v.value);
    if (s == "CO_NIT") ok = IsValidCoNit(v.value);
    if (s == "PE_DNI") ok = IsValidPeDni(v.value);
    if (s == "PE_RUC") ok = IsValidPeRuc(v.value);
    if (s == "UY_CI") ok = IsValidUyCi(v.value);
    if (s == "UY_RUT") ok = IsValidUyRut(v.value);
    if (s == "EC_CEDULA") ok = IsValidEcCedula(v.value);
    if (s == "CA_SIN") ok = IsValidCaSin(v.value);
    if (s == "US_SSN") ok = IsValidUsSsn(v.value);
    EXPECT_TRUE(ok) << s << " " << v.value << " (" << v.source << ")";
  }
}

void ExpectBar(const Evaluation& e, const std::string& what) {
  for (const std::string& detector : CheckDigitDetectors()) {
    const auto it = e.by_detector.find(detector);
    ASSERT_NE(it, e.by_detector.end()) << detector;
    const DetectorScore& s = it->second;
    EXPECT_GE(s.Precision(), kMinPrecision) << what << " " << detector << "\n" << FormatTable(e);
    EXPECT_GE(s.Recall(), kMinRecall) << what << " " << detector << "\n" << FormatTable(e);
  }
}

TEST(EvaluationTest, GeneratedCorpusMeetsTheBar) {
  const auto set = DefaultSet();
  const Evaluation e = Evaluate(*set, GenerateCorpus(kCorpusSeed, kCorpusSize));
  ExpectBar(e, "corpus");
  // Every check-digit detector is exercised.
  for (const std::string& detector : CheckDigitDetectors()) {
    EXPECT_GT(e.by_detector.at(detector).true_positives, 50) << detector;
  }
}

TEST(EvaluationTest, IndependentVectorsMeetTheBar) {
  const auto set = DefaultSet();
  const Evaluation e = Evaluate(*set, VectorRecords(Vectors()));
  ExpectBar(e, "independent vectors");
}

TEST(EvaluationTest, TablesDoNotReportRatiosOfNothing) {
  Evaluation e;
  e.by_detector["CPF"] = {/*true_positives=*/3, /*false_positives=*/1, /*false_negatives=*/0};
  e.by_detector["PHONE"] = {};                 // nothing labelled, nothing reported
  e.by_detector["US_SSN"] = {0, /*fp=*/2, 0};  // reported, nothing labelled
  e.by_detector["CA_SIN"] = {0, 0, /*fn=*/4};  // labelled, nothing reported
  const std::string table = FormatTable(e);
  EXPECT_NE(table.find("CPF                 3     1     0     0.7500   1.0000"), std::string::npos)
      << table;
  EXPECT_NE(table.find("PHONE               0     0     0          -        -"), std::string::npos)
      << table;
  EXPECT_NE(table.find("US_SSN              0     2     0     0.0000        -"), std::string::npos)
      << table;
  EXPECT_NE(table.find("CA_SIN              0     0     4          -   0.0000"), std::string::npos)
      << table;
  const std::string json = FormatJson(e);
  EXPECT_NE(json.find(R"("PHONE":{"tp":0,"fp":0,"fn":0,"precision":null,"recall":null,)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("CPF":{"tp":3,"fp":1,"fn":0,"precision":0.7500,"recall":1.0000,)"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace pasarela::classify::testing
