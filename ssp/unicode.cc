// unicode.cc: UTF-8 <-> UTF-16LE, OEM (Latin-1), and simple upper-casing.
#include "ssp/unicode.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <vector>

namespace ntlm::ssp {
namespace {

std::string Hex(size_t value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[value & 0xF]);
    value >>= 4;
  } while (value != 0);
  return "0x" + out;
}

// Decodes one UTF-8 sequence at `i`; nullopt when invalid (overlong forms,
// surrogates, values above U+10FFFF and truncated sequences are invalid).
std::optional<char32_t> DecodeUtf8(std::string_view s, size_t& i) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t extra = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (s.size() - i <= extra) return std::nullopt;
  for (size_t k = 1; k <= extra; ++k) {
    const auto b = static_cast<uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += extra + 1;
  return cp;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void PutUtf16Unit(Bytes& out, size_t& o, char16_t unit) {
  out[o] = static_cast<uint8_t>(unit & 0xFF);
  out[o + 1] = static_cast<uint8_t>(unit >> 8);
  o += 2;
}

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  }
  return true;
}

char AsciiUpper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - ('a' - 'A')) : c; }

// Windows-style upper-casing of one BMP code point, independent of any
// locale: the table of scripts/gen-upcase-table.py (Unicode simple upper-case
// mappings, one code point to one).
struct UpcasePair {
  char16_t from;
  char16_t to;
};
constexpr UpcasePair kUpcaseTable[] = {
#include "ssp/upcase_table.inc"
};

char32_t ToUpperCodePoint(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - ('a' - 'A') : cp;
  // Only the BMP is mapped: Windows (RtlUpcaseUnicodeChar works on UTF-16
  // code units) and Samba (64K upcase table) leave supplementary characters
  // unchanged, and NTOWFv2 must match them.
  if (cp > 0xFFFF) return cp;
  const auto* it =
      std::lower_bound(std::begin(kUpcaseTable), std::end(kUpcaseTable), cp,
                       [](const UpcasePair& pair, char32_t value) { return pair.from < value; });
  if (it != std::end(kUpcaseTable) && it->from == cp) return it->to;
  return cp;
}

}  // namespace

Result<Bytes> Utf8ToUtf16Le(std::string_view utf8) {
  // A k-byte UTF-8 sequence becomes 2 (k <= 3) or 4 (k == 4) bytes: 2 bytes
  // of output per input byte always suffice. Written by index, trimmed at the
  // end (no per-unit push_back on the handshake path).
  Bytes out(utf8.size() * 2);
  size_t o = 0;
  size_t i = 0;
  while (i < utf8.size()) {
    const auto b0 = static_cast<uint8_t>(utf8[i]);
    if (b0 < 0x80) {  // ASCII: one UTF-16 unit, high byte zero
      out[o] = b0;
      out[o + 1] = 0;
      o += 2;
      ++i;
      continue;
    }
    const size_t start = i;
    auto cp = DecodeUtf8(utf8, i);
    if (!cp) {
      return MakeError(SecStatus::kInvalidParameter, "invalid UTF-8 at offset " + Hex(start));
    }
    if (*cp >= 0x10000) {
      const char32_t v = *cp - 0x10000;
      PutUtf16Unit(out, o, static_cast<char16_t>(0xD800 + (v >> 10)));
      PutUtf16Unit(out, o, static_cast<char16_t>(0xDC00 + (v & 0x3FF)));
    } else {
      PutUtf16Unit(out, o, static_cast<char16_t>(*cp));
    }
  }
  out.resize(o);
  return out;
}

Result<std::string> Utf16LeToUtf8(ByteSpan utf16le) {
  if (utf16le.size() % 2 != 0) {
    return MakeError(SecStatus::kInvalidToken,
                     "UTF-16LE string has odd length " + std::to_string(utf16le.size()));
  }
  std::string out;
  out.reserve(utf16le.size());
  const size_t units = utf16le.size() / 2;
  auto unit_at = [&](size_t k) {
    return static_cast<char16_t>(utf16le[2 * k] | (utf16le[2 * k + 1] << 8));
  };
  for (size_t k = 0; k < units; ++k) {
    const char16_t u = unit_at(k);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (k + 1 < units) {
        const char16_t low = unit_at(k + 1);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          AppendUtf8(out, 0x10000 + ((static_cast<char32_t>(u) - 0xD800) << 10) +
                              (static_cast<char32_t>(low) - 0xDC00));
          ++k;
          continue;
        }
      }
      return MakeError(SecStatus::kInvalidToken,
                       "unpaired UTF-16 high surrogate at byte offset " + Hex(2 * k));
    }
    if (u >= 0xDC00 && u <= 0xDFFF) {
      return MakeError(SecStatus::kInvalidToken,
                       "unpaired UTF-16 low surrogate at byte offset " + Hex(2 * k));
    }
    AppendUtf8(out, u);
  }
  return out;
}

std::string OemToUtf8(ByteSpan oem) {
  std::string out;
  out.reserve(oem.size());
  for (uint8_t b : oem) AppendUtf8(out, b);
  return out;
}

Result<Bytes> Utf8ToOem(std::string_view utf8) {
  Bytes out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    const size_t start = i;
    auto cp = DecodeUtf8(utf8, i);
    if (!cp) {
      return MakeError(SecStatus::kInvalidParameter, "invalid UTF-8 at offset " + Hex(start));
    }
    if (*cp > 0xFF) {
      return MakeError(SecStatus::kInvalidParameter,
                       "character U+" + Hex(*cp).substr(2) + " at offset " + Hex(start) +
                           " is not representable in the OEM (Latin-1) character set");
    }
    out.push_back(static_cast<uint8_t>(*cp));
  }
  return out;
}

std::string ToUpperUtf8(std::string_view utf8) {
  if (IsAscii(utf8)) {  // the common case: no decoding, no locale
    std::string out(utf8);
    for (char& c : out) c = AsciiUpper(c);
    return out;
  }
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    auto cp = DecodeUtf8(utf8, i);
    if (!cp) return std::string(utf8);
    AppendUtf8(out, ToUpperCodePoint(*cp));
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  // Same result as below for ASCII, without the two copies.
  if (IsAscii(a) && IsAscii(b)) return EqualsIgnoreAsciiCase(a, b);
  return ToUpperUtf8(a) == ToUpperUtf8(b);
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiUpper(a[i]) != AsciiUpper(b[i])) return false;
  }
  return true;
}

}  // namespace ntlm::ssp
