#include "gateway/classify/validators.h"

#include <string>

#include "gtest/gtest.h"

namespace pasarela::classify {
namespace {

TEST(CpfTest, ValidFormattedAndCompact) {
  EXPECT_TRUE(IsValidCpf("390.533.447-05"));
  EXPECT_TRUE(IsValidCpf("39053344705"));
  EXPECT_TRUE(IsValidCpf("111.444.777-35"));
}

TEST(CpfTest, Rejects) {
  EXPECT_FALSE(IsValidCpf("390.533.447-06"));  // second check digit
  EXPECT_FALSE(IsValidCpf("390.533.447-15"));  // first check digit
  EXPECT_FALSE(IsValidCpf("3905334470"));      // length
  EXPECT_FALSE(IsValidCpf("390533447055"));
  EXPECT_FALSE(IsValidCpf("111.111.111-11"));  // all digits equal, check digits pass
  EXPECT_FALSE(IsValidCpf("390.533.447=05"));  // not a separator of the scheme
  EXPECT_FALSE(IsValidCpf(""));
}

TEST(CnpjTest, ValidNumericAndAlphanumeric) {
  EXPECT_TRUE(IsValidCnpj("16.727.230/0001-97"));
  EXPECT_TRUE(IsValidCnpj("16727230000197"));
  EXPECT_TRUE(IsValidCnpj("16.727.230.0001-97"));
  EXPECT_TRUE(IsValidCnpj("12.ABC.345/01DE-35"));  // the form issued from July 2026
  EXPECT_TRUE(IsValidCnpj("12ABC34501DE35"));
  EXPECT_TRUE(IsValidCnpj("12abc34501de35"));
}

TEST(CnpjTest, Rejects) {
  EXPECT_FALSE(IsValidCnpj("16.727.230/0001-98"));
  EXPECT_FALSE(IsValidCnpj("16.727.230/0001-87"));
  EXPECT_FALSE(IsValidCnpj("1672723000019"));
  EXPECT_FALSE(IsValidCnpj("12ABC34501DE3A"));  // check digits are digits
  EXPECT_FALSE(IsValidCnpj("12.ABC.345/01DE-36"));
  EXPECT_FALSE(IsValidCnpj("00000000000000"));
}

TEST(ClRunTest, Valid) {
  EXPECT_TRUE(IsValidClRun("76.086.428-5"));
  EXPECT_TRUE(IsValidClRun("760864285"));
  EXPECT_TRUE(IsValidClRun("12.531.909-2"));
  EXPECT_TRUE(IsValidClRun("10626628-K"));
  EXPECT_TRUE(IsValidClRun("10626628-k"));
  EXPECT_TRUE(IsValidClRun("7341194-7"));  // 7-digit body
}

TEST(ClRunTest, Rejects) {
  EXPECT_FALSE(IsValidClRun("76.086.428-6"));
  EXPECT_FALSE(IsValidClRun("10626628-0"));
  EXPECT_FALSE(IsValidClRun("1234-5"));
  EXPECT_FALSE(IsValidClRun("123.456.789.012-3"));
  EXPECT_FALSE(IsValidClRun("76.086.42A-5"));
  EXPECT_FALSE(IsValidClRun("123.456-0"));  // 6-digit body, though its check digit passes
}

TEST(ClRunTest, LeadingZerosArePaddingAndAZeroBodyIsRejected) {
  EXPECT_TRUE(IsValidClRun("05.123.456-1"));
  EXPECT_TRUE(IsValidClRun("5.123.456-1"));
  EXPECT_FALSE(IsValidClRun("0.123.456-K"));  // 6 digits once the zero is dropped
  EXPECT_FALSE(IsValidClRun("00.000.000-0"));
  EXPECT_FALSE(IsValidClRun("0-0"));
}

TEST(MxCurpTest, Valid) {
  EXPECT_TRUE(IsValidMxCurp("BOXW310820HNERXN09"));
  EXPECT_TRUE(IsValidMxCurp("HEGG560427MVZRRL04"));
  EXPECT_TRUE(IsValidMxCurp("boxw310820hnerxn09"));
}

TEST(MxCurpTest, Rejects) {
  EXPECT_FALSE(IsValidMxCurp("BOXW310820HNERXN08"));  // check digit
  EXPECT_FALSE(IsValidMxCurp("PEGL891313MJCRMS06"));  // month 13
  EXPECT_FALSE(IsValidMxCurp("PEGL890909QJCRMS08"));  // sex
  EXPECT_FALSE(IsValidMxCurp("PEGL890909MQQRMS02"));  // state
  EXPECT_FALSE(IsValidMxCurp("BOXW310820HNERXN0"));   // length
  EXPECT_FALSE(IsValidMxCurp("123ZZZZZZZZZZZZZ90"));
}

TEST(MxRfcTest, ValidPersonAndCompany) {
  EXPECT_EQ(CheckMxRfc("GODE561231GR8"), RfcCheck::kValid);
  EXPECT_EQ(CheckMxRfc("GODE 561231 GR8"), RfcCheck::kValid);
  EXPECT_EQ(CheckMxRfc("MAB-930714-8T4"), RfcCheck::kValid);
  EXPECT_EQ(CheckMxRfc("&&&030828PX7"), RfcCheck::kValid);
}

TEST(MxRfcTest, FailedCheckIsNotMalformed) {
  // Issued RFCs whose check digit does not verify (python-stdnum's examples): kept, not rejected.
  EXPECT_EQ(CheckMxRfc("VACE-460910-SX6"), RfcCheck::kCheckDigitFailed);
  EXPECT_EQ(CheckMxRfc("SIN 931116 9P8"), RfcCheck::kCheckDigitFailed);
  EXPECT_EQ(CheckMxRfc("GODE561231GR9"), RfcCheck::kCheckDigitFailed);
}

TEST(MxRfcTest, Malformed) {
  EXPECT_EQ(CheckMxRfc("ABCD 123456"), RfcCheck::kMalformed);     // no homoclave, bad date
  EXPECT_EQ(CheckMxRfc("GODE561331GR8"), RfcCheck::kMalformed);   // month 13
  EXPECT_EQ(CheckMxRfc("COMG600703"), RfcCheck::kMalformed);      // no homoclave
  EXPECT_EQ(CheckMxRfc("GO1E561231GR8"), RfcCheck::kMalformed);   // digit among the letters
  EXPECT_EQ(CheckMxRfc("GODE561231GR8X"), RfcCheck::kMalformed);  // length
}

TEST(ArDniTest, Plausibility) {
  EXPECT_TRUE(IsPlausibleArDni("20.123.456"));
  EXPECT_TRUE(IsPlausibleArDni("20123456"));
  EXPECT_TRUE(IsPlausibleArDni("5.123.456"));
  EXPECT_FALSE(IsPlausibleArDni("2012345699"));
  EXPECT_FALSE(IsPlausibleArDni("123456"));
  // A leading zero pads a 7-digit number to the 8 digits printed; fewer digits are not a DNI.
  EXPECT_TRUE(IsPlausibleArDni("01234567"));
  EXPECT_FALSE(IsPlausibleArDni("00123456"));
  EXPECT_FALSE(IsPlausibleArDni("00.000.000"));
}

TEST(ArCuitTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidArCuit("20-05536168-2"));
  EXPECT_TRUE(IsValidArCuit("20055361682"));
  EXPECT_FALSE(IsValidArCuit("20-05536168-3"));
  EXPECT_FALSE(IsValidArCuit("99-05536168-8"));  // unknown prefix
  EXPECT_FALSE(IsValidArCuit("2026756539"));     // length
  EXPECT_FALSE(IsValidArCuit("2026756A393"));
}

TEST(CoNitTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidCoNit("213.123.432-1"));
  EXPECT_TRUE(IsValidCoNit("2131234321"));
  EXPECT_TRUE(IsValidCoNit("2131234351"));
  EXPECT_TRUE(IsValidCoNit("900,206,483-4"));  // comma grouping, as some invoices print it
  EXPECT_TRUE(IsValidCoNit("800256161 - 9"));
  EXPECT_FALSE(IsValidCoNit("2131234350"));
  EXPECT_FALSE(IsValidCoNit("2131234"));  // length
  EXPECT_FALSE(IsValidCoNit("213123435A"));
}

TEST(CoCedulaTest, Plausibility) {
  EXPECT_TRUE(IsPlausibleCoCedula("1.020.345.678"));
  EXPECT_TRUE(IsPlausibleCoCedula("52123456"));
  EXPECT_FALSE(IsPlausibleCoCedula("12345"));
  EXPECT_FALSE(IsPlausibleCoCedula("0123456"));
  EXPECT_FALSE(IsPlausibleCoCedula("12345678901"));
}

TEST(PeDniTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidPeDni("10117410-2"));
  EXPECT_TRUE(IsValidPeDni("101174102"));
  EXPECT_TRUE(IsValidPeDni("10812543-H"));  // letter form of the check character
  EXPECT_TRUE(IsValidPeDni("10117410"));    // no check character: nothing to verify
  EXPECT_FALSE(IsValidPeDni("10117410-3"));
  EXPECT_FALSE(IsValidPeDni("1081254332"));
  EXPECT_FALSE(IsValidPeDni("108125H3-3"));
}

TEST(PeRucTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidPeRuc("20512333797"));
  EXPECT_TRUE(IsValidPeRuc("10054148289"));
  EXPECT_FALSE(IsValidPeRuc("20512333798"));
  EXPECT_FALSE(IsValidPeRuc("99512333792"));  // prefix
  EXPECT_FALSE(IsValidPeRuc("2051233379"));   // length
  EXPECT_FALSE(IsValidPeRuc("20A12333797"));
}

TEST(UyCiTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidUyCi("1.234.567-2"));
  EXPECT_TRUE(IsValidUyCi("12345672"));
  EXPECT_TRUE(IsValidUyCi("738.753-8"));  // 6-digit body
  EXPECT_FALSE(IsValidUyCi("1.234.567-3"));
  EXPECT_FALSE(IsValidUyCi("123456"));
  EXPECT_FALSE(IsValidUyCi("123456789"));
}

TEST(UyCiTest, LeadingZerosArePaddingAndAZeroBodyIsRejected) {
  EXPECT_TRUE(IsValidUyCi("0.123.456-1"));
  EXPECT_TRUE(IsValidUyCi("123.456-1"));
  EXPECT_FALSE(IsValidUyCi("0.012.345-8"));  // 5 digits once the zeros are dropped
  EXPECT_FALSE(IsValidUyCi("0.000.000-0"));
  EXPECT_FALSE(IsValidUyCi("00.000.000-0"));
}

TEST(BrCnsTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidBrCns("700 0012 3456 7894"));
  EXPECT_TRUE(IsValidBrCns("700001234567894"));
  EXPECT_FALSE(IsValidBrCns("700 0012 3456 7895"));
  EXPECT_FALSE(IsValidBrCns("300001234567894"));  // first digit 3 is not issued
  EXPECT_FALSE(IsValidBrCns("70000123456789"));
}

TEST(IdentifierPunctuationTest, StripsAsciiAndUnicodeSeparatorsOnly) {
  EXPECT_EQ(StripIdentifierPunctuation("12,531,909-k"), "12531909K");
  EXPECT_EQ(StripIdentifierPunctuation("12\u00A0531\u202F909\u20102"), "125319092");
  EXPECT_EQ(StripIdentifierPunctuation("390 533 447/05"), "39053344705");
  EXPECT_EQ(StripIdentifierPunctuation("1\u20132\u20143\u22124"), "1234");
  EXPECT_EQ(StripIdentifierPunctuation("12_3\u00E9"), "12_3\u00E9");
  EXPECT_EQ(StripIdentifierPunctuation("1\uFF0D2\u30003"), "123");
}

TEST(IdentifierPunctuationTest, TypographicSeparatorsCountAsTheirAsciiStandIns) {
  EXPECT_EQ(CompactIdentifier("16.727.230/0001\u201397", "./- "), "16727230000197");
  EXPECT_TRUE(IsValidCnpj("16.727.230/0001\u201397"));
  EXPECT_TRUE(IsValidArCuit("20\u201105536168\u20112"));
  EXPECT_TRUE(IsValidUyCi("1\u00A0234\u00A0567\u20132"));
  // A stand-in the scheme does not print with is kept, and refused like the ASCII character.
  EXPECT_EQ(CompactIdentifier("12\u2013345", ". "), "12-345");
  EXPECT_FALSE(IsPlausibleArDni("20\u2013123\u2013456"));
}

TEST(UyRutTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidUyRut("21-100342-001-7"));
  EXPECT_TRUE(IsValidUyRut("211003420017"));
  EXPECT_TRUE(IsValidUyRut("UY 21 140634 001 1"));
  EXPECT_FALSE(IsValidUyRut("211599340010"));  // check digit
  EXPECT_FALSE(IsValidUyRut("001599340019"));  // prefix 00
  EXPECT_FALSE(IsValidUyRut("991599340011"));  // prefix 99
  EXPECT_FALSE(IsValidUyRut("210000000019"));  // zero serial
  EXPECT_FALSE(IsValidUyRut("211599345519"));  // not ...001x
  EXPECT_FALSE(IsValidUyRut("2142184200106"));
}

TEST(EcCedulaTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidEcCedula("1714307103"));
  EXPECT_TRUE(IsValidEcCedula("171430710-3"));
  EXPECT_TRUE(IsValidEcCedula("0926687856"));
  EXPECT_FALSE(IsValidEcCedula("1714307104"));  // check digit
  EXPECT_FALSE(IsValidEcCedula("8814307107"));  // province
  EXPECT_FALSE(IsValidEcCedula("1784307108"));  // third digit
  EXPECT_FALSE(IsValidEcCedula("171430710"));
}

TEST(CaSinTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidCaSin("123-456-782"));
  EXPECT_TRUE(IsValidCaSin("123 456 782"));
  EXPECT_TRUE(IsValidCaSin("123456782"));
  EXPECT_FALSE(IsValidCaSin("123-456-781"));
  EXPECT_FALSE(IsValidCaSin("046 454 286"));  // Luhn passes, first digit 0 is not issued
  EXPECT_FALSE(IsValidCaSin("823456785"));    // first digit 8
  EXPECT_FALSE(IsValidCaSin("12345678"));
  EXPECT_FALSE(IsValidCaSin("12345678Z"));
}

TEST(UsSsnTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidUsSsn("536-90-4399"));
  EXPECT_TRUE(IsValidUsSsn("536904399"));
  EXPECT_FALSE(IsValidUsSsn("666-00-0000"));
  EXPECT_FALSE(IsValidUsSsn("000-12-3456"));
  EXPECT_FALSE(IsValidUsSsn("900-12-3456"));
  EXPECT_FALSE(IsValidUsSsn("123-00-4567"));
  EXPECT_FALSE(IsValidUsSsn("123-45-0000"));
  EXPECT_FALSE(IsValidUsSsn("078-05-1120"));  // advertising
  EXPECT_FALSE(IsValidUsSsn("457-55-5462"));
  EXPECT_FALSE(IsValidUsSsn("219-09-9999"));
  EXPECT_FALSE(IsValidUsSsn("1234-56-789"));
}

TEST(CrCedulaTest, Plausibility) {
  EXPECT_TRUE(IsPlausibleCrCedula("3-0455-0175"));
  EXPECT_TRUE(IsPlausibleCrCedula("01-0913-0259"));
  EXPECT_TRUE(IsPlausibleCrCedula("304550175"));
  EXPECT_FALSE(IsPlausibleCrCedula("30-1234-1234"));
  EXPECT_FALSE(IsPlausibleCrCedula("12345678"));
  EXPECT_FALSE(IsPlausibleCrCedula("FF8490717"));
}

TEST(PaymentCardTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidPaymentCard("4111 1111 1111 1111"));
  EXPECT_TRUE(IsValidPaymentCard("4111-1111-1111-1111"));
  EXPECT_TRUE(IsValidPaymentCard("5555555555554444"));
  EXPECT_TRUE(IsValidPaymentCard("378282246310005"));  // Amex, 15 digits
  EXPECT_FALSE(IsValidPaymentCard("4111 1111 1111 1112"));
  EXPECT_FALSE(IsValidPaymentCard("1234567812345670"));  // Luhn passes, no issuer starts with 1
  EXPECT_FALSE(IsValidPaymentCard("411111111111"));      // 12 digits
  EXPECT_FALSE(IsValidPaymentCard("37828224631000"));    // Amex with 14 digits
}

TEST(LuhnTest, Basics) {
  EXPECT_TRUE(LuhnChecksumOk("79927398713"));
  EXPECT_FALSE(LuhnChecksumOk("79927398710"));
  EXPECT_FALSE(LuhnChecksumOk(""));
  EXPECT_FALSE(LuhnChecksumOk("7992739871a"));
}

TEST(EmailTest, ValidAndRejects) {
  EXPECT_TRUE(IsValidEmailAddress("juan.perez@example.com.uy"));
  EXPECT_TRUE(IsValidEmailAddress("a+b@x.io"));
  EXPECT_FALSE(IsValidEmailAddress("a..b@x.com"));
  EXPECT_FALSE(IsValidEmailAddress("@x.com"));
  EXPECT_FALSE(IsValidEmailAddress("a@x"));
  EXPECT_FALSE(IsValidEmailAddress("a@-x.com"));
  EXPECT_FALSE(IsValidEmailAddress("a@x.c0m"));
  EXPECT_FALSE(IsValidEmailAddress("a@b@x.com"));
  EXPECT_TRUE(HasWellKnownTld("juan@salud.gob.mx"));
  EXPECT_TRUE(HasWellKnownTld("juan@example.com"));
  EXPECT_FALSE(HasWellKnownTld("juan@example.corp"));
}

TEST(PhoneTest, Plausibility) {
  EXPECT_TRUE(IsPlausiblePhoneNumber("+55 11 98765-4321"));
  EXPECT_TRUE(IsPlausiblePhoneNumber("+1 (613) 555-0199"));
  EXPECT_TRUE(IsPlausiblePhoneNumber("(11) 98765-4321"));
  EXPECT_TRUE(IsPlausiblePhoneNumber("099 123 456"));
  EXPECT_FALSE(IsPlausiblePhoneNumber("+12 34"));
  EXPECT_FALSE(IsPlausiblePhoneNumber("+5511987654321234"));
  EXPECT_FALSE(IsPlausiblePhoneNumber("11 (98765-4321"));
  EXPECT_FALSE(IsPlausiblePhoneNumber("11+98765-4321"));
}

TEST(DateTest, Existence) {
  EXPECT_TRUE(IsExistingDate(2000, 2, 29));
  EXPECT_FALSE(IsExistingDate(1900, 2, 29));
  EXPECT_TRUE(IsExistingDate(2024, 2, 29));
  EXPECT_FALSE(IsExistingDate(2023, 2, 29));
  EXPECT_FALSE(IsExistingDate(2023, 4, 31));
  EXPECT_FALSE(IsExistingDate(2023, 13, 1));
  EXPECT_FALSE(IsExistingDate(2023, 0, 1));
  EXPECT_FALSE(IsExistingDate(2023, 1, 0));
}

TEST(ValidatorsTest, ArbitraryBytesAreRejectedWithoutCrashing) {
  const std::string junk[] = {std::string("\xff\xfe\xfd", 3), std::string("\xc3", 1),
                              std::string("390.533.447-0\xc3", 15), std::string(1, '\0'),
                              std::string(10000, '9')};
  for (const std::string& s : junk) {
    EXPECT_FALSE(IsValidCpf(s));
    EXPECT_FALSE(IsValidCnpj(s));
    EXPECT_FALSE(IsValidMxCurp(s));
    EXPECT_NE(CheckMxRfc(s), RfcCheck::kValid);
    EXPECT_FALSE(IsValidEmailAddress(s));
    EXPECT_FALSE(IsValidUyRut(s));
  }
}

}  // namespace
}  // namespace pasarela::classify
