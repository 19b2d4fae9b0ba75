// smb_pipes.h: named pipes on IPC$ (ncacn_np, [MS-SMB2] 3.3.5.9 CREATE on a
// pipe share, 3.3.5.10 CLOSE, 3.3.5.12 READ, 3.3.5.13 WRITE, 3.3.5.15.5
// FSCTL_PIPE_TRANSCEIVE) carrying the DCE/RPC engine: each opened pipe owns an
// rpc::RpcSession, the one the TCP front uses. Bytes written are cut into
// DCE/RPC fragments and handed to it; its answers queue as pipe messages
// (message mode: a READ returns at most one PDU, STATUS_BUFFER_OVERFLOW when
// Length is shorter and the rest follows).
//
// Served pipe names: "rpcecho" and "ntlmssp-harness" (both offer the
// harness echo and Samba's rpcecho interfaces; the bind chooses). The SMB
// session authenticates the caller, so binds without RPC authentication are
// accepted (over ncacn_np, MS-RPCE 2.1.1.2, SMB carries the caller's identity);
// a bind may still authenticate with NTLM (its own context, as over TCP).
// A READ (or the read of an FSCTL_PIPE_TRANSCEIVE) on an empty pipe waits, as
// Windows' does, until the RPC engine answers: Handle() says "pending" and
// the waiting read is completed later (a deferred rpcecho TestSleep reply
// delivered by Deliver(), data written by a later WRITE), cancelled
// (Cancel(): STATUS_CANCELLED) or ended by the CLOSE of its pipe or the end
// of the session (STATUS_PIPE_BROKEN, as the pipe file system completes the
// reads queued on a closed pipe end). Completions are collected with
// TakeCompletions(). The RPC engine's deferred calls are handed to the owner
// (TakeDeferred()), who delivers each after its delay.
// The SMB session key is not handed to the RPC engine ([MS-SMB2] 3.3.4.5;
// MS-LSAD 2.1 has lsarpc encrypt with it): no served interface uses one
// (docs/smb.md).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/bytes.h"
#include "harness/net/front_context.h"
#include "harness/net/rpc_session.h"
#include "harness/net/smb_pipe_wire.h"

namespace ntlm::harness::net::smb {

// At most this many pipes open per session.
inline constexpr size_t kMaxOpenPipes = 16;

class SmbPipeTable {
 public:
  explicit SmbPipeTable(const FrontContext& ctx);
  ~SmbPipeTable();
  SmbPipeTable(const SmbPipeTable&) = delete;
  SmbPipeTable& operator=(const SmbPipeTable&) = delete;

  struct Answer {
    uint32_t status = 0;
    Bytes body;            // the response body (success or warning); empty for an error
    bool error = false;    // answer with an ERROR body
    bool pending = false;  // the read waits: completed later under its token
  };
  // A waiting read finished: the final answer of the request with `token`.
  struct Completion {
    uint64_t token = 0;
    Answer answer;
  };
  // A deferred RPC reply of the pipe `file`, for Deliver() after its delay.
  struct Deferred {
    FileId file{};
    rpc::DeferredCall call;
  };

  // CREATE, CLOSE, READ, WRITE or IOCTL FSCTL_PIPE_TRANSCEIVE on the IPC$
  // tree; nullopt for any other command (the caller answers it). A read of
  // an empty pipe waits under `token` when `may_wait`, else it is refused
  // with STATUS_INSUFFICIENT_RESOURCES ([MS-SMB2] 3.3.4.2: resources
  // constrained).
  std::optional<Answer> Handle(uint16_t command, ByteSpan message, uint64_t token = 0,
                               bool may_wait = false);
  // The RPC reply of `deferred` joins its pipe's messages (nothing when the
  // pipe was closed meanwhile); waiting reads are served.
  void Deliver(const Deferred& deferred);
  // Cancels the waiting read `token`: true (its completion is
  // STATUS_CANCELLED) when it was waiting.
  bool Cancel(uint64_t token);
  // Closes every pipe (LOGOFF, the session ends): their waiting reads
  // complete with STATUS_PIPE_BROKEN.
  void CloseAll();

  std::vector<Completion> TakeCompletions() { return std::exchange(completions_, {}); }
  std::vector<Deferred> TakeDeferred() { return std::exchange(deferred_, {}); }

 private:
  struct Pipe;
  Answer Create(ByteSpan message);
  Answer Write(Pipe& pipe, const FileId& file, ByteSpan data);
  // The next message (READ), or the IOCTL response on `ioctl_file`.
  Answer Read(Pipe& pipe, uint32_t length, const FileId* ioctl_file);
  // A read of `pipe`: answered now, waiting, or refused.
  Answer ReadOrWait(Pipe& pipe, const FileId& file, uint32_t length, bool ioctl, uint64_t token,
                    bool may_wait);
  // Serves the pipe's waiting reads from its messages, in order.
  void ServeWaiting(Pipe& pipe, const FileId& file);
  // Removes the pipe; its waiting reads complete with STATUS_PIPE_BROKEN.
  void ClosePipe(std::map<FileId, std::unique_ptr<Pipe>>::iterator pipe);

  const FrontContext& ctx_;
  std::map<FileId, std::unique_ptr<Pipe>> pipes_;
  uint64_t next_id_ = 0;
  std::vector<Completion> completions_;
  std::vector<Deferred> deferred_;
};

}  // namespace ntlm::harness::net::smb
