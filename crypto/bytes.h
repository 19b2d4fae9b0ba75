// bytes.h: byte-span aliases shared by every layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ntlm {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;

}  // namespace ntlm
