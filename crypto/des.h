// des.h: single DES as NTLMv1 and LM use it (MS-NLMP 6 "DES", "DESL").
//
// [MS-NLMP] 6 defines DES(K, D) with a 7-byte key K that is spread over 8
// bytes, seven key bits per byte with the low bit set for odd parity, then
// used for DES-ECB on one 8-byte block (LMOWFv1 3.3.1, DESL 6, the LM-key
// KXKEY 3.4.5.1). DES-ECB comes from OpenSSL 3's legacy provider.
//
// Failure (see crypto/init.h): if initialization failed or OpenSSL fails the
// output block is all zeros and crypto::HasFailed() becomes true.
#pragma once

#include <span>

#include "crypto/bytes.h"

namespace ntlm::crypto {

// DesKey56To64 spreads a 7-byte (56-bit) key over 8 bytes into `key8`: byte i
// holds key bits 7i..7i+6 (most significant first) in its top seven bits and
// an odd parity bit in bit 0.
void DesKey56To64(std::span<const uint8_t, 7> key7, std::span<uint8_t, 8> key8);

// DesEncrypt56 is DES-ECB encryption of one 8-byte block under a 7-byte
// (56-bit) key expanded with DesKey56To64, as MS-NLMP's DES() requires.
// `out` may alias `block`.
void DesEncrypt56(std::span<const uint8_t, 7> key7, std::span<const uint8_t, 8> block,
                  std::span<uint8_t, 8> out);

}  // namespace ntlm::crypto
