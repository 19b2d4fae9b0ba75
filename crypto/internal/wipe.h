// wipe.h: an inline wipe for the per-message hot path. memset followed by a
// compiler barrier that claims to read the memory, so the stores cannot be
// removed as dead; cheaper than an OPENSSL_cleanse call for a few bytes.
// Internal to crypto/.
#pragma once

#include <cstddef>
#include <cstring>

namespace ntlm::crypto::internal {

inline void WipeInline(void* p, size_t n) {
  std::memset(p, 0, n);
  __asm__ __volatile__("" : : "r"(p) : "memory");
}

}  // namespace ntlm::crypto::internal
