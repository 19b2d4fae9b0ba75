#include "tests/interop/exchange.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "ssp/hex.h"
#include "ssp/status.h"

namespace ntlm::interop {
namespace {

using Sig = std::array<uint8_t, ssp::kMessageSignatureSize>;
constexpr size_t kSigSize = ssp::kMessageSignatureSize;

uint32_t Le32(ByteSpan bytes, size_t offset) {
  return static_cast<uint32_t>(bytes[offset]) | static_cast<uint32_t>(bytes[offset + 1]) << 8 |
         static_cast<uint32_t>(bytes[offset + 2]) << 16 |
         static_cast<uint32_t>(bytes[offset + 3]) << 24;
}

std::string Head(ByteSpan bytes) {
  return ssp::HexBytes(bytes.first(std::min<size_t>(bytes.size(), 48)));
}

// Our GSS_WrapEx in gss-ntlmssp's layout: signature || ciphertext.
Bytes OurSeal(ssp::SessionSecurity& ours, ByteSpan message) {
  Bytes token(kSigSize + message.size());
  ssp::Status st = ours.Seal(message, MutableByteSpan(token).subspan(kSigSize),
                             ssp::SignatureOut(token.data(), kSigSize));
  EXPECT_TRUE(st.ok()) << "our Seal: " << ssp::StatusName(st.status()) << ": "
                       << (st.ok() ? "" : st.error().reason);
  return token;
}

Bytes OurSign(ssp::SessionSecurity& ours, ByteSpan message) {
  Bytes sig(kSigSize);
  ssp::Status st = ours.Sign(message, ssp::SignatureOut(sig.data(), kSigSize));
  EXPECT_TRUE(st.ok()) << "our Sign: " << ssp::StatusName(st.status()) << ": "
                       << (st.ok() ? "" : st.error().reason);
  return sig;
}

// Unseals a gss_wrap token; returns the status.
ssp::SecStatus OurUnseal(ssp::SessionSecurity& ours, ByteSpan token, Bytes& plaintext,
                         std::string* reason = nullptr) {
  if (token.size() < kSigSize) {
    ADD_FAILURE() << "gss_wrap token of " << token.size() << " bytes";
    return ssp::SecStatus::kInvalidToken;
  }
  plaintext.assign(token.size() - kSigSize, 0);
  ssp::Status st = ours.Unseal(token.subspan(kSigSize), ssp::SignatureIn(token.data(), kSigSize),
                               MutableByteSpan(plaintext));
  if (reason && !st.ok()) *reason = st.error().reason;
  return st.status();
}

void ExpectGssWrapLayout(ByteSpan token, size_t message_size, const ssp::SessionSecurity& ours) {
  ASSERT_EQ(token.size(), message_size + kSigSize)
      << "gss_wrap token is not signature(16) || ciphertext(n): " << Head(token);
  if (ours.extended_session_security()) {
    // Version 1 and, with ESS, the SeqNum in the clear (MS-NLMP 2.2.2.9.2).
    EXPECT_EQ(Le32(token, 0), 1u) << Head(token);
    EXPECT_EQ(Le32(token, 12), ours.inbound_sequence())
        << "gss-ntlmssp's SeqNum is not the one our receiver expects: " << Head(token);
  } else {
    EXPECT_EQ(Le32(token, 0), 1u) << Head(token);
  }
}

}  // namespace

void ExchangeMessages(const GssContext& gss, ssp::SessionSecurity& ours,
                      const ExchangeOptions& options) {
  uint8_t seed = 1;
  for (size_t size : kMessageSizes) {
    SCOPED_TRACE("message size " + std::to_string(size));
    const Bytes m_gss_wrap = MessageOfSize(size, seed++);
    const Bytes m_our_seal = MessageOfSize(size, seed++);
    const Bytes m_gss_mic = MessageOfSize(size, seed++);
    const Bytes m_our_sign = MessageOfSize(size, seed++);

    Bytes gss_wrapped, our_sealed, gss_mic, our_sig;

    // Each step produces or consumes one message.
    auto gss_wrap = [&] {
      GssOutcome w = Wrap(gss, m_gss_wrap, 1);
      ASSERT_TRUE(w.ok()) << "gss_wrap: " << w.Text();
      EXPECT_EQ(w.conf_state, 1) << "gss_wrap conf_state";
      gss_wrapped = w.bytes;
    };
    auto our_unseal = [&] {
      ExpectGssWrapLayout(gss_wrapped, size, ours);
      Bytes plain;
      std::string reason;
      const uint32_t seq_before = ours.inbound_sequence();
      ssp::SecStatus st = OurUnseal(ours, gss_wrapped, plain, &reason);
      ASSERT_EQ(st, ssp::SecStatus::kOk)
          << "our Unseal of gss_wrap output: " << ssp::StatusName(st) << ": " << reason
          << "\n  token head " << Head(gss_wrapped);
      EXPECT_EQ(plain, m_gss_wrap) << "our Unseal: plaintext differs";
      if (ours.extended_session_security()) {
        EXPECT_EQ(ours.inbound_sequence(), seq_before + 1);
      }
    };
    auto our_seal = [&] { our_sealed = OurSeal(ours, m_our_seal); };
    auto gss_unwrap = [&] {
      GssOutcome u = Unwrap(gss, our_sealed);
      ASSERT_TRUE(u.ok()) << "gss_unwrap of our Seal output: " << u.Text() << "\n  token head "
                          << Head(our_sealed);
      EXPECT_EQ(u.bytes, m_our_seal) << "gss_unwrap: plaintext differs";
      EXPECT_EQ(u.conf_state, 1) << "gss_unwrap conf_state";
    };
    auto gss_get_mic = [&] {
      GssOutcome m = GetMic(gss, m_gss_mic);
      ASSERT_TRUE(m.ok()) << "gss_get_mic: " << m.Text();
      ASSERT_EQ(m.bytes.size(), kSigSize);
      gss_mic = m.bytes;
    };
    auto our_verify = [&] {
      ssp::Status st = ours.Verify(m_gss_mic, ssp::SignatureIn(gss_mic.data(), kSigSize));
      EXPECT_TRUE(st.ok()) << "our Verify of gss_get_mic output: " << ssp::StatusName(st.status())
                           << ": " << (st.ok() ? "" : st.error().reason) << "\n  MIC "
                           << ssp::HexBytes(gss_mic);
    };
    auto our_sign = [&] { our_sig = OurSign(ours, m_our_sign); };
    auto gss_verify = [&] {
      GssOutcome v = VerifyMic(gss, m_our_sign, our_sig);
      EXPECT_TRUE(v.ok()) << "gss_verify_mic of our Sign output: " << v.Text() << "\n  MIC "
                          << ssp::HexBytes(our_sig);
    };

    std::vector<std::pair<const char*, std::function<void()>>> steps;
    if (options.ordering == Ordering::kInterleaved) {
      if (options.wrap) steps.insert(steps.end(), {{"gss_wrap", gss_wrap}, {"our Seal", our_seal}});
      steps.insert(steps.end(), {{"gss_get_mic", gss_get_mic}, {"our Sign", our_sign}});
      if (options.wrap) {
        steps.insert(steps.end(), {{"gss_unwrap", gss_unwrap}, {"our Unseal", our_unseal}});
      }
      steps.insert(steps.end(), {{"gss_verify_mic", gss_verify}, {"our Verify", our_verify}});
    } else {
      if (options.wrap) {
        steps.insert(steps.end(), {{"gss_wrap", gss_wrap},
                                   {"our Unseal", our_unseal},
                                   {"our Seal", our_seal},
                                   {"gss_unwrap", gss_unwrap}});
      }
      steps.insert(steps.end(), {{"gss_get_mic", gss_get_mic},
                                 {"our Verify", our_verify},
                                 {"our Sign", our_sign},
                                 {"gss_verify_mic", gss_verify}});
    }
    for (auto& [name, step] : steps) {
      SCOPED_TRACE(name);
      step();
      if (::testing::Test::HasFatalFailure()) return;
    }
    if (::testing::Test::HasFailure()) return;
  }

  if (!options.tamper_at_end || !options.wrap) return;
  SCOPED_TRACE("tampered tokens");
  const Bytes message = MessageOfSize(32, 0xee);
  // Ours -> gss first: with the shared no-ESS RC4 handle both peers consume
  // the same key stream for the refused message, so they stay in step.
  Bytes sealed = OurSeal(ours, message);
  sealed.back() ^= 0x01;
  GssOutcome u = Unwrap(gss, sealed);
  EXPECT_EQ(u.major, static_cast<OM_uint32>(GSS_S_BAD_SIG))
      << "gss_unwrap of a tampered token: " << u.Text();

  GssOutcome w = Wrap(gss, message, 1);
  ASSERT_TRUE(w.ok()) << "gss_wrap: " << w.Text();
  w.bytes.back() ^= 0x01;
  Bytes plain;
  EXPECT_EQ(OurUnseal(ours, w.bytes, plain), ssp::SecStatus::kMessageAltered)
      << "our Unseal of a tampered gss_wrap token";
}

}  // namespace ntlm::interop
