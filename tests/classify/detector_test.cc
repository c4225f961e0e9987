#include "gateway/classify/detector.h"

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/classify/validators.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/classify/corpus.h"

namespace pasarela::classify {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::unique_ptr<const DetectorSet> MakeSet(DetectorOptions options = {}) {
  auto set = DetectorSet::Create(options);
  EXPECT_TRUE(set.ok()) << set.status();
  return std::move(set).value();
}

// Options with every threshold at zero: every candidate that is not rejected is reported.
DetectorOptions AllCandidates() {
  DetectorOptions options;
  options.default_threshold = 0.0;
  return options;
}

struct Seen {
  std::string detector;
  std::string text;
  double score;
  friend bool operator==(const Seen& a, const Seen& b) {
    return a.detector == b.detector && a.text == b.text && a.score == b.score;
  }
  friend std::ostream& operator<<(std::ostream& os, const Seen& s) {
    return os << s.detector << "[" << s.text << "]=" << s.score;
  }
};

std::vector<Seen> ScanText(const DetectorSet& set, const std::string& text) {
  std::vector<Seen> out;
  for (const Finding& f : set.Scan(text)) {
    out.push_back({std::string(f.detector), text.substr(f.start, f.end - f.start), f.score});
  }
  return out;
}

TEST(DetectorSetTest, NamesAndCategories) {
  const std::vector<std::string> expected = {
      "CPF",    "CNPJ",      "CL_RUN",    "MX_CURP", "MX_RFC", "AR_DNI",        "AR_CUIT",
      "CO_NIT", "CO_CEDULA", "PE_DNI",    "PE_RUC",  "UY_CI",  "UY_RUT",        "EC_CEDULA",
      "CA_SIN", "US_SSN",    "CR_CEDULA", "EMAIL",   "PHONE",  "DATE_OF_BIRTH", "PAYMENT_CARD"};
  EXPECT_EQ(AllDetectorNames(), expected);
  EXPECT_EQ(DetectorCategory("CPF"), Category::kPersonalIdentifier);
  EXPECT_EQ(DetectorCategory("PAYMENT_CARD"), Category::kPersonalIdentifier);
  EXPECT_EQ(DetectorCategory("EMAIL"), Category::kPersonal);
  EXPECT_EQ(DetectorCategory("PHONE"), Category::kPersonal);
  EXPECT_EQ(DetectorCategory("DATE_OF_BIRTH"), Category::kPersonal);
  EXPECT_EQ(CategoryName(Category::kPersonal), "personal");
  EXPECT_EQ(CategoryName(Category::kPersonalIdentifier), "personal_identifier");
  const auto set = MakeSet();
  EXPECT_EQ(set->EnabledDetectors(), expected);
  EXPECT_EQ(set->Threshold("CPF"), kDefaultThreshold);
}

TEST(DetectorSetTest, UnknownNamesAreAnErrorNamingThemAndTheValidOnes) {
  DetectorOptions options;
  options.enabled = {"CPF", "DNI_XX", "EMAIL"};
  options.thresholds["NOPE"] = 0.3;
  const auto set = DetectorSet::Create(options);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("DNI_XX, NOPE"));
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("CPF, CNPJ, CL_RUN"));
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("PAYMENT_CARD"));
}

TEST(DetectorSetTest, ThresholdOutOfRangeIsAnError) {
  DetectorOptions options;
  options.thresholds["CPF"] = 1.5;
  EXPECT_EQ(DetectorSet::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.thresholds.clear();
  options.default_threshold = -0.1;
  EXPECT_EQ(DetectorSet::Create(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ScanTest, OffsetsAreBytesOfTheInput) {
  const auto set = MakeSet();
  // "Título" has a two-byte "í": the CPF starts at byte 18, not at character 17.
  const std::string text = "Título: CPF nº 390.533.447-05 fin";
  const std::vector<Finding> findings = set->Scan(text);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].detector, "CPF");
  EXPECT_EQ(findings[0].category, Category::kPersonalIdentifier);
  EXPECT_EQ(findings[0].start, text.find("390"));
  EXPECT_EQ(findings[0].end, text.find(" fin"));
  EXPECT_EQ(findings[0].score, 1.0);
}

TEST(ScanTest, PassingCheckDigitIsCertainWithOrWithoutContext) {
  const auto set = MakeSet();
  EXPECT_THAT(ScanText(*set, "CPF 390.533.447-05"),
              ElementsAre(Seen{"CPF", "390.533.447-05", 1.0}));
  EXPECT_THAT(ScanText(*set, "valor 390.533.447-05"),
              ElementsAre(Seen{"CPF", "390.533.447-05", 1.0}));
  EXPECT_THAT(ScanText(*set, "CUIT 20-05536168-2"),
              ElementsAre(Seen{"AR_CUIT", "20-05536168-2", 1.0}));
  EXPECT_THAT(ScanText(*set, "21-100342-001-7"),
              ElementsAre(Seen{"UY_RUT", "21-100342-001-7", 1.0}));
  EXPECT_THAT(ScanText(*set, "BOXW310820HNERXN09"),
              ElementsAre(Seen{"MX_CURP", "BOXW310820HNERXN09", 1.0}));
}

TEST(ScanTest, FailingCheckDigitRemovesTheFinding) {
  const auto set = MakeSet(AllCandidates());
  EXPECT_THAT(ScanText(*set, "CPF 390.533.447-06"), IsEmpty());
  EXPECT_THAT(ScanText(*set, "CNPJ 16.727.230/0001-98"), IsEmpty());
  EXPECT_THAT(ScanText(*set, "CURP BOXW310820HNERXN08"), IsEmpty());
  EXPECT_THAT(ScanText(*set, "RUT 21-100342-001-8"), IsEmpty());
}

TEST(ScanTest, BareDigitRunNeedsItsContextWord) {
  const auto strict = MakeSet();
  EXPECT_THAT(ScanText(*strict, "CPF 39053344705"), ElementsAre(Seen{"CPF", "39053344705", 1.0}));
  EXPECT_THAT(ScanText(*strict, "pedido 39053344705"), IsEmpty());
  EXPECT_THAT(ScanText(*strict, "RUC 20512333797"),
              ElementsAre(Seen{"PE_RUC", "20512333797", 1.0}));
  EXPECT_THAT(ScanText(*strict, "cédula 1714307103"),
              ElementsAre(Seen{"EC_CEDULA", "1714307103", 1.0}));
  // Below the threshold the pattern score shows.
  const auto all = MakeSet(AllCandidates());
  const std::vector<Finding> findings = all->Scan("pedido 39053344705");
  ASSERT_FALSE(findings.empty());
  EXPECT_LE(findings[0].score, 0.05);
}

TEST(ScanTest, ContextWordAddsToPatternScore) {
  const auto all = MakeSet(AllCandidates());
  EXPECT_THAT(ScanText(*all, "total 20.123.456 pesos"),
              ElementsAre(Seen{"AR_DNI", "20.123.456", 0.4}));
  EXPECT_THAT(ScanText(*all, "DNI 20.123.456"), ElementsAre(Seen{"AR_DNI", "20.123.456", 0.75}));
  const auto strict = MakeSet();
  EXPECT_THAT(ScanText(*strict, "total 20.123.456 pesos"), IsEmpty());
  EXPECT_THAT(ScanText(*strict, "DNI 20.123.456"), ElementsAre(Seen{"AR_DNI", "20.123.456", 0.75}));
  EXPECT_THAT(ScanText(*strict, "SSN 536-90-4399"),
              ElementsAre(Seen{"US_SSN", "536-90-4399", 0.85}));
  EXPECT_THAT(ScanText(*strict, "536-90-4399"), ElementsAre(Seen{"US_SSN", "536-90-4399", 0.5}));
}

TEST(ScanTest, ContextIsCaseAndAccentInsensitive) {
  const auto set = MakeSet();
  for (const std::string lead : {"cédula", "CÉDULA", "Cedula", "CEDULA", "cédula:"}) {
    EXPECT_THAT(ScanText(*set, lead + " 3-0455-0175"),
                ElementsAre(Seen{"CR_CEDULA", "3-0455-0175", 0.75}))
        << lead;
  }
  EXPECT_THAT(ScanText(*set, "TELÉFONO 2901 2345"), ElementsAre(Seen{"PHONE", "2901 2345", 0.65}));
  EXPECT_EQ(ScanText(*set, "E-MAIL x@y.zz").size(), 1u);
}

TEST(ScanTest, ContextWordMustBeNearAndBeforeTheValue) {
  const auto set = MakeSet();
  // Too many words between the label and the value.
  EXPECT_THAT(ScanText(*set, "DNI del titular que figura en el formulario adjunto 20.123.456"),
              IsEmpty());
  // After the value does not count.
  EXPECT_THAT(ScanText(*set, "20.123.456 (DNI)"), IsEmpty());
  // Another value in between takes the label: "RUT" belongs to the first number.
  EXPECT_THAT(ScanText(*set, "RUT 76.086.428-5, 39053344705"),
              ElementsAre(Seen{"CL_RUN", "76.086.428-5", 1.0}));
}

TEST(ScanTest, RfcWithFailedCheckIsKeptAtLowerConfidence) {
  const auto all = MakeSet(AllCandidates());
  EXPECT_THAT(ScanText(*all, "RFC GODE561231GR8"),
              ElementsAre(Seen{"MX_RFC", "GODE561231GR8", 1.0}));
  EXPECT_THAT(ScanText(*all, "RFC VACE460910SX6"),
              ElementsAre(Seen{"MX_RFC", "VACE460910SX6", 0.75}));
  EXPECT_THAT(ScanText(*all, "clave VACE460910SX6"),
              ElementsAre(Seen{"MX_RFC", "VACE460910SX6", 0.4}));
  const auto strict = MakeSet();
  EXPECT_THAT(ScanText(*strict, "clave VACE460910SX6"), IsEmpty());
}

// A 7-digit body whose Uruguayan and Chilean check digits coincide, so that "d.ddd.ddd-d" is valid
// for both schemes.
std::string AmbiguousUyClValue() {
  for (int body = 1000000; body < 9999999; ++body) {
    const std::string digits = absl::StrCat(body);
    for (char check = '0'; check <= '9'; ++check) {
      const std::string printed = digits.substr(0, 1) + "." + digits.substr(1, 3) + "." +
                                  digits.substr(4) + "-" + std::string(1, check);
      if (IsValidUyCi(printed) && IsValidClRun(printed) && !IsValidCoNit(printed)) return printed;
    }
  }
  return "";
}

TEST(OverlapTest, ContextDecidesBetweenSchemesSharingAShape) {
  const std::string value = AmbiguousUyClValue();
  ASSERT_FALSE(value.empty());
  const auto set = MakeSet();
  EXPECT_THAT(ScanText(*set, "RUT " + value), ElementsAre(Seen{"CL_RUN", value, 1.0}));
  EXPECT_THAT(ScanText(*set, "C.I. " + value), ElementsAre(Seen{"UY_CI", value, 1.0}));
  // With no context both are certain: the tie goes to the more specific detector.
  EXPECT_THAT(ScanText(*set, value), ElementsAre(Seen{"UY_CI", value, 1.0}));
  // A label of another kind of number: the shape is not attributed by the check digit alone.
  EXPECT_THAT(ScanText(*set, "RG " + value), IsEmpty());
}

TEST(OverlapTest, HigherScoreWins) {
  const auto all = MakeSet(AllCandidates());
  // AR_DNI (0.75 with "DNI") and CO_CEDULA (0.3, no context word of its own) cover the same span.
  EXPECT_THAT(ScanText(*all, "DNI 20.123.456"), ElementsAre(Seen{"AR_DNI", "20.123.456", 0.75}));
  // The card wins over the shorter candidates inside it.
  EXPECT_THAT(ScanText(*all, "tarjeta 4111 1111 1111 1111"),
              ElementsAre(Seen{"PAYMENT_CARD", "4111 1111 1111 1111", 1.0}));
}

TEST(OverlapTest, FindingsAreSortedAndDisjoint) {
  const auto set = MakeSet(AllCandidates());
  const std::string text =
      "Nome: Ana Souza | CPF: 390.533.447-05 | Nascimento: 12/03/1985 | Tel: (11) 98765-4321 | "
      "E-mail: ana.souza@uol.com.br | RUT 76.086.428-5 | 4111 1111 1111 1111";
  const std::vector<Finding> findings = set->Scan(text);
  ASSERT_GE(findings.size(), 6u);
  for (size_t i = 1; i < findings.size(); ++i) {
    EXPECT_LE(findings[i - 1].end, findings[i].start);
  }
}

TEST(ThresholdTest, PerDetectorThresholds) {
  const std::string text = "contacto +54 9 11 4321-5678";
  DetectorOptions options;
  options.thresholds["PHONE"] = 0.9;
  EXPECT_THAT(ScanText(*MakeSet(options), text), IsEmpty());
  options.thresholds["PHONE"] = 0.85;  // at the threshold is reported
  EXPECT_THAT(ScanText(*MakeSet(options), text),
              ElementsAre(Seen{"PHONE", "+54 9 11 4321-5678", 0.85}));
  EXPECT_EQ(MakeSet(options)->Threshold("PHONE"), 0.85);
}

TEST(ThresholdTest, DisabledDetectorsDoNotReport) {
  DetectorOptions options;
  options.enabled = {"CPF"};
  const auto set = MakeSet(options);
  EXPECT_THAT(ScanText(*set, "CPF 390.533.447-05 juan@example.com"),
              ElementsAre(Seen{"CPF", "390.533.447-05", 1.0}));
  options.enabled.clear();
  EXPECT_THAT(ScanText(*MakeSet(options), "CPF 390.533.447-05"), IsEmpty());
}

TEST(ScanTest, DatesOfBirth) {
  const auto set = MakeSet();
  EXPECT_THAT(ScanText(*set, "Fecha de nacimiento: 12/03/1985"),
              ElementsAre(Seen{"DATE_OF_BIRTH", "12/03/1985", 0.65}));
  EXPECT_THAT(ScanText(*set, "nacido el 12 de marzo de 1985"),
              ElementsAre(Seen{"DATE_OF_BIRTH", "12 de marzo de 1985", 0.7}));
  EXPECT_THAT(ScanText(*set, "data de nascimento 3 de março de 1990"),
              ElementsAre(Seen{"DATE_OF_BIRTH", "3 de março de 1990", 0.7}));
  EXPECT_THAT(ScanText(*set, "born on March 12, 1985"),
              ElementsAre(Seen{"DATE_OF_BIRTH", "March 12, 1985", 0.7}));
  EXPECT_THAT(ScanText(*set, "F. nac. 1985-03-12"),
              ElementsAre(Seen{"DATE_OF_BIRTH", "1985-03-12", 0.65}));
  // How free text says it: the past tense of the verb, and the one-word English label.
  EXPECT_THAT(ScanText(*set, "Juan nació el 5 de marzo de 1980 en Salto"),
              ElementsAre(Seen{"DATE_OF_BIRTH", "5 de marzo de 1980", 0.7}));
  EXPECT_THAT(ScanText(*set, "la paciente nacio el 05/03/1980"),
              ElementsAre(Seen{"DATE_OF_BIRTH", "05/03/1980", 0.65}));
  EXPECT_THAT(ScanText(*set, "Birthdate: 1980-03-05"),
              ElementsAre(Seen{"DATE_OF_BIRTH", "1980-03-05", 0.65}));
  // Without a birth context a date is not a date of birth; an impossible date is nothing.
  EXPECT_THAT(ScanText(*set, "emitido el 12/03/2021"), IsEmpty());
  EXPECT_THAT(ScanText(*MakeSet(AllCandidates()), "nacimiento 31/02/1985"), IsEmpty());
  EXPECT_THAT(ScanText(*MakeSet(AllCandidates()), "nacimiento 29/02/1900"), IsEmpty());
}

TEST(ScanTest, EmailPhoneAndCard) {
  const auto set = MakeSet();
  EXPECT_THAT(ScanText(*set, "escribir a juan.perez@salud.gob.mx hoy"),
              ElementsAre(Seen{"EMAIL", "juan.perez@salud.gob.mx", 1.0}));
  EXPECT_THAT(ScanText(*set, "Tel: (11) 98765-4321"),
              ElementsAre(Seen{"PHONE", "(11) 98765-4321", 0.85}));
  EXPECT_THAT(ScanText(*set, "+55 11 98765-4321"),
              ElementsAre(Seen{"PHONE", "+55 11 98765-4321", 0.5}));
  EXPECT_THAT(ScanText(*set, "cartão 5555 5555 5555 4444"),
              ElementsAre(Seen{"PAYMENT_CARD", "5555 5555 5555 4444", 1.0}));
  EXPECT_THAT(ScanText(*set, "cartão 5555 5555 5555 4445"), IsEmpty());
}

TEST(ScanTest, NeighboursGlueCandidates) {
  const auto set = MakeSet(AllCandidates());
  // Part of a longer number.
  EXPECT_THAT(ScanText(*set, "5.390.533.447-05"), IsEmpty());
  EXPECT_THAT(ScanText(*set, "390.533.447-057"), IsEmpty());
  EXPECT_THAT(ScanText(*set, "XBOXW310820HNERXN09"), IsEmpty());
  // A near miss whose check character is a letter is no more a DNI than one whose check
  // character is a digit.
  for (const char* text : {"documento 12.531.909-K", "documento 12.531.909-3", "DNI 10117410-K",
                           "DNI 10117410-3", "cédula 1714307103-K"}) {
    EXPECT_THAT(ScanText(*MakeSet(), text), IsEmpty()) << text;
  }
  // A word after a hyphen is not a check character.
  EXPECT_THAT(ScanText(*MakeSet(), "DNI 20.123.456-Salta"),
              ElementsAre(Seen{"AR_DNI", "20.123.456", 0.75}));
  EXPECT_THAT(ScanText(*MakeSet(), "DNI 10117410-G"),
              ElementsAre(Seen{"PE_DNI", "10117410-G", 1.0}));
  // Punctuation, spaces and NBSP (U+00A0) do not glue.
  EXPECT_THAT(ScanText(*MakeSet(), "(CPF:390.533.447-05)"),
              ElementsAre(Seen{"CPF", "390.533.447-05", 1.0}));
  EXPECT_THAT(ScanText(*MakeSet(),
                       "CURP\xC2\xA0"
                       "BOXW310820HNERXN09."),
              ElementsAre(Seen{"MX_CURP", "BOXW310820HNERXN09", 1.0}));
}

TEST(ScanTest, NonAsciiLettersGlueDigitCandidatesToo) {
  const auto set = MakeSet(AllCandidates());
  EXPECT_THAT(ScanText(*set, "CI 1.234.567-2\u00E9"), IsEmpty());
  EXPECT_THAT(ScanText(*set, "\u00E91.234.567-2"), IsEmpty());
  EXPECT_THAT(ScanText(*set, "CPF 390.533.447-05\u00F1"), IsEmpty());
  // Typographic punctuation after the value does not glue it.
  EXPECT_THAT(ScanText(*MakeSet(), "CI 1.234.567-2\u00BB"),
              ElementsAre(Seen{"UY_CI", "1.234.567-2", 1.0}));
}

TEST(ScanTest, CommonGroupingsAndTypographicHyphens) {
  const auto set = MakeSet();
  EXPECT_THAT(ScanText(*set, "RUT 12 531 909-2"), ElementsAre(Seen{"CL_RUN", "12 531 909-2", 1.0}));
  EXPECT_THAT(ScanText(*set, "RUT 12,531,909-2"), ElementsAre(Seen{"CL_RUN", "12,531,909-2", 1.0}));
  EXPECT_THAT(ScanText(*set, "RUT 12.531.909\u20102"),
              ElementsAre(Seen{"CL_RUN", "12.531.909\u20102", 1.0}));
  EXPECT_THAT(ScanText(*set, "CPF 390 533 447 05"),
              ElementsAre(Seen{"CPF", "390 533 447 05", 1.0}));
  EXPECT_THAT(ScanText(*set, "CPF 390533447/05"), ElementsAre(Seen{"CPF", "390533447/05", 1.0}));
  // Without the context word these groupings are not attributed.
  EXPECT_THAT(ScanText(*set, "pedido 390 533 447 05"), IsEmpty());
}

TEST(ScanTest, TypographicSpacesAndDashesReadAsTheirAsciiStandIns) {
  const auto set = MakeSet();
  // En dash, non-breaking hyphen, minus sign and no-break spaces, as word processors write them;
  // the findings' offsets are those of the original text.
  EXPECT_THAT(ScanText(*set, "CI 1.234.567\u20132"),
              ElementsAre(Seen{"UY_CI", "1.234.567\u20132", 1.0}));
  EXPECT_THAT(ScanText(*set, "CUIT\u00A020\u201105536168\u20112 vigente"),
              ElementsAre(Seen{"AR_CUIT", "20\u201105536168\u20112", 1.0}));
  EXPECT_THAT(ScanText(*set, "CPF 390.533.447\u221205 e CNPJ 16.727.230/0001\uFF0D97"),
              ElementsAre(Seen{"CPF", "390.533.447\u221205", 1.0},
                          Seen{"CNPJ", "16.727.230/0001\uFF0D97", 1.0}));
  EXPECT_THAT(ScanText(*set, "RUT 12\u00A0531\u202F909\u20102"),
              ElementsAre(Seen{"CL_RUN", "12\u00A0531\u202F909\u20102", 1.0}));
  EXPECT_THAT(ScanText(*set, "Tel:\u2009(11)\u00A098765\u20104321"),
              ElementsAre(Seen{"PHONE", "(11)\u00A098765\u20104321", 0.85}));
  // A wrong check digit stays wrong in any dress.
  EXPECT_THAT(ScanText(*set, "CI 1.234.567\u20133"), IsEmpty());
}

TEST(ScanTest, AcronymsThatAreCommonWordsCountOnlyInCapitals) {
  const auto set = MakeSet();
  // 130692544 passes Luhn: a bare nine-digit number is a SIN only after its label.
  EXPECT_THAT(ScanText(*set, "SIN 130692544"), ElementsAre(Seen{"CA_SIN", "130692544", 1.0}));
  EXPECT_THAT(ScanText(*set, "NAS: 130692544"), ElementsAre(Seen{"CA_SIN", "130692544", 1.0}));
  EXPECT_THAT(ScanText(*set, "social insurance number 130692544"),
              ElementsAre(Seen{"CA_SIN", "130692544", 1.0}));
  // Spanish "sin" (without) and Portuguese "nas" (in the) label nothing.
  EXPECT_THAT(ScanText(*set, "envío sin costo, pedido 130692544"), IsEmpty());
  EXPECT_THAT(ScanText(*set, "paciente sin alergias conocidas, historia 130692544"), IsEmpty());
  EXPECT_THAT(ScanText(*set, "registrado nas consultas 130692544"), IsEmpty());
  // The printed form needs no label in any case.
  EXPECT_THAT(ScanText(*set, "sin 130-692-544"), ElementsAre(Seen{"CA_SIN", "130-692-544", 1.0}));
}

TEST(RobustnessTest, InvalidUtf8DoesNotCrashAndOffsetsStayRight) {
  const auto set = MakeSet();
  const std::string text = std::string("\xff\xfe\xc3 CPF 390.533.447-05 \xe2\x80", 26);
  const std::vector<Finding> findings = set->Scan(text);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(text.substr(findings[0].start, findings[0].end - findings[0].start), "390.533.447-05");
  EXPECT_THAT(set->Scan(std::string("\xc3", 1)), IsEmpty());
  EXPECT_THAT(set->Scan(std::string(1, '\0')), IsEmpty());
  EXPECT_THAT(set->Scan(""), IsEmpty());
}

// Every finding of `set` on `text` lies within the text, is non-empty, sorted, disjoint, comes
// from a known detector and scores within [threshold, 1].
void ExpectWellFormed(const DetectorSet& set, const std::string& text) {
  const std::vector<Finding> findings = set.Scan(text);
  const std::vector<std::string>& names = AllDetectorNames();
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    ASSERT_LT(f.start, f.end);
    ASSERT_LE(f.end, text.size());
    ASSERT_NE(std::find(names.begin(), names.end(), f.detector), names.end());
    ASSERT_GE(f.score, set.Threshold(f.detector));
    ASSERT_LE(f.score, 1.0);
    if (i > 0) {
      ASSERT_LE(findings[i - 1].end, f.start);
    }
  }
}

TEST(PropertyTest, RandomInputNeverCrashesAndFindingsStayInBounds) {
  const auto strict = MakeSet();
  const auto all = MakeSet(AllCandidates());
  std::mt19937_64 rng(7);
  // Biased towards the characters identifiers are made of, so that many candidates form.
  const std::string alphabet = "0123456789012345678901234567890123456789.-/ ,:()+@KXABHMNE&";
  const std::vector<std::string> pieces = {"CPF ",     "RUT ",        "DNI ",         "cédula ",
                                           "C.I. ",    "nacimiento ", "tel ",         "\xc3\xb1",
                                           "\xc2\xa0", "\xff",        "\xe2\x80\x93", "@x.com"};
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const size_t length = rng() % 300;
    while (text.size() < length) {
      const uint64_t k = rng() % 20;
      if (k == 0) {
        text += pieces[rng() % pieces.size()];
      } else if (k == 1) {
        text.push_back(static_cast<char>(rng() % 256));
      } else {
        text.push_back(alphabet[rng() % alphabet.size()]);
      }
    }
    ExpectWellFormed(*strict, text);
    ExpectWellFormed(*all, text);
  }
}

TEST(PropertyTest, LongInputsAreScannedInLinearTime) {
  // Quadratic rescans would take minutes on these; linear scans take milliseconds.
  const auto set = MakeSet(AllCandidates());
  ExpectWellFormed(*set, std::string(1 << 20, '7'));
  ExpectWellFormed(*set, std::string("\xc3\xa9") + std::string(1 << 20, 'a') + "@b.cc");
  std::string dotted;
  while (dotted.size() < (1 << 20)) dotted += "123.";
  ExpectWellFormed(*set, dotted);
  std::string letters;
  while (letters.size() < (1 << 20)) letters += "GODE561231";
  ExpectWellFormed(*set, letters);
}

TEST(ConcurrencyTest, ConcurrentScansAgreeWithSequentialOnes) {
  const auto set = MakeSet();
  const std::vector<testing::Record> records = testing::GenerateCorpus(99, 300);
  std::vector<std::vector<Finding>> expected;
  for (const testing::Record& r : records) expected.push_back(set->Scan(r.text));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < records.size(); ++i) {
        const size_t k = (i + t * 37) % records.size();
        if (set->Scan(records[k].text) != expected[k]) ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

TEST(ConcurrencyTest, SetsCreatedConcurrently) {
  std::vector<std::thread> threads;
  std::vector<int> found(6, 0);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&found, t] {
      auto set = DetectorSet::Create(DetectorOptions{});
      if (set.ok()) found[t] = static_cast<int>((*set)->Scan("CPF 390.533.447-05").size());
    });
  }
  for (std::thread& th : threads) th.join();
  for (int f : found) EXPECT_EQ(f, 1);
}

}  // namespace
}  // namespace pasarela::classify
