// smb_wire.h: the SMB2/3 messages the SMB front speaks, decoded and encoded
// without sockets ([MS-SMB2] 2.1, 2.2).
//
// Direct TCP transport ([MS-SMB2] 2.1): each message is preceded by a 4-byte
// header, a zero byte and a 24-bit big-endian length. Every SMB2 message starts
// with the 64-byte sync header (2.2.1.2); offsets inside a body are counted
// from the start of that header, so the request parsers take the whole
// message. Untrusted bytes are read only through ssp::ByteReader; a parse
// error is SEC_E_INVALID_TOKEN with a reason naming the field and the offset.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "ssp/byte_reader.h"
#include "ssp/status.h"

namespace ntlm::harness::net::smb {

inline constexpr size_t kTransportHeaderSize = 4;
inline constexpr size_t kMaxTransportLength = 0xFFFFFF;
inline constexpr size_t kHeaderSize = 64;
inline constexpr size_t kSignatureOffset = 48;
inline constexpr size_t kSignatureSize = 16;

// 2.2.1 Command.
enum class Command : uint16_t {
  kNegotiate = 0x0000,
  kSessionSetup = 0x0001,
  kLogoff = 0x0002,
  kTreeConnect = 0x0003,
  kTreeDisconnect = 0x0004,
  kCreate = 0x0005,
  kClose = 0x0006,
  kFlush = 0x0007,
  kRead = 0x0008,
  kWrite = 0x0009,
  kLock = 0x000A,
  kIoctl = 0x000B,
  kCancel = 0x000C,
  kEcho = 0x000D,
  kQueryDirectory = 0x000E,
  kChangeNotify = 0x000F,
  kQueryInfo = 0x0010,
  kSetInfo = 0x0011,
  kOplockBreak = 0x0012,
};
const char* CommandName(uint16_t command);

// 2.2.1.2 Flags.
inline constexpr uint32_t kFlagServerToRedir = 0x00000001;
inline constexpr uint32_t kFlagAsyncCommand = 0x00000002;
inline constexpr uint32_t kFlagRelatedOperations = 0x00000004;
inline constexpr uint32_t kFlagSigned = 0x00000008;

// Dialect revisions (2.2.3).
inline constexpr uint16_t kDialect202 = 0x0202;
inline constexpr uint16_t kDialect210 = 0x0210;
inline constexpr uint16_t kDialect300 = 0x0300;
inline constexpr uint16_t kDialect302 = 0x0302;
inline constexpr uint16_t kDialect311 = 0x0311;
inline constexpr uint16_t kDialectWildcard = 0x02FF;
bool IsSmb3(uint16_t dialect);
std::string DialectName(uint16_t dialect);  // "2.1", "3.1.1", "0x02ff"
// The dialect named "2.0.2", "2.1", "3.0", "3.0.2" or "3.1.1"; nullopt otherwise.
std::optional<uint16_t> DialectFromName(std::string_view name);
inline constexpr const char* kDialectNames = "2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1";

// SecurityMode (2.2.3, 2.2.4).
inline constexpr uint16_t kSigningEnabled = 0x0001;
inline constexpr uint16_t kSigningRequired = 0x0002;

// Negotiate context types (2.2.3.1) and their algorithm ids.
inline constexpr uint16_t kPreauthIntegrityCapabilities = 0x0001;
inline constexpr uint16_t kEncryptionCapabilities = 0x0002;
inline constexpr uint16_t kSigningCapabilities = 0x0008;
inline constexpr uint16_t kHashSha512 = 0x0001;
inline constexpr uint16_t kSigningHmacSha256 = 0x0000;
inline constexpr uint16_t kSigningAesCmac = 0x0001;
inline constexpr uint16_t kSigningAesGmac = 0x0002;

// The 64-byte SMB2 header, sync or async form (2.2.1.1, 2.2.1.2).
struct Header {
  uint16_t credit_charge = 0;
  uint32_t status = 0;  // ChannelSequence/Reserved in requests
  uint16_t command = 0;
  uint16_t credits = 0;  // CreditRequest / CreditResponse
  uint32_t flags = 0;
  uint32_t next_command = 0;
  uint64_t message_id = 0;
  uint64_t async_id = 0;  // async form only
  uint32_t tree_id = 0;   // sync form only
  uint64_t session_id = 0;
  std::array<uint8_t, kSignatureSize> signature{};
};

// The 24-bit length of a direct-TCP transport header; an error when the
// first byte is not zero.
ssp::Result<size_t> ParseTransportHeader(ByteSpan four_bytes);
void AppendTransportHeader(Bytes& out, size_t length);

ssp::Result<Header> ParseHeader(ByteSpan message);
void AppendHeader(Bytes& out, const Header& header);

// 2.2.3.1 NEGOTIATE_CONTEXT, as received.
struct NegotiateContext {
  uint16_t type = 0;
  Bytes data;
};

// 2.2.3 NEGOTIATE request with the 3.1.1 contexts of interest parsed.
struct NegotiateRequest {
  uint16_t security_mode = 0;
  uint32_t capabilities = 0;
  std::array<uint8_t, 16> client_guid{};
  std::vector<uint16_t> dialects;
  std::vector<NegotiateContext> contexts;  // only when the dialects list 3.1.1
  // Parsed from `contexts` (absent when the context was not sent).
  std::optional<std::vector<uint16_t>> preauth_hash_algorithms;
  std::optional<std::vector<uint16_t>> ciphers;
  std::optional<std::vector<uint16_t>> signing_algorithms;
};
ssp::Result<NegotiateRequest> ParseNegotiateRequest(ByteSpan message);

// 2.2.4 NEGOTIATE response body (after the header).
struct NegotiateResponse {
  uint16_t security_mode = kSigningEnabled;
  uint16_t dialect = 0;
  std::array<uint8_t, 16> server_guid{};
  uint32_t capabilities = 0;
  uint32_t max_transact_size = 65536;
  uint32_t max_read_size = 65536;
  uint32_t max_write_size = 65536;
  uint64_t system_time = 0;  // FILETIME
  Bytes security_buffer;
  // 3.1.1 only: encoded in this order.
  std::vector<NegotiateContext> contexts;
};
// Appends the body; `out` already holds the 64-byte header.
void AppendNegotiateResponse(Bytes& out, const NegotiateResponse& response);
// A preauth integrity context (SHA-512, `salt`), a context listing `ids`
// (Count, then the ids: signing or encryption capabilities), and a
// one-algorithm context.
NegotiateContext MakePreauthContext(ByteSpan salt);
NegotiateContext MakeIdListContext(uint16_t type, std::span<const uint16_t> ids);
NegotiateContext MakeSingleIdContext(uint16_t type, uint16_t id);

// SMB1 SMB_COM_NEGOTIATE (MS-SMB2 3.3.5.3.1): the dialect strings it offers,
// or an error when the message is not an SMB1 negotiate.
ssp::Result<std::vector<std::string>> ParseSmb1NegotiateDialects(ByteSpan message);

// 2.2.5 SESSION_SETUP request.
struct SessionSetupRequest {
  uint8_t flags = 0;
  uint8_t security_mode = 0;
  uint32_t capabilities = 0;
  uint64_t previous_session_id = 0;
  Bytes security_buffer;
};
ssp::Result<SessionSetupRequest> ParseSessionSetupRequest(ByteSpan message);
void AppendSessionSetupResponse(Bytes& out, uint16_t session_flags, ByteSpan security_buffer);

// 2.2.9 TREE_CONNECT request: the UNC path as UTF-8 ("\\server\IPC$").
ssp::Result<std::string> ParseTreeConnectPath(ByteSpan message);
// 2.2.10 TREE_CONNECT response.
inline constexpr uint8_t kShareTypeDisk = 0x01;
inline constexpr uint8_t kShareTypePipe = 0x02;
void AppendTreeConnectResponse(Bytes& out, uint8_t share_type, uint32_t share_flags,
                               uint32_t capabilities, uint32_t maximal_access);

// A reader over a message's body (after the header) whose offsets count from
// the header start, as the SMB2 offset fields do.
ssp::ByteReader BodyReader(ByteSpan message, const char* what);
// The bytes at [offset, offset + length) of the message (offsets from the
// header start), checked against its size.
ssp::Result<ByteSpan> Buffer(ByteSpan message, size_t offset, size_t length, const char* what,
                             const char* field);

// Checks the fixed StructureSize of a request body (2.2.x) and that the body
// is at least that long minus the variable part.
ssp::Status CheckStructureSize(ByteSpan message, uint16_t expected, const char* what);

// The 4-byte body of LOGOFF, TREE_DISCONNECT and ECHO responses (2.2.8,
// 2.2.12, 2.2.29).
void AppendEmptyBody(Bytes& out);
// 2.2.2 ERROR response body (no error context).
void AppendErrorBody(Bytes& out);

}  // namespace ntlm::harness::net::smb

namespace ntlm::harness::net::smb {

// 2.2.31 IOCTL request: the fields this server looks at.
inline constexpr uint32_t kFsctlValidateNegotiateInfo = 0x00140204;
struct IoctlRequest {
  uint32_t ctl_code = 0;
  uint32_t flags = 0;
  Bytes input;
};
ssp::Result<IoctlRequest> ParseIoctlRequest(ByteSpan message);
// 2.2.32 IOCTL response with `output` (FileId all 0xFF: no file).
void AppendIoctlResponse(Bytes& out, uint32_t ctl_code, ByteSpan output);

// 2.2.31.4 VALIDATE_NEGOTIATE_INFO request.
struct ValidateNegotiateInfo {
  uint32_t capabilities = 0;
  std::array<uint8_t, 16> guid{};
  uint16_t security_mode = 0;
  std::vector<uint16_t> dialects;
};
ssp::Result<ValidateNegotiateInfo> ParseValidateNegotiateInfo(ByteSpan input);
// 2.2.32.6 VALIDATE_NEGOTIATE_INFO response.
Bytes EncodeValidateNegotiateResponse(uint32_t capabilities, const std::array<uint8_t, 16>& guid,
                                      uint16_t security_mode, uint16_t dialect);

}  // namespace ntlm::harness::net::smb
