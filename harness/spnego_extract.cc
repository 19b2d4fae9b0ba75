#include "harness/spnego_extract.h"

#include "harness/ntlm_sniff.h"

namespace ntlm::harness {
namespace {

// Reads a DER length at `pos`; returns the content length and advances pos.
std::optional<size_t> ReadDerLength(ByteSpan der, size_t& pos) {
  if (pos >= der.size()) return std::nullopt;
  uint8_t first = der[pos++];
  if (first < 0x80) return first;
  size_t count = first & 0x7f;
  if (count == 0 || count > 4 || pos + count > der.size()) return std::nullopt;
  size_t length = 0;
  for (size_t i = 0; i < count; ++i) length = length << 8 | der[pos++];
  return length;
}

}  // namespace

std::optional<ByteSpan> ExtractNtlmFromSpnego(ByteSpan der) {
  for (size_t i = 0; i + 2 < der.size(); ++i) {
    if (der[i] != 0x04) continue;  // OCTET STRING
    size_t pos = i + 1;
    auto length = ReadDerLength(der, pos);
    if (!length || pos + *length > der.size()) continue;
    ByteSpan content = der.subspan(pos, *length);
    if (StartsWithNtlmSignature(content)) return content;
  }
  return std::nullopt;
}

}  // namespace ntlm::harness
