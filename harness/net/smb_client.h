// smb_client.h: the client side of the SMB2 messages the front serves, for
// this project's own SMB client uses (tests, ntlmssp-net-bench). Socket-free:
// builders of requests with consecutive MessageIds, and readers of the
// responses' fields a client needs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "harness/net/smb_wire.h"
#include "ssp/status.h"

namespace ntlm::harness::net::smb {

class SmbRequestBuilder {
 public:
  // NEGOTIATE offering `dialects`; with 3.1.1 among them, the preauth
  // integrity (SHA-512, a fixed salt) and signing capabilities (AES-CMAC)
  // contexts, and the encryption capabilities context when `ciphers` is set.
  Bytes Negotiate(const std::vector<uint16_t>& dialects, uint16_t security_mode);
  Bytes SessionSetup(uint64_t session_id, ByteSpan token, uint8_t security_mode);
  Bytes TreeConnect(uint64_t session_id, const std::string& unc_path);
  // A request whose body is StructureSize 4 + Reserved: LOGOFF,
  // TREE_DISCONNECT, ECHO.
  Bytes Simple(Command command, uint64_t session_id, uint32_t tree_id);
  // Any body after a header carrying the next MessageId.
  Bytes Message(Command command, uint64_t session_id, uint32_t tree_id, ByteSpan body);

  uint64_t next_message_id() const { return next_message_id_; }
  void set_next_message_id(uint64_t id) { next_message_id_ = id; }
  std::array<uint8_t, 16> client_guid{0x4E, 0x54, 0x4C, 0x4D};
  uint32_t capabilities = 0;      // of the NEGOTIATE (SMB2_GLOBAL_CAP_*)
  std::vector<uint16_t> ciphers;  // 3.1.1: the encryption capabilities offered, in order

 private:
  uint64_t next_message_id_ = 0;
};

// The SecurityBuffer of a NEGOTIATE or SESSION_SETUP response.
ssp::Result<Bytes> ResponseSecurityBuffer(ByteSpan response);

}  // namespace ntlm::harness::net::smb
