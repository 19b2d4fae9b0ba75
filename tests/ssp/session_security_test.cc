// Tests for ssp::SessionSecurity (MS-NLMP 3.4): the MS-NLMP 4.2 GSS_WrapEx
// examples, recorded transcripts, and round trips for every flag profile.
#include "ssp/session_security.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "crypto/crc32.h"
#include "crypto/secret.h"
#include "reference/openssl_md5.h"
#include "reference/openssl_rc4.h"
#include "ssp/keys.h"
#include "ssp/status.h"
#include "ssp/text_encoding.h"

namespace ntlm::ssp {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Sig = std::array<uint8_t, kMessageSignatureSize>;

// NegotiateFlags (MS-NLMP 2.2.2.5).
constexpr uint32_t kUnicode = 0x00000001;
constexpr uint32_t kSign = 0x00000010;
constexpr uint32_t kSeal = 0x00000020;
constexpr uint32_t kDatagram = 0x00000040;
constexpr uint32_t kLmKey = 0x00000080;
constexpr uint32_t kNtlm = 0x00000200;
constexpr uint32_t kAlwaysSign = 0x00008000;
constexpr uint32_t kEss = 0x00080000;
constexpr uint32_t k128 = 0x20000000;
constexpr uint32_t kKeyExch = 0x40000000;
constexpr uint32_t k56 = 0x80000000;

// ---------------------------------------------------------------------------
// Helpers

Bytes Hex(std::string_view text) {
  std::string error;
  auto bytes = ssp::DecodeHex(text, error);
  EXPECT_TRUE(bytes.has_value()) << error << " in " << text;
  return bytes.value_or(Bytes{});
}

Bytes B64(std::string_view text) {
  std::string error;
  auto bytes = ssp::DecodeBase64(text, error);
  EXPECT_TRUE(bytes.has_value()) << error << " in " << text;
  return bytes.value_or(Bytes{});
}

std::string ToHex(ByteSpan bytes) { return ssp::EncodeHex(bytes); }

Key16 MakeKey(const Bytes& bytes) {
  EXPECT_EQ(bytes.size(), 16u);
  Bytes copy = bytes;
  copy.resize(16);
  return Key16(std::span<const uint8_t, 16>(copy.data(), 16));
}

Key16 PatternKey(uint8_t seed) {
  Bytes b(16);
  for (size_t i = 0; i < 16; ++i) b[i] = static_cast<uint8_t>(seed * 31 + i * 7 + 3);
  return MakeKey(b);
}

uint32_t ParseFlags(const Json& value) {
  if (value.is_number()) return value.get<uint32_t>();
  return static_cast<uint32_t>(std::stoul(value.get<std::string>(), nullptr, 16));
}

Json LoadJson(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return Json::parse(in, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/false);
}

fs::path SourceDir() { return fs::path(NTLM_SOURCE_DIR); }

const Json& Vectors() {
  static const Json v = LoadJson(SourceDir() / "vectors" / "ms-nlmp-4.2.json");
  return v;
}

Bytes VecHex(const Json& node) { return Hex(node.at("hex").get<std::string>()); }

Bytes Message(size_t size, uint8_t seed) {
  Bytes m(size);
  uint32_t x = 0x9e3779b9u ^ seed;
  for (auto& b : m) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  return m;
}

struct Wrapped {
  Bytes data;
  Sig signature{};
};

// Sender side of one message: Seal or Sign.
Wrapped Produce(SessionSecurity& sender, const Bytes& plaintext, bool seal) {
  Wrapped w;
  if (seal) {
    w.data.resize(plaintext.size());
    Status s = sender.Seal(plaintext, w.data, w.signature);
    EXPECT_TRUE(s.ok()) << StatusName(s.status()) << ": " << (s.ok() ? "" : s.error().reason);
  } else {
    w.data = plaintext;
    Status s = sender.Sign(plaintext, w.signature);
    EXPECT_TRUE(s.ok()) << StatusName(s.status()) << ": " << (s.ok() ? "" : s.error().reason);
  }
  return w;
}

// Receiver side: Unseal or Verify; `plaintext_out` gets the result.
Status Consume(SessionSecurity& receiver, const Wrapped& w, bool seal, Bytes* plaintext_out) {
  if (seal) {
    Bytes plain(w.data.size());
    Status s = receiver.Unseal(w.data, w.signature, plain);
    if (plaintext_out) *plaintext_out = plain;
    return s;
  }
  if (plaintext_out) *plaintext_out = w.data;
  return receiver.Verify(w.data, w.signature);
}

std::string Why(const Status& s) {
  return s.ok() ? std::string("SEC_E_OK") : StatusName(s.status()) + ": " + s.error().reason;
}

#define EXPECT_STATUS(expr, expected)                        \
  do {                                                       \
    const Status status_ = (expr);                           \
    EXPECT_EQ(status_.status(), (expected)) << Why(status_); \
  } while (0)

// ---------------------------------------------------------------------------
// MS-NLMP 4.2 GSS_WrapEx examples

struct VectorSeal {
  Bytes ciphertext;
  Sig signature{};
};

VectorSeal SealWith(uint32_t flags, const Key16& key, bool is_server, const Bytes& plaintext,
                    SessionSecurity::Options options = {}) {
  SessionSecurity ss(flags, key, is_server, options);
  VectorSeal out;
  out.ciphertext.resize(plaintext.size());
  Status s = ss.Seal(plaintext, out.ciphertext, out.signature);
  EXPECT_TRUE(s.ok()) << Why(s);
  return out;
}

void ExpectServerUnseals(uint32_t flags, const Key16& key, const Bytes& ciphertext,
                         const Bytes& signature, const Bytes& plaintext) {
  ASSERT_EQ(signature.size(), kMessageSignatureSize);
  SessionSecurity server(flags, key, /*is_server=*/true);
  Bytes out(ciphertext.size());
  Status s = server.Unseal(ciphertext, SignatureIn(signature.data(), kMessageSignatureSize), out);
  ASSERT_TRUE(s.ok()) << Why(s);
  EXPECT_EQ(ToHex(out), ToHex(plaintext));
  EXPECT_EQ(server.inbound_sequence(), 1u);
}

TEST(SessionSecurityVectors, NtlmV1WithoutEss_4_2_2_4) {
  const Json& v = Vectors();
  const Json& w = v.at("4.2.2_ntlmv1").at("gss_wrapex");
  const Key16 key = MakeKey(VecHex(v.at("4.2.1_common_values").at("RandomSessionKey")));
  const Bytes plaintext = VecHex(v.at("4.2.1_common_values").at("GSS_WrapEx_Plaintext"));
  const Bytes ciphertext = VecHex(w.at("Ciphertext"));
  const Bytes sig_pseudocode = VecHex(w.at("Signature_per_3.4.4.1_pseudocode"));
  const Bytes sig_printed = VecHex(w.at("Signature_as_printed_in_spec"));
  // The example's context: no ESS, no LM_KEY, no DATAGRAM -> SealKey is the
  // full ExportedSessionKey (RandomSessionKey, key exchange). Both the
  // CHALLENGE and the AUTHENTICATE flags of 4.2.2 give that.
  for (const char* which : {"authenticate_message_flags", "challenge_flags"}) {
    SCOPED_TRACE(which);
    const uint32_t flags = ParseFlags(v.at("4.2.2_ntlmv1").at(which).at("value"));
    ASSERT_EQ(flags & kEss, 0u);

    VectorSeal pseudocode = SealWith(flags, key, /*is_server=*/false, plaintext);
    EXPECT_EQ(ToHex(pseudocode.ciphertext), ToHex(ciphertext));
    EXPECT_EQ(ToHex(pseudocode.signature), ToHex(sig_pseudocode));

    SessionSecurity::Options spec_form;
    spec_form.emit_encrypted_random_pad = true;
    VectorSeal printed = SealWith(flags, key, /*is_server=*/false, plaintext, spec_form);
    EXPECT_EQ(ToHex(printed.ciphertext), ToHex(ciphertext));
    EXPECT_EQ(ToHex(printed.signature), ToHex(sig_printed));
    // Intermediate values: RC4(RandomPad), RC4(Checksum), RC4(0) ^ SeqNum.
    EXPECT_EQ(ToHex(ByteSpan(printed.signature).subspan(4, 4)),
              ToHex(VecHex(w.at("RandomPad_RC4"))));
    EXPECT_EQ(ToHex(ByteSpan(printed.signature).subspan(8, 4)),
              ToHex(VecHex(w.at("Checksum_RC4"))));
    EXPECT_EQ(ToHex(ByteSpan(printed.signature).subspan(12, 4)), ToHex(VecHex(w.at("SeqNum_XOR"))));

    // The server accepts both forms (bytes 4..7 are ignored).
    ExpectServerUnseals(flags, key, ciphertext, sig_pseudocode, plaintext);
    ExpectServerUnseals(flags, key, ciphertext, sig_printed, plaintext);
  }
  // CRC32 of the plaintext as the example prints it (little-endian).
  EXPECT_EQ(crypto::Crc32(plaintext), 0x93aa847du);
  EXPECT_EQ(ToHex(VecHex(w.at("Checksum_CRC32"))), "7d84aa93");
}

TEST(SessionSecurityVectors, NtlmV1WithClientChallenge_4_2_3_4) {
  const Json& v = Vectors();
  const Json& section = v.at("4.2.3_ntlmv1_with_client_challenge");
  const Json& w = section.at("gss_wrapex");
  const uint32_t flags = ParseFlags(section.at("authenticate_message_flags").at("value"));
  ASSERT_NE(flags & kEss, 0u);
  ASSERT_EQ(flags & kKeyExch, 0u);
  const Key16 key = MakeKey(VecHex(section.at("values").at("ExportedSessionKey")));
  const Bytes plaintext = VecHex(v.at("4.2.1_common_values").at("GSS_WrapEx_Plaintext"));

  VectorSeal out = SealWith(flags, key, /*is_server=*/false, plaintext);
  EXPECT_EQ(ToHex(out.ciphertext), ToHex(VecHex(w.at("Ciphertext"))));
  EXPECT_EQ(ToHex(out.signature), ToHex(VecHex(w.at("Signature"))));
  ExpectServerUnseals(flags, key, VecHex(w.at("Ciphertext")), VecHex(w.at("Signature")), plaintext);
}

TEST(SessionSecurityVectors, NtlmV2_4_2_4_4) {
  const Json& v = Vectors();
  const Json& section = v.at("4.2.4_ntlmv2");
  const Json& w = section.at("gss_wrapex");
  const uint32_t flags = ParseFlags(section.at("authenticate_message_flags").at("value"));
  ASSERT_NE(flags & kEss, 0u);
  ASSERT_NE(flags & kKeyExch, 0u);
  const Key16 key = MakeKey(VecHex(v.at("4.2.1_common_values").at("RandomSessionKey")));
  const Bytes plaintext = VecHex(v.at("4.2.1_common_values").at("GSS_WrapEx_Plaintext"));

  VectorSeal out = SealWith(flags, key, /*is_server=*/false, plaintext);
  EXPECT_EQ(ToHex(out.ciphertext), ToHex(VecHex(w.at("Ciphertext"))));
  EXPECT_EQ(ToHex(out.signature), ToHex(VecHex(w.at("Signature"))));
  EXPECT_EQ(ToHex(ByteSpan(out.signature).subspan(4, 8)), ToHex(VecHex(w.at("Checksum_RC4"))));
  ExpectServerUnseals(flags, key, VecHex(w.at("Ciphertext")), VecHex(w.at("Signature")), plaintext);
}

TEST(SessionSecurityVectors, Ess128WithoutKeyExchange) {
  // extras: the 4.2.4.4 keys and plaintext without KEY_EXCH: same ciphertext,
  // checksum not RC4-encrypted; Sign() gives the same signature.
  const Json& v = Vectors();
  const uint32_t flags =
      ParseFlags(v.at("4.2.4_ntlmv2").at("authenticate_message_flags").at("value")) & ~kKeyExch;
  const Key16 key = MakeKey(VecHex(v.at("4.2.1_common_values").at("RandomSessionKey")));
  const Bytes plaintext = VecHex(v.at("4.2.1_common_values").at("GSS_WrapEx_Plaintext"));
  const Bytes expected_sig =
      VecHex(v.at("extras_not_in_MS-NLMP_4.2").at("Signature_ESS_128_no_KEY_EXCH"));

  VectorSeal out = SealWith(flags, key, /*is_server=*/false, plaintext);
  EXPECT_EQ(ToHex(out.ciphertext),
            ToHex(VecHex(v.at("4.2.4_ntlmv2").at("gss_wrapex").at("Ciphertext"))));
  EXPECT_EQ(ToHex(out.signature), ToHex(expected_sig));
  ExpectServerUnseals(flags, key, out.ciphertext, expected_sig, plaintext);

  SessionSecurity signer(flags, key, /*is_server=*/false);
  Sig sig{};
  ASSERT_TRUE(signer.Sign(plaintext, sig).ok());
  EXPECT_EQ(ToHex(sig), ToHex(expected_sig));
  SessionSecurity verifier(flags, key, /*is_server=*/true);
  EXPECT_STATUS(verifier.Verify(plaintext, sig), SecStatus::kOk);
}

// Seal output recomputed independently from the published SEALKEY/SIGNKEY
// values (extras, 3.4.5.2/3.4.5.3) for both directions and key strengths:
// checks that the object picks the right key per side and uses the SEALKEY
// length (8 bytes for the no-ESS LM_KEY weakening).
struct DerivedKeyCase {
  const char* name;
  uint32_t flags;
  bool is_server;
  const char* seal_key_field;  // in extras, or "" for 4.2.4.4's client key
  const char* sign_key_hex;    // ESS only
};

TEST(SessionSecurityVectors, SealMatchesPublishedSealKeys) {
  const Json& v = Vectors();
  const Json& extras = v.at("extras_not_in_MS-NLMP_4.2");
  const Key16 key = MakeKey(VecHex(v.at("4.2.1_common_values").at("RandomSessionKey")));
  const Bytes plaintext = VecHex(v.at("4.2.1_common_values").at("GSS_WrapEx_Plaintext"));
  const std::string client_sign =
      v.at("4.2.4_ntlmv2").at("gss_wrapex").at("SignKey_client").at("hex");
  const std::string server_sign = extras.at("SignKey_server_ESS_from_RandomSessionKey").at("hex");
  const uint32_t base = kUnicode | kNtlm | kAlwaysSign | kSign | kSeal | kKeyExch;
  const DerivedKeyCase cases[] = {
      {"server ESS 128", base | kEss | k128, true, "SealKey_server_ESS_128", server_sign.c_str()},
      {"client ESS 56", base | kEss | k56, false, "SealKey_client_ESS_56", client_sign.c_str()},
      {"server ESS 56", base | kEss | k56, true, "SealKey_server_ESS_56", server_sign.c_str()},
      {"client ESS 40", base | kEss, false, "SealKey_client_ESS_40", client_sign.c_str()},
      {"server ESS 40", base | kEss, true, "SealKey_server_ESS_40", server_sign.c_str()},
      {"client LM_KEY 56", base | kLmKey | k56, false, "SealKey_noESS_LM_KEY_56", ""},
      {"server LM_KEY 40", base | kLmKey, true, "SealKey_noESS_LM_KEY_40", ""},
  };
  for (const DerivedKeyCase& c : cases) {
    SCOPED_TRACE(c.name);
    const Bytes seal_key = VecHex(extras.at(c.seal_key_field));
    VectorSeal out = SealWith(c.flags, key, c.is_server, plaintext);
    Bytes expected_sig(16, 0);
    expected_sig[0] = 1;
    Bytes stream_in = plaintext;
    if (c.flags & kEss) {
      Bytes seq_and_msg = {0, 0, 0, 0};
      seq_and_msg.insert(seq_and_msg.end(), plaintext.begin(), plaintext.end());
      std::array<uint8_t, 16> mac{};
      reference::HmacMd5(Hex(c.sign_key_hex), seq_and_msg, mac);
      stream_in.insert(stream_in.end(), mac.begin(), mac.begin() + 8);
      Bytes stream = reference::Rc4Once(seal_key, stream_in);
      std::copy(stream.end() - 8, stream.end(), expected_sig.begin() + 4);
      EXPECT_EQ(ToHex(out.ciphertext), ToHex(ByteSpan(stream).first(plaintext.size())));
    } else {
      const uint32_t crc = crypto::Crc32(plaintext);
      const uint8_t block[12] = {0,
                                 0,
                                 0,
                                 0,
                                 static_cast<uint8_t>(crc),
                                 static_cast<uint8_t>(crc >> 8),
                                 static_cast<uint8_t>(crc >> 16),
                                 static_cast<uint8_t>(crc >> 24),
                                 0,
                                 0,
                                 0,
                                 0};
      stream_in.insert(stream_in.end(), block, block + 12);
      Bytes stream = reference::Rc4Once(seal_key, stream_in);
      std::copy(stream.end() - 8, stream.end(), expected_sig.begin() + 8);  // SeqNum 0
      EXPECT_EQ(ToHex(out.ciphertext), ToHex(ByteSpan(stream).first(plaintext.size())));
    }
    EXPECT_EQ(ToHex(out.signature), ToHex(expected_sig));
  }
}

// ---------------------------------------------------------------------------
// Recorded transcripts (vectors/transcripts, format in
// docs/transcript-format.md): the server side of every seal/sign
// entry.

std::vector<std::string> TranscriptNames() {
  std::vector<std::string> names;
  const fs::path dir = SourceDir() / "vectors" / "transcripts";
  if (!fs::is_directory(dir)) return names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

Json LoadTranscript(const std::string& name) {
  return LoadJson(SourceDir() / "vectors" / "transcripts" / (name + ".json"));
}

bool IsSessionEntry(const Json& e) {
  const std::string type = e.at("type").get<std::string>();
  return type == "seal" || type == "sign";
}

// The signed range around the plaintext: `signed` = prefix || plaintext ||
// suffix (DCE/RPC: header || stub || trailer). With ESS the split point does
// not change the checksum (all buffers are MACed in order).
struct SignedLayout {
  ByteSpan prefix, suffix;
};

std::optional<SignedLayout> SplitSigned(const Bytes& signed_bytes, const Bytes& plaintext) {
  auto it =
      std::search(signed_bytes.begin(), signed_bytes.end(), plaintext.begin(), plaintext.end());
  if (it == signed_bytes.end() && !plaintext.empty()) return std::nullopt;
  const size_t pos = static_cast<size_t>(it - signed_bytes.begin());
  SignedLayout l;
  l.prefix = ByteSpan(signed_bytes).first(pos);
  l.suffix = ByteSpan(signed_bytes).subspan(pos + plaintext.size());
  return l;
}

// Processes one seal/sign entry on the server side. s2c entries must match
// byte for byte (test failures); returns the status of a c2s entry.
Status ProcessEntry(SessionSecurity& server, const Json& e, size_t index) {
  SCOPED_TRACE("exchange[" + std::to_string(index) + "]");
  const bool c2s = e.at("dir").get<std::string>() == "c2s";
  const bool seal = e.at("type").get<std::string>() == "seal";
  const Bytes plaintext = B64(e.at("plaintext").get<std::string>());
  const Bytes sig = Hex(e.at("signature").get<std::string>());
  if (sig.size() != kMessageSignatureSize) {
    ADD_FAILURE() << "signature is not 16 bytes";
    return MakeError(SecStatus::kInvalidToken, "bad transcript");
  }
  const SignatureIn sig_in(sig.data(), kMessageSignatureSize);
  std::optional<Bytes> signed_bytes;
  if (e.contains("signed")) signed_bytes = B64(e.at("signed").get<std::string>());

  if (!seal) {
    const Bytes& covered = signed_bytes ? *signed_bytes : plaintext;
    if (c2s) return server.Verify(covered, sig_in);
    Sig produced{};
    Status s = server.Sign(covered, produced);
    EXPECT_TRUE(s.ok()) << Why(s);
    EXPECT_EQ(ToHex(produced), ToHex(sig));
    return s;
  }

  const Bytes data = B64(e.at("data").get<std::string>());
  EXPECT_EQ(data.size(), plaintext.size());
  Bytes out(c2s ? data.size() : plaintext.size());
  SignedLayout layout;
  if (signed_bytes) {
    auto split = SplitSigned(*signed_bytes, plaintext);
    if (!split) {
      ADD_FAILURE() << "plaintext not found inside `signed`";
      return MakeError(SecStatus::kInvalidToken, "bad transcript");
    }
    layout = *split;
  }
  if (c2s) {
    const WrapBuffer buffers[] = {WrapBuffer::SignOnly(layout.prefix),
                                  WrapBuffer::Encrypt(data, out),
                                  WrapBuffer::SignOnly(layout.suffix)};
    Status s = server.UnsealEx(buffers, sig_in);
    if (s.ok()) {
      EXPECT_EQ(ToHex(out), ToHex(plaintext));
    }
    return s;
  }
  const WrapBuffer buffers[] = {WrapBuffer::SignOnly(layout.prefix),
                                WrapBuffer::Encrypt(plaintext, out),
                                WrapBuffer::SignOnly(layout.suffix)};
  Sig produced{};
  Status s = server.SealEx(buffers, produced);
  EXPECT_TRUE(s.ok()) << Why(s);
  EXPECT_EQ(ToHex(out), ToHex(data));
  EXPECT_EQ(ToHex(produced), ToHex(sig));
  return s;
}

// Session key and flags of a transcript, from its own `expect` or, for a
// derived transcript, from the one it was derived from (same AUTHENTICATE).
bool SessionParameters(const Json& t, uint32_t& flags, Bytes& key) {
  const Json* expect = &t.at("expect");
  Json source;
  if (!expect->contains("session_key") && t.contains("derived_from")) {
    source = LoadTranscript(t.at("derived_from").get<std::string>());
    expect = &source.at("expect");
  }
  if (!expect->contains("session_key") || !expect->contains("negotiated_flags")) return false;
  flags = ParseFlags(expect->at("negotiated_flags"));
  key = Hex(expect->at("session_key").get<std::string>());
  return key.size() == 16;
}

class SessionSecurityTranscript : public ::testing::TestWithParam<std::string> {};

TEST_P(SessionSecurityTranscript, ServerSideMatchesRecording) {
  const Json t = LoadTranscript(GetParam());
  const Json& exchange = t.at("exchange");
  const Json& expect = t.at("expect");
  const bool accept = expect.at("result").get<std::string>() == "accept";
  const std::string status_name = expect.value("status", std::string("SEC_E_OK"));
  const std::optional<SecStatus> expected_status = StatusFromName(status_name);
  ASSERT_TRUE(expected_status.has_value()) << status_name;
  const bool session_failure = *expected_status == SecStatus::kOutOfSequence ||
                               *expected_status == SecStatus::kMessageAltered;
  size_t session_entries = 0;
  for (const Json& e : exchange) session_entries += IsSessionEntry(e) ? 1 : 0;
  if (session_entries == 0 || (!accept && !session_failure)) {
    GTEST_SKIP() << "no session-security entries to check (result " << expect.at("result") << ", "
                 << status_name << ")";
  }
  uint32_t flags = 0;
  Bytes key_bytes;
  ASSERT_TRUE(SessionParameters(t, flags, key_bytes)) << "no session_key/negotiated_flags";
  const Key16 key = MakeKey(key_bytes);
  SessionSecurity server(flags, key, /*is_server=*/true);

  const size_t fail_at = accept ? exchange.size() : expect.at("at").get<size_t>();
  for (size_t i = 0; i < exchange.size() && i <= fail_at; ++i) {
    const Json& e = exchange[i];
    if (!IsSessionEntry(e)) continue;
    Status s = ProcessEntry(server, e, i);
    if (i == fail_at) {
      EXPECT_EQ(s.status(), *expected_status) << "exchange[" << i << "]: " << Why(s);
    } else {
      ASSERT_TRUE(s.ok()) << "exchange[" << i << "]: " << Why(s);
    }
  }
  if (accept || !t.contains("derived_from")) return;

  // A session-security rejection with ESS where the SeqNum was wrong must not
  // damage the context: the recording it was derived from continues from the
  // rejected index and must still verify.
  if (*expected_status == SecStatus::kOutOfSequence && server.extended_session_security()) {
    const Json source = LoadTranscript(t.at("derived_from").get<std::string>());
    const Json& original = source.at("exchange");
    size_t continued = 0;
    for (size_t i = fail_at; i < original.size(); ++i) {
      if (!IsSessionEntry(original[i])) continue;
      Status s = ProcessEntry(server, original[i], i);
      EXPECT_TRUE(s.ok()) << "source exchange[" << i << "] after the rejection: " << Why(s);
      ++continued;
    }
    EXPECT_GT(continued, 0u);
  }
}

std::string TranscriptTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(SessionSecurityRecorded, SessionSecurityTranscript,
                         ::testing::ValuesIn(TranscriptNames()), TranscriptTestName);

TEST(SessionSecurityTranscripts, SomeTranscriptsCarrySessionTraffic) {
  size_t with_traffic = 0;
  for (const std::string& name : TranscriptNames()) {
    const Json t = LoadTranscript(name);
    for (const Json& e : t.at("exchange")) {
      if (IsSessionEntry(e)) {
        ++with_traffic;
        break;
      }
    }
  }
  EXPECT_GE(with_traffic, 5u);
}

// ---------------------------------------------------------------------------
// Round trips for every profile

struct Profile {
  std::string name;
  uint32_t flags;
  bool seal;
};

std::vector<Profile> AllProfiles() {
  std::vector<Profile> out;
  struct Strength {
    const char* name;
    uint32_t bits;
  };
  const Strength strengths[] = {{"128", k128}, {"56", k56}, {"40", 0}};
  for (bool ess : {true, false}) {
    for (bool lm_key : {false, true}) {
      if (ess && lm_key) continue;  // LM_KEY only matters without ESS
      for (const Strength& st : strengths) {
        if (lm_key && st.bits == k128) continue;  // LM_KEY weakening is 56 or 40
        for (bool kx : {true, false}) {
          for (bool seal : {true, false}) {
            uint32_t flags = kUnicode | kNtlm | kAlwaysSign | kSign | st.bits;
            if (seal) flags |= kSeal;
            if (ess) flags |= kEss;
            if (lm_key) flags |= kLmKey;
            if (kx) flags |= kKeyExch;
            std::string name = std::string(ess ? "Ess" : (lm_key ? "NoEssLmKey" : "NoEss")) +
                               st.name + (kx ? "Kx" : "NoKx") + (seal ? "Seal" : "Sign");
            out.push_back({name, flags, seal});
          }
        }
      }
    }
  }
  return out;
}

class SessionSecurityProfile : public ::testing::TestWithParam<Profile> {
 protected:
  uint32_t flags() const { return GetParam().flags; }
  bool seal() const { return GetParam().seal; }
  bool ess() const { return (flags() & kEss) != 0; }
  bool kx() const { return (flags() & kKeyExch) != 0; }
  // A rejected message leaves the receiving RC4 handle out of step when the
  // receive used keystream (see session_security.h).
  bool rejection_uses_rc4() const { return seal() || !ess() || kx(); }
  SessionSecurity Client() const { return SessionSecurity(flags(), PatternKey(1), false); }
  SessionSecurity Server() const { return SessionSecurity(flags(), PatternKey(1), true); }
};

constexpr size_t kSizes[] = {0, 1, 2, 7, 16, 17, 64, 255, 1000, 4096};

TEST_P(SessionSecurityProfile, ManyMessagesBothDirections) {
  SessionSecurity client = Client();
  SessionSecurity server = Server();
  uint32_t c2s = 0, s2c = 0;
  if (ess()) {
    // Full duplex: each side produces several messages before the other
    // consumes them (independent per-direction state, 3.4.4.2).
    for (int round = 0; round < 12; ++round) {
      std::vector<std::pair<Bytes, Wrapped>> to_server, to_client;
      for (int k = 0; k < 1 + round % 3; ++k) {
        Bytes m = Message(kSizes[(round + k) % std::size(kSizes)], static_cast<uint8_t>(c2s));
        to_server.emplace_back(m, Produce(client, m, seal()));
        ++c2s;
      }
      for (int k = 0; k < 1 + (round + 1) % 3; ++k) {
        Bytes m =
            Message(kSizes[(round * 3 + k) % std::size(kSizes)], static_cast<uint8_t>(200 + s2c));
        to_client.emplace_back(m, Produce(server, m, seal()));
        ++s2c;
      }
      for (auto& [m, w] : to_server) {
        Bytes got;
        ASSERT_TRUE(Consume(server, w, seal(), &got).ok());
        EXPECT_EQ(got, m);
        if (seal() && m.size() > 8) {
          EXPECT_NE(w.data, m);
        }
      }
      for (auto& [m, w] : to_client) {
        Bytes got;
        ASSERT_TRUE(Consume(client, w, seal(), &got).ok());
        EXPECT_EQ(got, m);
      }
    }
    EXPECT_EQ(client.outbound_sequence(), c2s);
    EXPECT_EQ(server.inbound_sequence(), c2s);
    EXPECT_EQ(server.outbound_sequence(), s2c);
    EXPECT_EQ(client.inbound_sequence(), s2c);
  } else {
    // Half duplex: one shared handle and counter, every message consumed
    // before the next is produced (MS-NLMP 3.4).
    for (int i = 0; i < 40; ++i) {
      const bool from_client = (i * 7) % 3 != 0;
      SessionSecurity& sender = from_client ? client : server;
      SessionSecurity& receiver = from_client ? server : client;
      Bytes m = Message(kSizes[i % std::size(kSizes)], static_cast<uint8_t>(i));
      Wrapped w = Produce(sender, m, seal());
      Bytes got;
      Status s = Consume(receiver, w, seal(), &got);
      ASSERT_TRUE(s.ok()) << "message " << i << ": " << Why(s);
      EXPECT_EQ(got, m);
      // The counter is shared between directions.
      EXPECT_EQ(sender.outbound_sequence(), static_cast<uint32_t>(i + 1));
      EXPECT_EQ(sender.inbound_sequence(), static_cast<uint32_t>(i + 1));
      EXPECT_EQ(receiver.inbound_sequence(), static_cast<uint32_t>(i + 1));
    }
  }
}

TEST_P(SessionSecurityProfile, TamperedMessageIsAltered) {
  for (size_t where : {size_t{0}, size_t{5}, size_t{16}}) {
    SCOPED_TRACE("byte " + std::to_string(where));
    SessionSecurity client = Client();
    SessionSecurity server = Server();
    for (int i = 0; i < 3; ++i) {
      Bytes m = Message(20, static_cast<uint8_t>(i));
      ASSERT_TRUE(Consume(server, Produce(client, m, seal()), seal(), nullptr).ok());
    }
    Bytes m = Message(17, 99);
    Wrapped genuine = Produce(client, m, seal());
    Wrapped tampered = genuine;
    tampered.data[where] ^= 0x01;
    Bytes got;
    EXPECT_STATUS(Consume(server, tampered, seal(), &got), SecStatus::kMessageAltered);
    EXPECT_EQ(server.inbound_sequence(), 3u);
    if (seal()) {
      EXPECT_EQ(got, Bytes(got.size(), 0)) << "unauthenticated plaintext not wiped";
    }

    if (!rejection_uses_rc4()) {
      // ESS, sign only, no KEY_EXCH: no RC4 state involved; the genuine
      // message still verifies.
      EXPECT_STATUS(Consume(server, genuine, seal(), nullptr), SecStatus::kOk);
      continue;
    }
    // The inbound handle is out of step: the context refuses further input.
    EXPECT_STATUS(Consume(server, genuine, seal(), nullptr), SecStatus::kMessageAltered);
    Bytes reply = Message(9, 7);
    if (ess()) {
      // ... but the outbound direction has its own handle and keeps working.
      Wrapped w = Produce(server, reply, seal());
      EXPECT_STATUS(Consume(client, w, seal(), nullptr), SecStatus::kOk);
    } else {
      Sig sig{};
      EXPECT_STATUS(server.Sign(reply, sig), SecStatus::kMessageAltered);
    }
  }
}

TEST_P(SessionSecurityProfile, TamperedSignatureIsAltered) {
  // Checksum bytes (both forms) and the Version field.
  for (size_t where : {size_t{0}, size_t{8}, size_t{11}}) {
    SCOPED_TRACE("signature byte " + std::to_string(where));
    SessionSecurity client = Client();
    SessionSecurity server = Server();
    Wrapped w = Produce(client, Message(33, 1), seal());
    w.signature[where] ^= 0x80;
    EXPECT_STATUS(Consume(server, w, seal(), nullptr), SecStatus::kMessageAltered);
  }
}

TEST_P(SessionSecurityProfile, ReplayIsOutOfSequence) {
  SessionSecurity client = Client();
  SessionSecurity server = Server();
  Wrapped m0 = Produce(client, Message(40, 0), seal());
  Wrapped m1 = Produce(client, Message(41, 1), seal());
  ASSERT_TRUE(Consume(server, m0, seal(), nullptr).ok());
  Bytes got(1, 0xAA);
  EXPECT_STATUS(Consume(server, m0, seal(), &got), SecStatus::kOutOfSequence);
  EXPECT_EQ(server.inbound_sequence(), 1u);
  if (ess()) {
    // The SeqNum is checked before any RC4 byte is used: nothing is damaged.
    Bytes plain;
    EXPECT_STATUS(Consume(server, m1, seal(), &plain), SecStatus::kOk);
    EXPECT_EQ(plain, Message(41, 1));
  } else {
    // Without ESS the SeqNum is encrypted: reading it consumed the shared
    // handle, so the context is unusable.
    EXPECT_STATUS(Consume(server, m1, seal(), nullptr), SecStatus::kOutOfSequence);
  }
}

TEST_P(SessionSecurityProfile, ReorderIsOutOfSequence) {
  SessionSecurity client = Client();
  SessionSecurity server = Server();
  Wrapped m0 = Produce(client, Message(10, 0), seal());
  Wrapped m1 = Produce(client, Message(11, 1), seal());
  if (!ess()) {
    // Half duplex: the client produced two messages in a row; delivering the
    // second first is out of sequence.
    EXPECT_STATUS(Consume(server, m1, seal(), nullptr), SecStatus::kOutOfSequence);
    return;
  }
  EXPECT_STATUS(Consume(server, m1, seal(), nullptr), SecStatus::kOutOfSequence);
  EXPECT_STATUS(Consume(server, m0, seal(), nullptr), SecStatus::kOk);
  EXPECT_STATUS(Consume(server, m1, seal(), nullptr), SecStatus::kOk);
  // A SeqNum edited in the signature is also just out of sequence.
  Wrapped m2 = Produce(client, Message(12, 2), seal());
  Wrapped bad = m2;
  bad.signature[12] ^= 0x04;
  EXPECT_STATUS(Consume(server, bad, seal(), nullptr), SecStatus::kOutOfSequence);
  EXPECT_STATUS(Consume(server, m2, seal(), nullptr), SecStatus::kOk);
}

TEST_P(SessionSecurityProfile, RandomPadIgnoredWithoutEss) {
  SessionSecurity client = Client();
  SessionSecurity server = Server();
  Wrapped w = Produce(client, Message(30, 3), seal());
  if (ess()) {
    // With ESS bytes 4..11 are the checksum.
    w.signature[4] ^= 0x10;
    EXPECT_STATUS(Consume(server, w, seal(), nullptr), SecStatus::kMessageAltered);
    return;
  }
  EXPECT_EQ(w.signature[4] | w.signature[5] | w.signature[6] | w.signature[7], 0);
  w.signature[4] = 0x45;
  w.signature[7] = 0xe5;
  EXPECT_STATUS(Consume(server, w, seal(), nullptr), SecStatus::kOk);
}

TEST_P(SessionSecurityProfile, DceRpcSignedRangeLargerThanSealedRange) {
  SessionSecurity client = Client();
  SessionSecurity server = Server();
  for (int pdu = 0; pdu < 6; ++pdu) {
    SCOPED_TRACE("pdu " + std::to_string(pdu));
    // header(16) || stub || sec_trailer(8), one contiguous buffer, in place.
    const Bytes header = Message(16, static_cast<uint8_t>(pdu));
    const Bytes stub = Message(static_cast<size_t>(24 + pdu * 37), static_cast<uint8_t>(100 + pdu));
    const Bytes trailer = Message(8, static_cast<uint8_t>(50 + pdu));
    Bytes wire = header;
    wire.insert(wire.end(), stub.begin(), stub.end());
    wire.insert(wire.end(), trailer.begin(), trailer.end());
    MutableByteSpan w(wire);
    auto layout = [&](MutableByteSpan pdu_bytes, bool encrypt_stub) {
      const MutableByteSpan s = pdu_bytes.subspan(16, stub.size());
      return std::array<WrapBuffer, 3>{
          WrapBuffer::SignOnly(pdu_bytes.first(16)),
          encrypt_stub ? WrapBuffer::EncryptInPlace(s) : WrapBuffer::SignOnly(s),
          WrapBuffer::SignOnly(pdu_bytes.subspan(16 + stub.size()))};
    };
    Sig sig{};
    const auto send_buffers = layout(w, seal());
    ASSERT_TRUE(client.SealEx(send_buffers, sig).ok());
    EXPECT_EQ(ToHex(w.first(16)), ToHex(header));
    EXPECT_EQ(ToHex(w.subspan(16 + stub.size())), ToHex(trailer));
    if (seal()) {
      EXPECT_NE(ToHex(w.subspan(16, stub.size())), ToHex(stub));
    }

    if (pdu % 2 == 1) {
      // Tampering with a sign-only byte of the header is detected.
      Bytes tampered = wire;
      tampered[3] ^= 0x20;
      const auto buffers = layout(tampered, seal());
      EXPECT_STATUS(server.UnsealEx(buffers, sig), SecStatus::kMessageAltered);
      return;  // the server context may now be unusable (see header)
    }
    const auto recv_buffers = layout(w, seal());
    Status s = server.UnsealEx(recv_buffers, sig);
    ASSERT_TRUE(s.ok()) << Why(s);
    EXPECT_EQ(ToHex(w.subspan(16, stub.size())), ToHex(stub));
  }
}

// An independent model of one sender, written straight from MS-NLMP 3.4.3,
// 3.4.4.1, 3.4.4.2 and 3.4.6.1 with one-shot primitives: RC4 is modelled as
// XOR with the keystream at the handle's current position.
class ReferenceSender {
 public:
  struct Buf {
    Bytes data;
    bool encrypt;
    bool sign;
  };

  ReferenceSender(uint32_t flags, const Key16& key, Direction dir) : flags_(flags) {
    Key16 seal_key;
    const size_t len = SealKey(flags, key, dir, seal_key);
    seal_key_.assign(seal_key.data(), seal_key.data() + len);
    Key16 sign_key;
    if (SignKey(flags, key, dir, sign_key)) sign_key_.assign(sign_key.data(), sign_key.data() + 16);
  }

  // Returns the encrypt buffers' ciphertexts (others unchanged) and the signature.
  std::pair<std::vector<Bytes>, Bytes> Wrap(const std::vector<Buf>& bufs) {
    std::vector<Bytes> out;
    const uint8_t seq_le[4] = {static_cast<uint8_t>(seq_), static_cast<uint8_t>(seq_ >> 8),
                               static_cast<uint8_t>(seq_ >> 16), static_cast<uint8_t>(seq_ >> 24)};
    Bytes sig = {1, 0, 0, 0};
    if (flags_ & kEss) {
      Bytes mac_in(seq_le, seq_le + 4);
      for (const Buf& b : bufs) mac_in.insert(mac_in.end(), b.data.begin(), b.data.end());
      std::array<uint8_t, 16> mac{};
      reference::HmacMd5(sign_key_, mac_in, mac);
      for (const Buf& b : bufs)
        out.push_back(b.encrypt ? Xor(b.data, Keystream(b.data.size())) : b.data);
      Bytes checksum(mac.begin(), mac.begin() + 8);
      if (flags_ & kKeyExch) checksum = Xor(checksum, Keystream(8));
      sig.insert(sig.end(), checksum.begin(), checksum.end());
      sig.insert(sig.end(), seq_le, seq_le + 4);
    } else {
      uint32_t crc = 0;
      for (const Buf& b : bufs) {
        if (b.sign) crc = crypto::Crc32(b.data, crc);
      }
      for (const Buf& b : bufs)
        out.push_back(b.encrypt ? Xor(b.data, Keystream(b.data.size())) : b.data);
      const Bytes ks = Keystream(12);  // RandomPad, Checksum, SeqNum
      const uint8_t crc_le[4] = {static_cast<uint8_t>(crc), static_cast<uint8_t>(crc >> 8),
                                 static_cast<uint8_t>(crc >> 16), static_cast<uint8_t>(crc >> 24)};
      sig.insert(sig.end(), {0, 0, 0, 0});
      for (size_t i = 0; i < 4; ++i) sig.push_back(static_cast<uint8_t>(crc_le[i] ^ ks[4 + i]));
      for (size_t i = 0; i < 4; ++i) sig.push_back(static_cast<uint8_t>(seq_le[i] ^ ks[8 + i]));
    }
    ++seq_;
    return {out, sig};
  }

 private:
  static Bytes Xor(const Bytes& a, const Bytes& b) {
    Bytes r(a.size());
    for (size_t i = 0; i < a.size(); ++i) r[i] = static_cast<uint8_t>(a[i] ^ b[i]);
    return r;
  }
  Bytes Keystream(size_t n) {
    const Bytes all = reference::Rc4Once(seal_key_, Bytes(used_ + n, 0));
    used_ += n;
    return Bytes(all.end() - static_cast<std::ptrdiff_t>(n), all.end());
  }

  uint32_t flags_;
  Bytes seal_key_, sign_key_;
  size_t used_ = 0;
  uint32_t seq_ = 0;
};

// Seal, Sign and the DCE/RPC multi-buffer form (with a sign==FALSE buffer in
// the middle: skipped by CRC32, still MACed with ESS) against the model, for
// both sides.
TEST_P(SessionSecurityProfile, MatchesIndependentModel) {
  for (bool is_server : {false, true}) {
    SCOPED_TRACE(is_server ? "server" : "client");
    SessionSecurity ss(flags(), PatternKey(1), is_server);
    ReferenceSender ref(flags(), PatternKey(1),
                        is_server ? Direction::kServerToClient : Direction::kClientToServer);
    for (int round = 0; round < 4; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      // One Seal (or Sign), one Sign, one multi-buffer PDU.
      const Bytes m = Message(kSizes[round * 2], static_cast<uint8_t>(round));
      {
        auto [data, sig] = ref.Wrap({{m, seal(), true}});
        Wrapped w = Produce(ss, m, seal());
        EXPECT_EQ(ToHex(w.data), ToHex(data[0]));
        EXPECT_EQ(ToHex(w.signature), ToHex(sig));
      }
      {
        auto [data, sig] = ref.Wrap({{m, false, true}});
        Sig mine{};
        ASSERT_TRUE(ss.Sign(m, mine).ok());
        EXPECT_EQ(ToHex(mine), ToHex(sig));
      }
      const Bytes header = Message(24, 1), stub1 = Message(50 + round, 2), mid = Message(5, 3),
                  stub2 = Message(13, 4), trailer = Message(8, 5);
      Bytes out1(stub1.size()), out2(stub2.size());
      auto enc = [&](const Bytes& in, Bytes& out) {
        return seal() ? WrapBuffer::Encrypt(in, out) : WrapBuffer::SignOnly(in);
      };
      const WrapBuffer buffers[] = {WrapBuffer::SignOnly(header), enc(stub1, out1),
                                    WrapBuffer::ReadOnly(mid), enc(stub2, out2),
                                    WrapBuffer::SignOnly(trailer)};
      Sig mine{};
      ASSERT_TRUE(ss.SealEx(buffers, mine).ok());
      auto [data, sig] = ref.Wrap({{header, false, true},
                                   {stub1, seal(), true},
                                   {mid, false, false},
                                   {stub2, seal(), true},
                                   {trailer, false, true}});
      EXPECT_EQ(ToHex(mine), ToHex(sig));
      if (seal()) {
        EXPECT_EQ(ToHex(out1), ToHex(data[1]));
        EXPECT_EQ(ToHex(out2), ToHex(data[3]));
      }
    }
  }
}

TEST_P(SessionSecurityProfile, SealExWithoutEncryptBuffersIsSign) {
  SessionSecurity a = Client();
  SessionSecurity b = Client();
  const Bytes part1 = Message(10, 1), part2 = Message(20, 2);
  Bytes whole = part1;
  whole.insert(whole.end(), part2.begin(), part2.end());
  Sig s1{}, s2{};
  const WrapBuffer buffers[] = {WrapBuffer::SignOnly(part1), WrapBuffer::SignOnly(part2)};
  ASSERT_TRUE(a.SealEx(buffers, s1).ok());
  ASSERT_TRUE(b.Sign(whole, s2).ok());
  EXPECT_EQ(ToHex(s1), ToHex(s2));
  SessionSecurity server = Server();
  EXPECT_STATUS(server.Verify(whole, s1), SecStatus::kOk);
}

TEST(SessionSecurity, SealWithoutSealNegotiated) {
  for (const Profile& p : AllProfiles()) {
    if (p.seal) continue;
    SCOPED_TRACE(p.name);
    SessionSecurity client(p.flags, PatternKey(1), false);
    const Bytes m = Message(12, 1);
    Bytes out(m.size());
    Sig sig{};
    EXPECT_FALSE(client.can_seal());
    EXPECT_STATUS(client.Seal(m, out, sig), SecStatus::kUnsupportedFunction);
    EXPECT_EQ(client.outbound_sequence(), 0u);
    SessionSecurity server(p.flags, PatternKey(1), true);
    EXPECT_STATUS(server.Unseal(out, sig, out), SecStatus::kUnsupportedFunction);

    // Interop switch (gss-ntlmssp behaviour): sealing with the derived key.
    SessionSecurity::Options lenient;
    lenient.allow_seal_without_negotiation = true;
    SessionSecurity lc(p.flags, PatternKey(1), false, lenient);
    SessionSecurity ls(p.flags, PatternKey(1), true, lenient);
    ASSERT_TRUE(lc.Seal(m, out, sig).ok());
    Bytes back(m.size());
    EXPECT_STATUS(ls.Unseal(out, sig, back), SecStatus::kOk);
    EXPECT_EQ(back, m);
  }
}

TEST_P(SessionSecurityProfile, InPlaceEqualsOutOfPlace) {
  SessionSecurity a = Client();
  SessionSecurity b = Client();
  const Bytes m = Message(77, 4);
  Bytes out(m.size());
  Sig sig_a{}, sig_b{};
  Bytes inplace = m;
  if (seal()) {
    ASSERT_TRUE(a.Seal(m, out, sig_a).ok());
    ASSERT_TRUE(b.Seal(inplace, inplace, sig_b).ok());
    EXPECT_EQ(out, inplace);
  } else {
    ASSERT_TRUE(a.Sign(m, sig_a).ok());
    ASSERT_TRUE(b.Sign(m, sig_b).ok());
  }
  EXPECT_EQ(ToHex(sig_a), ToHex(sig_b));
  if (seal()) {
    SessionSecurity server = Server();
    EXPECT_STATUS(server.Unseal(inplace, sig_b, inplace), SecStatus::kOk);
    EXPECT_EQ(inplace, m);
  }
}

TEST_P(SessionSecurityProfile, ResetSealingStateForMechListMic) {
  // MS-SPNG 3.2.5.1: the mechListMIC is signed, then the RC4 handle is reset
  // so the first application message uses the keystream from its start. The
  // SeqNum keeps counting.
  SessionSecurity client = Client();
  SessionSecurity server = Server();
  SessionSecurity fresh = Client();
  const Bytes mech_list = Message(30, 1);
  Sig mic{};
  ASSERT_TRUE(client.Sign(mech_list, mic).ok());
  client.ResetSealingState(SessionSecurity::Handle::kOutbound);
  ASSERT_TRUE(server.Verify(mech_list, mic).ok());
  server.ResetSealingState(SessionSecurity::Handle::kInbound);

  const Bytes m = Message(64, 2);
  Wrapped w = Produce(client, m, seal());
  Wrapped f = Produce(fresh, m, seal());
  if (seal()) {  // same keystream position
    EXPECT_EQ(w.data, f.data);
  }
  if (ess()) {  // SeqNum continued (in the clear with ESS)
    EXPECT_EQ(w.signature[12], 1);
  }
  Bytes got;
  EXPECT_STATUS(Consume(server, w, seal(), &got), SecStatus::kOk);
  EXPECT_EQ(got, m);
}

TEST_P(SessionSecurityProfile, MoveKeepsState) {
  SessionSecurity client = Client();
  SessionSecurity server = Server();
  ASSERT_TRUE(Consume(server, Produce(client, Message(5, 1), seal()), seal(), nullptr).ok());
  SessionSecurity moved_client(std::move(client));
  SessionSecurity moved_server = Server();
  moved_server = std::move(server);
  EXPECT_STATUS(
      Consume(moved_server, Produce(moved_client, Message(6, 2), seal()), seal(), nullptr),
      SecStatus::kOk);
  EXPECT_EQ(moved_client.outbound_sequence(), 2u);
}

std::string ProfileName(const ::testing::TestParamInfo<Profile>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(SessionSecurityAllProfiles, SessionSecurityProfile,
                         ::testing::ValuesIn(AllProfiles()), ProfileName);

// ---------------------------------------------------------------------------
// Flag handling and argument checks

TEST(SessionSecurity, AlwaysSignOnlyGivesDummySignature) {
  const uint32_t flags = kUnicode | kNtlm | kAlwaysSign | kEss | k128 | kKeyExch;
  SessionSecurity client(flags, PatternKey(2), false);
  SessionSecurity server(flags, PatternKey(2), true);
  const Bytes m = Message(20, 1);
  Sig sig{};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.Sign(m, sig).ok());
    EXPECT_EQ(ToHex(sig), "01000000000000000000000000000000");
    EXPECT_STATUS(server.Verify(m, sig), SecStatus::kOk);
    EXPECT_STATUS(server.Verify(Message(3, 3), sig), SecStatus::kOk);  // nothing is covered
  }
  Sig other = sig;
  other[12] = 1;  // a SeqNum written into the dummy (gss-ntlmssp#19)
  EXPECT_STATUS(server.Verify(m, other), SecStatus::kMessageAltered);
  other = sig;
  other[0] = 0;
  EXPECT_STATUS(server.Verify(m, other), SecStatus::kMessageAltered);
  EXPECT_EQ(client.outbound_sequence(), 0u);
  // No sealing on such a context.
  Bytes out(m.size());
  EXPECT_STATUS(client.Seal(m, out, sig), SecStatus::kUnsupportedFunction);
  EXPECT_FALSE(client.can_sign());
  EXPECT_FALSE(client.can_seal());
}

TEST(SessionSecurity, NothingNegotiatedIsUnsupported) {
  const uint32_t flags = kUnicode | kNtlm | kEss | k128;
  SessionSecurity ss(flags, PatternKey(3), true);
  const Bytes m = Message(4, 1);
  Sig sig{};
  EXPECT_STATUS(ss.Sign(m, sig), SecStatus::kUnsupportedFunction);
  EXPECT_STATUS(ss.Verify(m, sig), SecStatus::kUnsupportedFunction);
  Bytes out(m.size());
  EXPECT_STATUS(ss.Seal(m, out, sig), SecStatus::kUnsupportedFunction);
  EXPECT_STATUS(ss.Unseal(m, sig, out), SecStatus::kUnsupportedFunction);
}

TEST(SessionSecurity, SealOnlyContextCanSign) {
  const uint32_t flags = kUnicode | kNtlm | kSeal | kEss | k128 | kKeyExch;
  SessionSecurity client(flags, PatternKey(4), false);
  SessionSecurity server(flags, PatternKey(4), true);
  EXPECT_TRUE(client.can_sign());
  Sig sig{};
  const Bytes m = Message(8, 1);
  ASSERT_TRUE(client.Sign(m, sig).ok());
  EXPECT_STATUS(server.Verify(m, sig), SecStatus::kOk);
}

TEST(SessionSecurity, DatagramIsUnsupported) {
  const uint32_t flags = kUnicode | kNtlm | kSign | kSeal | kDatagram | kKeyExch;
  SessionSecurity ss(flags, PatternKey(5), false);
  Sig sig{};
  const Bytes m = Message(8, 1);
  Bytes out(m.size());
  EXPECT_STATUS(ss.Sign(m, sig), SecStatus::kUnsupportedFunction);
  EXPECT_STATUS(ss.Seal(m, out, sig), SecStatus::kUnsupportedFunction);
}

TEST(SessionSecurity, BadBuffersAreInvalidParameterAndChangeNothing) {
  const uint32_t flags = kUnicode | kNtlm | kSign | kSeal | kEss | k128 | kKeyExch;
  SessionSecurity client(flags, PatternKey(6), false);
  SessionSecurity server(flags, PatternKey(6), true);
  Bytes m = Message(32, 1);
  Bytes small(31);
  Sig sig{};
  EXPECT_STATUS(client.Seal(m, small, sig), SecStatus::kInvalidParameter);
  // Output overlapping its input partially.
  EXPECT_STATUS(client.Seal(ByteSpan(m).first(16), MutableByteSpan(m).subspan(8, 16), sig),
                SecStatus::kInvalidParameter);
  // Output overlapping another buffer.
  Bytes pdu = Message(48, 2);
  const WrapBuffer clash[] = {
      WrapBuffer::SignOnly(ByteSpan(pdu).first(16)),
      WrapBuffer::Encrypt(ByteSpan(pdu).subspan(16, 16), MutableByteSpan(pdu).first(16))};
  EXPECT_STATUS(client.SealEx(clash, sig), SecStatus::kInvalidParameter);
  EXPECT_EQ(client.outbound_sequence(), 0u);
  // The context is untouched: a proper message still round-trips.
  Bytes out(m.size()), back(m.size());
  ASSERT_TRUE(client.Seal(m, out, sig).ok());
  EXPECT_STATUS(server.Unseal(out, sig, back), SecStatus::kOk);
  EXPECT_EQ(back, m);
}

TEST(SessionSecurity, OutOfSequenceWithEssKeepsInPlaceCiphertext) {
  // A rejected early delivery must leave the caller's bytes intact so the
  // message can be processed when its turn comes.
  const uint32_t flags = kUnicode | kNtlm | kSign | kSeal | kEss | k128 | kKeyExch;
  SessionSecurity client(flags, PatternKey(7), false);
  SessionSecurity server(flags, PatternKey(7), true);
  const Bytes m0 = Message(20, 1), m1 = Message(21, 2);
  Bytes c0 = m0, c1 = m1;
  Sig s0{}, s1{};
  ASSERT_TRUE(client.Seal(c0, c0, s0).ok());
  ASSERT_TRUE(client.Seal(c1, c1, s1).ok());
  const Bytes c1_copy = c1;
  EXPECT_STATUS(server.Unseal(c1, s1, c1), SecStatus::kOutOfSequence);
  EXPECT_EQ(c1, c1_copy);
  EXPECT_STATUS(server.Unseal(c0, s0, c0), SecStatus::kOk);
  EXPECT_STATUS(server.Unseal(c1, s1, c1), SecStatus::kOk);
  EXPECT_EQ(c0, m0);
  EXPECT_EQ(c1, m1);
}

TEST(SessionSecurity, ResetClearsFailedState) {
  const uint32_t flags = kUnicode | kNtlm | kSign | kSeal | kEss | k128 | kKeyExch;
  SessionSecurity client(flags, PatternKey(8), false);
  SessionSecurity server(flags, PatternKey(8), true);
  const Bytes m = Message(20, 1);
  Bytes c(m.size()), back(m.size());
  Sig sig{};
  ASSERT_TRUE(client.Seal(m, c, sig).ok());
  Bytes bad = c;
  bad[0] ^= 1;
  EXPECT_STATUS(server.Unseal(bad, sig, back), SecStatus::kMessageAltered);
  EXPECT_STATUS(server.Unseal(c, sig, back), SecStatus::kMessageAltered);  // handle out of step
  // Both sides restart their keystream (as SPNEGO does): in step again.
  server.ResetSealingState(SessionSecurity::Handle::kInbound);
  client.ResetSealingState(SessionSecurity::Handle::kOutbound);
  SessionSecurity fresh_client(flags, PatternKey(8), false);
  // The client's SeqNum is 1 now, the server still expects 0: resend seq 0 from
  // a fresh client with a fresh keystream.
  ASSERT_TRUE(fresh_client.Seal(m, c, sig).ok());
  EXPECT_STATUS(server.Unseal(c, sig, back), SecStatus::kOk);
  EXPECT_EQ(back, m);
}

}  // namespace
}  // namespace ntlm::ssp
