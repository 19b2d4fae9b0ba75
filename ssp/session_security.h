// session_security.h: NTLMSSP session security (MS-NLMP 3.4): MAC, SIGN,
// VERIFY, SEAL, UNSEAL and the GSS_WrapEx/GSS_UnwrapEx multi-buffer forms.
//
// One SessionSecurity object per established context and side. It is built
// once from the negotiated flags and the ExportedSessionKey (keys from
// ssp::DeriveSessionKeys, 3.4.5.2/3.4.5.3, derived once, never per message)
// and then keeps, per direction, the RC4 sealing handle (crypto::Rc4State),
// the keyed HMAC-MD5 states (crypto::HmacMd5Key, precomputed inner/outer
// pads) and the sequence number, all inline. With ESS a sealed message is one
// stitched pass (crypto/rc4_md5_stitched.h): MD5 over the plaintext and RC4
// over it interleaved, bit-exact with the sequential definition. The per-message functions allocate
// nothing on success (only an error's reason string is allocated): callers pass every input and
// output as spans.
//
// Connection-oriented mode only (3.4: "messages are assumed to be received in
// the order sent"). Two schemes, chosen by NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY:
//  - With ESS (3.4.4.2): per-direction signing key, sealing key, RC4 handle and
//    sequence number (both starting at 0). Checksum =
//    HMAC_MD5(SigningKey, SeqNum || message)[0..7], RC4-encrypted with the
//    direction's sealing handle only when NTLMSSP_NEGOTIATE_KEY_EXCH was
//    negotiated; the SeqNum field is in the clear.
//  - Without ESS (3.4.4.1): one sealing key, ONE RC4 handle and ONE sequence
//    counter shared by both directions ("half-duplex", 3.4): every message
//    produced or accepted by either side advances the same state, so both
//    peers must process the messages in the same global order. Checksum =
//    CRC32(message); RandomPad, Checksum and SeqNum are RC4-encrypted (SeqNum
//    as RC4(0) XOR SeqNum).
//
// Decisions (documented here because MS-NLMP leaves them open):
//  - Availability. Sign/Verify need NTLMSSP_NEGOTIATE_SIGN or _SEAL (sealing
//    implies a signature). With only NTLMSSP_NEGOTIATE_ALWAYS_SIGN, Sign()
//    emits the dummy signature 01000000 + Z(12) and Verify() accepts exactly
//    that (no sequence number is consumed). With none of the three both return
//    SEC_E_UNSUPPORTED_FUNCTION. Seal/Unseal (or any WrapBuffer with
//    encrypt == true) on a context without NTLMSSP_NEGOTIATE_SEAL return
//    SEC_E_UNSUPPORTED_FUNCTION unless Options::allow_seal_without_negotiation
//    (gss-ntlmssp accepts such data for interoperability; a reference server is
//    strict by default). NTLMSSP_NEGOTIATE_DATAGRAM (connectionless mode, per
//    message SealingKey' = MD5(SealingKey || SeqNum)) is not implemented:
//    every call returns SEC_E_UNSUPPORTED_FUNCTION.
//  - Check order on receive (as the transcript format requires): the
//    signature's SeqNum is compared with the expected one first
//    (SEC_E_OUT_OF_SEQUENCE), then Version and Checksum, in constant time
//    (SEC_E_MESSAGE_ALTERED). A rejected message never advances the sequence
//    number, and a failed Unseal wipes the plaintext it wrote.
//  - RC4 state after a rejected message. The RC4 handle (crypto::Rc4State)
//    is never rewound, so the implementation avoids touching it where it can
//    and is explicit where it cannot:
//      * With ESS the SeqNum is in the clear and is checked before any RC4
//        byte is used: a replayed, reordered or dropped message is rejected
//        with SEC_E_OUT_OF_SEQUENCE and the context stays fully usable (the
//        next in-order message is accepted). Likewise a bad checksum on a
//        context whose verification uses no RC4 (ESS, no KEY_EXCH, Verify).
//      * When the RC4 stream has been consumed by the rejected message (ESS
//        Unseal, ESS+KEY_EXCH Verify, every no-ESS receive since there the
//        SeqNum itself is encrypted), the receiving handle is out of step with
//        the sender and cannot be restored. That handle is then marked
//        failed: every later call that uses it returns the original status
//        (SEC_E_MESSAGE_ALTERED / SEC_E_OUT_OF_SEQUENCE) with a reason saying
//        the context is unusable. With ESS only the inbound direction fails
//        (outbound has its own handle); without ESS the single shared handle
//        makes the whole context fail. ResetSealingState() clears the mark.
//  - Without ESS, Sign/Seal write 0 into the RandomPad bytes 4..7, as the
//    3.4.4.1 pseudocode ends ("Set RandomPad to 0") and as Windows-tested
//    implementations do; Options::emit_encrypted_random_pad writes
//    RC4(RandomPad) instead, as the 4.2.2.4 example prints it and Samba
//    emits. Verify/Unseal ignore bytes 4..7 either way.
//  - Sequence numbers are 32-bit; after 2^32 messages in a direction the
//    context refuses further messages (SEC_E_INTERNAL_ERROR) instead of
//    wrapping to a SeqNum that was already used.
//
// Stable library API (find_package(ntlmssp) -> ntlmssp::ssp): the classes and
// members listed in docs/library.md keep their meaning within a minor version.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "crypto/bytes.h"
#include "crypto/md5_block.h"
#include "crypto/rc4_md5_stitched.h"
#include "crypto/secret.h"
#include "ssp/keys.h"
#include "ssp/status.h"

namespace ntlm::ssp {

// Size of NTLMSSP_MESSAGE_SIGNATURE (2.2.2.9), both forms.
inline constexpr size_t kMessageSignatureSize = 16;

using SignatureOut = std::span<uint8_t, kMessageSignatureSize>;
using SignatureIn = std::span<const uint8_t, kMessageSignatureSize>;

// One input buffer of GSS_WrapEx / GSS_UnwrapEx (MS-NLMP 3.4.6, 3.4.7).
//
// `data` is the buffer's bytes as passed in: plaintext for SealEx, the
// received bytes (ciphertext for encrypt buffers) for UnsealEx. For encrypt
// buffers the RC4 result is written to `output`, which must have data.size()
// bytes and either be exactly `data` (in place) or overlap no other buffer;
// `output` is ignored for the others.
//
// The checksum covers, in order, the plaintext of every buffer when ESS is
// negotiated, and only the buffers with sign == true without ESS (3.4.6.1:
// "sign==TRUE for NTLMv1 and all of the input data buffers for NTLMv2").
// RC4 is applied to the encrypt buffers only, in order, then to the checksum
// (3.4.3). A DCE/RPC PDU at auth level privacy is therefore
//   {SignOnly(header), EncryptInPlace(stub), SignOnly(sec_trailer)}.
struct WrapBuffer {
  ByteSpan data;
  MutableByteSpan output = {};
  bool encrypt = false;
  bool sign = true;

  // Covered by the checksum, not encrypted (SECBUFFER_READONLY_WITH_CHECKSUM).
  static WrapBuffer SignOnly(ByteSpan bytes) { return WrapBuffer{bytes, {}, false, true}; }
  // Neither encrypted nor, without ESS, checksummed (SECBUFFER_READONLY);
  // with ESS it is still covered by the checksum (3.4.6.1).
  static WrapBuffer ReadOnly(ByteSpan bytes) { return WrapBuffer{bytes, {}, false, false}; }
  // Encrypted from `in` into `out` and checksummed.
  static WrapBuffer Encrypt(ByteSpan in, MutableByteSpan out) {
    return WrapBuffer{in, out, true, true};
  }
  // Encrypted in place and checksummed.
  static WrapBuffer EncryptInPlace(MutableByteSpan bytes) {
    return WrapBuffer{bytes, bytes, true, true};
  }
};

// The NTLMSSP session security of one side of an established context
// (MS-NLMP 3.4). Not thread-safe: one caller at a time per object.
class SessionSecurity {
 public:
  // Interoperability switches; the defaults are the strict behaviour.
  struct Options {
    // Seal/Unseal even when NTLMSSP_NEGOTIATE_SEAL was not negotiated, with the
    // sealing key derived anyway (gss-ntlmssp behaviour, interop-pitfalls #14).
    bool allow_seal_without_negotiation = false;
    // Without ESS, emit RC4(RandomPad) in bytes 4..7 (the 4.2.2.4 example form)
    // instead of 0 (the 3.4.4.1 pseudocode form).
    bool emit_encrypted_random_pad = false;
  };

  // Which RC4 sealing handle(s) ResetSealingState() re-keys.
  enum class Handle { kOutbound, kInbound, kBoth };

  // `negotiated_flags`: the session's NegotiateFlags (the AUTHENTICATE's in
  // connection-oriented mode). `exported_session_key`: ExportedSessionKey
  // (3.2.5.1.2 / 3.1.5.1.2). `is_server` selects which of the client-to-server
  // / server-to-client keys are outbound. Derives every key once (3.4.5.2,
  // 3.4.5.3) and initialises the RC4 handles (RC4Init, 3.4.5.3 note).
  SessionSecurity(uint32_t negotiated_flags, const crypto::Key16& exported_session_key,
                  bool is_server, Options options);
  SessionSecurity(uint32_t negotiated_flags, const crypto::Key16& exported_session_key,
                  bool is_server)
      : SessionSecurity(negotiated_flags, exported_session_key, is_server, Options{}) {}
  ~SessionSecurity();
  SessionSecurity(SessionSecurity&&) noexcept;
  SessionSecurity& operator=(SessionSecurity&&) noexcept;
  SessionSecurity(const SessionSecurity&) = delete;
  SessionSecurity& operator=(const SessionSecurity&) = delete;

  // GSS_GetMIC (3.4.2, MAC in 3.4.4): writes the NTLMSSP_MESSAGE_SIGNATURE of
  // `message` and consumes one outbound sequence number (and, with KEY_EXCH or
  // without ESS, RC4 bytes of the outbound handle). ALWAYS_SIGN-only contexts
  // get the dummy signature.
  Status Sign(ByteSpan message, SignatureOut signature_out);

  // GSS_VerifyMIC (3.4.2, 3.4.4): SEC_E_OUT_OF_SEQUENCE when the SeqNum is not
  // the expected inbound one, SEC_E_MESSAGE_ALTERED when Version or Checksum
  // does not match. Consumes the inbound sequence number only on success.
  Status Verify(ByteSpan message, SignatureIn signature);

  // GSS_WrapEx with one buffer (SEAL, 3.4.3): ciphertext_out = RC4(plaintext)
  // (same size; may alias plaintext exactly), signature over the plaintext.
  Status Seal(ByteSpan plaintext, MutableByteSpan ciphertext_out, SignatureOut signature_out);

  // GSS_UnwrapEx with one buffer (UNSEAL, 3.4.3): plaintext_out =
  // RC4(ciphertext) (same size; may alias ciphertext exactly), then verified as
  // Verify() does. On failure plaintext_out is wiped.
  Status Unseal(ByteSpan ciphertext, SignatureIn signature, MutableByteSpan plaintext_out);

  // GSS_WrapEx with several buffers (3.4.6, 3.4.6.1): see WrapBuffer. With no
  // encrypt buffer it is Sign() over the checksummed buffers.
  Status SealEx(std::span<const WrapBuffer> buffers, SignatureOut signature_out);

  // GSS_UnwrapEx with several buffers (3.4.7): decrypts the encrypt buffers
  // into their `output`, then checks the signature over the plaintext as
  // Verify() does. On failure every `output` is wiped.
  Status UnsealEx(std::span<const WrapBuffer> buffers, SignatureIn signature);

  // Re-initialises the RC4 sealing handle(s) from the sealing keys (RC4Init),
  // as MS-SPNG 3.2.5.1 requires after the SPNEGO mechListMIC has been
  // produced or verified. Sequence numbers are left as they are (the
  // mechListMIC consumes one). Without ESS there is a single handle and
  // `which` is ignored. Also clears the failed mark of the re-keyed handle(s).
  void ResetSealingState(Handle which = Handle::kBoth);

  // The negotiated flags this object was built with.
  uint32_t flags() const { return flags_; }
  // NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY was negotiated (3.4.4.2 scheme).
  bool extended_session_security() const { return ess_; }
  // Sign/Verify produce real signatures (SIGN or SEAL negotiated).
  bool can_sign() const;
  // Seal/Unseal are allowed (SEAL negotiated, or the interop option).
  bool can_seal() const;
  // Next SeqNum that Sign/Seal will use, and that Verify/Unseal expect. Without
  // ESS both are the one shared counter.
  uint32_t outbound_sequence() const;
  uint32_t inbound_sequence() const;

 private:
  // ssp/seal_batch.cc seals many sessions' messages in one pass and needs
  // the channels; it runs the same checks (CheckNegotiated) first.
  friend class BatchSealer;

  // The state of one direction: SealingHandle, keyed MAC, SeqNum.
  struct Channel {
    crypto::Rc4State rc4;    // RC4 sealing handle
    crypto::HmacMd5Key mac;  // keyed with the SigningKey (ESS only)
    bool has_mac = false;    // mac is keyed
    uint64_t seq = 0;        // next SeqNum; < 2^32
    bool failed = false;     // RC4 out of step after a rejected message
    SecStatus failed_status = SecStatus::kOk;
  };

  // Without ESS both directions are `out_` (one handle, one counter, 3.4).
  Channel& outbound() { return out_; }
  Channel& inbound() { return ess_ ? in_ : out_; }
  const Channel& outbound() const { return out_; }
  const Channel& inbound() const { return ess_ ? in_ : out_; }

  bool dummy_signing() const;
  Status CheckNegotiated(bool need_seal, bool inbound) const;
  Status Protect(std::span<const WrapBuffer> buffers, SignatureOut signature_out);
  Status Unprotect(std::span<const WrapBuffer> buffers, SignatureIn signature);
  void MarkFailed(Channel& channel, SecStatus status);

  uint32_t flags_ = 0;
  Options options_;
  bool ess_ = false;
  bool key_exch_ = false;
  SessionKeys keys_;
  Channel out_;
  Channel in_;
};

}  // namespace ntlm::ssp
