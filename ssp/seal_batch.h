// seal_batch.h: GSS_WrapEx (SEAL, MS-NLMP 3.4.3) for the messages of many
// sessions in one call, for a server that holds many established contexts
// (one core sealing replies for many clients).
//
// Each request is sealed exactly as request.session->Seal(plaintext,
// ciphertext, signature) would seal it (same ciphertext, signature, sequence
// number and RC4 stream advance; tests/ssp/seal_batch_test.cc checks it).
// What differs is the schedule: up to eight consecutive requests of distinct
// ESS sessions with equal message sizes run together, their HMAC-MD5s in the
// eight lanes of crypto::Md5x8BlockRc4 (AVX2 when the CPU has it) with their
// eight RC4 streams interleaved. Other requests (no ESS, a size change, a
// session already in the group) start a new group or are sealed one by one;
// a session listed twice is sealed in list order.
#pragma once

#include <span>

#include "crypto/bytes.h"
#include "ssp/session_security.h"
#include "ssp/status.h"

namespace ntlm::ssp {

struct SealRequest {
  SessionSecurity* session;
  ByteSpan plaintext;
  MutableByteSpan ciphertext;  // plaintext.size() bytes; may equal plaintext exactly
  SignatureOut signature;
};

// Seals every request. All requests are checked first (sizes, aliasing,
// SEAL negotiated, handle usable) and nothing is sealed if one fails: the
// error names the request's index. Allocates nothing on success.
Status SealBatch(std::span<const SealRequest> requests);

}  // namespace ntlm::ssp
