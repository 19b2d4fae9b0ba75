// rc4_steps.h: one RC4 keystream step on a 32-bit-cell S-box (Rc4State's
// layout), shared by the stitched seal (crypto/rc4_md5_stitched.cc) and the
// multi-session batch (crypto/md5_multibuffer.cc). Internal to crypto/.
#pragma once

#include <cstdint>

namespace ntlm::crypto::internal {

// The next keystream byte (in the low 8 bits); x and y are the RC4 indices.
inline uint32_t Rc4Next(uint32_t* s, uint32_t& x, uint32_t& y) {
  x = (x + 1) & 0xff;
  const uint32_t tx = s[x];
  y = (y + tx) & 0xff;
  const uint32_t ty = s[y];
  s[x] = ty;
  s[y] = tx;
  return s[(tx + ty) & 0xff];
}

// Rc4Next with 8-bit indices: the wrap-around is the register width, so no
// masking instructions (the stitched block's hot path).
inline uint32_t Rc4Next8(uint32_t* s, uint8_t& x, uint8_t& y) {
  ++x;
  const uint32_t tx = s[x];
  y = static_cast<uint8_t>(y + tx);
  const uint32_t ty = s[y];
  s[x] = ty;
  s[y] = tx;
  return s[static_cast<uint8_t>(tx + ty)];
}

}  // namespace ntlm::crypto::internal
