// rc4_md5_stitched.h: our own RC4 stream and the stitched RC4+MD5 pass of the
// NTLM seal and unseal (MS-NLMP 3.4.3 with the 3.4.4.2 checksum).
//
// A seal computes HMAC_MD5(SigningKey, SeqNum || plaintext) and RC4 over the
// plaintext; an unseal RC4 over the ciphertext and the same HMAC over the
// plaintext it produced. The two are independent dependency chains: MD5's is
// a chain of adds and rotates through one block, RC4's a chain of S-box loads
// and stores. Run one after the other their latencies add up; here each MD5
// step is followed by one RC4 byte in the same instruction stream
// (NTLM_MD5_STEPS' hook), so the core executes both at once. On x86-64 the
// full blocks' RC4 byte is a short asm sequence and consecutive full blocks
// run in one loop with both states in registers (crypto/internal/
// rc4_asm_step.h says why: the integer ports, not the chains, were the limit).
//
// Everything is bit-exact with OpenSSL's RC4 and MD5
// (tests/ssp/stitched_seal_test.cc). Nothing allocates. The RC4 state is
// crypto/rc4_state.h.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/md5_block.h"
#include "crypto/rc4_state.h"

namespace ntlm::crypto {

// Md5BlockRc4 absorbs the 64-byte `block` into h while producing
// out[0..n) = RC4(in[0..n)), n <= 64, one RC4 byte per MD5 step. The block's
// words are read before any byte is written, so `out` may overlap `block`.
void Md5BlockRc4(uint32_t h[4], const uint8_t* block, Rc4State& rc4, const uint8_t* in,
                 uint8_t* out, size_t n);

// Seal direction: MD5 absorbs in[0..n) (the plaintext) and out = RC4(in).
// `out` may equal `in` exactly.
void Md5ThenRc4Update(Md5Stream& md5, Rc4State& rc4, const uint8_t* in, uint8_t* out, size_t n);

// Unseal direction: out = RC4(in) and MD5 absorbs out[0..n) (the plaintext).
// `out` may equal `in` exactly.
void Rc4ThenMd5Update(Md5Stream& md5, Rc4State& rc4, const uint8_t* in, uint8_t* out, size_t n);

}  // namespace ntlm::crypto
