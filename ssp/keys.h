// keys.h: NTLM key math (MS-NLMP 3.3 and 3.4.5).
//
// Pure functions over bytes: one-way functions, challenge responses, session
// base keys, KXKEY, the EncryptedRandomSessionKey exchange, SIGNKEY/SEALKEY,
// and the MIC. Every secret result is a crypto::SecretArray / SecretBuffer.
// Section numbers refer to [MS-NLMP].
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "ssp/status.h"

namespace ntlm::ssp {

using crypto::Key16;
using Challenge8 = std::array<uint8_t, 8>;

// --- One-way functions (3.3.1, 3.3.2) ------------------------------------
// NTOWFv1 = MD4(UNICODE(Passwd)). Password is UTF-8.
Result<Key16> NtOwfV1(std::string_view password);
// LMOWFv1 = DES(UpperCase(Passwd) as OEM, zero-padded to 14, "KGS!@#$%") halves; longer
// than 14 characters: an error (3.3.1: no LM hash). Characters
// outside OEM (Latin-1) make LM impossible: an error, as Windows stores no LM hash.
Result<Key16> LmOwfV1(std::string_view password);
// NTOWFv2 = HMAC_MD5(NTOWFv1, UNICODE(Upper(User) || UserDom)).
Result<Key16> NtOwfV2(const Key16& nt_owf_v1, std::string_view user, std::string_view domain);

// --- Responses ------------------------------------------------------------
// DESL(K, D) (6 "DESL"): 24-byte response of three DES blocks.
std::array<uint8_t, 24> Desl(const Key16& key, std::span<const uint8_t, 8> data);
// LM / NTLMv1 responses: DESL(LMOWFv1|NTOWFv1, ServerChallenge) (3.3.1).
std::array<uint8_t, 24> NtlmV1Response(const Key16& nt_owf_v1, const Challenge8& server_challenge);
std::array<uint8_t, 24> LmV1Response(const Key16& lm_owf_v1, const Challenge8& server_challenge);
// NTLMv1 with ESS (3.3.1): NT = DESL(NTOWFv1, MD5(SC || CC)[0..7]),
// LM = CC || Z(16).
std::array<uint8_t, 24> NtlmV1EssResponse(const Key16& nt_owf_v1,
                                          const Challenge8& server_challenge,
                                          const Challenge8& client_challenge);
std::array<uint8_t, 24> LmV1EssResponse(const Challenge8& client_challenge);
// SessionBaseKey for NTLMv1 (with or without ESS) = MD4(NTOWFv1).
Key16 NtlmV1SessionBaseKey(const Key16& nt_owf_v1);

// NTLMv2 (3.3.2). `temp` is the client challenge blob that follows NTProofStr
// in the NT response: RespType 1, HiRespType 1, Z(6), Time, ClientChallenge,
// Z(4), ServerName (AV pairs), Z(4).
Bytes NtlmV2Temp(uint64_t timestamp, const Challenge8& client_challenge,
                 ByteSpan server_name_av_pairs);
// NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge || temp).
std::array<uint8_t, 16> NtProofStr(const Key16& response_key_nt, const Challenge8& server_challenge,
                                   ByteSpan temp);
// NtChallengeResponse = NTProofStr || temp. (Named Compute* because ssp/ntlmv2_response.h has the
// struct NtlmV2Response.)
Bytes ComputeNtlmV2Response(const Key16& response_key_nt, const Challenge8& server_challenge,
                            ByteSpan temp);
// LMv2 = HMAC_MD5(ResponseKeyLM, SC || CC) || CC (24 bytes).
std::array<uint8_t, 24> LmV2Response(const Key16& response_key_lm,
                                     const Challenge8& server_challenge,
                                     const Challenge8& client_challenge);
// SessionBaseKey for NTLMv2 = HMAC_MD5(ResponseKeyNT, NTProofStr).
Key16 NtlmV2SessionBaseKey(const Key16& response_key_nt, std::span<const uint8_t, 16> nt_proof_str);

// --- Key exchange (3.4.5.1, 3.2.5.1.2) -------------------------------------
// KXKEY for every flag combination: NTLMv2 -> SessionBaseKey; NTLMv1 with ESS
// -> HMAC_MD5(SBK, SC || LmChallengeResponse[0..7]); NTLMv1 without ESS:
// LM_KEY -> DES-based key; REQUEST_NON_NT_SESSION_KEY -> LMOWFv1[0..7] || Z(8);
// else SBK. `is_ntlmv2` selects the NTLMv2 rule. `lm_response` must hold at
// least 8 bytes when ESS or LM_KEY is in `flags`.
Result<Key16> KeyExchangeKey(uint32_t flags, bool is_ntlmv2, const Key16& session_base_key,
                             ByteSpan lm_response, const Key16& lm_owf_v1,
                             const Challenge8& server_challenge);
// EncryptedRandomSessionKey = RC4K(KXKEY, ExportedSessionKey) and back.
Key16 EncryptRandomSessionKey(const Key16& key_exchange_key, const Key16& random_session_key);
Key16 DecryptRandomSessionKey(const Key16& key_exchange_key,
                              std::span<const uint8_t, 16> encrypted);
// ExportedSessionKey: RC4K(KXKEY, EncryptedRandomSessionKey) only when
// KEY_EXCH and (SIGN or SEAL) were negotiated, else KXKEY (3.2.5.1.2).
// An EncryptedRandomSessionKey that is not 16 bytes when it is used is an
// error (SEC_E_INVALID_TOKEN).
Result<Key16> ExportedSessionKey(uint32_t flags, const Key16& key_exchange_key,
                                 ByteSpan encrypted_random_session_key);

// --- Session keys (3.4.5.2, 3.4.5.3) --------------------------------------
enum class Direction { kClientToServer, kServerToClient };
// SIGNKEY: MD5(key || magic) with ESS; with no ESS there is no signing key
// (an all-zero Key16 and false is returned).
bool SignKey(uint32_t flags, const Key16& exported_session_key, Direction dir, Key16& out);
// SEALKEY with 128/56/40-bit weakening, with ESS (MD5 with the direction's
// magic) and without (LM_KEY or DATAGRAM: 56 -> key[0..6]||A0, 40 ->
// key[0..4]||E5 38 B0 (8 bytes); else the full key). Returns the key length
// actually used for RC4 (16 or 8) and writes the key into `out`.
size_t SealKey(uint32_t flags, const Key16& exported_session_key, Direction dir, Key16& out);

// The four keys of a context, from the point of view of one side.
struct SessionKeys {
  Key16 sign_out, sign_in;  // ESS only
  Key16 seal_out, seal_in;
  size_t seal_out_len = 16, seal_in_len = 16;
  bool has_sign_keys = false;
};
// `is_server` picks which direction is "out".
SessionKeys DeriveSessionKeys(uint32_t flags, const Key16& exported_session_key, bool is_server);

// --- MIC (3.2.5.1.2) -------------------------------------------------------
// HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE), where
// the AUTHENTICATE's 16 MIC bytes at `mic_offset` are taken as zero.
// An AUTHENTICATE shorter than mic_offset+16 is an error.
Result<std::array<uint8_t, 16>> ComputeMic(const Key16& exported_session_key, ByteSpan negotiate,
                                           ByteSpan challenge, ByteSpan authenticate,
                                           size_t mic_offset = 72);

}  // namespace ntlm::ssp
