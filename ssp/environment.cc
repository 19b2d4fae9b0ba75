#include "ssp/environment.h"

#include "crypto/random.h"

namespace ntlm::ssp {

bool SecureRandom::Fill(MutableByteSpan out) { return crypto::RandomBytes(out); }

}  // namespace ntlm::ssp
