// ascii.h: ASCII case folding for protocol words on the harness side (HTTP
// header names and schemes, token-input schemes, option values). Names that
// Windows compares (users, domains) use ssp::EqualsIgnoreCase instead.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace ntlm::harness {

inline char ToLowerAscii(char c) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

inline std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return ToLowerAscii(c); });
  return out;
}

inline bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ToLowerAscii(x) == ToLowerAscii(y);
         });
}

}  // namespace ntlm::harness
