// session_security.cc: MS-NLMP 3.4 session security. See the header for the
// decisions (availability, check order, RC4 state after a rejected message).
#include "ssp/session_security.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "crypto/crc32.h"
#include "ssp/flags.h"

namespace ntlm::ssp {
namespace {

// NTLMSSP_MESSAGE_SIGNATURE layout (2.2.2.9.1 / 2.2.2.9.2): Version(4) at 0;
// with ESS Checksum(8) at 4; without ESS RandomPad(4) at 4, Checksum(4) at 8;
// SeqNum(4) at 12.
constexpr size_t kSeqNumOffset = 12;
constexpr uint32_t kSignatureVersion = 1;
constexpr uint64_t kSeqNumLimit = uint64_t{1} << 32;

void PutLe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

uint32_t GetLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

// [begin, end) of a span as integers, so unrelated buffers can be compared.
bool Overlap(ByteSpan a, ByteSpan b) {
  if (a.empty() || b.empty()) return false;
  const auto a0 = reinterpret_cast<uintptr_t>(a.data());
  const auto b0 = reinterpret_cast<uintptr_t>(b.data());
  return a0 < b0 + b.size() && b0 < a0 + a.size();
}

std::string Hex32(uint32_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(8, '0');
  for (size_t i = 8; i-- > 0; v >>= 4) s[i] = kHex[v & 0xf];
  return s;
}

bool SameRange(ByteSpan a, ByteSpan b) { return a.data() == b.data() && a.size() == b.size(); }

// Checks sizes and aliasing of GSS_WrapEx buffers before any state is touched.
Status CheckBuffers(std::span<const WrapBuffer> buffers, bool& any_encrypt) {
  any_encrypt = false;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const WrapBuffer& b = buffers[i];
    if (!b.encrypt) continue;
    any_encrypt = true;
    if (b.output.size() != b.data.size()) {
      return MakeError(SecStatus::kInvalidParameter,
                       "session security: buffer " + std::to_string(i) + " output has " +
                           std::to_string(b.output.size()) + " bytes for " +
                           std::to_string(b.data.size()) + " input bytes");
    }
    const ByteSpan out(b.output.data(), b.output.size());
    if (!SameRange(out, b.data) && Overlap(out, b.data)) {
      return MakeError(SecStatus::kInvalidParameter,
                       "session security: buffer " + std::to_string(i) +
                           " output partially overlaps its input (must be the same range or "
                           "disjoint)");
    }
    for (size_t j = 0; j < buffers.size(); ++j) {
      if (j == i) continue;
      const WrapBuffer& o = buffers[j];
      const bool clash = Overlap(out, o.data) ||
                         (o.encrypt && Overlap(out, ByteSpan(o.output.data(), o.output.size())));
      if (clash) {
        return MakeError(SecStatus::kInvalidParameter,
                         "session security: buffer " + std::to_string(i) +
                             " output overlaps buffer " + std::to_string(j));
      }
    }
  }
  return Status::Ok();
}

// RC4 over one buffer; an empty buffer uses no keystream.
void Rc4Buffer(crypto::Rc4State& rc4, ByteSpan in, MutableByteSpan out) {
  if (!in.empty()) rc4.Apply(in.data(), out.data(), in.size());
}

// The plaintext of a buffer during UNSEAL: encrypt buffers were decrypted into
// `output`.
ByteSpan PlaintextOf(const WrapBuffer& b) {
  return b.encrypt ? ByteSpan(b.output.data(), b.output.size()) : b.data;
}

void WipeOutputs(std::span<const WrapBuffer> buffers) {
  for (const WrapBuffer& b : buffers) {
    if (b.encrypt) crypto::SecureZero(b.output);
  }
}

constexpr std::array<uint8_t, kMessageSignatureSize> kDummySignature = {1, 0, 0, 0, 0, 0, 0, 0,
                                                                        0, 0, 0, 0, 0, 0, 0, 0};

}  // namespace

SessionSecurity::SessionSecurity(uint32_t negotiated_flags,
                                 const crypto::Key16& exported_session_key, bool is_server,
                                 Options options)
    : flags_(negotiated_flags),
      options_(options),
      ess_((negotiated_flags & kNegotiateExtendedSessionSecurity) != 0),
      key_exch_((negotiated_flags & kNegotiateKeyExch) != 0),
      keys_(DeriveSessionKeys(negotiated_flags, exported_session_key, is_server)) {
  // SIGNKEY exists only with ESS (3.4.5.2); the keyed HMAC states are
  // precomputed once here.
  if (ess_ && keys_.has_sign_keys) {
    out_.mac.SetKey(keys_.sign_out.data(), keys_.sign_out.size());
    in_.mac.SetKey(keys_.sign_in.data(), keys_.sign_in.size());
    out_.has_mac = true;
    in_.has_mac = true;
  }
  ResetSealingState(Handle::kBoth);
}

SessionSecurity::~SessionSecurity() = default;
SessionSecurity::SessionSecurity(SessionSecurity&&) noexcept = default;
SessionSecurity& SessionSecurity::operator=(SessionSecurity&&) noexcept = default;

bool SessionSecurity::can_sign() const {
  return (flags_ & (kNegotiateSign | kNegotiateSeal)) != 0 && (flags_ & kNegotiateDatagram) == 0;
}

bool SessionSecurity::can_seal() const {
  return ((flags_ & kNegotiateSeal) != 0 || options_.allow_seal_without_negotiation) &&
         (flags_ & kNegotiateDatagram) == 0;
}

uint32_t SessionSecurity::outbound_sequence() const {
  return static_cast<uint32_t>(outbound().seq);
}

uint32_t SessionSecurity::inbound_sequence() const { return static_cast<uint32_t>(inbound().seq); }

bool SessionSecurity::dummy_signing() const {
  return (flags_ & (kNegotiateSign | kNegotiateSeal)) == 0 &&
         (flags_ & kNegotiateAlwaysSign) != 0 && (flags_ & kNegotiateDatagram) == 0;
}

void SessionSecurity::ResetSealingState(Handle which) {
  // RC4Init(Handle, SealingKey) with the key length SEALKEY returned (3.4.5.3).
  if (!ess_ || which != Handle::kInbound) {
    out_.rc4.SetKey(keys_.seal_out.data(), keys_.seal_out_len);
    out_.failed = false;
  }
  if (ess_ && which != Handle::kOutbound) {
    in_.rc4.SetKey(keys_.seal_in.data(), keys_.seal_in_len);
    in_.failed = false;
  }
}

Status SessionSecurity::CheckNegotiated(bool need_seal, bool is_inbound) const {
  if ((flags_ & kNegotiateDatagram) != 0) {
    return MakeError(SecStatus::kUnsupportedFunction,
                     "session security: NTLMSSP_NEGOTIATE_DATAGRAM (connectionless mode, "
                     "MS-NLMP 3.4) is not supported");
  }
  if (need_seal && !can_seal()) {
    return MakeError(SecStatus::kUnsupportedFunction,
                     "session security: NTLMSSP_NEGOTIATE_SEAL was not negotiated (flags 0x" +
                         Hex32(flags_) + ")");
  }
  if (!need_seal && !can_sign()) {
    return MakeError(SecStatus::kUnsupportedFunction,
                     "session security: neither NTLMSSP_NEGOTIATE_SIGN, _SEAL nor _ALWAYS_SIGN "
                     "was negotiated");
  }
  const Channel& ch = is_inbound ? inbound() : outbound();
  if (ch.failed) {
    return MakeError(ch.failed_status,
                     std::string("session security: the ") + (is_inbound ? "inbound" : "outbound") +
                         " RC4 sealing handle is unusable: an earlier message was rejected after "
                         "its keystream was consumed (" +
                         StatusName(ch.failed_status) + "); the context must be discarded");
  }
  if (ch.seq >= kSeqNumLimit) {
    return MakeError(SecStatus::kInternalError,
                     "session security: 2^32 sequence numbers used; re-authenticate");
  }
  return Status::Ok();
}

void SessionSecurity::MarkFailed(Channel& channel, SecStatus status) {
  channel.failed = true;
  channel.failed_status = status;
}

Status SessionSecurity::Sign(ByteSpan message, SignatureOut signature_out) {
  const WrapBuffer buffer = WrapBuffer::SignOnly(message);
  return SealEx(std::span<const WrapBuffer>(&buffer, 1), signature_out);
}

Status SessionSecurity::Verify(ByteSpan message, SignatureIn signature) {
  const WrapBuffer buffer = WrapBuffer::SignOnly(message);
  return UnsealEx(std::span<const WrapBuffer>(&buffer, 1), signature);
}

Status SessionSecurity::Seal(ByteSpan plaintext, MutableByteSpan ciphertext_out,
                             SignatureOut signature_out) {
  const WrapBuffer buffer = WrapBuffer::Encrypt(plaintext, ciphertext_out);
  return SealEx(std::span<const WrapBuffer>(&buffer, 1), signature_out);
}

Status SessionSecurity::Unseal(ByteSpan ciphertext, SignatureIn signature,
                               MutableByteSpan plaintext_out) {
  const WrapBuffer buffer = WrapBuffer::Encrypt(ciphertext, plaintext_out);
  return UnsealEx(std::span<const WrapBuffer>(&buffer, 1), signature);
}

Status SessionSecurity::SealEx(std::span<const WrapBuffer> buffers, SignatureOut signature_out) {
  bool any_encrypt = false;
  if (Status s = CheckBuffers(buffers, any_encrypt); !s) return s;
  if (!any_encrypt && dummy_signing()) {
    // ALWAYS_SIGN without SIGN/SEAL: 01000000 || Z(12), no SeqNum consumed.
    std::memcpy(signature_out.data(), kDummySignature.data(), kDummySignature.size());
    return Status::Ok();
  }
  if (Status s = CheckNegotiated(any_encrypt, /*is_inbound=*/false); !s) return s;
  return Protect(buffers, signature_out);
}

Status SessionSecurity::UnsealEx(std::span<const WrapBuffer> buffers, SignatureIn signature) {
  bool any_encrypt = false;
  if (Status s = CheckBuffers(buffers, any_encrypt); !s) return s;
  if (!any_encrypt && dummy_signing()) {
    if (!crypto::ConstantTimeEqual(ByteSpan(signature), ByteSpan(kDummySignature))) {
      return MakeError(SecStatus::kMessageAltered,
                       "NTLMSSP_MESSAGE_SIGNATURE: not the ALWAYS_SIGN dummy signature "
                       "01000000 followed by 12 zero bytes (neither SIGN nor SEAL negotiated)");
    }
    return Status::Ok();
  }
  if (Status s = CheckNegotiated(any_encrypt, /*is_inbound=*/true); !s) return s;
  return Unprotect(buffers, signature);
}

// SEAL (3.4.3) / MAC (3.4.4): checksum over the plaintext, RC4 over the
// encrypt buffers in order, then RC4 over the checksum (and, without ESS, the
// RandomPad and SeqNum) from the same handle.
Status SessionSecurity::Protect(std::span<const WrapBuffer> buffers, SignatureOut signature_out) {
  Channel& ch = outbound();
  const uint32_t seq = static_cast<uint32_t>(ch.seq);
  std::array<uint8_t, 4> seq_le;
  PutLe32(seq_le.data(), seq);
  std::array<uint8_t, kMessageSignatureSize> sig{};
  PutLe32(sig.data(), kSignatureVersion);

  if (ess_) {
    // 3.4.4.2: HMAC_MD5(SigningKey, SeqNum || Message)[0..7], and RC4 over
    // the encrypt buffers in order: one stitched pass per encrypt buffer
    // (MD5 reads each block before RC4 overwrites it, so in-place buffers
    // are hashed as plaintext), then RC4 over the checksum.
    if (!ch.has_mac) {
      return MakeError(SecStatus::kInternalError, "session security: no signing key (ESS)");
    }
    crypto::Md5Stream md5;
    ch.mac.Begin(md5);
    md5.Update(seq_le.data(), seq_le.size());
    for (const WrapBuffer& b : buffers) {
      if (b.data.empty()) continue;
      if (b.encrypt) {
        crypto::Md5ThenRc4Update(md5, ch.rc4, b.data.data(), b.output.data(), b.data.size());
      } else {
        md5.Update(b.data.data(), b.data.size());
      }
    }
    // With KEY_EXCH the checksum is RC4(SealingHandle, Checksum): its 8
    // keystream bytes do not depend on the MAC, so they are drawn before the
    // MAC's last two MD5 blocks and the core overlaps the two.
    std::array<uint8_t, 8> checksum_keystream{};
    if (key_exch_) ch.rc4.Apply(checksum_keystream.data(), checksum_keystream.data(), 8);
    std::array<uint8_t, 16> digest;
    ch.mac.Finish(md5, digest.data());
    for (size_t i = 0; i < 8; ++i) sig[4 + i] = digest[i] ^ checksum_keystream[i];
    std::memcpy(sig.data() + kSeqNumOffset, seq_le.data(), 4);
  } else {
    // 3.4.4.1: CRC32 over the buffers with sign == TRUE (3.4.6.1).
    uint32_t crc = 0;
    for (const WrapBuffer& b : buffers) {
      if (b.sign && !b.data.empty()) crc = crypto::Crc32(b.data, crc);
    }
    for (const WrapBuffer& b : buffers) {
      if (b.encrypt) Rc4Buffer(ch.rc4, b.data, b.output);
    }
    // RandomPad (0), Checksum and SeqNum (0) through the handle, then
    // SeqNum ^= counter; RandomPad is then set to 0 (see the header).
    std::array<uint8_t, 12> block{};
    PutLe32(block.data() + 4, crc);
    ch.rc4.Apply(block.data(), block.data(), block.size());
    if (options_.emit_encrypted_random_pad) std::memcpy(sig.data() + 4, block.data(), 4);
    std::memcpy(sig.data() + 8, block.data() + 4, 4);
    PutLe32(sig.data() + kSeqNumOffset, GetLe32(block.data() + 8) ^ seq);
  }
  std::memcpy(signature_out.data(), sig.data(), sig.size());
  ++ch.seq;
  return Status::Ok();
}

// UNSEAL (3.4.3) / VERIFY: SeqNum first, then Version and Checksum.
Status SessionSecurity::Unprotect(std::span<const WrapBuffer> buffers, SignatureIn signature) {
  Channel& ch = inbound();
  const uint32_t expected = static_cast<uint32_t>(ch.seq);
  bool consumed = false;   // RC4 keystream used: a failure leaves the handle out of step
  bool decrypted = false;  // outputs hold unauthenticated plaintext
  auto fail = [&](SecStatus status, std::string reason) -> Status {
    if (decrypted) WipeOutputs(buffers);
    if (consumed) MarkFailed(ch, status);
    return MakeError(status, std::move(reason));
  };
  auto out_of_sequence = [&](uint32_t got) -> Status {
    return fail(SecStatus::kOutOfSequence, "NTLMSSP_MESSAGE_SIGNATURE: SeqNum " +
                                               std::to_string(got) + ", expected " +
                                               std::to_string(expected) + " (MS-NLMP 3.4.4)");
  };
  auto decrypt = [&]() {
    decrypted = true;
    for (const WrapBuffer& b : buffers) {
      if (!b.encrypt || b.data.empty()) continue;
      consumed = true;
      Rc4Buffer(ch.rc4, b.data, b.output);
    }
  };
  const bool version_ok = GetLe32(signature.data()) == kSignatureVersion;
  bool checksum_ok = false;

  if (ess_) {
    // The SeqNum is in the clear with ESS: check it before any RC4 byte is
    // used, so a replayed or reordered message leaves the context intact.
    const uint32_t got = GetLe32(signature.data() + kSeqNumOffset);
    if (got != expected) return out_of_sequence(got);
    if (!ch.has_mac) {
      return MakeError(SecStatus::kInternalError, "session security: no signing key (ESS)");
    }
    // RC4 over each encrypt buffer stitched with the MAC over the plaintext
    // it produces (crypto::Rc4ThenMd5Update), buffers in order.
    std::array<uint8_t, 4> seq_le;
    PutLe32(seq_le.data(), expected);
    crypto::Md5Stream md5;
    ch.mac.Begin(md5);
    md5.Update(seq_le.data(), seq_le.size());
    decrypted = true;
    for (const WrapBuffer& b : buffers) {
      if (b.data.empty()) continue;
      if (b.encrypt) {
        consumed = true;
        crypto::Rc4ThenMd5Update(md5, ch.rc4, b.data.data(), b.output.data(), b.data.size());
      } else {
        md5.Update(b.data.data(), b.data.size());
      }
    }
    // The checksum's keystream first (independent of the MAC; see Protect).
    std::array<uint8_t, 8> checksum_keystream{};
    if (key_exch_) {
      consumed = true;
      ch.rc4.Apply(checksum_keystream.data(), checksum_keystream.data(), 8);
    }
    std::array<uint8_t, 16> digest;
    ch.mac.Finish(md5, digest.data());
    for (size_t i = 0; i < 8; ++i) digest[i] ^= checksum_keystream[i];
    checksum_ok =
        crypto::ConstantTimeEqual(ByteSpan(digest.data(), 8), ByteSpan(signature.data() + 4, 8));
  } else {
    // Without ESS the SeqNum is encrypted behind the data and the checksum:
    // the whole keystream must be produced before it can be read.
    decrypt();
    std::array<uint8_t, 12> keystream{};
    consumed = true;
    ch.rc4.Apply(keystream.data(), keystream.data(), keystream.size());
    const uint32_t got = GetLe32(signature.data() + kSeqNumOffset) ^ GetLe32(keystream.data() + 8);
    if (got != expected) return out_of_sequence(got);
    uint32_t crc = 0;
    for (const WrapBuffer& b : buffers) {
      if (b.sign && !b.data.empty()) crc = crypto::Crc32(PlaintextOf(b), crc);
    }
    // RandomPad (bytes 4..7) is ignored: it is 0 or RC4(RandomPad) depending
    // on the sender (3.4.4.1 vs the 4.2.2.4 example).
    std::array<uint8_t, 4> mine;
    std::array<uint8_t, 4> theirs;
    PutLe32(mine.data(), crc);
    PutLe32(theirs.data(), GetLe32(signature.data() + 8) ^ GetLe32(keystream.data() + 4));
    checksum_ok = crypto::ConstantTimeEqual(mine, theirs);
  }
  if (!version_ok || !checksum_ok) {
    return fail(SecStatus::kMessageAltered,
                version_ok ? "NTLMSSP_MESSAGE_SIGNATURE: Checksum does not match the message "
                             "(MS-NLMP 3.4.4)"
                           : "NTLMSSP_MESSAGE_SIGNATURE: Version is not 1 (MS-NLMP 2.2.2.9)");
  }
  ++ch.seq;
  return Status::Ok();
}

}  // namespace ntlm::ssp
