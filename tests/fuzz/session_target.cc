// session_target.cc: session security (ssp::SessionSecurity, MS-NLMP 3.4)
// receiving arbitrary signatures and messages in every flag scheme.
//
// Input layout:
//   byte 0  negotiated flags: bit 0 ESS, 1 KEY_EXCH, 2 SEAL, 3 SIGN,
//           4 ALWAYS_SIGN, 5 128-bit, 6 56-bit, 7 DATAGRAM
//   byte 1  bit 0 we are the server, bit 1 allow_seal_without_negotiation,
//           bit 2 emit_encrypted_random_pad
//   then operations: an op byte, then a u16-length-prefixed payload
//     op % 6 == 0  Verify(payload[16..], signature payload[0..16])
//               1  Unseal(payload[16..], signature payload[0..16])
//               2  UnsealEx over {SignOnly, EncryptInPlace, SignOnly} split
//                  of payload[16..] at two points taken from it
//               3  the peer signs payload; we must verify it
//               4  the peer seals payload; we must unseal it to payload
//               5  both sides ResetSealingState()
// Operations 3 and 4 must succeed while both sides are in step: until a
// forged message may have consumed receive state (anything but a rejected
// ESS Verify without KEY_EXCH, which the design leaves untouched).
#include <algorithm>
#include <array>

#include "crypto/secret.h"
#include "ssp/flags.h"
#include "ssp/session_security.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

uint32_t FlagsFromByte(uint8_t b) {
  uint32_t flags = ssp::kNegotiateUnicode | ssp::kNegotiateNtlm;
  if (b & 0x01) flags |= ssp::kNegotiateEss;
  if (b & 0x02) flags |= ssp::kNegotiateKeyExch;
  if (b & 0x04) flags |= ssp::kNegotiateSeal;
  if (b & 0x08) flags |= ssp::kNegotiateSign;
  if (b & 0x10) flags |= ssp::kNegotiateAlwaysSign;
  if (b & 0x20) flags |= ssp::kNegotiate128;
  if (b & 0x40) flags |= ssp::kNegotiate56;
  if (b & 0x80) flags |= ssp::kNegotiateDatagram;
  return flags;
}

crypto::Key16 FixedKey() {
  crypto::Key16 key;
  for (size_t i = 0; i < 16; ++i) key.data()[i] = static_cast<uint8_t>(0x55 + i);
  return key;
}

struct SplitMessage {
  std::array<uint8_t, ssp::kMessageSignatureSize> signature{};
  ByteSpan body;
};

SplitMessage Split(ByteSpan payload) {
  SplitMessage m;
  std::copy_n(payload.begin(), std::min(payload.size(), m.signature.size()), m.signature.begin());
  if (payload.size() > m.signature.size()) m.body = payload.subspan(m.signature.size());
  return m;
}

}  // namespace

int FuzzSession(const uint8_t* data, size_t size) {
  EnsureCryptoInitialized();
  FuzzInput in(data, size);
  const uint8_t flag_byte = in.TakeU8();
  const uint8_t side_byte = in.TakeU8();
  const uint32_t flags = FlagsFromByte(flag_byte);
  const bool is_server = (side_byte & 1) != 0;
  ssp::SessionSecurity::Options options;
  options.allow_seal_without_negotiation = (side_byte & 2) != 0;
  options.emit_encrypted_random_pad = (side_byte & 4) != 0;
  const crypto::Key16 key = FixedKey();
  ssp::SessionSecurity us(flags, key, is_server, options);
  ssp::SessionSecurity peer(flags, key, !is_server, options);
  const bool ess = us.extended_session_security();
  const bool key_exch = (flags & ssp::kNegotiateKeyExch) != 0;
  bool in_step = true;

  for (int ops = 0; ops < 64 && !in.empty(); ++ops) {
    const int op = in.TakeU8() % 6;
    ByteSpan payload = in.TakeLengthPrefixed();
    switch (op) {
      case 0: {
        SplitMessage m = Split(payload);
        ssp::Status s = us.Verify(m.body, m.signature);
        if (s.ok() || !ess || key_exch) in_step = false;
        break;
      }
      case 1: {
        SplitMessage m = Split(payload);
        Bytes plaintext(m.body.size());
        ssp::Status s = us.Unseal(m.body, m.signature, plaintext);
        if (!s.ok()) {
          FuzzCheck(
              std::all_of(plaintext.begin(), plaintext.end(), [](uint8_t b) { return b == 0; }),
              "session: a rejected Unseal left plaintext behind");
        }
        in_step = false;
        break;
      }
      case 2: {
        SplitMessage m = Split(payload);
        Bytes buffer(m.body.begin(), m.body.end());
        const size_t a = buffer.empty()       ? 0
                         : payload.size() > 0 ? payload[0] % (buffer.size() + 1)
                                              : 0;
        const size_t b = buffer.empty()
                             ? 0
                             : a + (payload.size() > 1 ? payload[1] : 0) % (buffer.size() - a + 1);
        MutableByteSpan all(buffer);
        std::array<ssp::WrapBuffer, 3> buffers = {
            ssp::WrapBuffer::SignOnly(all.first(a)),
            ssp::WrapBuffer::EncryptInPlace(all.subspan(a, b - a)),
            ssp::WrapBuffer::SignOnly(all.subspan(b)),
        };
        ssp::Status s = us.UnsealEx(buffers, m.signature);
        if (!s.ok()) {
          // Refused before decrypting (not negotiated, out of sequence): the
          // received bytes are untouched; refused after: wiped.
          ByteSpan stub = all.subspan(a, b - a);
          ByteSpan received = m.body.subspan(a, b - a);
          FuzzCheck(std::all_of(stub.begin(), stub.end(), [](uint8_t x) { return x == 0; }) ||
                        std::equal(stub.begin(), stub.end(), received.begin(), received.end()),
                    "session: a rejected UnsealEx left plaintext behind");
        }
        in_step = false;
        break;
      }
      case 3: {
        std::array<uint8_t, ssp::kMessageSignatureSize> signature{};
        if (!peer.Sign(payload, signature).ok()) break;
        ssp::Status s = us.Verify(payload, signature);
        if (in_step) FuzzCheck(s.ok(), "session: a genuine signature did not verify");
        if (!s.ok()) in_step = false;
        break;
      }
      case 4: {
        std::array<uint8_t, ssp::kMessageSignatureSize> signature{};
        Bytes ciphertext(payload.size());
        if (!peer.Seal(payload, ciphertext, signature).ok()) break;
        Bytes plaintext(ciphertext.size());
        ssp::Status s = us.Unseal(ciphertext, signature, plaintext);
        if (in_step) {
          FuzzCheck(s.ok(), "session: a genuine sealed message did not unseal");
          FuzzCheck(std::equal(plaintext.begin(), plaintext.end(), payload.begin(), payload.end()),
                    "session: unsealed plaintext differs from what was sealed");
        }
        if (!s.ok()) in_step = false;
        break;
      }
      default:
        us.ResetSealingState();
        peer.ResetSealingState();
        break;
    }
  }
  return 0;
}

}  // namespace ntlm::fuzz
