// Directories a test program makes for its files, under $TEST_TMPDIR (or /tmp). They are removed
// when the program ends having passed every test it ran, so that a suite run leaves nothing
// behind; a program with a failed test keeps them and names them on stderr, for the person
// reading the logs and policies inside. PASARELA_KEEP_TEST_FILES=1 keeps them after a pass too.
// Thread-safe. Only the process that made a directory removes it (not a forked child).
#ifndef PASARELA_TESTS_SUPPORT_TEMP_FILES_H_
#define PASARELA_TESTS_SUPPORT_TEMP_FILES_H_

#include <string>

namespace pasarela::testing {

// A new empty directory, private to the caller (mode 0700), named pasarela-PREFIX-XXXXXX; ""
// when it cannot be made.
std::string MakeTempDir(const std::string& prefix);

// Adds a file or directory the program made elsewhere to what is removed at its end.
void RemoveAtTheEndOfAPassingProgram(const std::string& path);

}  // namespace pasarela::testing

#endif  // PASARELA_TESTS_SUPPORT_TEMP_FILES_H_
