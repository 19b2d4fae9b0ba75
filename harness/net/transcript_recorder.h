// transcript_recorder.h: `serve --record DIR` — each connection's NTLM
// exchange as a transcript (docs/transcript-format.md), so what real clients
// sent can be replayed (`replay`) or profiled later.
//
// ExchangeTranscriptBuilder collects one exchange's tokens as a front sees
// them and builds the transcript with the server's policy, clock and verdict
// as `expect`. For the transcript to replay, the accounts the client named are
// written with their NT hash (never a password; the exported session key is
// not written): record only with test accounts. TranscriptRecorder writes one
// file per transcript, from any thread without a lock (temporary name, rename).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "harness/net/front_context.h"
#include "harness/transcript.h"

namespace ntlm::harness::net {

// "FRONT-<UTC time, compact>-c<connection>-<exchange>", the name (and file
// name) of an exchange `serve --record` writes, e.g. rpc-20260101T000000Z-c3-1.
std::string RecordedExchangeName(const FrontContext& ctx, const std::string& front,
                                 uint64_t connection, size_t exchange);

// Adds the NT hash of every account that may be `user` in `domain` (none for
// an empty user), so that `replay` and `profile` can judge the exchange.
void AddNamedAccounts(const FrontContext& ctx, const std::string& user, const std::string& domain,
                      Transcript& t);

class ExchangeTranscriptBuilder {
 public:
  // `name` must be unique per recording folder ("http-12-1").
  ExchangeTranscriptBuilder(const FrontContext& ctx, std::string name, std::string description);

  // Forgets the tokens (a new NEGOTIATE restarts the exchange).
  void Restart(std::string name);
  void SetClient(std::string client) { client_ = std::move(client); }

  // Appends a token entry; returns its index in `exchange`.
  size_t AddToken(EntryDir dir, EntryType type, ByteSpan token);
  bool empty() const { return entries_.empty(); }

  // The transcript of the exchange so far with `expect` = the verdict: an
  // acceptance (user as DOMAIN\user, negotiated flags), or a refusal with its
  // status at entry `at`. `user`/`domain` select the accounts written.
  Transcript Build(bool accepted, ssp::SecStatus status, std::optional<size_t> at,
                   const std::string& user, const std::string& domain,
                   std::optional<uint32_t> negotiated_flags) const;

 private:
  const FrontContext& ctx_;
  std::string name_;
  std::string description_;
  std::string client_ = "unknown";
  std::vector<TranscriptEntry> entries_;
};

class TranscriptRecorder {
 public:
  // Creates `dir` (and parents) when missing; `error` names the folder.
  static std::unique_ptr<TranscriptRecorder> Open(const std::filesystem::path& dir,
                                                  std::string& error);

  // Writes `<dir>/<transcript.name>.json` (owner read/write only) atomically:
  // into `<name>.json.tmp`, then rename(2), so a killed server leaves no
  // partial transcript (no fsync: a power loss may lose the newest ones).
  // Thread-safe for distinct names. Returns false with `error` naming the
  // file on an I/O failure.
  bool Write(const Transcript& transcript, std::string& error);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit TranscriptRecorder(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

}  // namespace ntlm::harness::net
