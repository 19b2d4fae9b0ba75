// version.cc: VERSION structure codec ([MS-NLMP] 2.2.2.10).
#include "ssp/version.h"

#include <cstdio>

namespace ntlm::ssp {

std::string Version::ToString() const {
  std::string out = std::to_string(major) + "." + std::to_string(minor) + "." +
                    std::to_string(build) + " rev " + std::to_string(revision);
  if (reserved[0] != 0 || reserved[1] != 0 || reserved[2] != 0) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), " reserved %02x%02x%02x", reserved[0], reserved[1],
                  reserved[2]);
    out += buf;
  }
  return out;
}

Version MakeVersion(uint8_t major, uint8_t minor, uint16_t build) {
  Version v;
  v.major = major;
  v.minor = minor;
  v.build = build;
  return v;
}

std::array<uint8_t, 8> EncodeVersion(const Version& version) {
  return {version.major,
          version.minor,
          static_cast<uint8_t>(version.build & 0xFF),
          static_cast<uint8_t>(version.build >> 8),
          version.reserved[0],
          version.reserved[1],
          version.reserved[2],
          version.revision};
}

Result<Version> ReadVersion(ByteReader& reader) {
  NTLM_ASSIGN_OR_RETURN(auto bytes, reader.ReadBytes(8, "Version"));
  const ByteSpan b = bytes;
  Version v;
  v.major = b[0];
  v.minor = b[1];
  v.build = static_cast<uint16_t>(b[2] | (b[3] << 8));
  v.reserved = {b[4], b[5], b[6]};
  v.revision = b[7];
  return v;
}

Result<Version> DecodeVersion(ByteSpan bytes) {
  if (bytes.size() != 8) {
    return MakeError(SecStatus::kInvalidToken,
                     "Version: expected 8 bytes, got " + std::to_string(bytes.size()));
  }
  ByteReader reader(bytes);
  return ReadVersion(reader);
}

}  // namespace ntlm::ssp
