// smb_pipes_target.cc: named pipes on IPC$ (harness/net/smb_pipes.h) fed SMB2
// pipe requests, the DCE/RPC engine behind each open pipe included.
//
// Input layout (every input is valid; missing bytes read as zero):
//   byte 0  bit 0: open \pipe\rpcecho first (a well-formed CREATE)
//   then up to 32 records: u8 selector + u16 length + that many bytes, the
//   request body after a 64-byte header. Selector bits 0-2: the command
//   (CREATE, CLOSE, READ, WRITE, IOCTL, or another one); bit 3: write the
//   open pipe's FileId into the body where that command carries one.
// Invariants: an error answer has no body, any other answer has one; a
// command that is not a pipe command is left to the caller.
#include <algorithm>
#include <array>

#include "harness/net/smb_client.h"
#include "harness/net/smb_pipe_client.h"
#include "harness/net/smb_pipes.h"
#include "harness/net/smb_wire.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/net_fuzz_env.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

namespace smb = harness::net::smb;

constexpr int kMaxRecords = 32;
constexpr smb::Command kCommands[] = {smb::Command::kCreate, smb::Command::kClose,
                                      smb::Command::kRead,   smb::Command::kWrite,
                                      smb::Command::kIoctl,  smb::Command::kFlush};

// Where the FileId sits in each command's body (smb_pipe_wire.cc).
size_t FileIdOffset(smb::Command command) {
  return command == smb::Command::kClose || command == smb::Command::kIoctl ? 8 : 16;
}

}  // namespace

int FuzzSmbPipes(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t mode = in.TakeU8();
  NetFuzzEnv env;
  smb::SmbPipeTable pipes(env.ctx());
  smb::FileId open{};
  if (mode & 1) {
    smb::SmbRequestBuilder builder;
    smb::SmbPipeRequests requests(builder, 1, 1);
    auto answer = pipes.Handle(static_cast<uint16_t>(smb::Command::kCreate),
                               requests.Create("\\pipe\\rpcecho"));
    FuzzCheck(answer && !answer->error, "smb_pipes: a well-formed CREATE of rpcecho refused");
    Bytes response(smb::kHeaderSize, 0);
    response.insert(response.end(), answer->body.begin(), answer->body.end());
    auto id = smb::CreateResponseFileId(response);
    FuzzCheck(id.ok(), "smb_pipes: a CREATE response without a FileId");
    open = *id;
  }
  for (int record = 0; record < kMaxRecords && !in.empty(); ++record) {
    const uint8_t selector = in.TakeU8();
    const smb::Command command =
        kCommands[std::min<size_t>(selector & 7, std::size(kCommands) - 1)];
    Bytes message(smb::kHeaderSize, 0);
    const ByteSpan body = in.TakeLengthPrefixed();
    message.insert(message.end(), body.begin(), body.end());
    const size_t at = smb::kHeaderSize + FileIdOffset(command);
    if ((selector & 8) && message.size() >= at + open.size()) {
      std::copy(open.begin(), open.end(), message.begin() + static_cast<std::ptrdiff_t>(at));
    }
    auto answer = pipes.Handle(static_cast<uint16_t>(command), message);
    if (command == smb::Command::kFlush) {
      FuzzCheck(!answer, "smb_pipes: answered a command that is not a pipe command");
      continue;
    }
    if (!answer) continue;  // an IOCTL other than FSCTL_PIPE_TRANSCEIVE
    FuzzCheck(answer->error == answer->body.empty(), "smb_pipes: error and body disagree");
  }
  return 0;
}

}  // namespace ntlm::fuzz
