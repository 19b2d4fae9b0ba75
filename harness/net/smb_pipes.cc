// smb_pipes.cc: see smb_pipes.h.
#include "harness/net/smb_pipes.h"

#include <algorithm>
#include <array>

#include "harness/net/smb_status.h"
#include "harness/net/smb_wire.h"

namespace ntlm::harness::net::smb {
namespace {

constexpr const char* kPipeNames[] = {"rpcecho", "ntlmssp-harness"};

// "\pipe\rpcecho", "pipe\rpcecho" or "rpcecho" -> "rpcecho" (lower case).
std::string PipeName(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* prefix : {"\\pipe\\", "pipe\\"}) {
    const std::string p = prefix;
    if (name.rfind(p, 0) == 0) return name.substr(p.size());
  }
  return name;
}

SmbPipeTable::Answer ErrorAnswer(uint32_t status) { return {status, {}, true}; }

}  // namespace

struct SmbPipeTable::Pipe {
  Pipe(const FrontContext& ctx, rpc::RpcSessionOptions options) : rpc(ctx, std::move(options)) {}
  rpc::RpcSession rpc;
  Bytes partial;               // bytes of an incomplete fragment
  std::deque<Bytes> messages;  // PDUs the RPC engine answered, not yet read
  bool broken = false;         // the RPC engine closed the association
  struct Waiting {
    uint64_t token = 0;
    uint32_t length = 0;
    bool ioctl = false;
  };
  std::deque<Waiting> waiting;  // reads waiting for a message, in arrival order
};

SmbPipeTable::SmbPipeTable(const FrontContext& ctx) : ctx_(ctx) {}
SmbPipeTable::~SmbPipeTable() = default;

std::optional<SmbPipeTable::Answer> SmbPipeTable::Handle(uint16_t command, ByteSpan message,
                                                         uint64_t token, bool may_wait) {
  const auto c = static_cast<Command>(command);
  if (c == Command::kCreate) return Create(message);
  if (c != Command::kClose && c != Command::kRead && c != Command::kWrite && c != Command::kIoctl) {
    return std::nullopt;
  }
  auto id = ParseFileId(message, command);
  if (!id.ok()) return ErrorAnswer(kStatusInvalidParameter);
  auto found = pipes_.find(*id);
  if (c == Command::kIoctl) {
    auto ioctl = ParseIoctlRequest(message);
    auto max_output = ParseIoctlMaxOutput(message);
    if (!ioctl.ok() || !max_output.ok()) return ErrorAnswer(kStatusInvalidParameter);
    if (ioctl->ctl_code != kFsctlPipeTransceive) return std::nullopt;
    if (found == pipes_.end()) return ErrorAnswer(kStatusFileClosed);
    Answer written = Write(*found->second, found->first, ioctl->input);
    if (written.error) return written;
    ServeWaiting(*found->second, found->first);
    return ReadOrWait(*found->second, found->first, *max_output, true, token, may_wait);
  }
  if (found == pipes_.end()) return ErrorAnswer(kStatusFileClosed);
  Answer answer;
  if (c == Command::kClose) {
    ClosePipe(found);
    AppendCloseResponse(answer.body);
    return answer;
  }
  if (c == Command::kWrite) {
    auto data = ParseWriteData(message);
    if (!data.ok()) return ErrorAnswer(kStatusInvalidParameter);
    answer = Write(*found->second, found->first, *data);
    if (!answer.error) AppendWriteResponse(answer.body, static_cast<uint32_t>(data->size()));
    ServeWaiting(*found->second, found->first);
    return answer;
  }
  auto length = ParseReadLength(message);
  if (!length.ok()) return ErrorAnswer(kStatusInvalidParameter);
  return ReadOrWait(*found->second, found->first, *length, false, token, may_wait);
}

SmbPipeTable::Answer SmbPipeTable::ReadOrWait(Pipe& pipe, const FileId& file, uint32_t length,
                                              bool ioctl, uint64_t token, bool may_wait) {
  // Earlier waiting reads come first; an empty pipe whose RPC engine is
  // still open makes the read wait.
  if (pipe.broken || (pipe.waiting.empty() && !pipe.messages.empty())) {
    return Read(pipe, length, ioctl ? &file : nullptr);
  }
  if (!may_wait) return ErrorAnswer(kStatusInsufficientResources);
  pipe.waiting.push_back({token, length, ioctl});
  Answer answer;
  answer.pending = true;
  return answer;
}

void SmbPipeTable::ServeWaiting(Pipe& pipe, const FileId& file) {
  while (!pipe.waiting.empty() && (!pipe.messages.empty() || pipe.broken)) {
    const Pipe::Waiting waiting = pipe.waiting.front();
    pipe.waiting.pop_front();
    completions_.push_back(
        {waiting.token, Read(pipe, waiting.length, waiting.ioctl ? &file : nullptr)});
  }
}

void SmbPipeTable::ClosePipe(std::map<FileId, std::unique_ptr<Pipe>>::iterator pipe) {
  for (const Pipe::Waiting& waiting : pipe->second->waiting) {
    completions_.push_back({waiting.token, ErrorAnswer(kStatusPipeBroken)});
  }
  pipes_.erase(pipe);
}

void SmbPipeTable::CloseAll() {
  while (!pipes_.empty()) ClosePipe(pipes_.begin());
}

bool SmbPipeTable::Cancel(uint64_t token) {
  for (auto& [file, pipe] : pipes_) {
    auto& waiting = pipe->waiting;
    auto found = std::find_if(waiting.begin(), waiting.end(),
                              [&](const Pipe::Waiting& w) { return w.token == token; });
    if (found == waiting.end()) continue;
    waiting.erase(found);
    completions_.push_back({token, ErrorAnswer(kStatusCancelled)});
    return true;
  }
  return false;
}

void SmbPipeTable::Deliver(const Deferred& deferred) {
  auto found = pipes_.find(deferred.file);
  if (found == pipes_.end()) return;
  Pipe& pipe = *found->second;
  for (auto& pdu : pipe.rpc.Reply(deferred.call)) pipe.messages.push_back(std::move(pdu));
  ServeWaiting(pipe, found->first);
}

SmbPipeTable::Answer SmbPipeTable::Create(ByteSpan message) {
  auto name = ParseCreateName(message);
  if (!name.ok()) return ErrorAnswer(kStatusInvalidParameter);
  const std::string pipe = PipeName(*name);
  if (std::none_of(std::begin(kPipeNames), std::end(kPipeNames),
                   [&](const char* n) { return pipe == n; })) {
    return ErrorAnswer(kStatusObjectNameNotFound);
  }
  if (pipes_.size() >= kMaxOpenPipes) return ErrorAnswer(kStatusRequestNotAccepted);
  rpc::RpcSessionOptions options;
  options.min_auth_level = rpc::kAuthLevelNone;
  options.max_frag = 4280;  // what Windows offers over ncacn_np
  FileId id{};
  const uint64_t n = ++next_id_;
  for (int i = 0; i < 8; ++i) {
    id[i] = static_cast<uint8_t>(n >> (8 * i));
    id[8 + i] = static_cast<uint8_t>(~n >> (8 * i));
  }
  pipes_[id] = std::make_unique<Pipe>(ctx_, std::move(options));
  Answer answer;
  AppendCreateResponse(answer.body, id);
  return answer;
}

SmbPipeTable::Answer SmbPipeTable::Write(Pipe& pipe, const FileId& file, ByteSpan data) {
  if (pipe.broken) return ErrorAnswer(kStatusPipeBroken);
  pipe.partial.insert(pipe.partial.end(), data.begin(), data.end());
  while (pipe.partial.size() >= rpc::kCommonHeaderSize) {
    auto header = rpc::ParseCommonHeader(pipe.partial, pipe.rpc.max_recv_frag());
    rpc::RpcSession::Output out;
    size_t used = 0;
    if (!header.ok()) {
      out = pipe.rpc.OnBadHeader(ByteSpan(pipe.partial).first(rpc::kCommonHeaderSize),
                                 header.error());
      used = pipe.partial.size();
    } else if (pipe.partial.size() >= header->frag_length) {
      used = header->frag_length;
      out = pipe.rpc.OnFragment(ByteSpan(pipe.partial).first(used));
    } else {
      break;
    }
    pipe.partial.erase(pipe.partial.begin(), pipe.partial.begin() + static_cast<long>(used));
    for (auto& pdu : out.pdus) pipe.messages.push_back(std::move(pdu));
    // Deferred calls (rpcecho TestSleep) go to the owner, who delivers them.
    for (auto& call : out.deferred) deferred_.push_back({file, std::move(call)});
    if (out.close) {
      pipe.broken = true;
      break;
    }
  }
  return Answer{};
}

SmbPipeTable::Answer SmbPipeTable::Read(Pipe& pipe, uint32_t length, const FileId* ioctl_file) {
  Answer answer;
  if (pipe.messages.empty()) return ErrorAnswer(kStatusPipeBroken);  // broken: nothing comes
  Bytes& message = pipe.messages.front();
  const size_t n = std::min<size_t>(length, message.size());
  const ByteSpan data = ByteSpan(message).first(n);
  if (ioctl_file) {
    AppendFileIoctlResponse(answer.body, kFsctlPipeTransceive, *ioctl_file, data);
  } else {
    AppendReadResponse(answer.body, data);
  }
  if (n < message.size()) {
    answer.status = kStatusBufferOverflow;
    message.erase(message.begin(), message.begin() + static_cast<long>(n));
  } else {
    pipe.messages.pop_front();
  }
  return answer;
}

}  // namespace ntlm::harness::net::smb
