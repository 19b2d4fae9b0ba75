// probe_smb.h: how `probe smb://HOST[:PORT]` plays one variation
// (net/io/smb_probe_exchange.h) and records it as a ProbeObservation.
//
// SMB protects its messages with its own signing (keys from the NTLM session
// key), not with NTLM's sign/seal, and a second SESSION_SETUP on a session is
// re-authentication (a new NTLM context), so the catalogue's session-message
// scenarios and authenticate-twice have no NTLM meaning here: they are
// skipped. replay-authenticate takes two connections (connection 1's accepted
// AUTHENTICATE sent after connection 2's CHALLENGE).
#pragma once

#include <chrono>
#include <string>

#include "crypto/bytes.h"
#include "harness/catalogue.h"
#include "harness/net/io/smb_probe_exchange.h"
#include "harness/probe_observation.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {

// False (with the reason) for a variation that SMB cannot carry.
bool PlayableOverSmb(const Variation& variation, std::string& why);

// Plays `variation`; false when the target was not reached.
bool ProbeOverSmb(const SmbTarget& target, ssp::ClientContext& client, const Bytes& negotiate,
                  const Variation& variation, std::chrono::milliseconds timeout,
                  ProbeObservation& observation);

}  // namespace ntlm::harness::net
