#include "ssp/hex.h"

namespace ntlm::ssp {
namespace {
constexpr char kDigits[] = "0123456789abcdef";
}  // namespace

std::string Hex32(uint32_t value) {
  std::string out = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) out += kDigits[(value >> shift) & 0xf];
  return out;
}

std::string HexBytes(ByteSpan bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

}  // namespace ntlm::ssp
