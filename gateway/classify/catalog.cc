#include "gateway/classify/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gateway/classify/context.h"
#include "gateway/classify/validators.h"

namespace pasarela::classify {
namespace {

Verdict CheckDigit(bool ok) { return ok ? Verdict::kCheckPassed : Verdict::kReject; }
Verdict Plausible(bool ok) { return ok ? Verdict::kPlausible : Verdict::kReject; }

Verdict ValidateRfc(absl::string_view s) {
  switch (CheckMxRfc(s)) {
    case RfcCheck::kValid:
      return Verdict::kCheckPassed;
    case RfcCheck::kCheckDigitFailed:
      return Verdict::kCheckFailedSoft;
    case RfcCheck::kMalformed:
      break;
  }
  return Verdict::kReject;
}

Verdict ValidateEmail(absl::string_view s) {
  if (!IsValidEmailAddress(s)) return Verdict::kReject;
  return HasWellKnownTld(s) ? Verdict::kCheckPassed : Verdict::kPlausible;
}

PatternSpec P(std::string regex, double base, Attribution attribution,
              std::vector<std::string> competitors = {}) {
  PatternSpec p;
  p.regex = std::move(regex);
  p.base_score = base;
  p.attribution = attribution;
  p.competitors = std::move(competitors);
  return p;
}

// A pattern whose printed form contains spaces: a digit one space away also glues.
PatternSpec Spaced(PatternSpec p) {
  p.joiners += ' ';
  return p;
}

constexpr Attribution kFormat = Attribution::kFormat;
constexpr Attribution kShared = Attribution::kShared;
constexpr Attribution kContext = Attribution::kContext;

// Birth-date month names, folded (see context.h): Spanish, Portuguese, English.
struct Month {
  absl::string_view name;
  int number;
};
constexpr Month kMonths[] = {
    {"enero", 1},     {"janeiro", 1},   {"january", 1},   {"jan", 1},        {"febrero", 2},
    {"fevereiro", 2}, {"february", 2},  {"feb", 2},       {"marzo", 3},      {"marco", 3},
    {"march", 3},     {"mar", 3},       {"abril", 4},     {"april", 4},      {"apr", 4},
    {"mayo", 5},      {"maio", 5},      {"may", 5},       {"junio", 6},      {"junho", 6},
    {"june", 6},      {"jun", 6},       {"julio", 7},     {"julho", 7},      {"july", 7},
    {"jul", 7},       {"agosto", 8},    {"august", 8},    {"aug", 8},        {"septiembre", 9},
    {"setiembre", 9}, {"setembro", 9},  {"september", 9}, {"sept", 9},       {"sep", 9},
    {"octubre", 10},  {"outubro", 10},  {"october", 10},  {"oct", 10},       {"noviembre", 11},
    {"novembro", 11}, {"november", 11}, {"nov", 11},      {"diciembre", 12}, {"dezembro", 12},
    {"december", 12}, {"dec", 12},
};

constexpr int kMinBirthYear = 1880;
constexpr int kMaxBirthYear = 2099;

// Leading digits of a token ("12th" -> 12, 2 digits). Returns false if it has none.
bool LeadingNumber(absl::string_view token, int* value, size_t* digits) {
  size_t n = 0;
  while (n < token.size() && absl::ascii_isdigit(static_cast<unsigned char>(token[n]))) ++n;
  if (n == 0 || n > 4) return false;
  *digits = n;
  return absl::SimpleAtoi(token.substr(0, n), value);
}

}  // namespace

Verdict ValidateDateOfBirth(absl::string_view candidate) {
  const std::string folded = FoldForContext(candidate);
  int month_by_name = 0;
  // The numbers as they come (value, digit count): the first three, how many there are, and for
  // a month written as a word, the day (the first of one or two digits) and the year (the last of
  // four). Kept as they are read, so that a candidate costs no list.
  std::pair<int, size_t> numbers[3];
  size_t count = 0;
  int day = 0, year = 0;
  for (absl::string_view t : absl::StrSplit(folded, ' ', absl::SkipEmpty())) {
    int value = 0;
    size_t digits = 0;
    if (LeadingNumber(t, &value, &digits)) {
      if (count < 3) numbers[count] = {value, digits};
      ++count;
      if (digits <= 2 && day == 0) day = value;
      if (digits == 4) year = value;
      continue;
    }
    for (const Month& m : kMonths) {
      if (m.name == t) month_by_name = m.number;
    }
  }
  auto ok = [](int y, int m, int d) {
    return y >= kMinBirthYear && y <= kMaxBirthYear && IsExistingDate(y, m, d);
  };
  if (month_by_name != 0) return Plausible(ok(year, month_by_name, day));
  if (count != 3) return Verdict::kReject;
  if (numbers[0].second == 4) {
    return Plausible(ok(numbers[0].first, numbers[1].first, numbers[2].first));
  }
  if (numbers[2].second != 4) return Verdict::kReject;
  // Day first as in the region; month first (United States) when only that reading exists.
  return Plausible(ok(numbers[2].first, numbers[1].first, numbers[0].first) ||
                   ok(numbers[2].first, numbers[0].first, numbers[1].first));
}

namespace {

std::vector<DetectorSpec> BuildSpecs() {
  std::vector<DetectorSpec> specs;
  const Category kId = Category::kPersonalIdentifier;
  const Category kPersonal = Category::kPersonal;

  specs.push_back(
      {"CPF",
       kId,
       95,
       [](absl::string_view s) { return CheckDigit(IsValidCpf(s)); },
       {"cpf", "cpfs", "c.p.f.", "cadastro de pessoas físicas", "cadastro de pessoa física"},
       {
           P(R"(\b\d{3}\.\d{3}\.\d{3}-\d{2}\b)", 0.4, kFormat),
           P(R"(\b\d{9}-\d{2}\b)", 0.3, kFormat),
           // Grouped by spaces, or the check digits after a slash: common in forms, but the
           // shapes of other numbers too, so only with the context word.
           Spaced(P(R"(\b\d{3} \d{3} \d{3} \d{2}\b)", 0.3, kContext)),
           P(R"(\b\d{9}/\d{2}\b)", 0.3, kContext),
           P(R"(\b\d{11}\b)", 0.05, kContext),
       }});

  specs.push_back(
      {"CNPJ",
       kId,
       100,
       [](absl::string_view s) { return CheckDigit(IsValidCnpj(s)); },
       {"cnpj", "c.n.p.j.", "cadastro nacional da pessoa jurídica"},
       {
           P(R"(\b[0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{3}[/.][0-9A-Z]{4}-\d{2}\b)", 0.4, kFormat),
           P(R"(\b\d{8}/\d{4}-\d{2}\b)", 0.3, kFormat),
           P(R"(\b[0-9A-Z]{12}\d{2}\b)", 0.05, kContext),
       }});

  specs.push_back(
      {"CL_RUN",
       kId,
       82,
       [](absl::string_view s) { return CheckDigit(IsValidClRun(s)); },
       {"rut", "run", "ruts", "r.u.t.", "r.u.n.", "rol único nacional", "rol único tributario"},
       {
           P(R"(\b\d{2}\.\d{3}\.\d{3}-[\dkK]\b)", 0.4, kShared, {"CO_NIT"}),
           P(R"(\b\d\.\d{3}\.\d{3}-[\dkK]\b)", 0.4, kShared, {"UY_CI", "CO_NIT"}),
           P(R"(\b\d{8}-[\dkK]\b)", 0.3, kShared, {"PE_DNI", "CO_NIT"}),
           P(R"(\b\d{7}-[\dkK]\b)", 0.3, kShared, {"UY_CI", "CO_NIT"}),
           // Groups of digits separated by commas or spaces (with the context word: other
           // numbers are grouped that way too). Typographic dashes and no-break spaces read as
           // ASCII (typographic.h).
           Spaced(P(R"(\b\d{1,2}[ ,]\d{3}[ ,]\d{3}-[\dkK]\b)", 0.3, kContext)),
           P(R"(\b\d{7,8}[\dkK]\b)", 0.05, kContext),
       }});

  specs.push_back({"MX_CURP",
                   kId,
                   98,
                   [](absl::string_view s) { return CheckDigit(IsValidMxCurp(s)); },
                   {"curp", "clave única de registro de población"},
                   {
                       P(R"(\b[A-Z]{4}\d{6}[HM][A-Z]{5}[0-9A-Z]\d\b)", 0.5, kFormat),
                   }});

  // A failed RFC check keeps the candidate at 0.4 (reported with a context word), because about
  // 1.5% of RFCs in use fail it.
  specs.push_back({"MX_RFC",
                   kId,
                   76,
                   ValidateRfc,
                   {"rfc", "r.f.c.", "registro federal de contribuyentes"},
                   {
                       P(R"((?:[A-Z&]|Ñ){3,4}[ -]?\d{6}[ -]?[0-9A-Z]{3}\b)", 0.4, kFormat),
                   }});

  specs.push_back({"AR_DNI",
                   kId,
                   25,
                   [](absl::string_view s) { return Plausible(IsPlausibleArDni(s)); },
                   {"dni", "dnis", "d.n.i.", "documento", "documento nacional de identidad", "doc"},
                   {
                       P(R"(\b\d{1,2}\.\d{3}\.\d{3}\b)", 0.4, kContext),
                       P(R"(\b\d{7,8}\b)", 0.2, kContext),
                   }});

  specs.push_back({"AR_CUIT",
                   kId,
                   90,
                   [](absl::string_view s) { return CheckDigit(IsValidArCuit(s)); },
                   {"cuit", "cuil", "c.u.i.t.", "c.u.i.l.", "cdi"},
                   {
                       P(R"(\b\d{2}-\d{8}-\d\b)", 0.4, kFormat),
                       P(R"(\b\d{11}\b)", 0.05, kContext),
                   }});

  specs.push_back({"CO_NIT",
                   kId,
                   80,
                   [](absl::string_view s) { return CheckDigit(IsValidCoNit(s)); },
                   {"nit", "n.i.t.", "número de identificación tributaria"},
                   {
                       P(R"(\b\d{3}\.\d{3}\.\d{3}-\d\b)", 0.4, kFormat),
                       P(R"(\b\d{1,3}\.\d{3}\.\d{3}\.\d{3}-\d\b)", 0.4, kFormat),
                       P(R"(\b\d{2}\.\d{3}\.\d{3}-\d\b)", 0.3, kShared, {"CL_RUN"}),
                       P(R"(\b\d\.\d{3}\.\d{3}-\d\b)", 0.3, kShared, {"CL_RUN", "UY_CI"}),
                       P(R"(\b\d{10,15}-\d\b)", 0.3, kFormat),
                       P(R"(\b\d{9}-\d\b)", 0.3, kShared, {"EC_CEDULA"}),
                       P(R"(\b\d{8}-\d\b)", 0.3, kShared, {"CL_RUN", "PE_DNI"}),
                       P(R"(\b\d{7}-\d\b)", 0.3, kShared, {"CL_RUN", "UY_CI"}),
                       Spaced(P(R"(\b\d{3}[ ,]\d{3}[ ,]\d{3} ?- ?\d\b)", 0.3, kFormat)),
                       Spaced(P(R"(\b\d{9,15} - \d\b)", 0.3, kFormat)),
                       P(R"(\b\d{8,16}\b)", 0.05, kContext),
                   }});

  specs.push_back({"CO_CEDULA",
                   kId,
                   20,
                   [](absl::string_view s) { return Plausible(IsPlausibleCoCedula(s)); },
                   {"cédula", "cc", "c.c.", "cédula de ciudadanía", "documento", "identificación"},
                   {
                       P(R"(\b\d{1,3}(?:\.\d{3}){1,3}\b)", 0.3, kContext),
                       P(R"(\b\d{6,10}\b)", 0.2, kContext),
                   }});

  specs.push_back({"PE_DNI",
                   kId,
                   83,
                   [](absl::string_view s) {
                     // Only the form with its check character can be confirmed; the detector
                     // does not report a bare 8-digit DNI (AR_DNI does, from its context).
                     return CheckDigit(CompactIdentifier(s, "- ").size() == 9 && IsValidPeDni(s));
                   },
                   {"dni", "d.n.i.", "cui", "documento nacional de identidad", "reniec"},
                   {
                       P(R"(\b\d{8}-[0-9A-Ka-k]\b)", 0.3, kShared, {"CL_RUN", "CO_NIT"}),
                       P(R"(\b\d{8}[0-9A-K]\b)", 0.05, kContext),
                   }});

  specs.push_back({"PE_RUC",
                   kId,
                   88,
                   [](absl::string_view s) { return CheckDigit(IsValidPeRuc(s)); },
                   {"ruc", "r.u.c.", "registro único de contribuyentes"},
                   {
                       P(R"(\b(?:10|15|17|20)\d{9}\b)", 0.05, kContext),
                   }});

  // "cédula" alone is not a UY_CI context word for bare digit runs: Colombian cédulas of 8 digits
  // are written that way too. The formatted shapes do not need it.
  specs.push_back(
      {"UY_CI",
       kId,
       84,
       [](absl::string_view s) { return CheckDigit(IsValidUyCi(s)); },
       {"ci", "c.i.", "cédula de identidad", "documento de identidad", "cédula uruguaya"},
       {
           P(R"(\b\d\.\d{3}\.\d{3}-\d\b)", 0.4, kShared, {"CL_RUN", "CO_NIT"}),
           P(R"(\b\d{3}\.\d{3}-\d\b)", 0.4, kFormat),
           P(R"(\b\d{7}-\d\b)", 0.3, kShared, {"CL_RUN", "CO_NIT"}),
           P(R"(\b\d{6}-\d\b)", 0.3, kFormat),
           P(R"(\b\d{7,8}\b)", 0.05, kContext),
       }});

  specs.push_back({"UY_RUT",
                   kId,
                   96,
                   [](absl::string_view s) { return CheckDigit(IsValidUyRut(s)); },
                   {"rut", "r.u.t.", "registro único tributario"},
                   {
                       P(R"(\b\d{2}-\d{6}-\d{3}-\d\b)", 0.4, kFormat),
                       Spaced(P(R"(\b\d{2} \d{6} \d{3} \d\b)", 0.3, kFormat)),
                       Spaced(P(R"(\bUY ?\d{2} ?\d{6} ?\d{3} ?\d\b)", 0.4, kFormat)),
                       P(R"(\b\d{12}\b)", 0.1, kFormat),
                   }});

  specs.push_back(
      {"EC_CEDULA",
       kId,
       85,
       [](absl::string_view s) { return CheckDigit(IsValidEcCedula(s)); },
       {"cédula", "ci", "c.i.", "cédula de identidad", "cédula de ciudadanía", "identificación"},
       {
           P(R"(\b\d{9}-\d\b)", 0.3, kShared, {"CO_NIT"}),
           P(R"(\b\d{10}\b)", 0.05, kContext),
       }});

  specs.push_back({"CA_SIN",
                   kId,
                   78,
                   [](absl::string_view s) { return CheckDigit(IsValidCaSin(s)); },
                   // In capitals only: "sin" is Spanish for without, "nas" Portuguese for in
                   // the, and either may stand before any number in a clinical note.
                   {"SIN", "s.i.n.", "social insurance", "NAS", "assurance sociale"},
                   {
                       P(R"(\b\d{3}-\d{3}-\d{3}\b)", 0.4, kFormat),
                       Spaced(P(R"(\b\d{3} \d{3} \d{3}\b)", 0.4, kFormat)),
                       P(R"(\b\d{9}\b)", 0.05, kContext),
                   }});

  // No check digit: the area/group/serial rules reject impossible numbers, the score stays the
  // pattern's (plus context).
  specs.push_back({"US_SSN",
                   kId,
                   70,
                   [](absl::string_view s) { return Plausible(IsValidUsSsn(s)); },
                   {"ssn", "social security", "ss"},
                   {
                       P(R"(\b\d{3}-\d{2}-\d{4}\b)", 0.5, kFormat),
                       Spaced(P(R"(\b\d{3} \d{2} \d{4}\b)", 0.3, kFormat)),
                       P(R"(\b\d{3}\.\d{2}\.\d{4}\b)", 0.3, kFormat),
                       P(R"(\b\d{9}\b)", 0.15, kContext),
                   }});

  specs.push_back({"CR_CEDULA",
                   kId,
                   30,
                   [](absl::string_view s) { return Plausible(IsPlausibleCrCedula(s)); },
                   {"cédula", "cédula de identidad", "identificación", "cédula física"},
                   {
                       P(R"(\b0?[1-9]-\d{4}-\d{4}\b)", 0.4, kContext),
                       P(R"(\b[1-9]\d{8}\b)", 0.15, kContext),
                   }});

  specs.push_back(
      {"EMAIL",
       kPersonal,
       93,
       ValidateEmail,
       {"email", "e-mail", "correo", "correo electrónico", "mail", "endereço de e-mail"},
       {
           P(R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}\b)", 0.5,
             kFormat),
       }});

  specs.push_back(
      {"PHONE",
       kPersonal,
       50,
       [](absl::string_view s) { return Plausible(IsPlausiblePhoneNumber(s)); },
       {"tel", "teléfono", "telefone", "phone", "celular", "cel", "móvil", "mobile", "whatsapp",
        "fone", "fax", "cell", "contacto", "contato"},
       {
           // E.164: + country code, then groups.
           P(R"(\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){1,5}\b)", 0.5, kFormat),
           // Brazil: (11) 98765-4321, 11 98765-4321, (21) 3456-7890.
           P(R"(\(\d{2}\) ?9?\d{4}-?\d{4}\b)", 0.5, kFormat),
           P(R"(\b\d{2} 9\d{4}-\d{4}\b)", 0.45, kFormat),
           P(R"(\b\d{2} \d{4}-\d{4}\b)", 0.4, kFormat),
           // Argentina: (011) 4321-5678, 011 15 4321-5678, 0351 423-4567, 15-4321-5678.
           P(R"(\(0\d{2,4}\) ?(?:15 ?)?\d{3,4}-\d{4}\b)", 0.5, kFormat),
           P(R"(\b0\d{2,4}[ -](?:15[ -])?\d{3,4}-\d{4}\b)", 0.45, kFormat),
           P(R"(\b15[ -]\d{4}-\d{4}\b)", 0.4, kFormat),
           // Chile: 9 8765 4321 (mobile), 2 2345 6789 (Santiago).
           P(R"(\b[29] \d{4} \d{4}\b)", 0.4, kFormat),
           // Uruguay: 099 123 456 (mobile), 2901 2345 (landline).
           P(R"(\b09\d[ -]\d{3}[ -]\d{3}\b)", 0.5, kFormat),
           P(R"(\b09\d{7}\b)", 0.3, kFormat),
           P(R"(\b[24]\d{3} \d{4}\b)", 0.3, kFormat),
           // North America: (613) 555-0199, 613-555-0199.
           P(R"(\(\d{3}\) ?\d{3}[ .-]\d{4}\b)", 0.5, kFormat),
           P(R"(\b\d{3}[.-]\d{3}[.-]\d{4}\b)", 0.4, kFormat),
       }});

  const std::string es_pt_months =
      "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
      "noviembre|diciembre|janeiro|fevereiro|março|marco|maio|junho|julho|setembro|outubro|"
      "novembro|dezembro";
  const std::string en_months =
      "january|february|march|april|may|june|july|august|september|october|november|december|"
      "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";
  specs.push_back(
      {"DATE_OF_BIRTH",
       kPersonal,
       60,
       ValidateDateOfBirth,
       {"nacimiento", "nascimento",   "born",       "birth",     "date of birth", "dob",
        "d.o.b.",     "fecha de nac", "fecha nac",  "f. nac",    "fec. nac",      "data de nasc",
        "nasc",       "nac",          "nacido",     "nacida",    "nasceu",        "nascido",
        "nascida",    "birthday",     "cumpleaños", "natalicio", "nació",         "birthdate"},
       {
           P(R"(\b\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\b)", 0.3, kFormat),
           P(R"(\b\d{4}-\d{2}-\d{2}\b)", 0.3, kFormat),
           P(R"((?i)\b\d{1,2}(?:º|°)? +de +(?:)" + es_pt_months + R"() +(?:de|del) +\d{4}\b)", 0.35,
             kFormat),
           P(R"(\b(?i:)" + en_months + R"()\.? +\d{1,2}(?:st|nd|rd|th)?,? +\d{4}\b)", 0.35,
             kFormat),
           P(R"(\b\d{1,2}(?:st|nd|rd|th)? +(?i:)" + en_months + R"()\.? +\d{4}\b)", 0.35, kFormat),
       }});

  specs.push_back(
      // A card number singles out an account held by a person (or an organisation), like the
      // identifiers above, so it is reported as personal_identifier rather than as plain personal
      // data.
      {"PAYMENT_CARD",
       kId,
       94,
       [](absl::string_view s) { return CheckDigit(IsValidPaymentCard(s)); },
       {"tarjeta", "cartão", "card", "credit card", "visa", "mastercard", "amex",
        "american express", "crédito", "débito"},
       {
           Spaced(P(R"(\b\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}(?:[ -]\d{1,3})?\b)", 0.4, kFormat)),
           Spaced(P(R"(\b3[47]\d{2}[ -]\d{6}[ -]\d{5}\b)", 0.4, kFormat)),
           Spaced(P(R"(\b3\d{3}[ -]\d{6}[ -]\d{4}\b)", 0.4, kFormat)),
           P(R"(\b\d{15,16}\b)", 0.1, kFormat),
           P(R"(\b(?:\d{13,14}|\d{17,19})\b)", 0.05, kContext),
       }});
  return specs;
}

}  // namespace

Detector::Detector(DetectorSpec spec) : spec_(std::move(spec)) {
  folded_words_.reserve(spec_.context_words.size());
  for (const std::string& w : spec_.context_words) {
    const bool acronym = std::all_of(w.begin(), w.end(), [](char c) {
      return absl::ascii_isupper(static_cast<unsigned char>(c));
    });
    if (acronym) {
      acronyms_.push_back(FoldForContext(w, /*keep_case=*/true));
    } else {
      folded_words_.push_back(FoldForContext(w));
    }
  }
}

bool Detector::HasContext(absl::string_view folded_context, absl::string_view cased_context) const {
  return ContainsAnyPhrase(folded_context, folded_words_) ||
         ContainsAnyPhrase(cased_context, acronyms_);
}

bool HasOtherNumberLabel(absl::string_view folded_context) {
  static const std::vector<std::string>* const labels = [] {
    auto* out = new std::vector<std::string>();
    for (const char* word :
         {"rg",         "r.g.",        "registro geral", "carteira de identidade",
          "expediente", "protocolo",   "processo",       "pedido",
          "orden",      "order",       "factura",        "fatura",
          "invoice",    "nota fiscal", "ticket",         "lote",
          "rol",        "causa",       "folio",          "pasaporte",
          "passaporte", "passport",    "matrícula",      "legajo",
          "cuenta",     "conta",       "account"}) {
      out->push_back(FoldForContext(word));
    }
    return out;
  }();
  // Only a label right before the value counts: "Según el expediente, ... 26.312.760-9" is a RUN.
  if (folded_context.empty()) return false;
  size_t cut = folded_context.size() - 1;
  for (int tokens = 0; tokens < 3 && cut > 0; ++tokens) cut = folded_context.rfind(' ', cut - 1);
  return ContainsAnyPhrase(folded_context.substr(cut), *labels);
}

const std::vector<Detector>& Catalog() {
  static const std::vector<Detector>* const catalog = [] {
    auto* detectors = new std::vector<Detector>();
    for (DetectorSpec& spec : BuildSpecs()) detectors->emplace_back(std::move(spec));
    return detectors;
  }();
  return *catalog;
}

int FindDetector(absl::string_view name) {
  const std::vector<Detector>& catalog = Catalog();
  for (size_t i = 0; i < catalog.size(); ++i) {
    if (catalog[i].name() == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace pasarela::classify
