// transcript.h: the ntlmssp-transcript/1 format (docs/transcript-format.md).
//
// LoadTranscript validates a file strictly enough that replay can trust it:
// every required key present with the right type, base64/hex fields decode,
// statuses are known SSPI names. Unknown top-level keys are kept (notes).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "ssp/environment.h"
#include "ssp/status.h"

namespace ntlm::harness {

inline constexpr const char* kTranscriptFormat = "ntlmssp-transcript/1";

struct TranscriptAccount {
  std::string user;
  std::string domain;
  std::optional<std::string> password;
  std::optional<std::string> nt_hash;  // 32 hex digits
};

struct TranscriptServer {
  std::optional<uint32_t> min_server_sec;
  std::optional<int> lm_compat_level;
  std::optional<ssp::FileTime> clock;
  std::optional<std::string> clock_text;
  std::optional<uint64_t> max_clock_skew_s;
  std::optional<bool> require_mic;
  std::optional<std::string> target_name;
  std::optional<std::array<uint8_t, 16>> channel_bindings_md5;
};

enum class EntryDir { kClientToServer, kServerToClient };
enum class EntryType { kNegotiate, kChallenge, kAuthenticate, kSeal, kSign };
const char* EntryTypeName(EntryType type);

struct TranscriptEntry {
  EntryDir dir = EntryDir::kClientToServer;
  EntryType type = EntryType::kNegotiate;
  Bytes token;                          // negotiate/challenge/authenticate
  Bytes data;                           // seal: ciphertext
  Bytes plaintext;                      // seal/sign
  std::optional<Bytes> signed_bytes;    // seal/sign: what the signature covers
  std::array<uint8_t, 16> signature{};  // seal/sign
};

struct TranscriptExpect {
  bool accept = true;
  ssp::SecStatus status = ssp::SecStatus::kOk;
  std::optional<size_t> at;
  std::optional<std::string> user;
  std::optional<uint32_t> negotiated_flags;
  std::optional<Bytes> session_key;
};

struct Transcript {
  std::string name;
  std::string description;
  std::string client;
  std::vector<TranscriptAccount> accounts;
  TranscriptServer server;
  std::vector<TranscriptEntry> exchange;
  TranscriptExpect expect;
  nlohmann::json extra = nlohmann::json::object();  // unknown top-level keys, kept
};

// Parses a transcript from JSON text. On failure returns nullopt and sets
// `error` to a reason naming the key ("exchange[2].token: invalid base64 ...").
std::optional<Transcript> ParseTranscript(const std::string& text, std::string& error);
// Reads and parses a file; errors name the file.
std::optional<Transcript> LoadTranscript(const std::filesystem::path& path, std::string& error);
// Serialises in the same format (recording, export).
nlohmann::json TranscriptToJson(const Transcript& transcript);

// RFC 3339 ("2026-11-25T12:00:00Z", fractions and offsets allowed) <-> FILETIME.
std::optional<ssp::FileTime> ParseRfc3339(const std::string& text);
std::string FormatRfc3339(ssp::FileTime time);

}  // namespace ntlm::harness
