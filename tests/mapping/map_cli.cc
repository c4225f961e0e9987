// A stand-alone `pasarela map` for trying mappings and regenerating golden files until the
// pasarela binary dispatches the command itself: pasarela_map_cli --policy DIR --mapping ID ...
#include <iostream>
#include <string>
#include <vector>

#include "gateway/mapping/map_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return pasarela::RunMapCommand(args, std::cin, std::cout, std::cerr);
}
