#include "gateway/policy/yaml_reader.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"

namespace pasarela {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(YamlReaderTest, SyntaxErrorHasOneBasedLocation) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText("f.yaml", "a: 1\nb: [1, 2\n", diagnostics);
  EXPECT_FALSE(file.ok());
  ASSERT_EQ(diagnostics.errors().size(), 1u);
  EXPECT_THAT(diagnostics.errors()[0].ToString(),
              HasSubstr("f.yaml:3:1: error: YAML syntax error"));
}

TEST(YamlReaderTest, ATabInTheIndentationIsNamedAtTheTab) {
  // yaml-cpp words most of these "illegal map value" or "illegal block entry".
  for (const auto& [text, where] :
       std::vector<std::pair<std::string, std::string>>{{"a:\n\tb: 1\n", "f.yaml:2:1:"},
                                                        {"a:\n  - x\n\t- y\n", "f.yaml:3:1:"},
                                                        {"a:\n  b:\n  \t  - 1\n", "f.yaml:3:3:"},
                                                        {"\xEF\xBB\xBF\ta: 1\n", "f.yaml:1:1:"}}) {
    Diagnostics diagnostics;
    EXPECT_FALSE(ParseYamlText("f.yaml", text, diagnostics).ok()) << text;
    EXPECT_THAT(diagnostics.ToString(),
                HasSubstr(absl::StrCat(where, " error: YAML syntax error: ")))
        << text;
    EXPECT_THAT(diagnostics.ToString(),
                HasSubstr(": found a tab in the indentation; expected spaces only\n"))
        << text;
  }
  // Tabs that YAML allows: after a value's colon, and inside a bracketed list.
  Diagnostics diagnostics;
  EXPECT_TRUE(ParseYamlText("f.yaml", "a:\t1\nb: [1,\n\t2]\n", diagnostics).ok());
  EXPECT_FALSE(diagnostics.has_errors()) << diagnostics.ToString();
}

TEST(YamlReaderTest, AMisindentedLineIsSaidToBeOne) {
  // yaml-cpp says "illegal map value" or "end of sequence not found", not where the columns part.
  const std::string hint =
      ": the keys of one mapping start in the same column, and only a key with nothing after its "
      "colon opens a block further in\n";
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {"quota:\n requests_per_second: 20\n  burst: 40\n",
            "f.yaml:3:8: error: YAML syntax error: illegal map value; line 3 starts in column 3 "
            "and line 2 in column 2"},
           {"quota:\n  requests_per_second: 20\n    burst: 40\n",
            "f.yaml:3:10: error: YAML syntax error: illegal map value; line 3 starts in column 5 "
            "and line 2 in column 3"},
           {"\xEF\xBB\xBF"
            "bindings:\n  -  canonical: a\n    # a comment\n    national: b\n",
            "f.yaml:4:5: error: YAML syntax error: end of sequence not found; line 4 starts in "
            "column 5 and line 2 in column 6"}}) {
    Diagnostics diagnostics;
    EXPECT_FALSE(ParseYamlText("f.yaml", text, diagnostics).ok()) << text;
    EXPECT_EQ(diagnostics.ToString(), expected + hint) << text;
  }
  // A syntax error where the columns agree says nothing of them.
  Diagnostics diagnostics;
  EXPECT_FALSE(ParseYamlText("f.yaml", "a: b: c\nd: e\n", diagnostics).ok());
  EXPECT_THAT(diagnostics.ToString(), ::testing::Not(HasSubstr("column")));
}

TEST(YamlReaderTest, ANoBreakSpaceBehindASyntaxErrorIsNamedWhereItIs) {
  // Text copied from a web page or a word processor; yaml-cpp stumbles a line later.
  for (const auto& [text, where] : std::vector<std::pair<std::string, std::string>>{
           {"validity:\n\xC2\xA0\xC2\xA0"
            "from: 2026-01-01T00:00:00Z\n  until: x\n",
            "f.yaml:2:1:"},
           {"retention:\xC2\xA0P90D\nquota:\n  burst: 1\n", "f.yaml:1:11:"}}) {
    Diagnostics diagnostics;
    EXPECT_FALSE(ParseYamlText("f.yaml", text, diagnostics).ok()) << text;
    EXPECT_THAT(diagnostics.ToString(),
                HasSubstr(absl::StrCat(where, " error: YAML syntax error: ")))
        << text;
    EXPECT_THAT(diagnostics.ToString(),
                HasSubstr(": found a no-break space (U+00A0); expected an ordinary space\n"))
        << text;
  }
  // Where the indentation leaves a valid file, it makes a key of the enclosing mapping.
  Diagnostics pasted;
  YamlFile indented =
      ParseYamlText("f.yaml", "validity:\n  from: x\n\xC2\xA0\xC2\xA0until: y\n", pasted);
  ASSERT_TRUE(indented.ok()) << pasted.ToString();
  YamlMap top(indented.root, "f.yaml", pasted, "agreement");
  top.ExpectKeys({"validity"});
  EXPECT_EQ(pasted.ToString(),
            "f.yaml:3:1: error: agreement: unknown key '\xC2\xA0\xC2\xA0until': found a no-break "
            "space (U+00A0) in it; expected ordinary spaces, which YAML indents with\n");
  // Inside a value it is text, as written.
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText("f.yaml",
                                "title: Ley\xC2\xA0"
                                "19.628\n",
                                diagnostics);
  ASSERT_TRUE(file.ok()) << diagnostics.ToString();
  EXPECT_EQ(file.root["title"].Scalar(),
            "Ley\xC2\xA0"
            "19.628");
}

TEST(YamlReaderTest, AQuoteNeverClosedIsNamedWhereItOpens) {
  // yaml-cpp alone reads the rest of the file into the value and reports nothing.
  Diagnostics diagnostics;
  YamlFile file =
      ParseYamlText("federation.yaml",
                    "countries:\n  - code: BR\n    name: \"Brasil\n  - code: UY\n", diagnostics);
  EXPECT_FALSE(file.ok());
  ASSERT_EQ(diagnostics.errors().size(), 1u);
  EXPECT_EQ(diagnostics.errors()[0].ToString(),
            "federation.yaml:3:11: error: YAML syntax error: the quoted value opened here is "
            "never closed, so YAML reads the rest of the file into it; close it with \" (a text "
            "over several lines is written after >- instead)");
}

TEST(YamlReaderTest, ASyntaxErrorAfterAQuoteRunningOnNamesTheQuote) {
  // The next quote closes the value, and what follows that quote no longer fits.
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText("f.yaml",
                                "a:\n  name: \"Brasil\n  gateway: x\n"
                                "  reference: \"Ley 1\"\n  other: y\n",
                                diagnostics);
  EXPECT_FALSE(file.ok());
  ASSERT_EQ(diagnostics.errors().size(), 1u);
  EXPECT_THAT(diagnostics.errors()[0].ToString(),
              HasSubstr("; the quoted value opened at line 2, column 9 runs on to line 4: is its "
                        "closing \" missing?"));
  EXPECT_THAT(diagnostics.errors()[0].ToString(), Not(HasSubstr("starts in column")));
  // A value quoted over several lines and closed well before a syntax error is not blamed.
  Diagnostics later;
  ParseYamlText("f.yaml", "text: \"one\n  two\"\nb: 1\nc: 2\nd: 3\n  e: 4\n", later);
  ASSERT_EQ(later.errors().size(), 1u);
  EXPECT_THAT(later.errors()[0].ToString(), Not(HasSubstr("quoted value")));
  // A value quoted over several lines on purpose is valid YAML and read as such.
  Diagnostics valid;
  YamlFile two_lines = ParseYamlText("f.yaml", "text: \"one\n  two\"\nb: 1\n", valid);
  ASSERT_TRUE(two_lines.ok());
  EXPECT_EQ(two_lines.root["text"].Scalar(), "one two");
  // A line of a plain text over several lines may begin with an apostrophe.
  YamlFile plain = ParseYamlText("f.yaml", "title: first line\n  'tis the second\nb: 1\n", valid);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.root["title"].Scalar(), "first line 'tis the second");
  EXPECT_TRUE(valid.errors().empty());
}

TEST(YamlReaderTest, ATagIsReportedWhereItIsWritten) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText(
      "f.yaml", "a: !!int 0x1F\nb: !!str NO\nc:\n  - !!bool yes\n  - !custom x\nd: \"q\"\n",
      diagnostics);
  EXPECT_FALSE(file.ok());
  std::vector<std::string> errors;
  for (const auto& error : diagnostics.errors()) errors.push_back(error.ToString());
  EXPECT_THAT(errors,
              ElementsAre("f.yaml:1:4: error: found the YAML tag !!int, which a policy file does "
                          "not use: every value is read as written; remove the tag",
                          HasSubstr("f.yaml:4:5: error: found the YAML tag !!bool,"),
                          HasSubstr("f.yaml:5:5: error: found the YAML tag !custom,")));
  // !!str says what the reader does anyway.
  Diagnostics plain;
  EXPECT_TRUE(ParseYamlText("f.yaml", "code: !!str NO\n", plain).ok());
  EXPECT_TRUE(plain.errors().empty());
}

TEST(YamlReaderTest, NestingTooDeepIsSaidToBeThat) {
  for (const std::string& text : {"a: " + std::string(3000, '[') + std::string(3000, ']') + "\n",
                                  "a: " + std::string(3000, '{') + "\n"}) {
    Diagnostics diagnostics;
    EXPECT_FALSE(ParseYamlText("f.yaml", text, diagnostics).ok());
    ASSERT_EQ(diagnostics.errors().size(), 1u);
    EXPECT_THAT(diagnostics.errors()[0].ToString(),
                HasSubstr("error: YAML syntax error: collections nested too deeply"));
  }
}

TEST(YamlReaderTest, ClassicMacLineEndingsAreNamed) {
  Diagnostics diagnostics;
  EXPECT_FALSE(ParseYamlText("f.yaml", "a: 1\rb: 2\r", diagnostics).ok());
  ASSERT_EQ(diagnostics.errors().size(), 1u);
  EXPECT_EQ(diagnostics.errors()[0].ToString(),
            "f.yaml:1:5: error: found a carriage return without a line feed after it (the line "
            "endings of classic Mac OS); expected line feeds: save the file with Unix (LF) or "
            "Windows (CRLF) line endings");
  Diagnostics windows;
  EXPECT_TRUE(ParseYamlText("f.yaml", "a: 1\r\nb: 2\r\n", windows).ok());
}

TEST(DiagnosticsTest, AValueTooLongForOneLineIsShortened) {
  Diagnostics diagnostics;
  const std::string blob = "P" + std::string(5000, '1') + "D";
  diagnostics.Error(SourceLocation{"a.yaml", 3, 12},
                    "retention: expected a duration such as P30D, found '" + blob + "'");
  EXPECT_EQ(diagnostics.errors()[0].message,
            "retention: expected a duration such as P30D, found 'P" + std::string(78, '1') +
                "...' (5002 characters)");
  // Cut between characters, never inside one; words of ordinary length are left whole.
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "\xC3\xA9";  // 150 x U+00E9, 300 bytes
  diagnostics.Error(SourceLocation{"a.yaml", 4, 1}, "found " + accents + " here");
  EXPECT_EQ(diagnostics.errors()[1].message,
            "found " + accents.substr(0, 80) + "... (150 characters) here");
  const std::string path(200, 'p');
  diagnostics.Error(SourceLocation{"a.yaml", 5, 1}, "cannot read " + path);
  EXPECT_EQ(diagnostics.errors()[2].message, "cannot read " + path);
}

TEST(YamlReaderTest, AFileWithoutContentIsReportedAtItsFirstLine) {
  for (const char* text : {"", "\n\n", "# all\n# commented out\n", "---\n"}) {
    Diagnostics diagnostics;
    EXPECT_FALSE(ParseYamlText("f.yaml", text, diagnostics).ok());
    EXPECT_EQ(diagnostics.ToString(),
              "f.yaml:1:1: error: found no content (the file is empty or holds only comments): "
              "expected apiVersion and kind\n")
        << text;
  }
}

TEST(PolicyDirectoryTest, ListsYamlFilesAndSubdirectoriesAndReportsWhatItWouldSkip) {
  const std::string dir = testing::MakeTempDir("listing");
  for (const char* name : {"b.yaml", "a.yaml", "README", "c.yaml.bak", "d.disabled", ".hidden.yaml",
                           "e.YAML", "f.Yaml", "g.yml", "h.YML"}) {
    testing::WriteFile(dir + "/" + name, "kind: Agreement\n");
  }
  std::filesystem::create_directory(dir + "/archive");
  std::filesystem::create_directory(dir + "/i.yaml");
  std::filesystem::create_symlink(dir + "/gone.yaml", dir + "/j.yaml");
  std::filesystem::create_symlink(dir + "/a.yaml", dir + "/k.yaml");
  ASSERT_EQ(::mkfifo((dir + "/l.yaml").c_str(), 0600), 0);

  Diagnostics diagnostics;
  absl::optional<std::vector<PolicyDirectoryEntry>> entries = ListPolicyDirectory(dir, diagnostics);
  ASSERT_TRUE(entries.has_value());
  std::vector<std::string> listed;
  for (const PolicyDirectoryEntry& entry : *entries) {
    listed.push_back((entry.is_directory ? "dir " : "file ") + entry.path.substr(dir.size()));
  }
  EXPECT_THAT(listed, ElementsAre("file /a.yaml", "dir /archive", "file /b.yaml", "file /k.yaml"));
  EXPECT_EQ(absl::StrReplaceAll(diagnostics.ToString(), {{dir, "$DIR"}}),
            "$DIR/e.YAML: error: not loaded: policy files must be named *.yaml in lower case; "
            "rename it to e.yaml\n"
            "$DIR/f.Yaml: error: not loaded: policy files must be named *.yaml in lower case; "
            "rename it to f.yaml\n"
            "$DIR/g.yml: error: not loaded: policy files must be named *.yaml in lower case; "
            "rename it to g.yaml\n"
            "$DIR/h.YML: error: not loaded: policy files must be named *.yaml in lower case; "
            "rename it to h.yaml\n"
            "$DIR/i.yaml: error: is a directory, not a policy file: rename it to a name without "
            ".yaml\n"
            "$DIR/j.yaml: error: is a link to $DIR/gone.yaml, which does not exist: restore it or "
            "remove the link\n"
            "$DIR/l.yaml: error: is not a regular file: a policy file must be one\n");
}

TEST(PolicyDirectoryTest, ADirectoryThatCannotBeListedIsAnError) {
  const std::string file = testing::MakeTempDir("listing") + "/tables";
  testing::WriteFile(file, "");
  Diagnostics diagnostics;
  EXPECT_FALSE(ListPolicyDirectory(file, diagnostics).has_value());
  EXPECT_EQ(diagnostics.ToString(), file + ": error: cannot list the directory: Not a directory\n");
}

TEST(YamlReaderTest, OneDocumentPerFileWhereverItsMarkersAre) {
  for (const char* one : {"a: 1\n", "---\na: 1\n", "# c\n--- # first\na: 1\n...\n",
                          "%YAML 1.2\n---\na: |\n  ---\n  text\n", "a: 1\n...\n# after\n"}) {
    Diagnostics diagnostics;
    YamlFile file = ParseYamlText("f.yaml", one, diagnostics);
    EXPECT_FALSE(diagnostics.has_errors()) << one << diagnostics.ToString();
    EXPECT_TRUE(file.root.IsMap()) << one;
  }
  for (const auto& [two, line] : std::vector<std::pair<std::string, int>>{
           {"a: 1\n---\nb: 2\n", 2}, {"---\na: 1\n--- \nb: 2\n", 3}, {"a: 1\n...\nb: 2\n", 3}}) {
    Diagnostics diagnostics;
    ParseYamlText("f.yaml", two, diagnostics);
    EXPECT_THAT(diagnostics.ToString(), ::testing::HasSubstr(absl::StrCat(
                                            "f.yaml:", line, ":1: error: a second YAML document")))
        << two;
  }
  // yaml-cpp's LoadAll, which would have said so, never returns on this input. Its NULs are
  // refused before yaml-cpp reads it at all.
  const std::string looping = std::string(", refuse the exchange.\n  beyond:\n    dfrom_suffix:") +
                              std::string(27, '\0') + "i\x02#";
  Diagnostics diagnostics;
  ParseYamlText("f.yaml", looping, diagnostics);
  EXPECT_TRUE(diagnostics.has_errors());
}

TEST(YamlReaderTest, InvalidUtf8IsReportedAtItsFirstByte) {
  Diagnostics diagnostics;
  // Latin-1 for "José": yaml-cpp would pass the byte through to a protobuf string field.
  YamlFile file =
      ParseYamlText("f.yaml", "kind: Agreement\ntitle: Jos\xE9 \xC3\xA9\n", diagnostics);
  EXPECT_FALSE(file.ok());
  EXPECT_EQ(diagnostics.ToString(),
            "f.yaml:2:11: error: invalid UTF-8 (byte 0xE9): save the file as UTF-8\n");

  // Columns count bytes, as yaml-cpp's marks do: the two bytes of 'é' are two columns.
  Diagnostics after_accent;
  ParseYamlText("f.yaml", "title: \xC3\xA9\xC0\xAF\n", after_accent);
  EXPECT_EQ(after_accent.ToString(),
            "f.yaml:1:10: error: invalid UTF-8 (byte 0xC0): save the file as UTF-8\n");
}

TEST(YamlReaderTest, AControlCharacterIsReportedAtItsByte) {
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           // The zeros a crash can leave at the end of a file; yaml-cpp saw an escape sequence.
           {std::string("kind: Agreement\nretention: P90D\n") + std::string(8, '\0'),
            "f.yaml:3:1: error: found a control character (byte 0x00)"},
           // yaml-cpp kept these in the value: the message would have said "found 'P90D'".
           {"kind: Agreement\nretention: P90D\f\n",
            "f.yaml:2:16: error: found a control character "
            "(byte 0x0C)"},
           {"purposes: [border\x07"
            "control]\n",
            "f.yaml:1:18: error: found a control character "
            "(byte 0x07)"},
           {"title: x\x7F\n", "f.yaml:1:9: error: found a control character (byte 0x7F)"}}) {
    Diagnostics diagnostics;
    EXPECT_FALSE(ParseYamlText("f.yaml", text, diagnostics).ok());
    EXPECT_THAT(diagnostics.ToString(), HasSubstr(expected));
    EXPECT_THAT(diagnostics.ToString(), HasSubstr("which YAML does not allow; expected text"));
    EXPECT_EQ(diagnostics.errors().size(), 1u);
  }
  // Tabs and line breaks, Windows' included, are text.
  Diagnostics diagnostics;
  EXPECT_TRUE(ParseYamlText("f.yaml", "a:\t1\r\nb: 2\r\n", diagnostics).ok());
  EXPECT_FALSE(diagnostics.has_errors()) << diagnostics.ToString();
}

TEST(YamlReaderTest, AnEmptyValueIsReportedAtItsKey) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText(
      "f.yaml", "providers:\n  - participant: CL/GOV/x\n    address:\n    ca_file: a\nlimits:\n",
      diagnostics);
  YamlMap top(file.root, "f.yaml", diagnostics, "services");
  YamlMap provider(top.Get("providers")[0], "f.yaml", diagnostics, "providers[0]");
  EXPECT_FALSE(provider.RequiredString("address").has_value());
  YamlMap limits(top, top.Get("limits"), "limits");
  EXPECT_FALSE(limits.valid());
  EXPECT_EQ(diagnostics.ToString(),
            "f.yaml:3:5: error: providers[0].address: expected a single value, found nothing\n"
            "f.yaml:5:1: error: limits: expected a mapping (key: value), found nothing\n");
}

TEST(YamlReaderTest, ScalarsAreReadAsWritten) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText("f.yaml", "code: NO\nflag: off\n", diagnostics);
  YamlMap map(file.root, "f.yaml", diagnostics, "top");
  EXPECT_EQ(map.RequiredString("code").value_or(""), "NO");
  EXPECT_EQ(map.RequiredString("flag").value_or(""), "off");
  EXPECT_FALSE(map.OptionalBool("flag").has_value());
  EXPECT_THAT(diagnostics.ToString(),
              HasSubstr("f.yaml:2:7: error: top.flag: expected true or false"));
}

TEST(YamlReaderTest, UnknownAndDuplicateKeysAreErrors) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText("f.yaml", "country: CL\ncountry: AR\nlistners: {}\n", diagnostics);
  YamlMap map(file.root, "f.yaml", diagnostics, "gateway");
  map.ExpectKeys({"country", "listeners"});
  ASSERT_EQ(diagnostics.errors().size(), 2u);
  EXPECT_EQ(diagnostics.errors()[0].ToString(),
            "f.yaml:2:1: error: gateway: duplicate key 'country' (first at line 1, column 1); YAML "
            "would silently keep only one");
  EXPECT_EQ(diagnostics.errors()[1].ToString(),
            "f.yaml:3:1: error: gateway: unknown key 'listners' (did you mean 'listeners'?); "
            "expected one of: country, listeners");
}

// In a mapping written on one line, the line alone does not say which key came first.
TEST(YamlReaderTest, ADuplicateKeyNamesTheFirstOnesLineAndColumn) {
  Diagnostics diagnostics;
  YamlFile file =
      ParseYamlText("f.yaml", "listeners: {agency: a, federation: f, agency: b}\n", diagnostics);
  YamlMap top(file.root, "f.yaml", diagnostics, "gateway");
  YamlMap listeners(top, top.Get("listeners"), "listeners");
  listeners.ExpectKeys({"agency", "federation"});
  ASSERT_EQ(diagnostics.errors().size(), 1u);
  EXPECT_EQ(diagnostics.errors()[0].ToString(),
            "f.yaml:1:39: error: listeners: duplicate key 'agency' (first at line 1, column 13); "
            "YAML would silently keep only one");
}

TEST(YamlReaderTest, AKeyOfAnEnclosingMappingIsReportedAsMisplaced) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText("f.yaml",
                                "audit:\n  sink: postgresql\n  postgresql:\n    conninfo_file: c\n"
                                "    sink: segments\n    retention: P30D\n  policy_dir: p\n",
                                diagnostics);
  YamlMap top(file.root, "f.yaml", diagnostics, "gateway");
  top.ExpectKeys({"audit", "policy_dir"});
  YamlMap audit(top, top.Get("audit"), "audit");
  audit.ExpectKeys({"sink", "postgresql"});
  YamlMap postgresql(audit, audit.Get("postgresql"), "audit.postgresql");
  postgresql.ExpectKeys({"conninfo_file"});
  EXPECT_EQ(diagnostics.ToString(),
            "f.yaml:7:3: error: audit: unknown key 'policy_dir'; it is a key at the top level of "
            "the file, not of audit: check this line's indentation, or move it there\n"
            "f.yaml:5:5: error: audit.postgresql: unknown key 'sink'; it is a key of audit, not of "
            "audit.postgresql: check this line's indentation, or move it there\n"
            "f.yaml:6:5: error: audit.postgresql: unknown key 'retention'; expected one of: "
            "conninfo_file\n");
}

TEST(YamlReaderTest, TypedValuesAreCheckedWithLocations) {
  Diagnostics diagnostics;
  YamlFile file = ParseYamlText(
      "f.yaml", "deadline: soon\nn: 12x\nlist: one\nok: 250ms\nitems: [a, b]\n", diagnostics);
  YamlMap map(file.root, "f.yaml", diagnostics, "d");
  EXPECT_FALSE(map.OptionalDuration("deadline").has_value());
  EXPECT_FALSE(map.OptionalInt("n", 0, 100).has_value());
  EXPECT_FALSE(map.OptionalStringList("list").has_value());
  EXPECT_EQ(map.OptionalDuration("ok").value_or(absl::ZeroDuration()), absl::Milliseconds(250));
  EXPECT_THAT(map.OptionalStringList("items").value_or(std::vector<std::string>{}),
              ElementsAre("a", "b"));
  EXPECT_FALSE(map.RequiredString("missing").has_value());
  std::string text = diagnostics.ToString();
  EXPECT_THAT(text, HasSubstr("f.yaml:1:11: error: d.deadline: expected a positive duration"));
  EXPECT_THAT(text, HasSubstr("f.yaml:2:4: error: d.n: expected a whole number from 0 to 100"));
  EXPECT_THAT(text, HasSubstr("f.yaml:3:7: error: d.list: expected a list"));
  EXPECT_THAT(text, HasSubstr("f.yaml:1:1: error: d: missing required key 'missing'"));
}

TEST(YamlReaderTest, ClosestMatchSuggestsOnlyNearMisses) {
  EXPECT_EQ(ClosestMatch("certifcate_file", {"certificate_file", "key_file"}), "certificate_file");
  EXPECT_EQ(ClosestMatch("zzz", {"certificate_file", "key_file"}), "");
}

TEST(YamlReaderTest, ShortWordsSuggestOnlyWhatOneSlipExplains) {
  const std::vector<std::string> keys = {"id",       "title",   "quota", "consumers",
                                         "provider", "methods", "kind",  "legal_basis"};
  // One letter is no typo of anything; two are at most one edit from the key meant.
  EXPECT_EQ(ClosestMatch("q", keys), "");
  EXPECT_EQ(ClosestMatch("x", {"id", "a"}), "");
  EXPECT_EQ(ClosestMatch("qt", keys), "");
  EXPECT_EQ(ClosestMatch("ib", keys), "id");
  EXPECT_EQ(ClosestMatch("di", keys), "id");
  // A four- or five-letter word: one edit, a swap of two letters counting as one.
  EXPECT_EQ(ClosestMatch("knid", keys), "kind");
  EXPECT_EQ(ClosestMatch("qouta", keys), "quota");
  EXPECT_EQ(ClosestMatch("tile", keys), "title");
  EXPECT_EQ(ClosestMatch("kond", keys), "kind");
  EXPECT_EQ(ClosestMatch("qt_a", keys), "");
  EXPECT_EQ(ClosestMatch("mode", keys), "");
  // Longer words allow one edit in three letters.
  EXPECT_EQ(ClosestMatch("cnosumres", keys), "consumers");
  EXPECT_EQ(ClosestMatch("legal_bases", keys), "legal_basis");
  EXPECT_EQ(ClosestMatch("legalbasis", keys), "legal_basis");
  EXPECT_EQ(ClosestMatch("providr", keys), "provider");
  EXPECT_EQ(ClosestMatch("signature_block", keys), "");
  EXPECT_EQ(ClosestMatch("methods_list", keys), "");
}

// The full table of edits (with swaps of neighbours), as a reference for the banded search
// ClosestMatch does.
size_t ReferenceDistance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> table(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) table[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) table[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      table[i][j] = std::min({table[i - 1][j] + 1, table[i][j - 1] + 1,
                              table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        table[i][j] = std::min(table[i][j], table[i - 2][j - 2] + 1);
      }
    }
  }
  return table[a.size()][b.size()];
}

std::string ReferenceClosestMatch(const std::string& word, const std::vector<std::string>& names) {
  std::string best;
  const size_t limit = word.size() <= 1 ? 0 : std::max<size_t>(1, word.size() / 3);
  size_t best_distance = limit + 1;
  for (const std::string& name : names) {
    size_t distance = ReferenceDistance(word, name);
    if (distance < best_distance) {
      best_distance = distance;
      best = name;
    }
  }
  return best;
}

TEST(YamlReaderTest, ClosestMatchAgreesWithTheFullDistanceTable) {
  std::mt19937 random(20261129);
  // A small alphabet, so that words are often near one another.
  auto word = [&random](size_t max_length) {
    std::string text(std::uniform_int_distribution<size_t>(0, max_length)(random), 'a');
    for (char& c : text) c = "abcd_"[std::uniform_int_distribution<int>(0, 4)(random)];
    return text;
  };
  size_t suggestions = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> names;
    for (int n = 0; n < 6; ++n) names.push_back(word(14));
    std::string typed = round % 2 == 0 ? word(20) : names[round % 6];
    // Near misses of a name: a few letters changed, dropped or added.
    for (int edit = round % 5; edit > 0 && !typed.empty(); --edit) {
      size_t at = std::uniform_int_distribution<size_t>(0, typed.size() - 1)(random);
      switch (edit % 3) {
        case 0:
          typed[at] = 'e';
          break;
        case 1:
          typed.erase(at, 1);
          break;
        default:
          typed.insert(at, 1, 'f');
      }
    }
    std::string expected = ReferenceClosestMatch(typed, names);
    if (!expected.empty()) ++suggestions;
    ASSERT_EQ(ClosestMatch(typed, names), expected) << "word '" << typed << "'";
  }
  // The cases must include both outcomes for the comparison to mean something.
  EXPECT_GT(suggestions, 500u);
  EXPECT_LT(suggestions, 2900u);
}

}  // namespace
}  // namespace pasarela
