#include "harness/policy_json.h"

#include "harness/min_server_sec.h"

namespace ntlm::harness {
namespace {

using nlohmann::json;

constexpr const char* kPolicyKeys[] = {"min_server_sec",       "require_mic",
                                       "target_name",          "lm_compat_level",
                                       "channel_bindings_md5", "max_clock_skew_s"};

bool ReadMinServerSec(const json& value, const std::string& key, JsonFields& fields,
                      std::optional<uint32_t>& out) {
  std::string text;
  if (value.is_number_integer()) {
    if (!value.is_number_unsigned() || value.get<uint64_t>() > 0xffffffffULL) {
      return fields.Fail(key, "out of range for a 32-bit value");
    }
    text = std::to_string(value.get<uint64_t>());
  } else if (value.is_string()) {
    text = value.get<std::string>();
  } else {
    return fields.Fail(key,
                       "must be a number or a hex string (\"0x20000000\") or flag names "
                       "(\"SEAL|128|ESS\")");
  }
  std::string why;
  auto parsed = ParseMinServerSec(text, why);
  if (!parsed) return fields.Fail(key, why);
  out = *parsed;
  return true;
}

}  // namespace

bool ReadPolicyFields(const json& obj, std::string_view prefix, JsonFields& fields,
                      PolicyFields& out) {
  // The policy keys that are set: null is "not set", whatever the file's own
  // rule for null, except that max_clock_skew_s: null turns the check off.
  json set = json::object();
  for (const char* key : kPolicyKeys) {
    auto it = obj.find(key);
    if (it == obj.end()) continue;
    if (!it->is_null()) {
      set[key] = *it;
    } else if (std::string_view(key) == "max_clock_skew_s") {
      out.no_timestamp_check = true;
    }
  }
  if (auto it = set.find("min_server_sec"); it != set.end()) {
    if (!ReadMinServerSec(*it, JsonFields::Join(prefix, "min_server_sec"), fields,
                          out.min_server_sec)) {
      return false;
    }
  }
  if (auto it = set.find("channel_bindings_md5"); it != set.end()) {
    std::array<uint8_t, 16> md5{};
    if (!fields.Hex16(*it, JsonFields::Join(prefix, "channel_bindings_md5"), md5)) return false;
    out.channel_bindings_md5 = md5;
  }
  return fields.Int(set, prefix, "lm_compat_level", 0, 5, out.lm_compat_level) &&
         fields.Bool(set, prefix, "require_mic", out.require_mic) &&
         fields.String(set, prefix, "target_name", out.target_name) &&
         fields.Unsigned(set, prefix, "max_clock_skew_s", out.max_clock_skew_s, "seconds");
}

}  // namespace ntlm::harness
