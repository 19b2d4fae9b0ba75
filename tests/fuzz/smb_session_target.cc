// smb_session_target.cc: the SMB2/3 connection state machine
// (harness/net/smb_session.h) fed a message sequence, each message as the SMB
// front hands it over (the bytes after the 4-byte direct-TCP header).
//
// Input layout (every input is valid; missing bytes read as zero):
//   byte 0  bit 0: start with a real 3.1.1 NEGOTIATE (the request of
//           Microsoft's published 3.1.1 walkthrough, contexts included);
//           bit 1: the server requires signing; bits 2-4: the highest
//           dialect offered (index into 2.0.2 .. 3.1.1, clamped); bit 5:
//           --smb-encryption desired (a TRANSFORM_HEADER message reaches
//           its parser in any mode)
//   then up to 32 records: u16 length + that many bytes, one message each.
// Invariants: every reply starts with a valid SMB2 header; a close carries a
// reason and nothing more is fed after it.
#include <algorithm>

#include "harness/net/smb_session.h"
#include "harness/net/smb_wire.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/net_fuzz_env.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

namespace smb = harness::net::smb;

constexpr int kMaxRecords = 32;
constexpr uint16_t kDialects[] = {smb::kDialect202, smb::kDialect210, smb::kDialect300,
                                  smb::kDialect302, smb::kDialect311};

// The NEGOTIATE request of "SMB 2 and SMB 3 security in Windows 10: the
// anatomy of signing and cryptographic keys" (Open Specifications blog).
constexpr uint8_t kNegotiate311[] = {
    0xFE, 0x53, 0x4D, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xFF, 0xFE, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x24, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x00, 0xEC, 0xD8, 0x6F, 0x32,
    0x62, 0x76, 0x02, 0x4F, 0x9F, 0x77, 0x52, 0xB8, 0x9B, 0xB3, 0x3F, 0x3A, 0x70, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x02, 0x02, 0x10, 0x02, 0x00, 0x03, 0x02, 0x03, 0x11, 0x03, 0x00, 0x00,
    0x01, 0x00, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x20, 0x00, 0x01, 0x00, 0xFA, 0x49,
    0xE6, 0x57, 0x8F, 0x1F, 0x3A, 0x9F, 0x4C, 0xD3, 0xE9, 0xCC, 0x14, 0xA6, 0x7A, 0xA8, 0x84, 0xB3,
    0xD0, 0x58, 0x44, 0xE0, 0xE5, 0xA1, 0x18, 0x22, 0x5C, 0x15, 0x88, 0x7F, 0x32, 0xFF, 0x00, 0x00,
    0x02, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x01, 0x00};

// Feeds one message; false when the server closed the connection.
bool Feed(smb::SmbSession& session, ByteSpan message) {
  auto out = session.OnMessage(message);
  if (!out.reply.empty()) {
    FuzzCheck(smb::ParseHeader(out.reply).ok(), "smb_session: a reply without an SMB2 header");
  }
  (void)session.TakeAuthLog();
  (void)session.TakeTranscripts();
  if (out.close) FuzzCheck(!out.reason.empty(), "smb_session: a close without a reason");
  return !out.close;
}

}  // namespace

int FuzzSmbSession(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t mode = in.TakeU8();
  NetFuzzEnv env;
  smb::SmbSessionOptions options;
  options.signing_required = (mode & 2) != 0;
  options.max_dialect = kDialects[std::min<size_t>((mode >> 2) & 7, std::size(kDialects) - 1)];
  if (mode & 0x20) options.encryption = smb::SmbEncryption::kDesired;
  smb::SmbSession session(env.ctx(), options, "127.0.0.1:1", 1);
  if ((mode & 1) && !Feed(session, kNegotiate311)) return 0;
  for (int record = 0; record < kMaxRecords && !in.empty(); ++record) {
    if (!Feed(session, in.TakeLengthPrefixed())) break;
  }
  return 0;
}

}  // namespace ntlm::fuzz
