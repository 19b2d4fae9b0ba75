// smb_front.h: the SMB2/3 front (direct TCP, [MS-SMB2] 2.1): one coroutine per
// TCP connection that frames messages off the socket and drives an
// smb::SmbSession.
//
// Deadlines and limits come from ctx.limits: idle_timeout between messages
// (and for each write), handshake_timeout from accept until a session has
// logged on, max_pdu_bytes for one transport message (a longer length closes
// the connection). ctx.log gets one AuthLogRecord per SESSION_SETUP that
// finished (front "smb"), ctx.record each exchange as a transcript, ctx.tap
// every byte in both directions (the pcap then decodes as SMB2 on TCP 445
// when the listener uses that port, otherwise with "Decode As").
#pragma once

#include <cstdint>

#include "asio/awaitable.hpp"
#include "asio/ip/tcp.hpp"
#include "harness/net/front_context.h"
#include "harness/net/io/server_runner.h"
#include "harness/net/smb_session.h"

namespace ntlm::harness::net {

// A ConnectionHandler for ServerRunner serving SMB with `options` (copied).
ConnectionHandler MakeSmbConnectionHandler(smb::SmbSessionOptions options);

}  // namespace ntlm::harness::net
