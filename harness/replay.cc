#include "harness/replay.h"

#include <algorithm>

#include "harness/token_input.h"
#include "ssp/credentials.h"
#include "ssp/hex.h"
#include "ssp/session_security.h"

namespace ntlm::harness {
namespace {

using ssp::SecStatus;

std::string Describe(bool accept, SecStatus status, const std::optional<size_t>& at) {
  std::string s = accept ? "accept" : "reject";
  s += " " + ssp::StatusName(status);
  if (!accept && at) s += " at " + std::to_string(*at);
  return s;
}

void Reject(ReplayOutcome& out, size_t at, const ssp::Error& error) {
  out.accept = false;
  out.status = error.status;
  out.at = at;
  out.reason = error.reason;
}

// Offset of `needle` inside `haystack` (last occurrence), or npos.
size_t FindLast(ByteSpan haystack, ByteSpan needle) {
  if (needle.size() > haystack.size()) return std::string::npos;
  auto it = std::find_end(haystack.begin(), haystack.end(), needle.begin(), needle.end());
  if (it == haystack.end() && !needle.empty()) return std::string::npos;
  return static_cast<size_t>(it - haystack.begin());
}

// The buffers of a message whose signature covers `signed_bytes`, of which
// only the `plaintext`-sized part at its last occurrence travels encrypted
// (DCE/RPC: header and trailer signed, stub sealed).
struct SignedLayout {
  ByteSpan prefix, suffix;
};
std::optional<SignedLayout> SplitSigned(const Bytes& signed_bytes, const Bytes& plaintext) {
  size_t pos = FindLast(signed_bytes, plaintext);
  if (pos == std::string::npos) return std::nullopt;
  ByteSpan all(signed_bytes);
  return SignedLayout{all.subspan(0, pos), all.subspan(pos + plaintext.size())};
}

class ServerReplay {
 public:
  ServerReplay(const Transcript& t, ReplayOutcome& out)
      : t_(t),
        out_(out),
        store_(LoadStore(t)),
        clock_(t.server.clock.value_or(0)),
        random_(Bytes{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}),
        server_(ssp::ServerIdentity{}, PolicyFromTranscript(t.server), store_, clock_, random_) {}

  // Processes entry i; an error is the server's rejection at that entry.
  ssp::Status Step(size_t i) {
    const TranscriptEntry& e = t_.exchange[i];
    switch (e.type) {
      case EntryType::kNegotiate:
        NTLM_RETURN_IF_ERROR(server_.AcceptNegotiate(e.token));
        return ssp::Status::Ok();
      case EntryType::kChallenge:
        return server_.AdoptChallenge(e.token);
      case EntryType::kAuthenticate: {
        NTLM_ASSIGN_OR_RETURN(auto r, server_.AcceptAuthenticate(e.token));
        out_.accept = true;
        out_.status = SecStatus::kOk;
        out_.user = r.QualifiedUser();
        out_.negotiated_flags = r.negotiated_flags;
        out_.session_key = Bytes(r.exported_session_key.data(), r.exported_session_key.data() + 16);
        session_.emplace(r.negotiated_flags, r.exported_session_key, /*is_server=*/true);
        return ssp::Status::Ok();
      }
      case EntryType::kSeal:
      case EntryType::kSign:
        if (!session_) {
          return ssp::MakeError(
              SecStatus::kInvalidToken,
              std::string(EntryTypeName(e.type)) + " message before the context is established");
        }
        return e.dir == EntryDir::kClientToServer ? Receive(i, e) : Produce(i, e);
    }
    return ssp::Status::Ok();
  }

  const std::vector<ssp::LogEvent>& events() const { return server_.events(); }
  bool established() const { return session_.has_value(); }

 private:
  static ssp::InMemoryCredentialStore LoadStore(const Transcript& t) {
    ssp::InMemoryCredentialStore store;
    for (const auto& a : t.accounts) {
      auto account = a.nt_hash ? ssp::AccountFromNtHash(a.domain, a.user, *a.nt_hash)
                               : ssp::AccountFromPassword(a.domain, a.user, *a.password);
      if (account.ok()) store.Add(std::move(*account));
    }
    return store;
  }

  void NoteDifference(size_t i, std::string what) {
    if (out_.content_difference_at) return;
    out_.content_difference_at = i;
    out_.content_difference = std::move(what);
  }

  // c2s: verify or unseal with the server's session.
  ssp::Status Receive(size_t i, const TranscriptEntry& e) {
    const bool seal = e.type == EntryType::kSeal;
    const ByteSpan covered = e.signed_bytes ? ByteSpan(*e.signed_bytes) : ByteSpan(e.plaintext);
    if (!seal) return session_->Verify(covered, e.signature);
    Bytes plain(e.data.size());
    ssp::Status st;
    if (!e.signed_bytes) {
      st = session_->Unseal(e.data, e.signature, plain);
    } else {
      auto layout = SplitSigned(*e.signed_bytes, e.plaintext);
      if (!layout) return SignedWithoutPlaintext();
      const ssp::WrapBuffer buffers[] = {ssp::WrapBuffer::SignOnly(layout->prefix),
                                         ssp::WrapBuffer::Encrypt(e.data, plain),
                                         ssp::WrapBuffer::SignOnly(layout->suffix)};
      st = session_->UnsealEx(buffers, e.signature);
    }
    if (st.ok() && plain != e.plaintext) {
      NoteDifference(i, "unsealed plaintext " + EncodeHex(plain) + " differs from the recorded " +
                            EncodeHex(e.plaintext));
    }
    return st;
  }

  // s2c: produce with the server's session and compare byte for byte.
  ssp::Status Produce(size_t i, const TranscriptEntry& e) {
    const bool seal = e.type == EntryType::kSeal;
    Bytes cipher(seal ? e.plaintext.size() : 0);
    std::array<uint8_t, 16> signature{};
    ssp::Status st;
    if (!seal) {
      st = session_->Sign(e.signed_bytes ? ByteSpan(*e.signed_bytes) : ByteSpan(e.plaintext),
                          signature);
    } else if (!e.signed_bytes) {
      st = session_->Seal(e.plaintext, cipher, signature);
    } else {
      auto layout = SplitSigned(*e.signed_bytes, e.plaintext);
      if (!layout) return SignedWithoutPlaintext();
      const ssp::WrapBuffer buffers[] = {ssp::WrapBuffer::SignOnly(layout->prefix),
                                         ssp::WrapBuffer::Encrypt(e.plaintext, cipher),
                                         ssp::WrapBuffer::SignOnly(layout->suffix)};
      st = session_->SealEx(buffers, signature);
    }
    if (!st.ok()) return st;
    if (seal && cipher != e.data) {
      NoteDifference(i, "server ciphertext " + EncodeHex(cipher) + " differs from the recorded " +
                            EncodeHex(e.data));
    } else if (!std::equal(signature.begin(), signature.end(), e.signature.begin())) {
      NoteDifference(i, "server signature " + EncodeHex(signature) + " differs from the recorded " +
                            EncodeHex(e.signature));
    }
    return st;
  }

  static ssp::Error SignedWithoutPlaintext() {
    return ssp::MakeError(SecStatus::kInvalidToken, "signed bytes do not contain the plaintext");
  }

  const Transcript& t_;
  ReplayOutcome& out_;
  ssp::InMemoryCredentialStore store_;  // before server_, which refers to it
  ssp::FixedClock clock_;
  ssp::FixedRandom random_;
  ssp::ServerContext server_;
  std::optional<ssp::SessionSecurity> session_;
};

}  // namespace

ReplayOutcome ReplayServerSide(const Transcript& t) {
  ReplayOutcome out;
  ServerReplay replay(t, out);
  for (size_t i = 0; i < t.exchange.size(); ++i) {
    ssp::Status st = replay.Step(i);
    if (!st.ok()) {
      Reject(out, i, st.error());
      out.events = replay.events();
      return out;
    }
  }
  if (!replay.established()) {
    // The exchange ended before an AUTHENTICATE was judged.
    out.accept = false;
    out.status = SecStatus::kContinueNeeded;
    out.reason = "the exchange ends before the context is established";
  }
  out.events = replay.events();
  return out;
}

std::optional<std::string> FirstDifference(const Transcript& t, const ReplayOutcome& a) {
  const auto& x = t.expect;
  if (x.accept != a.accept || x.status != a.status || (!x.accept && x.at && a.at != x.at)) {
    std::string got = Describe(a.accept, a.status, a.at);
    if (!a.reason.empty()) got += " (" + a.reason + ")";
    return "expected " + Describe(x.accept, x.status, x.at) + ", got " + got;
  }
  if (a.content_difference_at && (!a.at || *a.content_difference_at < *a.at)) {
    return "entry " + std::to_string(*a.content_difference_at) + ": " + a.content_difference;
  }
  if (x.accept) {
    if (x.user && a.user != x.user) {
      return "user: expected " + *x.user + ", got " + a.user.value_or("(none)");
    }
    if (x.negotiated_flags && a.negotiated_flags != x.negotiated_flags) {
      return "negotiated_flags: expected " + ssp::Hex32(*x.negotiated_flags) + ", got " +
             (a.negotiated_flags ? ssp::Hex32(*a.negotiated_flags) : "(none)");
    }
    if (x.session_key && a.session_key != x.session_key) {
      // Never print keys: say only that they differ.
      return "session_key: the exported session key differs from the expected one";
    }
  }
  return std::nullopt;
}

nlohmann::json ReplayReportJson(const std::string& path, const Transcript& t,
                                const ReplayOutcome& a,
                                const std::optional<std::string>& difference) {
  nlohmann::json expected = {{"result", t.expect.accept ? "accept" : "reject"},
                             {"status", ssp::StatusName(t.expect.status)}};
  if (t.expect.at) expected["at"] = *t.expect.at;
  nlohmann::json actual = {{"result", a.accept ? "accept" : "reject"},
                           {"status", ssp::StatusName(a.status)}};
  if (a.at) actual["at"] = *a.at;
  if (!a.reason.empty()) actual["reason"] = a.reason;
  if (a.user) actual["user"] = *a.user;
  if (a.negotiated_flags) actual["negotiated_flags"] = ssp::Hex32(*a.negotiated_flags);
  nlohmann::json events = nlohmann::json::array();
  for (const auto& ev : a.events) events.push_back({{"kind", ev.kind}, {"text", ev.text}});
  actual["events"] = events;
  nlohmann::json o = {{"name", t.name},
                      {"path", path},
                      {"passed", !difference.has_value()},
                      {"expected", expected},
                      {"actual", actual}};
  o["first_difference"] = difference ? nlohmann::json(*difference) : nlohmann::json(nullptr);
  return o;
}

}  // namespace ntlm::harness
