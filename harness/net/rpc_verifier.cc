// rpc_verifier.cc: the auth verifier of protected DCE/RPC fragments (see
// rpc_verifier.h).
#include "harness/net/rpc_verifier.h"

#include "harness/net/rpc_pdu.h"

namespace ntlm::harness::net::rpc {

namespace {

constexpr size_t kSignatureSize = ssp::kMessageSignatureSize;

// {headers, stub, sec_trailer} as SealEx/UnsealEx take them.
struct FragmentBuffers {
  ssp::WrapBuffer parts[3];

  FragmentBuffers(MutableByteSpan fragment, const ProtectedFragment& p) {
    const ByteSpan all(fragment);
    const ByteSpan headers = all.first(p.stub_offset);
    const MutableByteSpan stub = fragment.subspan(p.stub_offset, p.trailer_offset - p.stub_offset);
    const ByteSpan trailer = all.subspan(p.trailer_offset, kSecTrailerSize);
    auto covered = [&](ByteSpan bytes) {
      return p.header_signed ? ssp::WrapBuffer::SignOnly(bytes) : ssp::WrapBuffer::ReadOnly(bytes);
    };
    parts[0] = covered(headers);
    parts[1] = p.seal ? ssp::WrapBuffer::EncryptInPlace(stub) : ssp::WrapBuffer::SignOnly(stub);
    parts[2] = covered(trailer);
  }
};

}  // namespace

size_t MaxStubPerFragment(size_t max_xmit, size_t stub_offset, bool protect) {
  size_t chunk_max = max_xmit - stub_offset;
  if (protect) {
    chunk_max -= kSecTrailerSize + kSignatureSize;
    chunk_max -= chunk_max % kStubPadAlignment;  // a full chunk needs no auth pad
  }
  return chunk_max;
}

ssp::Status ProtectFragment(ssp::SessionSecurity& security, MutableByteSpan fragment,
                            const ProtectedFragment& parts) {
  const FragmentBuffers buffers(fragment, parts);
  const ssp::SignatureOut signature(fragment.data() + parts.trailer_offset + kSecTrailerSize,
                                    kSignatureSize);
  return security.SealEx(buffers.parts, signature);
}

ssp::Status UnprotectFragment(ssp::SessionSecurity& security, MutableByteSpan fragment,
                              const ProtectedFragment& parts, ssp::SignatureIn signature) {
  const FragmentBuffers buffers(fragment, parts);
  return security.UnsealEx(buffers.parts, signature);
}

}  // namespace ntlm::harness::net::rpc
