#include "harness/net/transcript_recorder.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "harness/token_input.h"
#include "harness/transcript_policy.h"

namespace ntlm::harness::net {

std::string RecordedExchangeName(const FrontContext& ctx, const std::string& front,
                                 uint64_t connection, size_t exchange) {
  std::string time = ctx.clock ? FormatRfc3339(ctx.clock->Now()) : "0";
  time.erase(std::remove_if(time.begin(), time.end(), [](char c) { return c == '-' || c == ':'; }),
             time.end());
  return front + "-" + time + "-c" + std::to_string(connection) + "-" + std::to_string(exchange);
}

void AddNamedAccounts(const FrontContext& ctx, const std::string& user, const std::string& domain,
                      Transcript& t) {
  if (!ctx.accounts || user.empty()) return;
  for (const ssp::Account* account : ctx.accounts->Candidates(user, domain)) {
    TranscriptAccount a;
    a.user = account->user;
    a.domain = account->domain;
    a.nt_hash = EncodeHex(ByteSpan(account->nt_hash));
    t.accounts.push_back(std::move(a));
  }
}

ExchangeTranscriptBuilder::ExchangeTranscriptBuilder(const FrontContext& ctx, std::string name,
                                                     std::string description)
    : ctx_(ctx), name_(std::move(name)), description_(std::move(description)) {}

void ExchangeTranscriptBuilder::Restart(std::string name) {
  name_ = std::move(name);
  entries_.clear();
}

size_t ExchangeTranscriptBuilder::AddToken(EntryDir dir, EntryType type, ByteSpan token) {
  TranscriptEntry entry;
  entry.dir = dir;
  entry.type = type;
  entry.token.assign(token.begin(), token.end());
  entries_.push_back(std::move(entry));
  return entries_.size() - 1;
}

Transcript ExchangeTranscriptBuilder::Build(bool accepted, ssp::SecStatus status,
                                            std::optional<size_t> at, const std::string& user,
                                            const std::string& domain,
                                            std::optional<uint32_t> negotiated_flags) const {
  Transcript t;
  t.name = name_;
  t.description = description_;
  t.client = client_;
  AddNamedAccounts(ctx_, user, domain, t);
  const ssp::ServerPolicy& policy = ctx_.policy;
  std::optional<ssp::FileTime> clock;
  if (policy.max_clock_skew_seconds && ctx_.clock) clock = ctx_.clock->Now();
  t.server = TranscriptServerFromPolicy(policy, clock);
  t.exchange = entries_;
  t.expect.accept = accepted;
  t.expect.status = status;
  if (!accepted) t.expect.at = at;
  if (accepted) {
    t.expect.user = domain + "\\" + user;
    t.expect.negotiated_flags = negotiated_flags;
  }
  return t;
}

std::unique_ptr<TranscriptRecorder> TranscriptRecorder::Open(const std::filesystem::path& dir,
                                                             std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    error = "cannot create the record folder " + dir.string() + ": " +
            (ec ? ec.message() : std::string("not a directory"));
    return nullptr;
  }
  return std::unique_ptr<TranscriptRecorder>(new TranscriptRecorder(dir));
}

namespace {

// Writes all of `text` to `fd`; false with errno set on a failure.
bool WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool TranscriptRecorder::Write(const Transcript& transcript, std::string& error) {
  std::string text = TranscriptToJson(transcript).dump(2) + "\n";
  std::filesystem::path path = dir_ / (transcript.name + ".json");
  // Written under a temporary name in the same folder, then renamed: a reader
  // (or a `kill -9` in the middle) sees the whole transcript or none. The
  // ".tmp" extension keeps a leftover out of `replay DIR`. Names are unique
  // per connection, so no lock is needed.
  std::filesystem::path temporary = path;
  temporary += ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot write " + temporary.string() + ": " + std::strerror(errno);
    return false;
  }
  bool written = WriteAll(fd, text);
  int saved = errno;
  if (::close(fd) != 0 && written) {
    written = false;
    saved = errno;
  }
  if (written && ::rename(temporary.c_str(), path.c_str()) == 0) return true;
  if (written) saved = errno;
  error = "cannot write " + path.string() + ": " + std::strerror(saved);
  ::unlink(temporary.c_str());
  return false;
}

}  // namespace ntlm::harness::net
