#include "gateway/classify/findings_json.h"

#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace pasarela::classify {
namespace {

TEST(FormatScoreTest, TwoDecimalsAtMostOneAtLeast) {
  EXPECT_EQ(FormatScore(1.0), "1.0");
  EXPECT_EQ(FormatScore(0.85), "0.85");
  EXPECT_EQ(FormatScore(0.4), "0.4");
  EXPECT_EQ(FormatScore(0.05), "0.05");
  EXPECT_EQ(FormatScore(0.65), "0.65");
  EXPECT_EQ(FormatScore(0.0), "0.0");
  EXPECT_EQ(FormatScore(0.999), "1.0");
  EXPECT_EQ(FormatScore(1.7), "1.0");
  EXPECT_EQ(FormatScore(-3), "0.0");
}

TEST(FindingsToJsonTest, ExactFormat) {
  EXPECT_EQ(FindingsToJson({}), R"({"findings":[]})");
  const std::vector<Finding> one = {{"CPF", Category::kPersonalIdentifier, 12, 26, 1.0}};
  EXPECT_EQ(FindingsToJson(one),
            R"({"findings":[{"detector":"CPF","category":"personal_identifier","start":12,)"
            R"("end":26,"score":1.0}]})");
  const std::vector<Finding> two = {{"PHONE", Category::kPersonal, 0, 15, 0.85},
                                    {"AR_DNI", Category::kPersonalIdentifier, 20, 30, 0.4}};
  EXPECT_EQ(FindingsToJson(two),
            R"({"findings":[{"detector":"PHONE","category":"personal","start":0,"end":15,)"
            R"("score":0.85},{"detector":"AR_DNI","category":"personal_identifier","start":20,)"
            R"("end":30,"score":0.4}]})");
}

TEST(RunClassifyLinesTest, OneJsonLinePerInputLine) {
  auto set = DetectorSet::Create(DetectorOptions{});
  ASSERT_TRUE(set.ok());
  std::istringstream in("Titular CPF 390.533.447-05\r\nnada que ver\n\nDNI 20.123.456");
  std::ostringstream out;
  EXPECT_EQ(RunClassifyLines(in, out, **set), 0);
  EXPECT_EQ(out.str(),
            R"({"findings":[{"detector":"CPF","category":"personal_identifier","start":12,)"
            R"("end":26,"score":1.0}]})"
            "\n"
            R"({"findings":[]})"
            "\n"
            R"({"findings":[]})"
            "\n"
            R"({"findings":[{"detector":"AR_DNI","category":"personal_identifier","start":4,)"
            R"("end":14,"score":0.75}]})"
            "\n");
}

TEST(RunClassifyLinesTest, EmptyInputWritesNothing) {
  auto set = DetectorSet::Create(DetectorOptions{});
  ASSERT_TRUE(set.ok());
  std::istringstream in("");
  std::ostringstream out;
  EXPECT_EQ(RunClassifyLines(in, out, **set), 0);
  EXPECT_EQ(out.str(), "");
}

TEST(RunClassifyLinesTest, WriteFailureIsReported) {
  auto set = DetectorSet::Create(DetectorOptions{});
  ASSERT_TRUE(set.ok());
  std::istringstream in("CPF 390.533.447-05\n");
  std::ostringstream out;
  out.setstate(std::ios::badbit);
  EXPECT_EQ(RunClassifyLines(in, out, **set), 1);
}

}  // namespace
}  // namespace pasarela::classify
