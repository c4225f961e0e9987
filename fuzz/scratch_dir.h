// A private directory for inputs the gateway reads only from files (policy YAML, audit
// segments): one per process under $TMPDIR (default /tmp), removed at exit, so that parallel
// fuzz jobs never share files and nothing lands in the source tree.
//
// Thread-compatible: a fuzz target runs its inputs one at a time.
#ifndef PASARELA_FUZZ_SCRATCH_DIR_H_
#define PASARELA_FUZZ_SCRATCH_DIR_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace pasarela::fuzzing {

// The directory, created on first use. Aborts when it cannot be created.
const std::string& ScratchDir();

// Creates ScratchDir()/`name` (and a missing parent directory) holding exactly `contents`; the
// path. Aborts when the file cannot be written (the machine's fault, not the input's).
std::string WriteScratchFile(absl::string_view name, absl::string_view contents);

}  // namespace pasarela::fuzzing

#endif  // PASARELA_FUZZ_SCRATCH_DIR_H_
