// json_fields.h: the one reader of JSON object fields for the harness's input
// files (transcripts, the server configuration, the variation catalogue).
// Typed getters whose errors name the file, the key path and what the value
// must be ("server.json: policy.require_mic: must be true or false"); the first
// error is kept, every getter returns false once it fails.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"

namespace ntlm::harness {

// Whether a key must be present.
enum class Need { kOptional, kRequired };

// How a JSON null reads: as if the key were absent (the transcript format's
// free-text fields), or as a value of the wrong type (closed formats).
enum class NullIs { kAbsent, kWrongType };

class JsonFields {
 public:
  using json = nlohmann::json;

  // `file` prefixes every error ("file: key: what"); empty for in-memory text.
  JsonFields(std::string file, std::string& error, NullIs null = NullIs::kWrongType);

  // "prefix.key", or "key" when prefix is empty.
  static std::string Join(std::string_view prefix, std::string_view key);

  // Records "file: key: what" (unless an error is already recorded); false.
  bool Fail(std::string_view key, const std::string& what);

  // Every key of `obj` is one of `keys` (else "prefix.key: unknown key ...").
  bool Known(const json& obj, std::string_view prefix, std::initializer_list<const char*> keys);

  // The value at obj[key] when present (and not null under NullIs::kAbsent).
  const json* Find(const json& obj, const char* key) const;

  bool String(const json& obj, std::string_view prefix, const char* key, std::string& out,
              Need need = Need::kOptional);
  bool String(const json& obj, std::string_view prefix, const char* key,
              std::optional<std::string>& out);
  bool Bool(const json& obj, std::string_view prefix, const char* key, bool& out);
  bool Bool(const json& obj, std::string_view prefix, const char* key, std::optional<bool>& out);
  // An integer lo..hi ("must be an integer lo..hi").
  bool Int(const json& obj, std::string_view prefix, const char* key, int lo, int hi,
           std::optional<int>& out);
  // A non-negative integer.
  bool Unsigned(const json& obj, std::string_view prefix, const char* key,
                std::optional<uint64_t>& out, const char* unit);
  bool Base64(const json& obj, std::string_view prefix, const char* key, Bytes& out,
              Need need = Need::kOptional);
  // 32 hex digits; `key` is the full key path of `value`.
  bool Hex16(const json& value, std::string_view key, std::array<uint8_t, 16>& out);
  // A 32-bit value: a number, a hex string ("0x20080030") or NTLMSSP flag names.
  bool U32(const json& value, std::string_view key, uint32_t& out);
  // NTLMSSP flag names ("SIGN|SEAL|ESS|128"); "" or "none" is 0. Required.
  bool FlagNames(const json& obj, std::string_view prefix, const char* key, uint32_t& out);

 private:
  std::string file_;
  std::string& error_;
  NullIs null_;
};

}  // namespace ntlm::harness
