// Reserves ports with PickFreePort, prints them one per line, and holds them until it is killed:
// another test process for the free-port test to contend with.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "tests/support/free_port.h"

int main(int argc, char** argv) {
  int count = argc > 1 ? std::atoi(argv[1]) : 1;
  for (int i = 0; i < count; ++i) std::cout << pasarela::testing::PickFreePort() << "\n";
  std::cout << "held" << std::endl;
  for (;;) ::pause();
}
