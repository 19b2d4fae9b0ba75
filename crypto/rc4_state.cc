// rc4_state.cc: RC4 key schedule and key stream ([MS-NLMP] 3.4.3, RC4K).
#include "crypto/rc4_state.h"

#include "crypto/internal/rc4_steps.h"
#include "crypto/internal/wipe.h"

namespace ntlm::crypto {

using internal::Rc4Next;

Rc4State::~Rc4State() { Wipe(); }

void Rc4State::Wipe() { internal::WipeInline(this, sizeof(*this)); }

void Rc4State::SetKey(const uint8_t* key, size_t key_len) {
  if (key_len > 256) key_len = 256;
  for (uint32_t i = 0; i < 256; ++i) s[i] = i;
  x = 0;
  y = 0;
  if (key_len == 0) return;
  uint32_t j = 0;
  size_t k = 0;
  for (uint32_t i = 0; i < 256; ++i) {
    const uint32_t t = s[i];
    j = (j + t + key[k]) & 0xff;
    s[i] = s[j];
    s[j] = t;
    if (++k == key_len) k = 0;
  }
}

void Rc4State::Apply(const uint8_t* in, uint8_t* out, size_t n) {
  uint32_t lx = x, ly = y;
  uint32_t* box = s;
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(in[i] ^ Rc4Next(box, lx, ly));
  x = lx;
  y = ly;
}

}  // namespace ntlm::crypto
