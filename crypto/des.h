// des.h: single DES as NTLMv1 and LM use it (MS-NLMP 6 "DES", "DESL").
#pragma once

#include <span>

#include "crypto/bytes.h"

namespace ntlm::crypto {

// DES-ECB encryption of one 8-byte block under a 7-byte (56-bit) key, which is
// spread to 8 bytes with odd parity as MS-NLMP's DES() requires.
void DesEncrypt56(std::span<const uint8_t, 7> key7, std::span<const uint8_t, 8> block,
                  std::span<uint8_t, 8> out);

}  // namespace ntlm::crypto
