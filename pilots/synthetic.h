// A deterministic source of synthetic data for the pilot agencies: the same seed gives the same
// persons on every machine (no standard-library distribution is used, since their output is
// implementation-defined). No real person is described.
#ifndef PASARELA_PILOTS_SYNTHETIC_H_
#define PASARELA_PILOTS_SYNTHETIC_H_

#include <cstdint>
#include <string>
#include <vector>

namespace pasarela::pilots {

class SyntheticSource {
 public:
  explicit SyntheticSource(uint64_t seed) : state_(seed) {}
  // splitmix64: a fixed, portable sequence.
  uint64_t Next();
  // Uniform enough in [0, n) for test data.
  uint64_t Below(uint64_t n) { return Next() % n; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }
  // "YYYY-MM-DD" between the given years, a day that exists.
  std::string Date(int first_year, int last_year);

 private:
  uint64_t state_;
};

// Chile's RUN check character for a body (modulo 11, weights 2..7 from the right; 10 is K).
char RunCheckCharacter(uint64_t body);
// "12.531.909-2" for body 12531909.
std::string FormatRun(uint64_t body);

// Uruguay's cédula check digit (weights 2,9,8,7,6,3,4 over the body padded to 7 digits).
int CedulaCheckDigit(uint64_t body);
// "1.234.567-2" for body 1234567.
std::string FormatCedula(uint64_t body);

}  // namespace pasarela::pilots

#endif  // PASARELA_PILOTS_SYNTHETIC_H_
