// smb_load_session.h: one logon of the load generator's smb:// target, on a
// fresh connection, as Samba's and Windows' SMB clients log on:
//   NEGOTIATE 3.1.1 (preauth integrity and signing capabilities contexts)
//   SESSION_SETUP with SPNEGO {NTLM}: NEGOTIATE -> CHALLENGE, then the
//     AUTHENTICATE with the initiator's mechListMIC -> STATUS_SUCCESS; the
//     requests set SMB2_NEGOTIATE_SIGNING_REQUIRED
//   `echoes` ECHO requests signed with the 3.1.1 key (AES-128-CMAC from the
//     NTLM session key and the preauth integrity hash); each reply must be
//     STATUS_SUCCESS and, when signed, verify
//   a signed LOGOFF.
// The protocol is harness/net/smb_logon_client.h's (the one probe smb:// and
// `matrix --transport smb` use), the transport SmbBenchClient's blocking
// socket with its step timeout.
#pragma once

#include <cstdint>
#include <string>

#include "bench/net/smb_bench_client.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {

// "" when every step succeeded; otherwise what failed, naming the step.
// `echoes_answered` grows by the signed ECHOs answered with success.
std::string RunSmbLoadSession(SmbBenchClient& connection, ssp::ClientContext& client, int echoes,
                              uint64_t& echoes_answered);

}  // namespace ntlm::harness::net
