// spnego_mic.cc: the acceptor's mechListMIC (see spnego_mic.h).
#include "harness/net/spnego_mic.h"

#include <array>
#include <string>

#include "harness/net/spnego.h"

namespace ntlm::harness::net {

using ssp::SecStatus;

ssp::Result<std::optional<Bytes>> AnswerMechListMic(ssp::SessionSecurity& security,
                                                    ByteSpan mech_types_der,
                                                    const std::optional<Bytes>& initiator_mic,
                                                    bool ntlm_preferred) {
  if (!initiator_mic) {
    if (ntlm_preferred) return std::optional<Bytes>();
    return ssp::MakeError(SecStatus::kLogonDenied,
                          "SPNEGO: NTLM was not the initiator's first mech and no mechListMIC "
                          "came (RFC 4178 5)");
  }
  if (initiator_mic->size() != ssp::kMessageSignatureSize) {
    return ssp::MakeError(SecStatus::kInvalidToken, "SPNEGO mechListMIC of " +
                                                        std::to_string(initiator_mic->size()) +
                                                        " bytes (an NTLMSSP signature is 16)");
  }
  if (auto verified = security.Verify(
          mech_types_der, ssp::SignatureIn(initiator_mic->data(), ssp::kMessageSignatureSize));
      !verified.ok()) {
    return ssp::MakeError(verified.status(),
                          "SPNEGO mechListMIC does not verify: " + verified.error().reason);
  }
  std::array<uint8_t, ssp::kMessageSignatureSize> signature{};
  if (auto signed_ok = security.Sign(mech_types_der, signature); !signed_ok.ok()) {
    return signed_ok.error();
  }
  security.ResetSealingState();
  return std::optional<Bytes>(Bytes(signature.begin(), signature.end()));
}

std::optional<Bytes> InitiatorMechListMic(const ssp::ClientContext& client) {
  auto security = client.CreateSessionSecurity();
  if (!security.ok()) return std::nullopt;
  const Bytes mech_types = EncodeMechTypeList({Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end())});
  std::array<uint8_t, ssp::kMessageSignatureSize> mic{};
  if (!security->Sign(mech_types, mic).ok()) return std::nullopt;
  return Bytes(mic.begin(), mic.end());
}

}  // namespace ntlm::harness::net
