// openssl_rc4.h: REFERENCE ONLY (tests and benches; the product does not link
// it). RC4 over OpenSSL 3 as a stateful stream (MS-NLMP uses one handle per
// direction), the independent implementation that the product's inline RC4
// (crypto/rc4_state.h) is checked and measured against.
//
// [MS-NLMP] 3.4 keeps one RC4 handle for sealing client-to-server and one for
// server-to-client, each running continuously across messages (RC4Init in
// 3.4.5.3, RC4 in 3.4.3-3.4.4). Rc4 is that handle: keyed once, then each
// Apply() continues the key stream. Apply() never allocates. Key lengths 1 to
// 256 bytes are accepted; NTLM uses 16-byte (128-bit) and 8-byte (the 40- and
// 56-bit SEALKEY variants and the LM-key KXKEY) keys.
//
// Failure (see crypto/init.h): if initialization failed the stream stays
// unkeyed, Apply() returns false and zeroes `out`, and crypto::HasFailed()
// becomes true.
#pragma once

#include <memory>

#include "crypto/bytes.h"

namespace ntlm::reference {

// Rc4 is one RC4 key stream. Movable (a moved-from Rc4 is unkeyed), not
// copyable; the key schedule is wiped on destruction and on re-keying.
class Rc4 {
 public:
  Rc4();  // unkeyed: Apply() before SetKey() is a programming error (returns false)
  explicit Rc4(ByteSpan key);
  ~Rc4();  // wipes the key schedule
  Rc4(Rc4&&) noexcept;
  Rc4& operator=(Rc4&&) noexcept;
  Rc4(const Rc4&) = delete;
  Rc4& operator=(const Rc4&) = delete;

  // SetKey re-keys the stream from the start (MS-NLMP RC4Init). An empty key
  // or one longer than 256 bytes leaves the stream unkeyed.
  void SetKey(ByteSpan key);
  // keyed reports whether SetKey() succeeded.
  bool keyed() const;
  // Apply encrypts/decrypts in.size() bytes into out (same size; may alias
  // exactly, not partially). Returns false, with `out` zeroed, only when
  // unkeyed, when the sizes differ or when OpenSSL fails.
  bool Apply(ByteSpan in, MutableByteSpan out);
  // ApplyInPlace is Apply(data, data).
  bool ApplyInPlace(MutableByteSpan data) { return Apply(data, data); }

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Rc4Once is the one-shot RC4K(key, data) as MS-NLMP writes it (e.g. the
// EncryptedRandomSessionKey, [MS-NLMP] 3.1.5.1.2). On failure the result is
// data.size() zero bytes.
Bytes Rc4Once(ByteSpan key, ByteSpan data);

}  // namespace ntlm::reference
