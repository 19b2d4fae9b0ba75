// rpc_pdu.h: the connection-oriented DCE/RPC PDUs (C706 chapter 12 with the
// MS-RPCE 2.2.2 extensions), socket-free.
//
// Parsing reads untrusted bytes only through ssp::ByteReader; every error is
// an ssp::Error (SEC_E_INVALID_TOKEN) whose reason names the PDU, the field
// and the byte offset. Only the little-endian, ASCII, IEEE data
// representation (drep 10 00 00 00) is accepted: every client we serve
// (Windows, Samba, impacket) sends it, and the NDR of our one interface is
// defined in it.
//
// Layout of one fragment (all sizes in bytes):
//   common header (16) | body | auth pad (auth_pad_length) | sec_trailer (8) |
//   auth_value (auth_length)
// The last three are present only when auth_length > 0. frag_length counts
// everything; auth_length counts the auth_value only (2.2.2.11).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

enum class PduType : uint8_t {
  kRequest = 0,
  kPing = 1,
  kResponse = 2,
  kFault = 3,
  kWorking = 4,
  kNocall = 5,
  kReject = 6,
  kAck = 7,
  kClCancel = 8,
  kFack = 9,
  kCancelAck = 10,
  kBind = 11,
  kBindAck = 12,
  kBindNak = 13,
  kAlterContext = 14,
  kAlterContextResp = 15,
  kAuth3 = 16,
  kShutdown = 17,
  kCoCancel = 18,
  kOrphaned = 19,
};
const char* PduTypeName(uint8_t type);

// pfc_flags (C706 12.6.3.1, MS-RPCE 2.2.2.3).
inline constexpr uint8_t kPfcFirstFrag = 0x01;
inline constexpr uint8_t kPfcLastFrag = 0x02;
inline constexpr uint8_t kPfcSupportHeaderSign = 0x04;  // bind, bind_ack, alter, alter_resp
inline constexpr uint8_t kPfcPendingCancel = 0x04;      // every other PDU type
inline constexpr uint8_t kPfcConcMpx = 0x10;
inline constexpr uint8_t kPfcDidNotExecute = 0x20;
inline constexpr uint8_t kPfcMaybe = 0x40;
inline constexpr uint8_t kPfcObjectUuid = 0x80;

inline constexpr size_t kCommonHeaderSize = 16;
inline constexpr size_t kSecTrailerSize = 8;
inline constexpr size_t kRequestHeaderSize = 8;   // alloc_hint, p_cont_id, opnum
inline constexpr size_t kResponseHeaderSize = 8;  // alloc_hint, p_cont_id, cancel_count, reserved
// C706 12.6.3.1: every implementation receives fragments of at least this size.
inline constexpr uint16_t kMustRecvFragSize = 1432;

// auth_type and auth_level (MS-RPCE 2.2.1.1.7, 2.2.1.1.8).
inline constexpr uint8_t kAuthTypeNone = 0;
inline constexpr uint8_t kAuthTypeSpnego = 9;  // RPC_C_AUTHN_GSS_NEGOTIATE: SPNEGO
inline constexpr uint8_t kAuthTypeWinNt = 10;  // RPC_C_AUTHN_WINNT: NTLMSSP
inline constexpr uint8_t kAuthLevelNone = 1;
inline constexpr uint8_t kAuthLevelConnect = 2;
inline constexpr uint8_t kAuthLevelCall = 3;
inline constexpr uint8_t kAuthLevelPkt = 4;
inline constexpr uint8_t kAuthLevelPktIntegrity = 5;
inline constexpr uint8_t kAuthLevelPktPrivacy = 6;
const char* AuthLevelName(uint8_t level);

// p_cont_def_result_t and p_provider_reason_t (C706 12.6.3.1).
inline constexpr uint16_t kResultAcceptance = 0;
inline constexpr uint16_t kResultUserRejection = 1;
inline constexpr uint16_t kResultProviderRejection = 2;
inline constexpr uint16_t kReasonNotSpecified = 0;
inline constexpr uint16_t kReasonAbstractSyntaxNotSupported = 1;
inline constexpr uint16_t kReasonTransferSyntaxesNotSupported = 2;

// bind_nak p_reject_reason_t (C706 12.6.3.1, MS-RPCE 2.2.2.5).
inline constexpr uint16_t kNakReasonNotSpecified = 0;
inline constexpr uint16_t kNakProtocolVersionNotSupported = 4;
inline constexpr uint16_t kNakAuthenticationTypeNotRecognized = 8;
inline constexpr uint16_t kNakInvalidChecksum = 9;
// "invalid_checksum"; "unknown" for a reason not listed above.
const char* NakReasonName(uint16_t reason);

// Fault statuses used by the server (C706 appendix E, MS-RPCE 2.2.2.5).
inline constexpr uint32_t kFaultAccessDenied = 0x00000005;        // nca_s_fault_access_denied
inline constexpr uint32_t kFaultBadStubData = 0x000006F7;         // rpc_x_bad_stub_data
inline constexpr uint32_t kFaultOpRangeError = 0x1C010002;        // nca_s_op_rng_error
inline constexpr uint32_t kFaultUnknownInterface = 0x1C010003;    // nca_s_unk_if
inline constexpr uint32_t kFaultProtocolError = 0x1C01000B;       // nca_s_proto_error
inline constexpr uint32_t kFaultRemoteNoMemory = 0x1C00001B;      // nca_s_fault_remote_no_memory
inline constexpr uint32_t kFaultInvalidPresContext = 0x1C00001C;  // nca_s_invalid_pres_context_id

// A UUID in its NDR wire order (time_low, time_mid, time_hi little-endian).
struct Uuid {
  std::array<uint8_t, 16> bytes{};
  friend bool operator==(const Uuid&, const Uuid&) = default;
};
// "66491ac2-5d75-4180-b8f1-c43dfe62b11c" <-> wire bytes; nullopt when malformed.
std::optional<Uuid> ParseUuid(std::string_view text);
std::string FormatUuid(const Uuid& uuid);

// p_syntax_id_t: an interface or transfer syntax and its version.
struct SyntaxId {
  Uuid uuid;
  uint16_t major = 0;
  uint16_t minor = 0;
  friend bool operator==(const SyntaxId&, const SyntaxId&) = default;
};
// The NDR transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860 version 2.0.
SyntaxId NdrTransferSyntax();

struct CommonHeader {
  uint8_t rpc_vers = 5;
  uint8_t rpc_vers_minor = 0;
  uint8_t type = 0;  // PduType, kept raw so an unknown type can be named
  uint8_t pfc_flags = kPfcFirstFrag | kPfcLastFrag;
  std::array<uint8_t, 4> drep = {0x10, 0, 0, 0};
  uint16_t frag_length = 0;
  uint16_t auth_length = 0;
  uint32_t call_id = 0;
};

struct SecTrailer {
  uint8_t auth_type = kAuthTypeWinNt;
  uint8_t auth_level = kAuthLevelNone;
  uint8_t auth_pad_length = 0;
  uint8_t auth_reserved = 0;
  uint32_t auth_context_id = 0;
};

// Reads and checks the 16-byte common header at the start of `bytes`:
// rpc_vers 5, rpc_vers_minor 0 or 1, little-endian drep, frag_length at least
// 16 (plus the verifier when auth_length > 0) and at most `max_frag_length`.
// A framing layer calls it on the first 16 bytes to learn how much to read.
ssp::Result<CommonHeader> ParseCommonHeader(ByteSpan bytes, size_t max_frag_length);

// One complete fragment, split into its parts (views into the input).
struct Fragment {
  CommonHeader header;
  ByteSpan body;  // after the common header, before the auth pad
  std::optional<SecTrailer> trailer;
  ByteSpan auth_pad;    // the auth_pad_length bytes before the sec_trailer
  ByteSpan auth_value;  // the verifier (auth_length bytes)
  // Offset of the sec_trailer in the fragment (frag_length when absent).
  size_t trailer_offset = 0;
};

// `bytes` must be exactly one fragment (size == frag_length).
ssp::Result<Fragment> ParseFragment(ByteSpan bytes, size_t max_frag_length);

// One presentation context of a bind or alter_context (p_cont_elem_t).
struct ContextElement {
  uint16_t context_id = 0;
  SyntaxId abstract_syntax;
  std::vector<SyntaxId> transfer_syntaxes;
};

// The body of bind and alter_context.
struct BindBody {
  uint16_t max_xmit_frag = 0;
  uint16_t max_recv_frag = 0;
  uint32_t assoc_group_id = 0;
  std::vector<ContextElement> contexts;
};
ssp::Result<BindBody> ParseBindBody(const Fragment& fragment);

// One p_result_t of a bind_ack / alter_context_resp.
struct ContextResult {
  uint16_t result = kResultAcceptance;
  uint16_t reason = kReasonNotSpecified;
  SyntaxId transfer_syntax;  // zero when rejected
};

struct BindAckBody {
  uint16_t max_xmit_frag = 0;
  uint16_t max_recv_frag = 0;
  uint32_t assoc_group_id = 0;
  std::string secondary_address;  // e.g. the TCP port "49664"; "" for alter_context_resp
  std::vector<ContextResult> results;
};

// The request body (the part before the stub), and where the stub lies.
struct RequestHeader {
  uint32_t alloc_hint = 0;
  uint16_t context_id = 0;
  uint16_t opnum = 0;
  std::optional<Uuid> object;
  size_t stub_offset = 0;  // in the fragment
  ByteSpan stub;           // without the auth pad
};
ssp::Result<RequestHeader> ParseRequestHeader(const Fragment& fragment);

// The response body (the part before the stub), and where the stub lies
// (what a client reads).
struct ResponseHeader {
  uint32_t alloc_hint = 0;
  uint16_t context_id = 0;
  uint8_t cancel_count = 0;
  size_t stub_offset = 0;  // in the fragment
  ByteSpan stub;           // without the auth pad
};
ssp::Result<ResponseHeader> ParseResponseHeader(const Fragment& fragment);

// An authentication verifier to append: sec_trailer and auth_value. The pad
// length is computed by the encoder.
struct Verifier {
  SecTrailer trailer;
  ByteSpan auth_value;
};

// Builds a complete fragment: common header (frag_length and auth_length
// filled in), `body`, and when `verifier` is set the auth pad (zeros, so that
// the sec_trailer starts at a multiple of `pad_alignment` counted from
// `pad_from`, the fragment offset where the padded data begins), the
// sec_trailer (its auth_pad_length set) and the auth_value. frag_length must
// fit 16 bits: callers size their bodies to the negotiated fragment sizes.
Bytes EncodeFragment(CommonHeader header, ByteSpan body, const Verifier* verifier,
                     size_t pad_from = 0, size_t pad_alignment = 4);

Bytes EncodeBindAckBody(const BindAckBody& body);
// bind_nak body: reason and the supported protocol versions (5.0).
Bytes EncodeBindNakBody(uint16_t reason);
// fault body (MS-RPCE 2.2.2.5 layout): alloc_hint 0, context id, cancel count
// 0, reserved, status, reserved.
Bytes EncodeFaultBody(uint16_t context_id, uint32_t status);
// request / response headers (the 8 bytes before the stub).
Bytes EncodeRequestHeader(uint32_t alloc_hint, uint16_t context_id, uint16_t opnum);
Bytes EncodeResponseHeader(uint32_t alloc_hint, uint16_t context_id);
// The bind / alter_context body a client sends (used by tests and clients).
Bytes EncodeBindBody(const BindBody& body);

// The auth3 body (MS-RPCE 2.2.2.10: four bytes of padding).
Bytes EncodeAuth3Body();

// Parsed reply bodies (tests and client code read what the server sent).
ssp::Result<BindAckBody> ParseBindAckBody(const Fragment& fragment);
ssp::Result<uint16_t> ParseBindNakReason(const Fragment& fragment);
ssp::Result<uint32_t> ParseFaultStatus(const Fragment& fragment);

// Serialises a sec_trailer (8 bytes).
std::array<uint8_t, kSecTrailerSize> EncodeSecTrailer(const SecTrailer& trailer);

}  // namespace ntlm::harness::net::rpc
