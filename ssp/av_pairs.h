// av_pairs.h: AV_PAIR lists ([MS-NLMP] 2.2.2.1).
//
// Used in CHALLENGE_MESSAGE.TargetInfo and in the NTLMv2 client challenge
// (NTLMv2_CLIENT_CHALLENGE.AvPairs, 2.2.2.7). The list keeps every pair in
// wire order with its raw value bytes (unknown AvIds and duplicates
// included), so EncodeAvPairs(DecodeAvPairs(t)) == t.
//
// Bytes after MsvAvEOL are allowed and preserved in `trailing`: the NTLMv2
// temp ends in Z(4) after the AV pairs (3.3.2) and Windows tolerates padding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "ssp/status.h"

namespace ntlm::ssp {

/// AvId values ([MS-NLMP] 2.2.2.1).
enum class AvId : uint16_t {
  kEol = 0,               // MsvAvEOL
  kNbComputerName = 1,    // MsvAvNbComputerName (UTF-16LE)
  kNbDomainName = 2,      // MsvAvNbDomainName (UTF-16LE)
  kDnsComputerName = 3,   // MsvAvDnsComputerName (UTF-16LE)
  kDnsDomainName = 4,     // MsvAvDnsDomainName (UTF-16LE)
  kDnsTreeName = 5,       // MsvAvDnsTreeName (UTF-16LE)
  kFlags = 6,             // MsvAvFlags (uint32)
  kTimestamp = 7,         // MsvAvTimestamp (FILETIME, uint64)
  kSingleHost = 8,        // MsvAvSingleHost (Single_Host_Data, 2.2.2.2)
  kTargetName = 9,        // MsvAvTargetName (UTF-16LE SPN)
  kChannelBindings = 10,  // MsvAvChannelBindings (MD5, 16 bytes)
};

/// "MsvAvNbComputerName" etc.; "AvId N" for unknown ids.
std::string AvIdName(uint16_t id);

/// MsvAvFlags bits ([MS-NLMP] 2.2.2.1).
inline constexpr uint32_t kAvFlagConstrained = 0x1;   // account authentication is constrained
inline constexpr uint32_t kAvFlagMicPresent = 0x2;    // the AUTHENTICATE carries a MIC
inline constexpr uint32_t kAvFlagUntrustedSpn = 0x4;  // MsvAvTargetName from an untrusted source

/// One AV_PAIR: AvId and the raw Value bytes (AvLen = value.size()).
struct AvPair {
  uint16_t id = 0;
  Bytes value;

  friend bool operator==(const AvPair&, const AvPair&) = default;
};

/// Single_Host_Data ([MS-NLMP] 2.2.2.2): Size, Z4, CustomData (8),
/// MachineID (32); `extra` holds bytes beyond the 48-byte structure.
struct SingleHostData {
  uint32_t size = 48;
  uint32_t z4 = 0;
  std::array<uint8_t, 8> custom_data{};
  std::array<uint8_t, 32> machine_id{};
  Bytes extra;
};

/// An AV pair list. `pairs` excludes the terminating MsvAvEOL (DecodeAvPairs
/// never puts it there); EncodeAvPairs writes it, unless the caller already
/// ended `pairs` with an empty MsvAvEOL. `trailing` are the bytes after it.
struct AvPairList {
  std::vector<AvPair> pairs;
  Bytes trailing;

  /// First pair with `id`, or nullptr.
  const AvPair* Find(AvId id) const;
  bool Has(AvId id) const { return Find(id) != nullptr; }
  /// Number of pairs with `id` (duplicates are kept as received).
  size_t Count(AvId id) const;

  /// A UTF-16LE string value (ids 1-5, 9) as UTF-8. Absent pair or invalid
  /// UTF-16LE: SEC_E_INVALID_TOKEN naming the id.
  Result<std::string> GetString(AvId id) const;
  /// MsvAvFlags; nullopt when absent (length is checked at decode).
  std::optional<uint32_t> Flags() const;
  /// MsvAvTimestamp (FILETIME: 100 ns since 1601-01-01 UTC); nullopt when absent.
  std::optional<uint64_t> Timestamp() const;
  /// MsvAvChannelBindings; nullopt when absent.
  std::optional<std::array<uint8_t, 16>> ChannelBindings() const;
  /// MsvAvSingleHost; error when absent or shorter than 48 bytes.
  Result<SingleHostData> SingleHost() const;

  /// Replaces the value of the first pair with `id` in place, or appends a
  /// new pair (before a final MsvAvEOL in `pairs`, if any). `id` must not be
  /// kEol.
  void Set(AvId id, ByteSpan value);
  /// Set() with the UTF-16LE encoding of `utf8` (invalid UTF-8: error).
  Status SetString(AvId id, std::string_view utf8);
  void SetFlags(uint32_t flags);
  void SetTimestamp(uint64_t filetime);
  void SetChannelBindings(const std::array<uint8_t, 16>& md5);
  void SetSingleHost(const SingleHostData& data);
  /// Removes every pair with `id`; returns how many were removed.
  size_t Remove(AvId id);

  friend bool operator==(const AvPairList&, const AvPairList&) = default;
};

/// Parses an AV pair list. `context` prefixes errors (e.g. "CHALLENGE:
/// TargetInfo"); `base_offset` is the absolute token offset of data[0] so
/// errors report token offsets. Errors (SEC_E_INVALID_TOKEN): missing
/// MsvAvEOL, a pair header or value running past the end, MsvAvEOL with
/// AvLen != 0, wrong fixed length for MsvAvFlags (4), MsvAvTimestamp (8) or
/// MsvAvChannelBindings (16).
Result<AvPairList> DecodeAvPairs(ByteSpan data, std::string_view context = "AvPairs",
                                 size_t base_offset = 0);

/// pairs, then MsvAvEOL (0, 0) unless pairs already ends with one, then
/// trailing.
Bytes EncodeAvPairs(const AvPairList& list);

/// Human-readable value: strings as text, MsvAvFlags / Timestamp as hex,
/// other values as hex bytes.
std::string AvPairValueToString(const AvPair& pair);

}  // namespace ntlm::ssp
