#include "harness/json_fields.h"

#include <algorithm>

#include "ssp/flags.h"
#include "ssp/text_encoding.h"

namespace ntlm::harness {

JsonFields::JsonFields(std::string file, std::string& error, NullIs null)
    : file_(std::move(file)), error_(error), null_(null) {
  error_.clear();
}

std::string JsonFields::Join(std::string_view prefix, std::string_view key) {
  if (prefix.empty()) return std::string(key);
  return std::string(prefix) + "." + std::string(key);
}

bool JsonFields::Fail(std::string_view key, const std::string& what) {
  if (error_.empty()) {
    error_ = (file_.empty() ? std::string() : file_ + ": ") + std::string(key) + ": " + what;
  }
  return false;
}

bool JsonFields::Known(const json& obj, std::string_view prefix,
                       std::initializer_list<const char*> keys) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return it.key() == k; })) {
      std::string list;
      for (const char* k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
      return Fail(Join(prefix, it.key()), "unknown key (expected one of: " + list + ")");
    }
  }
  return true;
}

const JsonFields::json* JsonFields::Find(const json& obj, const char* key) const {
  auto it = obj.find(key);
  if (it == obj.end() || (null_ == NullIs::kAbsent && it->is_null())) return nullptr;
  return &*it;
}

bool JsonFields::String(const json& obj, std::string_view prefix, const char* key, std::string& out,
                        Need need) {
  const json* v = Find(obj, key);
  if (!v)
    return need == Need::kRequired ? Fail(Join(prefix, key), "missing (must be a string)") : true;
  if (!v->is_string()) return Fail(Join(prefix, key), "must be a string");
  out = v->get<std::string>();
  return true;
}

bool JsonFields::String(const json& obj, std::string_view prefix, const char* key,
                        std::optional<std::string>& out) {
  if (!Find(obj, key)) return true;
  std::string value;
  if (!String(obj, prefix, key, value)) return false;
  out = std::move(value);
  return true;
}

bool JsonFields::Bool(const json& obj, std::string_view prefix, const char* key, bool& out) {
  std::optional<bool> value;
  if (!Bool(obj, prefix, key, value)) return false;
  if (value) out = *value;
  return true;
}

bool JsonFields::Bool(const json& obj, std::string_view prefix, const char* key,
                      std::optional<bool>& out) {
  const json* v = Find(obj, key);
  if (!v) return true;
  if (!v->is_boolean()) return Fail(Join(prefix, key), "must be true or false");
  out = v->get<bool>();
  return true;
}

bool JsonFields::Int(const json& obj, std::string_view prefix, const char* key, int lo, int hi,
                     std::optional<int>& out) {
  const json* v = Find(obj, key);
  if (!v) return true;
  if (!v->is_number_integer() || v->get<int64_t>() < lo || v->get<int64_t>() > hi) {
    return Fail(Join(prefix, key),
                "must be an integer " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  out = v->get<int>();
  return true;
}

bool JsonFields::Unsigned(const json& obj, std::string_view prefix, const char* key,
                          std::optional<uint64_t>& out, const char* unit) {
  const json* v = Find(obj, key);
  if (!v) return true;
  if (!v->is_number_integer() || (!v->is_number_unsigned() && v->get<int64_t>() < 0)) {
    return Fail(Join(prefix, key), std::string("must be a non-negative integer (") + unit + ")");
  }
  out = v->get<uint64_t>();
  return true;
}

bool JsonFields::Base64(const json& obj, std::string_view prefix, const char* key, Bytes& out,
                        Need need) {
  if (!Find(obj, key)) {
    return need == Need::kRequired ? Fail(Join(prefix, key), "missing (base64)") : true;
  }
  std::string text;
  if (!String(obj, prefix, key, text)) return false;
  std::string why;
  auto bytes = ssp::DecodeBase64(text, why);
  if (!bytes) return Fail(Join(prefix, key), why);
  out = std::move(*bytes);
  return true;
}

bool JsonFields::Hex16(const json& value, std::string_view key, std::array<uint8_t, 16>& out) {
  if (!value.is_string()) return Fail(key, "must be a string of 32 hex digits");
  std::string why;
  auto bytes = ssp::DecodeHex(value.get<std::string>(), why);
  if (!bytes) return Fail(key, why);
  if (bytes->size() != 16) {
    return Fail(
        key, "must be 32 hex digits (16 bytes), got " + std::to_string(bytes->size()) + " bytes");
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

bool JsonFields::U32(const json& value, std::string_view key, uint32_t& out) {
  if (value.is_number_unsigned() || value.is_number_integer()) {
    auto v = value.get<int64_t>();
    if ((value.is_number_integer() && !value.is_number_unsigned() && v < 0) ||
        value.get<uint64_t>() > 0xffffffffULL) {
      return Fail(key, "out of range for a 32-bit value");
    }
    out = static_cast<uint32_t>(v);
    return true;
  }
  if (value.is_string()) {
    auto parsed = ssp::ParseFlagList(value.get<std::string>());
    if (!parsed) {
      return Fail(key, "not a number, hex value or flag names: '" + value.get<std::string>() + "'");
    }
    out = *parsed;
    return true;
  }
  return Fail(key, "must be a number or a hex string");
}

bool JsonFields::FlagNames(const json& obj, std::string_view prefix, const char* key,
                           uint32_t& out) {
  const json* v = Find(obj, key);
  if (!v) return Fail(Join(prefix, key), "missing (flag names like \"SIGN|SEAL|ESS|128\" or \"\")");
  if (!v->is_string()) return Fail(Join(prefix, key), "must be a string of flag names");
  const std::string text = v->get<std::string>();
  if (text.empty() || text == "none") {
    out = 0;
    return true;
  }
  auto parsed = ssp::ParseFlagList(text);
  if (!parsed) return Fail(Join(prefix, key), "'" + text + "' is not a list of NTLMSSP flag names");
  out = *parsed;
  return true;
}

}  // namespace ntlm::harness
