// keys.cc: NTLM key math (MS-NLMP 3.3, 3.4.5, 6). See keys.h.
#include "ssp/keys.h"

#include <algorithm>
#include <string>

#include "crypto/des.h"
#include "crypto/md4.h"
#include "crypto/md5_block.h"
#include "crypto/rc4_md5_stitched.h"
#include "ssp/flags.h"
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

// The magic constants of 3.4.5.2 / 3.4.5.3. They are null-terminated ASCII
// strings and the terminating NUL is part of the hashed bytes, so the spans
// below use sizeof (which counts the NUL).
constexpr char kClientToServerSigning[] =
    "session key to client-to-server signing key magic constant";
constexpr char kServerToClientSigning[] =
    "session key to server-to-client signing key magic constant";
constexpr char kClientToServerSealing[] =
    "session key to client-to-server sealing key magic constant";
constexpr char kServerToClientSealing[] =
    "session key to server-to-client sealing key magic constant";

template <size_t N>
ByteSpan MagicSpan(const char (&magic)[N]) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(magic), N);  // N includes the NUL
}

// "KGS!@#$%", the LMOWFv1 plaintext (3.3.1).
constexpr std::array<uint8_t, 8> kLmMagic = {'K', 'G', 'S', '!', '@', '#', '$', '%'};

bool Has(uint32_t flags, uint32_t bit) { return (flags & bit) != 0; }

void Wipe(Bytes& bytes) { crypto::SecureZero(MutableByteSpan(bytes.data(), bytes.size())); }

// The MD5s and HMAC-MD5s of the handshake and the key derivation run on our
// inline MD5 (crypto/md5_block.h), as the session-security hot path does: no
// heap, no EVP dispatch, no provider context per digest (a server runs about
// 34 MD5 compressions per handshake, and OpenSSL's per-call set-up cost as
// much again). Bit-exact with OpenSSL's MD5 and HMAC-MD5
// (tests/ssp/stitched_seal_test.cc); keys_test checks every function here
// against reference::HmacMd5 / reference::Md5 (OpenSSL, reference/) and the
// MS-NLMP 4.2 vectors.

// HMAC_MD5(key, a || b) without building the concatenation.
void HmacMd5Concat(ByteSpan key, ByteSpan a, ByteSpan b, crypto::Out16 out) {
  crypto::HmacMd5Stream hmac(key.data(), key.size());
  hmac.Update(a.data(), a.size());
  hmac.Update(b.data(), b.size());
  hmac.Final(out.data());
}

// HMAC_MD5(key, data).
void HmacMd5Of(ByteSpan key, ByteSpan data, crypto::Out16 out) {
  crypto::HmacMd5Stream hmac(key.data(), key.size());
  hmac.Update(data.data(), data.size());
  hmac.Final(out.data());
}

// MD5(a || b): key || magic (3.4.5.2, 3.4.5.3), the NTLMv1-ESS challenges (3.3.1).
void Md5Concat(ByteSpan a, ByteSpan b, crypto::Out16 out) {
  crypto::Md5Stream md5;
  md5.Reset();
  md5.Update(a.data(), a.size());
  md5.Update(b.data(), b.size());
  md5.Final(out.data());
  md5.Wipe();
}

// RC4K(key, 16 bytes) with our inline RC4 (no EVP cipher context per call).
Key16 Rc4Key16(const Key16& key, std::span<const uint8_t, 16> data) {
  Key16 out;
  crypto::Rc4State rc4;  // wipes itself
  rc4.SetKey(key.data(), key.size());
  rc4.Apply(data.data(), out.data(), data.size());
  return out;
}

}  // namespace

// --- One-way functions ------------------------------------------------------

Result<Key16> NtOwfV1(std::string_view password) {
  Result<Bytes> unicode = Utf8ToUtf16Le(password);
  if (!unicode.ok()) {
    return Error{SecStatus::kInvalidParameter, "NTOWFv1: password: " + unicode.error().reason};
  }
  Key16 out;
  crypto::Md4(*unicode, out.span());
  Wipe(*unicode);
  return out;
}

Result<Key16> LmOwfV1(std::string_view password) {
  std::string upper = ToUpperUtf8(password);
  Result<Bytes> oem = Utf8ToOem(upper);
  crypto::SecureZero(MutableByteSpan(reinterpret_cast<uint8_t*>(upper.data()), upper.size()));
  if (!oem.ok()) {
    return Error{SecStatus::kInvalidParameter,
                 "LMOWFv1: upper-cased password is not representable in the OEM character set "
                 "(no LM hash exists for it): " +
                     oem.error().reason};
  }
  // MS-NLMP 3.3.1: LMOWFv1 cannot be computed for a password longer than 14
  // characters; Windows stores no LM hash for it, so no LM response verifies.
  if (oem->size() > 14) {
    Wipe(*oem);
    return Error{SecStatus::kInvalidParameter,
                 "LMOWFv1: password longer than 14 characters has no LM hash"};
  }
  // UpperCase(Passwd) as OEM, zero-padded to 14 bytes.
  crypto::SecretArray<14> key14;
  std::copy_n(oem->begin(), std::min<size_t>(oem->size(), 14), key14.data());
  Wipe(*oem);

  Key16 out;
  const std::span<const uint8_t, 14> k = key14.span();
  crypto::DesEncrypt56(k.first<7>(), kLmMagic, out.span().first<8>());
  crypto::DesEncrypt56(k.last<7>(), kLmMagic, out.span().last<8>());
  return out;
}

Result<Key16> NtOwfV2(const Key16& nt_owf_v1, std::string_view user, std::string_view domain) {
  // Only the user name is upper-cased; UserDom is used as given (3.3.2).
  std::string text = ToUpperUtf8(user);
  text.append(domain);
  Result<Bytes> unicode = Utf8ToUtf16Le(text);
  if (!unicode.ok()) {
    return Error{SecStatus::kInvalidParameter,
                 "NTOWFv2: user name or domain: " + unicode.error().reason};
  }
  Key16 out;
  HmacMd5Of(nt_owf_v1, *unicode, out.span());
  return out;
}

// --- Responses ----------------------------------------------------------------

std::array<uint8_t, 24> Desl(const Key16& key, std::span<const uint8_t, 8> data) {
  // K[0..6], K[7..13], K[14..15] || Z(5) (6 "DESL").
  crypto::SecretArray<21> keys;
  std::copy_n(key.data(), 16, keys.data());
  std::array<uint8_t, 24> out{};
  for (size_t i = 0; i < 3; ++i) {
    crypto::DesEncrypt56(std::span<const uint8_t, 7>(keys.data() + 7 * i, 7), data,
                         std::span<uint8_t, 8>(out.data() + 8 * i, 8));
  }
  return out;
}

std::array<uint8_t, 24> NtlmV1Response(const Key16& nt_owf_v1, const Challenge8& server_challenge) {
  return Desl(nt_owf_v1, server_challenge);
}

std::array<uint8_t, 24> LmV1Response(const Key16& lm_owf_v1, const Challenge8& server_challenge) {
  return Desl(lm_owf_v1, server_challenge);
}

std::array<uint8_t, 24> NtlmV1EssResponse(const Key16& nt_owf_v1,
                                          const Challenge8& server_challenge,
                                          const Challenge8& client_challenge) {
  std::array<uint8_t, 16> digest{};
  Md5Concat(server_challenge, client_challenge, digest);
  return Desl(nt_owf_v1, std::span<const uint8_t, 16>(digest).first<8>());
}

std::array<uint8_t, 24> LmV1EssResponse(const Challenge8& client_challenge) {
  std::array<uint8_t, 24> out{};
  std::copy(client_challenge.begin(), client_challenge.end(), out.begin());
  return out;
}

Key16 NtlmV1SessionBaseKey(const Key16& nt_owf_v1) {
  Key16 out;
  crypto::Md4(nt_owf_v1, out.span());
  return out;
}

Bytes NtlmV2Temp(uint64_t timestamp, const Challenge8& client_challenge,
                 ByteSpan server_name_av_pairs) {
  Bytes temp;
  temp.reserve(28 + server_name_av_pairs.size() + 4);
  temp.push_back(0x01);              // RespType
  temp.push_back(0x01);              // HiRespType
  temp.insert(temp.end(), 6, 0x00);  // Z(6)
  for (int i = 0; i < 8; ++i) {      // Time, little-endian FILETIME
    temp.push_back(static_cast<uint8_t>(timestamp >> (8 * i)));
  }
  temp.insert(temp.end(), client_challenge.begin(), client_challenge.end());
  temp.insert(temp.end(), 4, 0x00);  // Z(4)
  temp.insert(temp.end(), server_name_av_pairs.begin(), server_name_av_pairs.end());
  temp.insert(temp.end(), 4, 0x00);  // Z(4)
  return temp;
}

std::array<uint8_t, 16> NtProofStr(const Key16& response_key_nt, const Challenge8& server_challenge,
                                   ByteSpan temp) {
  std::array<uint8_t, 16> out{};
  HmacMd5Concat(response_key_nt, server_challenge, temp, out);
  return out;
}

Bytes ComputeNtlmV2Response(const Key16& response_key_nt, const Challenge8& server_challenge,
                            ByteSpan temp) {
  const std::array<uint8_t, 16> proof = NtProofStr(response_key_nt, server_challenge, temp);
  Bytes out(proof.begin(), proof.end());
  out.insert(out.end(), temp.begin(), temp.end());
  return out;
}

std::array<uint8_t, 24> LmV2Response(const Key16& response_key_lm,
                                     const Challenge8& server_challenge,
                                     const Challenge8& client_challenge) {
  std::array<uint8_t, 24> out{};
  HmacMd5Concat(response_key_lm, server_challenge, client_challenge,
                std::span<uint8_t, 24>(out).first<16>());
  std::copy(client_challenge.begin(), client_challenge.end(), out.begin() + 16);
  return out;
}

Key16 NtlmV2SessionBaseKey(const Key16& response_key_nt,
                           std::span<const uint8_t, 16> nt_proof_str) {
  Key16 out;
  HmacMd5Of(response_key_nt, nt_proof_str, out.span());
  return out;
}

// --- Key exchange ---------------------------------------------------------------

Result<Key16> KeyExchangeKey(uint32_t flags, bool is_ntlmv2, const Key16& session_base_key,
                             ByteSpan lm_response, const Key16& lm_owf_v1,
                             const Challenge8& server_challenge) {
  if (is_ntlmv2) return session_base_key;  // 3.3.2: KXKEY = SessionBaseKey

  const bool ess = Has(flags, kNegotiateExtendedSessionSecurity);
  const bool lm_key = Has(flags, kNegotiateLmKey);
  if ((ess || lm_key) && lm_response.size() < 8) {
    return Error{SecStatus::kInvalidToken,
                 std::string("KXKEY: LmChallengeResponse is ") +
                     std::to_string(lm_response.size()) + " bytes, " +
                     (ess ? "extended session security" : "NTLMSSP_NEGOTIATE_LM_KEY") +
                     " needs at least 8"};
  }
  const ByteSpan lm8 = lm_response.first(std::min<size_t>(lm_response.size(), 8));

  Key16 out;
  if (ess) {
    // HMAC_MD5(SessionBaseKey, ServerChallenge || LmChallengeResponse[0..7]).
    HmacMd5Concat(session_base_key, server_challenge, lm8, out.span());
  } else if (lm_key) {
    // DES(LMOWF[0..6], LM[0..7]) || DES(LMOWF[7] || 0xBDBDBDBDBDBD, LM[0..7]).
    const std::span<const uint8_t, 8> block(lm8.data(), 8);
    crypto::DesEncrypt56(lm_owf_v1.span().first<7>(), block, out.span().first<8>());
    crypto::SecretArray<7> second;
    second[0] = lm_owf_v1[7];
    std::fill_n(second.data() + 1, 6, uint8_t{0xBD});
    crypto::DesEncrypt56(second.span(), block, out.span().last<8>());
  } else if (Has(flags, kRequestNonNtSessionKey)) {
    // LMOWF[0..7] || Z(8).
    std::copy_n(lm_owf_v1.data(), 8, out.data());
  } else {
    out = session_base_key;
  }
  return out;
}

Key16 EncryptRandomSessionKey(const Key16& key_exchange_key, const Key16& random_session_key) {
  return Rc4Key16(key_exchange_key, random_session_key.span());
}

Key16 DecryptRandomSessionKey(const Key16& key_exchange_key,
                              std::span<const uint8_t, 16> encrypted) {
  return Rc4Key16(key_exchange_key, encrypted);
}

Result<Key16> ExportedSessionKey(uint32_t flags, const Key16& key_exchange_key,
                                 ByteSpan encrypted_random_session_key) {
  if (!KeyExchangeInEffect(flags)) return key_exchange_key;
  if (encrypted_random_session_key.size() != 16) {
    return Error{SecStatus::kInvalidToken,
                 "AUTHENTICATE: EncryptedRandomSessionKey is " +
                     std::to_string(encrypted_random_session_key.size()) +
                     " bytes, expected 16 (NTLMSSP_NEGOTIATE_KEY_EXCH was negotiated)"};
  }
  return DecryptRandomSessionKey(
      key_exchange_key, std::span<const uint8_t, 16>(encrypted_random_session_key.data(), 16));
}

// --- Session keys -----------------------------------------------------------------

bool SignKey(uint32_t flags, const Key16& exported_session_key, Direction dir, Key16& out) {
  if (!Has(flags, kNegotiateExtendedSessionSecurity)) {
    out.Wipe();
    return false;
  }
  Md5Concat(exported_session_key,
            dir == Direction::kClientToServer ? MagicSpan(kClientToServerSigning)
                                              : MagicSpan(kServerToClientSigning),
            out.span());
  return true;
}

size_t SealKey(uint32_t flags, const Key16& exported_session_key, Direction dir, Key16& out) {
  if (Has(flags, kNegotiateExtendedSessionSecurity)) {
    size_t len = 5;  // 40-bit
    if (Has(flags, kNegotiate128)) {
      len = 16;
    } else if (Has(flags, kNegotiate56)) {
      len = 7;
    }
    // Hash into a temporary: `out` may alias `exported_session_key`.
    Key16 key;
    Md5Concat(ByteSpan(exported_session_key.data(), len),
              dir == Direction::kClientToServer ? MagicSpan(kClientToServerSealing)
                                                : MagicSpan(kServerToClientSealing),
              key.span());
    out = key;
    return 16;
  }
  if (Has(flags, kNegotiateLmKey) || Has(flags, kNegotiateDatagram)) {
    // 64-bit value holding 56 or 40 bits of entropy.
    Key16 key;
    if (Has(flags, kNegotiate56)) {
      std::copy_n(exported_session_key.data(), 7, key.data());
      key[7] = 0xA0;
    } else {
      std::copy_n(exported_session_key.data(), 5, key.data());
      key[5] = 0xE5;
      key[6] = 0x38;
      key[7] = 0xB0;
    }
    out = key;
    return 8;
  }
  out = exported_session_key;
  return 16;
}

SessionKeys DeriveSessionKeys(uint32_t flags, const Key16& exported_session_key, bool is_server) {
  const Direction out_dir = is_server ? Direction::kServerToClient : Direction::kClientToServer;
  const Direction in_dir = is_server ? Direction::kClientToServer : Direction::kServerToClient;
  SessionKeys keys;
  keys.has_sign_keys = SignKey(flags, exported_session_key, out_dir, keys.sign_out);
  SignKey(flags, exported_session_key, in_dir, keys.sign_in);
  // Without ESS SEALKEY ignores the direction, so both keys come out equal
  // (3.4: one key, half-duplex).
  keys.seal_out_len = SealKey(flags, exported_session_key, out_dir, keys.seal_out);
  keys.seal_in_len = SealKey(flags, exported_session_key, in_dir, keys.seal_in);
  return keys;
}

// --- MIC ----------------------------------------------------------------------------

Result<std::array<uint8_t, 16>> ComputeMic(const Key16& exported_session_key, ByteSpan negotiate,
                                           ByteSpan challenge, ByteSpan authenticate,
                                           size_t mic_offset) {
  if (mic_offset > authenticate.size() || authenticate.size() - mic_offset < 16) {
    return Error{SecStatus::kInvalidToken, "AUTHENTICATE: MIC at offset " +
                                               std::to_string(mic_offset) +
                                               " + length 16 past end of token (" +
                                               std::to_string(authenticate.size()) + " bytes)"};
  }
  static constexpr std::array<uint8_t, 16> kZeroMic{};
  crypto::HmacMd5Stream hmac(exported_session_key.data(), exported_session_key.size());
  for (ByteSpan part : {negotiate, challenge, authenticate.first(mic_offset), ByteSpan(kZeroMic),
                        authenticate.subspan(mic_offset + 16)}) {
    hmac.Update(part.data(), part.size());
  }
  std::array<uint8_t, 16> mic{};
  hmac.Final(mic.data());
  return mic;
}

}  // namespace ntlm::ssp
