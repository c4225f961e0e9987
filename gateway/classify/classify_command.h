// `pasarela classify`: the detectors of a policy directory, tried offline on lines of text.
//
// Safe from any thread as long as the streams passed in are not shared.
#ifndef PASARELA_GATEWAY_CLASSIFY_CLASSIFY_COMMAND_H_
#define PASARELA_GATEWAY_CLASSIFY_CLASSIFY_COMMAND_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace pasarela::classify {

// Runs `pasarela classify --policy DIR [--descriptor-set FILE]...` (`args` without the word
// "classify"). Loads DIR/classification.yaml against the descriptor sets given (by default the
// canonical set installed beside the binary, DefaultDescriptorSetPath(); a policy that annotates
// national schemas needs their set too), then reads `in` one text per line and writes one line of
// JSON findings per line to `out`, with the policy's detectors and thresholds (RunClassifyLines).
// Returns 0 on success; 2 on a usage error (message and usage on `err`); 1 when the descriptor
// sets or the policy do not load (each error at file:line:column on `err`) or `out` fails.
int RunClassifyCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                       std::ostream& err);

}  // namespace pasarela::classify

#endif  // PASARELA_GATEWAY_CLASSIFY_CLASSIFY_COMMAND_H_
