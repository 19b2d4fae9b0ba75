// crc32.h: CRC-32 (IEEE 802.3, reflected 0xEDB88320) for NTLMv1 signatures.
// OpenSSL has no CRC-32, so this one is ours (it is a checksum, not crypto).
#pragma once

#include <cstdint>

#include "crypto/bytes.h"

namespace ntlm::crypto {

// Crc32 is the standard CRC-32 used by NTLMv1 signatures without extended
// session security ([MS-NLMP] 3.4.4.1): Crc32("123456789") == 0xCBF43926.
// `crc` continues a previous result, so Crc32(b, Crc32(a)) == Crc32(a || b).
uint32_t Crc32(ByteSpan data, uint32_t crc = 0);

}  // namespace ntlm::crypto
