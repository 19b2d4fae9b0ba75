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
// Not served: blocking READ on an empty pipe (answered STATUS_PIPE_EMPTY at
// once), deferred calls (rpcecho TestSleep is answered without the delay),
// the SMB session key as the RPC session key of unauthenticated binds
// (MS-LSAD 2.1 has lsarpc encrypt with it; no served interface uses one).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

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
    Bytes body;          // the response body (success or warning); empty for an error
    bool error = false;  // answer with an ERROR body
  };
  // CREATE, CLOSE, READ, WRITE or IOCTL FSCTL_PIPE_TRANSCEIVE on the IPC$
  // tree; nullopt for any other command (the caller answers it).
  std::optional<Answer> Handle(uint16_t command, ByteSpan message);

 private:
  struct Pipe;
  Answer Create(ByteSpan message);
  Answer Write(Pipe& pipe, ByteSpan data);
  // The next message (READ), or the IOCTL response on `ioctl_file`.
  Answer Read(Pipe& pipe, uint32_t length, const FileId* ioctl_file);

  const FrontContext& ctx_;
  std::map<FileId, std::unique_ptr<Pipe>> pipes_;
  uint64_t next_id_ = 0;
};

}  // namespace ntlm::harness::net::smb
