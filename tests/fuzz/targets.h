// targets.h: the bodies of the libFuzzer targets (tests/fuzz/README.md).
//
// Each function takes one fuzz input and drives one parser or state machine
// with it. A crash, a sanitizer report or a broken invariant (FuzzCheck:
// message on stderr, then abort) is a finding. The libFuzzer mains
// (fuzz_main.cc, one executable per target) and the ordinary GoogleTest that
// replays tests/fuzz/regressions/<target>/ (tests/net/fuzz_regression_test.cc)
// call the same functions, so a fixed finding stays fixed in every build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ntlm::fuzz {

/// One fuzz entry point: returns 0 (libFuzzer's convention).
using FuzzFunction = int (*)(const uint8_t* data, size_t size);

/// NEGOTIATE_MESSAGE decode; a decoded token re-encodes byte for byte.
int FuzzNegotiate(const uint8_t* data, size_t size);
/// CHALLENGE_MESSAGE decode (target info included); byte-exact re-encode.
int FuzzChallenge(const uint8_t* data, size_t size);
/// AUTHENTICATE_MESSAGE decode, byte-exact re-encode, the zeroed-MIC copy
/// and the NT response (NTLMv2 blob) inside it.
int FuzzAuthenticate(const uint8_t* data, size_t size);
/// AV pair list decode, every accessor, byte-exact re-encode.
int FuzzAvPairs(const uint8_t* data, size_t size);
/// NTLMv2 NtChallengeResponse decode; byte-exact re-encode.
int FuzzNtlmV2Response(const uint8_t* data, size_t size);
/// The server state machine (ServerContext) fed a token sequence; input
/// layout in targets.cc (policy byte, mode byte, u16-length-prefixed tokens;
/// modes start from a real NEGOTIATE or patch a real AUTHENTICATE).
int FuzzServer(const uint8_t* data, size_t size);
/// Session security (Verify, Unseal, UnsealEx) with arbitrary signatures
/// and messages in every flag scheme, interleaved with genuine messages from
/// the peer that must verify.
int FuzzSession(const uint8_t* data, size_t size);
/// ParseTranscript on arbitrary text; a valid transcript is replayed and
/// serialised again.
int FuzzTranscript(const uint8_t* data, size_t size);
/// ParseTokenInput (header line, raw, hex, base64), the strict decoders and
/// the SPNEGO extraction.
int FuzzTokenInput(const uint8_t* data, size_t size);
/// The `decode` command's core (RunDecodeCommand) on stdin text, with and
/// without a password, CHALLENGE and NEGOTIATE, text and JSON output.
int FuzzDecode(const uint8_t* data, size_t size);
/// The HTTP front: request parser fed in pieces, every request answered by
/// HttpAuthSession (Authorization header, NTLM/Negotiate tokens), optionally
/// after a real NTLM authentication; layout in http_target.cc.
int FuzzHttpRequest(const uint8_t* data, size_t size);
/// SPNEGO DER decode (NegTokenInit, NegTokenResp); encode -> decode round trip.
int FuzzSpnego(const uint8_t* data, size_t size);
/// One DCE/RPC fragment: header, body/pad/sec_trailer/auth_value split, every
/// body parser, bind body round trip.
int FuzzRpcPdu(const uint8_t* data, size_t size);
/// The server's RPC association (RpcSession) fed a framed PDU stream, after
/// a real bind/auth3 or alter_context when asked, with genuine (signed or
/// sealed) and patched requests; layout in rpc_session_target.cc.
int FuzzRpcSession(const uint8_t* data, size_t size);
/// The SMB2/3 connection (SmbSession) fed a message sequence, optionally after
/// a real 3.1.1 NEGOTIATE; layout in smb_session_target.cc.
int FuzzSmbSession(const uint8_t* data, size_t size);
/// Named pipes on IPC$ (SmbPipeTable) fed pipe requests, optionally after a
/// real CREATE of \pipe\rpcecho; layout in smb_pipes_target.cc.
int FuzzSmbPipes(const uint8_t* data, size_t size);

struct FuzzTarget {
  std::string_view name;  // the executable is fuzz_<name>, corpora under <name>/
  FuzzFunction function;
};

/// Every target, in the order fuzz.sh runs them.
const std::vector<FuzzTarget>& AllFuzzTargets();

}  // namespace ntlm::fuzz
