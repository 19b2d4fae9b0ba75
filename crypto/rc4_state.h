// rc4_state.h: the product's RC4 key stream (MS-NLMP 3.4.3 sealing, RC4K of
// the session key exchange). Bit-exact with OpenSSL's RC4
// (tests/unit/crypto_rc4_test.cc, stitched_seal_test.cc); the stitched
// RC4+MD5 seal pass (crypto/rc4_md5_stitched.h) drives the same state.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ntlm::crypto {

// Rc4State is one RC4 key stream held inline (1 KiB S-box of 32-bit cells:
// no partial-register merges on the load/store chain). Wipes itself on
// destruction.
struct Rc4State {
  uint32_t x = 0;
  uint32_t y = 0;
  uint32_t s[256] = {};

  Rc4State() = default;
  Rc4State(const Rc4State&) = default;
  Rc4State& operator=(const Rc4State&) = default;
  ~Rc4State();

  // RC4 key schedule; key_len 1..256 (longer keys use the first 256 bytes).
  void SetKey(const uint8_t* key, size_t key_len);
  // out = in XOR keystream (n bytes; out may equal in exactly).
  void Apply(const uint8_t* in, uint8_t* out, size_t n);
  void Wipe();
};

}  // namespace ntlm::crypto
