// rc4.h: RC4 as a stateful stream (MS-NLMP uses one handle per direction).
#pragma once

#include <memory>

#include "crypto/bytes.h"

namespace ntlm::crypto {

class Rc4 {
 public:
  Rc4();  // unkeyed: Apply() before SetKey() is a programming error (returns false)
  explicit Rc4(ByteSpan key);
  ~Rc4();  // wipes the key schedule
  Rc4(Rc4&&) noexcept;
  Rc4& operator=(Rc4&&) noexcept;
  Rc4(const Rc4&) = delete;
  Rc4& operator=(const Rc4&) = delete;

  // Re-keys the stream from the start (MS-NLMP RC4Init).
  void SetKey(ByteSpan key);
  bool keyed() const;
  // Encrypts/decrypts in.size() bytes into out (same size; may alias exactly).
  // Returns false only when unkeyed or sizes differ.
  bool Apply(ByteSpan in, MutableByteSpan out);
  bool ApplyInPlace(MutableByteSpan data) { return Apply(data, data); }

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// One-shot RC4K(key, data) as MS-NLMP writes it.
Bytes Rc4Once(ByteSpan key, ByteSpan data);

}  // namespace ntlm::crypto
