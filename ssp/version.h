// version.h: the VERSION structure ([MS-NLMP] 2.2.2.10).
//
// 8 bytes: ProductMajorVersion (1), ProductMinorVersion (1), ProductBuild
// (2, little-endian), Reserved (3), NTLMRevisionCurrent (1, 0x0F =
// NTLMSSP_REVISION_W2K3). Reserved bytes are kept as read so re-encoding is
// byte-exact.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "crypto/bytes.h"
#include "ssp/byte_reader.h"
#include "ssp/status.h"

namespace ntlm::ssp {

/// NTLMSSP_REVISION_W2K3 ([MS-NLMP] 2.2.2.10), the only current revision.
inline constexpr uint8_t kNtlmRevisionW2K3 = 0x0F;

/// [MS-NLMP] 2.2.2.10 VERSION. Default: 0.0.0 rev 15.
struct Version {
  uint8_t major = 0;
  uint8_t minor = 0;
  uint16_t build = 0;
  std::array<uint8_t, 3> reserved{};
  uint8_t revision = kNtlmRevisionW2K3;

  /// "10.0.20348 rev 15" (plus " reserved 0a0b0c" when Reserved is nonzero).
  std::string ToString() const;

  friend bool operator==(const Version&, const Version&) = default;
};

/// Version 10.0.<build> rev 15, e.g. MakeVersion(10, 0, 20348).
Version MakeVersion(uint8_t major, uint8_t minor, uint16_t build);

/// The 8 wire bytes.
std::array<uint8_t, 8> EncodeVersion(const Version& version);
/// Decodes exactly 8 bytes; any other size is SEC_E_INVALID_TOKEN.
Result<Version> DecodeVersion(ByteSpan bytes);
/// Reads 8 bytes from `reader` (errors name the field "Version" and offset).
Result<Version> ReadVersion(ByteReader& reader);

}  // namespace ntlm::ssp
