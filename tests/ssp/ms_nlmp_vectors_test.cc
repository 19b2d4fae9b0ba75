// ms_nlmp_vectors_test.cc: every key-math value of MS-NLMP 4.2.1-4.2.4 (and
// the labelled extras) in vectors/ms-nlmp-4.2.json, recomputed with ssp/keys.h.
//
// One GoogleTest test is registered per value (suite MsNlmpVectors, test name
// = the value's JSON path with non-identifier characters replaced by '_'), so
// a value that disappears from the file or changes shows up by name. Every
// value is recomputed from the 4.2.1 inputs only -- never from another
// expected value -- so one wrong intermediate cannot hide another.
//
// MsNlmpVectorsMeta.CoverageGuard fails when the file holds a value (an object
// with "hex", "value" or "utf16le_hex" under 4.2.x or the extras) that is
// neither checked here nor listed in kExcluded (the wire messages and the
// GSS_WrapEx outputs, which the codec and session-security tests check).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ssp/keys.h"
#include "ssp/text_encoding.h"
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

using nlohmann::json;

// NegotiateFlags bits (MS-NLMP 2.2.2.5); MsNlmpVectorsMeta.FlagBits checks them
// against the file's negotiate_flag_bits.
constexpr uint32_t kSign = 0x00000010;
constexpr uint32_t kSeal = 0x00000020;
constexpr uint32_t kDatagram = 0x00000040;
constexpr uint32_t kLmKey = 0x00000080;
constexpr uint32_t kEss = 0x00080000;
constexpr uint32_t kNonNtSessionKey = 0x00400000;
constexpr uint32_t k128 = 0x20000000;
constexpr uint32_t kKeyExch = 0x40000000;
constexpr uint32_t k56 = 0x80000000;
// The bits the key math looks at.
constexpr uint32_t kKeyBits =
    kSign | kSeal | kDatagram | kLmKey | kEss | kNonNtSessionKey | k128 | kKeyExch | k56;

constexpr char kCommon[] = "4.2.1_common_values";
constexpr char kV1[] = "4.2.2_ntlmv1";
constexpr char kV1Ess[] = "4.2.3_ntlmv1_with_client_challenge";
constexpr char kV2[] = "4.2.4_ntlmv2";
constexpr char kExtras[] = "extras_not_in_MS-NLMP_4.2";

// Values in the file this test deliberately does not check, each with the
// reason. Everything else under 4.2.x and the extras must be checked.
const std::map<std::string, std::string>& Excluded() {
  static const std::map<std::string, std::string> excluded = [] {
    std::map<std::string, std::string> m;
    const std::string codec = "wire message: checked by the message codec tests";
    const std::string wrap = "GSS_WrapEx output: checked by the session-security tests";
    m["4.2.1_common_values/GSS_WrapEx_Plaintext"] = "GSS_WrapEx input: session-security tests";
    for (const char* section : {kV1, kV1Ess, kV2}) {
      m[std::string(section) + "/messages/CHALLENGE_MESSAGE"] = codec;
      m[std::string(section) + "/messages/AUTHENTICATE_MESSAGE"] = codec;
      m[std::string(section) + "/gss_wrapex/SeqNum"] = wrap;
      m[std::string(section) + "/gss_wrapex/Ciphertext"] = wrap;
    }
    for (const char* name :
         {"RandomPad", "Checksum_CRC32", "RandomPad_RC4", "Checksum_RC4", "SeqNum_RC4",
          "SeqNum_XOR", "Signature_as_printed_in_spec", "Signature_per_3.4.4.1_pseudocode"}) {
      m[std::string(kV1) + "/gss_wrapex/" + name] = wrap;
    }
    m[std::string(kV1Ess) + "/gss_wrapex/Checksum_HMAC"] = wrap;
    m[std::string(kV1Ess) + "/gss_wrapex/Signature"] = wrap;
    m[std::string(kV2) + "/gss_wrapex/Checksum_HMAC"] = wrap;
    m[std::string(kV2) + "/gss_wrapex/Checksum_RC4"] = wrap;
    m[std::string(kV2) + "/gss_wrapex/Signature"] = wrap;
    m[std::string(kExtras) + "/Signature_ESS_128_no_KEY_EXCH"] = wrap;
    return m;
  }();
  return excluded;
}

// --- Loading and failure-reporting accessors ---------------------------------

struct VectorError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LoadedFile {
  json doc;
  std::string error;
};

const LoadedFile& File() {
  static const LoadedFile loaded = [] {
    LoadedFile f;
    const std::string path = std::string(NTLM_SOURCE_DIR) + "/vectors/ms-nlmp-4.2.json";
    std::ifstream in(path);
    if (!in) {
      f.error = "cannot open " + path;
      return f;
    }
    try {
      f.doc = json::parse(in);
    } catch (const json::exception& e) {
      f.error = path + ": " + e.what();
    }
    return f;
  }();
  return loaded;
}

const json& Root() {
  const LoadedFile& f = File();
  if (!f.error.empty()) throw VectorError(f.error);
  return f.doc;
}

// The object at a '/'-separated path, or nullptr.
const json* Find(std::string_view path) {
  const json* node = &Root();
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string key(path.substr(0, slash));
    if (!node->is_object() || !node->contains(key)) return nullptr;
    node = &(*node)[key];
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return node;
}

const json& At(std::string_view path) {
  const json* node = Find(path);
  if (node == nullptr)
    throw VectorError("value " + std::string(path) + " is missing from the file");
  return *node;
}

std::string StringField(const json& entry, const char* field, std::string_view where) {
  if (!entry.is_object() || !entry.contains(field) || !entry[field].is_string()) {
    throw VectorError(std::string(where) + " has no string field \"" + field + "\"");
  }
  return entry[field].get<std::string>();
}

Bytes HexField(const json& entry, const char* field, std::string_view where) {
  const std::string text = StringField(entry, field, where);
  std::string error;
  std::optional<Bytes> bytes = ssp::DecodeHex(text, error);
  if (!bytes) throw VectorError(std::string(where) + "." + field + ": " + error);
  return *bytes;
}

Bytes HexAt(std::string_view path) { return HexField(At(path), "hex", path); }

template <size_t N>
std::array<uint8_t, N> FixedAt(std::string_view path) {
  const Bytes bytes = HexAt(path);
  if (bytes.size() != N) {
    throw VectorError(std::string(path) + " is " + std::to_string(bytes.size()) +
                      " bytes, expected " + std::to_string(N));
  }
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

Key16 KeyAt(std::string_view path) {
  return Key16(std::span<const uint8_t, 16>(FixedAt<16>(path)));
}

uint32_t FlagsField(const json& entry, std::string_view where) {
  const std::string text = StringField(entry, "value", where);
  try {
    return static_cast<uint32_t>(std::stoul(text, nullptr, 16));
  } catch (const std::exception&) {
    throw VectorError(std::string(where) + ".value \"" + text + "\" is not a hex number");
  }
}

uint32_t ChallengeFlags(const char* section) {
  const std::string path = std::string(section) + "/challenge_flags";
  return FlagsField(At(path), path);
}

template <typename T>
T Unwrap(Result<T> result, std::string_view what) {
  if (!result.ok()) {
    throw VectorError(std::string(what) + " failed: " + StatusName(result.status()) + " " +
                      result.error().reason);
  }
  return std::move(result).value();
}

// The spec section a value cites, or its 4.2.x page.
std::string SpecSection(std::string_view path) {
  const json* entry = Find(path);
  if (entry != nullptr && entry->is_object() && entry->contains("spec_section")) {
    return (*entry)["spec_section"].get<std::string>();
  }
  const std::string top(path.substr(0, path.find('/')));
  const json* section = Find(top);
  if (section != nullptr && section->is_object() && section->contains("spec_page_id")) {
    return top.substr(0, top.find('_')) + " (page " +
           (*section)["spec_page_id"].get<std::string>() + ")";
  }
  return top;
}

void ExpectHex(const json& entry, ByteSpan computed, const char* field = "hex") {
  EXPECT_EQ(ssp::EncodeHex(computed), StringField(entry, field, "value")) << "field " << field;
}

// --- The 4.2.1 inputs ---------------------------------------------------------

struct Common {
  std::string user, domain, password;
  Challenge8 server_challenge{}, client_challenge{};
  Key16 random_session_key;
  uint64_t time = 0;
};

Common LoadCommon() {
  const std::string c = kCommon;
  Common common;
  common.user = StringField(At(c + "/User"), "text", "User");
  common.domain = StringField(At(c + "/UserDom"), "text", "UserDom");
  common.password = StringField(At(c + "/Passwd"), "text", "Passwd");
  common.server_challenge = FixedAt<8>(c + "/ServerChallenge");
  common.client_challenge = FixedAt<8>(c + "/ClientChallenge");
  common.random_session_key = KeyAt(c + "/RandomSessionKey");
  const std::array<uint8_t, 8> time = FixedAt<8>(c + "/Time");
  for (size_t i = 0; i < 8; ++i) common.time |= uint64_t{time[i]} << (8 * i);
  return common;
}

// --- Derivations from the inputs (MS-NLMP 3.3, 3.4.5) ----------------------------

struct V1 {
  Key16 lm_owf, nt_owf, session_base_key;
  std::array<uint8_t, 24> lm_response{}, nt_response{};
};

// NTLMv1 without ESS (4.2.2).
V1 DeriveV1(const Common& c) {
  V1 v;
  v.lm_owf = Unwrap(LmOwfV1(c.password), "LmOwfV1");
  v.nt_owf = Unwrap(NtOwfV1(c.password), "NtOwfV1");
  v.session_base_key = NtlmV1SessionBaseKey(v.nt_owf);
  v.lm_response = LmV1Response(v.lm_owf, c.server_challenge);
  v.nt_response = NtlmV1Response(v.nt_owf, c.server_challenge);
  return v;
}

Key16 V1KeyExchangeKey(const Common& c, const V1& v, uint32_t flags) {
  return Unwrap(
      KeyExchangeKey(flags, false, v.session_base_key, v.lm_response, v.lm_owf, c.server_challenge),
      "KeyExchangeKey");
}

// NTLMv1 with ESS (4.2.3): LM = CC || Z(16).
V1 DeriveV1Ess(const Common& c) {
  V1 v = DeriveV1(c);
  v.lm_response = LmV1EssResponse(c.client_challenge);
  v.nt_response = NtlmV1EssResponse(v.nt_owf, c.server_challenge, c.client_challenge);
  return v;
}

// AV pairs (MS-NLMP 2.2.2.1): MsvAvNbDomainName (2), MsvAvNbComputerName (1),
// MsvAvEOL, built from the texts of the 4.2.4 AV_pair_* values.
Bytes BuildTargetInfo() {
  Bytes out;
  const auto add = [&out](uint16_t id, const std::string& path) {
    const std::string text = StringField(At(path), "text", path);
    const Bytes value = Unwrap(Utf8ToUtf16Le(text), "Utf8ToUtf16Le");
    for (uint16_t v : {id, static_cast<uint16_t>(value.size())}) {
      out.push_back(static_cast<uint8_t>(v));
      out.push_back(static_cast<uint8_t>(v >> 8));
    }
    out.insert(out.end(), value.begin(), value.end());
  };
  add(2, std::string(kV2) + "/values/AV_pair_NbDomainName");
  add(1, std::string(kV2) + "/values/AV_pair_NbComputerName");
  out.insert(out.end(), 4, 0);
  return out;
}

struct V2 {
  Key16 response_key;  // NTOWFv2 == LMOWFv2
  Bytes temp;
  std::array<uint8_t, 16> nt_proof{};
  Bytes nt_response;
  std::array<uint8_t, 24> lm_response{};
  Key16 session_base_key, key_exchange_key;
};

V2 DeriveV2(const Common& c) {
  V2 v;
  const Key16 nt_owf_v1 = Unwrap(NtOwfV1(c.password), "NtOwfV1");
  v.response_key = Unwrap(NtOwfV2(nt_owf_v1, c.user, c.domain), "NtOwfV2");
  v.temp = NtlmV2Temp(c.time, c.client_challenge, BuildTargetInfo());
  v.nt_proof = NtProofStr(v.response_key, c.server_challenge, v.temp);
  v.nt_response = ComputeNtlmV2Response(v.response_key, c.server_challenge, v.temp);
  v.lm_response = LmV2Response(v.response_key, c.server_challenge, c.client_challenge);
  v.session_base_key = NtlmV2SessionBaseKey(v.response_key, v.nt_proof);
  v.key_exchange_key = Unwrap(KeyExchangeKey(ChallengeFlags(kV2), true, v.session_base_key,
                                             v.lm_response, Key16(), c.server_challenge),
                              "KeyExchangeKey");
  return v;
}

// ExportedSessionKey as the server recovers it from the AUTHENTICATE: when
// KEY_EXCH is negotiated the client sent RC4K(KXKEY, RandomSessionKey).
Key16 ServerExportedKey(uint32_t flags, const Key16& kxkey, const Key16& random_session_key) {
  const Key16 encrypted = EncryptRandomSessionKey(kxkey, random_session_key);
  return Unwrap(
      ExportedSessionKey(flags, kxkey, (flags & kKeyExch) != 0 ? ByteSpan(encrypted) : ByteSpan()),
      "ExportedSessionKey");
}

Key16 ExportedKeyFor(const char* section, uint32_t flags) {
  const Common c = LoadCommon();
  if (std::string_view(section) == kV1) {
    return ServerExportedKey(flags, V1KeyExchangeKey(c, DeriveV1(c), flags), c.random_session_key);
  }
  if (std::string_view(section) == kV1Ess) {
    return ServerExportedKey(flags, V1KeyExchangeKey(c, DeriveV1Ess(c), flags),
                             c.random_session_key);
  }
  return ServerExportedKey(flags, DeriveV2(c).key_exchange_key, c.random_session_key);
}

// SEALKEY through both the single-key function and DeriveSessionKeys: the
// client's outgoing key is the server's incoming one and vice versa.
void ExpectSealKey(const json& entry, uint32_t flags, const Key16& exported, Direction dir) {
  Key16 key;
  const size_t len = SealKey(flags, exported, dir, key);
  ExpectHex(entry, ByteSpan(key.data(), len));

  const SessionKeys client = DeriveSessionKeys(flags, exported, /*is_server=*/false);
  const SessionKeys server = DeriveSessionKeys(flags, exported, /*is_server=*/true);
  const bool c2s = dir == Direction::kClientToServer;
  const Key16& client_side = c2s ? client.seal_out : client.seal_in;
  const Key16& server_side = c2s ? server.seal_in : server.seal_out;
  EXPECT_EQ(ssp::EncodeHex(client_side), ssp::EncodeHex(key)) << "DeriveSessionKeys client";
  EXPECT_EQ(ssp::EncodeHex(server_side), ssp::EncodeHex(key)) << "DeriveSessionKeys server";
  EXPECT_EQ(c2s ? client.seal_out_len : client.seal_in_len, len);
  EXPECT_EQ(c2s ? server.seal_in_len : server.seal_out_len, len);
}

void ExpectSignKey(const json& entry, uint32_t flags, const Key16& exported, Direction dir) {
  Key16 key;
  ASSERT_TRUE(SignKey(flags, exported, dir, key)) << "SIGNKEY needs ESS";
  ExpectHex(entry, key);

  const SessionKeys client = DeriveSessionKeys(flags, exported, /*is_server=*/false);
  const SessionKeys server = DeriveSessionKeys(flags, exported, /*is_server=*/true);
  const bool c2s = dir == Direction::kClientToServer;
  EXPECT_TRUE(client.has_sign_keys);
  EXPECT_TRUE(server.has_sign_keys);
  EXPECT_EQ(ssp::EncodeHex(c2s ? client.sign_out : client.sign_in), ssp::EncodeHex(key));
  EXPECT_EQ(ssp::EncodeHex(c2s ? server.sign_in : server.sign_out), ssp::EncodeHex(key));
}

// --- The checks ---------------------------------------------------------------------

struct VectorCheck {
  std::string path;                            // JSON path of the value
  std::function<void(const json& entry)> run;  // recomputes and EXPECTs
};

std::vector<VectorCheck> BuildChecks() {
  std::vector<VectorCheck> checks;
  const auto add = [&checks](std::string path, std::function<void(const json&)> run) {
    checks.push_back(VectorCheck{std::move(path), std::move(run)});
  };
  const std::string common = kCommon;
  const std::string v1 = std::string(kV1) + "/values/";
  const std::string v1ess = std::string(kV1Ess) + "/values/";
  const std::string v2 = std::string(kV2) + "/values/";
  const std::string extras = std::string(kExtras) + "/";

  // 4.2.1: strings are used as UNICODE (UTF-16LE) by the OWFs; the byte
  // inputs are used by every computation below.
  for (const char* name : {"User", "UserDom", "Passwd", "ServerName", "WorkstationName"}) {
    add(common + "/" + name, [](const json& e) {
      const Bytes unicode = Unwrap(Utf8ToUtf16Le(StringField(e, "text", "text")), "Utf8ToUtf16Le");
      ExpectHex(e, unicode, "utf16le_hex");
    });
  }
  for (const auto& [name, size] : std::vector<std::pair<std::string, size_t>>{
           {"RandomSessionKey", 16}, {"Time", 8}, {"ClientChallenge", 8}, {"ServerChallenge", 8}}) {
    add(common + "/" + name, [size = size](const json& e) {
      EXPECT_EQ(HexField(e, "hex", "input").size(), size) << "input value has the wrong length";
    });
  }

  // Flags: challenge_flags must equal its wire bytes and its list of names;
  // the AUTHENTICATE flags must select the same key math.
  for (const char* section : {kV1, kV1Ess, kV2}) {
    add(std::string(section) + "/challenge_flags", [](const json& e) {
      const uint32_t value = FlagsField(e, "challenge_flags");
      const Bytes wire = HexField(e, "wire_le_hex", "challenge_flags");
      ASSERT_EQ(wire.size(), 4u);
      EXPECT_EQ(uint32_t{wire[0]} | uint32_t{wire[1]} << 8 | uint32_t{wire[2]} << 16 |
                    uint32_t{wire[3]} << 24,
                value);
      uint32_t from_names = 0;
      for (const json& name : e.at("names")) {
        const json& bit = At("negotiate_flag_bits/" + name.get<std::string>());
        from_names |= static_cast<uint32_t>(std::stoul(bit.get<std::string>(), nullptr, 16));
      }
      EXPECT_EQ(from_names, value) << "names do not add up to value";
    });
    add(std::string(section) + "/authenticate_message_flags", [section](const json& e) {
      const uint32_t auth = FlagsField(e, "authenticate_message_flags");
      const uint32_t challenge = ChallengeFlags(section);
      EXPECT_EQ(auth & kKeyBits, challenge & kKeyBits)
          << "the AUTHENTICATE flags select different key math than the CHALLENGE flags";
      // Recompute the exported and sealing keys under the AUTHENTICATE flags.
      const Key16 exported = ExportedKeyFor(section, auth);
      const std::string s = section;
      const std::string seal_path =
          s == kV1 ? s + "/gss_wrapex/SealKey" : s + "/gss_wrapex/SealKey_client";
      ExpectSealKey(At(seal_path), auth, exported, Direction::kClientToServer);
      if (s == kV1Ess) {
        ExpectHex(At(s + "/values/ExportedSessionKey"), exported);
      } else {
        ExpectHex(At(kCommon + std::string("/RandomSessionKey")), exported);
      }
    });
  }

  // 4.2.2 NTLMv1.
  add(v1 + "LMOWFv1", [](const json& e) { ExpectHex(e, DeriveV1(LoadCommon()).lm_owf); });
  add(v1 + "NTOWFv1_ResponseKeyNT",
      [](const json& e) { ExpectHex(e, DeriveV1(LoadCommon()).nt_owf); });
  add(v1 + "SessionBaseKey",
      [](const json& e) { ExpectHex(e, DeriveV1(LoadCommon()).session_base_key); });
  add(v1 + "NTLMv1Response",
      [](const json& e) { ExpectHex(e, DeriveV1(LoadCommon()).nt_response); });
  add(v1 + "LMv1Response", [](const json& e) { ExpectHex(e, DeriveV1(LoadCommon()).lm_response); });
  // KXKEY variants: the 4.2.2 flags, plus LM_KEY or NON_NT_SESSION_KEY.
  const std::vector<std::pair<std::string, uint32_t>> v1_variants = {
      {"default", 0}, {"LM_KEY", kLmKey}, {"NON_NT_SESSION_KEY", kNonNtSessionKey}};
  for (const auto& [variant, extra] : v1_variants) {
    add(v1 + "KeyExchangeKey_" + variant, [extra = extra](const json& e) {
      const Common c = LoadCommon();
      ExpectHex(e, V1KeyExchangeKey(c, DeriveV1(c), ChallengeFlags(kV1) | extra));
    });
    add(v1 + "EncryptedRandomSessionKey_" + variant, [extra = extra](const json& e) {
      const Common c = LoadCommon();
      const uint32_t flags = ChallengeFlags(kV1) | extra;
      const Key16 kxkey = V1KeyExchangeKey(c, DeriveV1(c), flags);
      const Key16 encrypted = EncryptRandomSessionKey(kxkey, c.random_session_key);
      ExpectHex(e, encrypted);
      // And back: the server's ExportedSessionKey is the RandomSessionKey.
      const Bytes wire = HexField(e, "hex", "value");
      const Key16 exported = Unwrap(ExportedSessionKey(flags, kxkey, wire), "ExportedSessionKey");
      EXPECT_EQ(ssp::EncodeHex(exported), ssp::EncodeHex(c.random_session_key));
    });
  }
  add(std::string(kV1) + "/gss_wrapex/SealKey", [](const json& e) {
    const uint32_t flags = ChallengeFlags(kV1);
    ExpectSealKey(e, flags, ExportedKeyFor(kV1, flags), Direction::kClientToServer);
    // No ESS: no signing keys, and one sealing key for both directions.
    const SessionKeys server = DeriveSessionKeys(flags, ExportedKeyFor(kV1, flags), true);
    EXPECT_FALSE(server.has_sign_keys);
    EXPECT_EQ(ssp::EncodeHex(server.seal_in), ssp::EncodeHex(server.seal_out));
  });

  // 4.2.3 NTLMv1 with client challenge (ESS).
  add(v1ess + "NTOWFv1_ResponseKeyNT",
      [](const json& e) { ExpectHex(e, DeriveV1Ess(LoadCommon()).nt_owf); });
  add(v1ess + "SessionBaseKey",
      [](const json& e) { ExpectHex(e, DeriveV1Ess(LoadCommon()).session_base_key); });
  add(v1ess + "LMv1Response",
      [](const json& e) { ExpectHex(e, DeriveV1Ess(LoadCommon()).lm_response); });
  add(v1ess + "NTLMv1Response",
      [](const json& e) { ExpectHex(e, DeriveV1Ess(LoadCommon()).nt_response); });
  add(v1ess + "KeyExchangeKey", [](const json& e) {
    const Common c = LoadCommon();
    ExpectHex(e, V1KeyExchangeKey(c, DeriveV1Ess(c), ChallengeFlags(kV1Ess)));
  });
  add(v1ess + "ExportedSessionKey", [](const json& e) {
    const uint32_t flags = ChallengeFlags(kV1Ess);
    EXPECT_EQ(flags & kKeyExch, 0u) << "4.2.3 has no KEY_EXCH: ExportedSessionKey = KXKEY";
    ExpectHex(e, ExportedKeyFor(kV1Ess, flags));
  });
  add(std::string(kV1Ess) + "/gss_wrapex/SealKey_client", [](const json& e) {
    const uint32_t flags = ChallengeFlags(kV1Ess);
    ExpectSealKey(e, flags, ExportedKeyFor(kV1Ess, flags), Direction::kClientToServer);
  });
  add(std::string(kV1Ess) + "/gss_wrapex/SignKey_client", [](const json& e) {
    const uint32_t flags = ChallengeFlags(kV1Ess);
    ExpectSignKey(e, flags, ExportedKeyFor(kV1Ess, flags), Direction::kClientToServer);
  });

  // 4.2.4 NTLMv2.
  for (const char* name : {"AV_pair_NbComputerName", "AV_pair_NbDomainName"}) {
    add(v2 + name, [](const json& e) {
      const Bytes unicode = Unwrap(Utf8ToUtf16Le(StringField(e, "text", "text")), "Utf8ToUtf16Le");
      ExpectHex(e, unicode, "utf16le_hex");
    });
  }
  add(v2 + "TargetInfo_ServerName", [](const json& e) { ExpectHex(e, BuildTargetInfo()); });
  add(v2 + "NTOWFv2_ResponseKeyNT",
      [](const json& e) { ExpectHex(e, DeriveV2(LoadCommon()).response_key); });
  add(v2 + "temp", [](const json& e) { ExpectHex(e, DeriveV2(LoadCommon()).temp); });
  add(v2 + "NTProofStr", [](const json& e) { ExpectHex(e, DeriveV2(LoadCommon()).nt_proof); });
  add(v2 + "NTLMv2Response",
      [](const json& e) { ExpectHex(e, DeriveV2(LoadCommon()).nt_response); });
  add(v2 + "LMv2Response", [](const json& e) { ExpectHex(e, DeriveV2(LoadCommon()).lm_response); });
  add(v2 + "SessionBaseKey",
      [](const json& e) { ExpectHex(e, DeriveV2(LoadCommon()).session_base_key); });
  add(v2 + "KeyExchangeKey",
      [](const json& e) { ExpectHex(e, DeriveV2(LoadCommon()).key_exchange_key); });
  add(v2 + "EncryptedRandomSessionKey", [](const json& e) {
    const Common c = LoadCommon();
    const Key16 kxkey = DeriveV2(c).key_exchange_key;
    ExpectHex(e, EncryptRandomSessionKey(kxkey, c.random_session_key));
    const Bytes wire = HexField(e, "hex", "value");
    const Key16 exported =
        Unwrap(ExportedSessionKey(ChallengeFlags(kV2), kxkey, wire), "ExportedSessionKey");
    EXPECT_EQ(ssp::EncodeHex(exported), ssp::EncodeHex(c.random_session_key));
  });
  add(std::string(kV2) + "/gss_wrapex/SealKey_client", [](const json& e) {
    const uint32_t flags = ChallengeFlags(kV2);
    ExpectSealKey(e, flags, ExportedKeyFor(kV2, flags), Direction::kClientToServer);
  });
  add(std::string(kV2) + "/gss_wrapex/SignKey_client", [](const json& e) {
    const uint32_t flags = ChallengeFlags(kV2);
    ExpectSignKey(e, flags, ExportedKeyFor(kV2, flags), Direction::kClientToServer);
  });

  // Extras (3.4.5.2 / 3.4.5.3) with ExportedSessionKey = RandomSessionKey.
  add(extras + "SignKey_server_ESS_from_RandomSessionKey", [](const json& e) {
    ExpectSignKey(e, kEss, LoadCommon().random_session_key, Direction::kServerToClient);
  });
  struct SealExtra {
    const char* name;
    uint32_t flags;
    Direction dir;
  };
  for (const SealExtra& x : std::vector<SealExtra>{
           {"SealKey_server_ESS_128", kEss | k128, Direction::kServerToClient},
           {"SealKey_client_ESS_56", kEss | k56, Direction::kClientToServer},
           {"SealKey_server_ESS_56", kEss | k56, Direction::kServerToClient},
           {"SealKey_client_ESS_40", kEss, Direction::kClientToServer},
           {"SealKey_server_ESS_40", kEss, Direction::kServerToClient},
           {"SealKey_noESS_LM_KEY_56", kLmKey | k56, Direction::kClientToServer},
           {"SealKey_noESS_LM_KEY_40", kLmKey, Direction::kClientToServer},
       }) {
    add(extras + x.name,
        [x](const json& e) { ExpectSealKey(e, x.flags, LoadCommon().random_session_key, x.dir); });
  }
  return checks;
}

const std::vector<VectorCheck>& Checks() {
  static const std::vector<VectorCheck> checks = BuildChecks();
  return checks;
}

std::string TestName(std::string_view path) {
  std::string name(path);
  for (char& ch : name) {
    const bool ident = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                       (ch >= '0' && ch <= '9') || ch == '_';
    if (!ident) ch = '_';
  }
  return name;
}

class MsNlmpVectorTest : public ::testing::Test {
 public:
  explicit MsNlmpVectorTest(const VectorCheck* check) : check_(check) {}
  void TestBody() override {
    try {
      const json& entry = At(check_->path);
      const std::string section = SpecSection(check_->path);
      RecordProperty("json_path", check_->path);
      RecordProperty("spec_section", section);
      SCOPED_TRACE("MS-NLMP " + section + ", vectors/ms-nlmp-4.2.json " + check_->path);
      check_->run(entry);
    } catch (const std::exception& e) {
      ADD_FAILURE() << check_->path << ": " << e.what();
    }
  }

 private:
  const VectorCheck* check_;
};

bool RegisterVectorTests() {
  for (const VectorCheck& check : Checks()) {
    ::testing::RegisterTest(
        "MsNlmpVectors", TestName(check.path).c_str(), nullptr, check.path.c_str(), __FILE__,
        __LINE__, [&check]() -> MsNlmpVectorTest* { return new MsNlmpVectorTest(&check); });
  }
  return true;
}

[[maybe_unused]] const bool kRegistered = RegisterVectorTests();

// --- Coverage guard ---------------------------------------------------------------

bool IsValue(const json& node) {
  return node.is_object() &&
         (node.contains("hex") || node.contains("value") || node.contains("utf16le_hex"));
}

void CollectValues(const json& node, const std::string& path, std::set<std::string>& out) {
  if (!node.is_object()) return;
  if (IsValue(node)) {
    out.insert(path);
    return;
  }
  for (const auto& [key, child] : node.items()) {
    if (key == "verification" || key == "sources") continue;
    CollectValues(child, path + "/" + key, out);
  }
}

TEST(MsNlmpVectorsMeta, CoverageGuard) {
  ASSERT_TRUE(File().error.empty()) << File().error;
  std::set<std::string> in_file;
  for (const auto& [key, child] : Root().items()) {
    if (key.rfind("4.2.", 0) == 0 || key == kExtras) CollectValues(child, key, in_file);
  }
  ASSERT_FALSE(in_file.empty());

  std::set<std::string> checked;
  for (const VectorCheck& check : Checks()) {
    EXPECT_TRUE(checked.insert(check.path).second) << "checked twice: " << check.path;
  }
  for (const std::string& path : in_file) {
    const bool is_checked = checked.count(path) != 0;
    const bool is_excluded = Excluded().count(path) != 0;
    EXPECT_TRUE(is_checked || is_excluded)
        << "value in vectors/ms-nlmp-4.2.json is not checked by any test: " << path;
    EXPECT_FALSE(is_checked && is_excluded) << "both checked and excluded: " << path;
  }
  for (const auto& [path, reason] : Excluded()) {
    EXPECT_TRUE(in_file.count(path) != 0) << "stale exclusion (" << reason << "): " << path;
  }
  for (const std::string& path : checked) {
    EXPECT_TRUE(in_file.count(path) != 0) << "checked value missing from the file: " << path;
  }
}

TEST(MsNlmpVectorsMeta, FlagBitsMatchFile) {
  ASSERT_TRUE(File().error.empty()) << File().error;
  const std::vector<std::pair<std::string, uint32_t>> bits = {
      {"NTLMSSP_NEGOTIATE_SIGN", kSign},
      {"NTLMSSP_NEGOTIATE_SEAL", kSeal},
      {"NTLMSSP_NEGOTIATE_DATAGRAM", kDatagram},
      {"NTLMSSP_NEGOTIATE_LM_KEY", kLmKey},
      {"NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY", kEss},
      {"NTLMSSP_REQUEST_NON_NT_SESSION_KEY", kNonNtSessionKey},
      {"NTLMSSP_NEGOTIATE_128", k128},
      {"NTLMSSP_NEGOTIATE_KEY_EXCH", kKeyExch},
      {"NTLMSSP_NEGOTIATE_56", k56},
  };
  for (const auto& [name, bit] : bits) {
    const json& value = At("negotiate_flag_bits/" + name);
    EXPECT_EQ(std::stoul(value.get<std::string>(), nullptr, 16), bit) << name;
  }
}

}  // namespace
}  // namespace ntlm::ssp
