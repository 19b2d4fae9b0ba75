// smb_pipe_wire.h: the SMB2 messages of named pipes on IPC$ ([MS-SMB2]
// 2.2.13-2.2.22, 2.2.31-2.2.32 with FSCTL_PIPE_TRANSCEIVE): the request
// fields a pipe server reads and its responses. Socket-free; offsets are from
// the SMB2 header start.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "crypto/bytes.h"
#include "ssp/status.h"

namespace ntlm::harness::net::smb {

using FileId = std::array<uint8_t, 16>;  // persistent (8) + volatile (8)

inline constexpr uint32_t kFsctlPipeTransceive = 0x0011C017;  // [MS-FSCC] 2.3.49
inline constexpr uint32_t kStatusBufferOverflow = 0x80000005;
inline constexpr uint32_t kStatusObjectNameNotFound = 0xC0000034;
inline constexpr uint32_t kStatusFileClosed = 0xC0000128;
inline constexpr uint32_t kStatusPipeBroken = 0xC000014B;
inline constexpr uint32_t kStatusPending = 0x00000103;
inline constexpr uint32_t kStatusCancelled = 0xC0000120;
inline constexpr uint32_t kStatusInsufficientResources = 0xC000009A;

// 2.2.13 CREATE request: the name (UTF-8, as sent: "rpcecho").
ssp::Result<std::string> ParseCreateName(ByteSpan message);
// 2.2.14 CREATE response for an opened pipe.
void AppendCreateResponse(Bytes& out, const FileId& file_id);

// The FileId of a READ (2.2.19), WRITE (2.2.21), CLOSE (2.2.15) or IOCTL
// (2.2.31) request.
ssp::Result<FileId> ParseFileId(ByteSpan message, uint16_t command);

// 2.2.21 WRITE request: the data.
ssp::Result<Bytes> ParseWriteData(ByteSpan message);
void AppendWriteResponse(Bytes& out, uint32_t count);

// 2.2.19 READ request: Length.
ssp::Result<uint32_t> ParseReadLength(ByteSpan message);
void AppendReadResponse(Bytes& out, ByteSpan data);

// 2.2.31 IOCTL request: MaxOutputResponse.
ssp::Result<uint32_t> ParseIoctlMaxOutput(ByteSpan message);
// 2.2.32 IOCTL response on a file.
void AppendFileIoctlResponse(Bytes& out, uint32_t ctl_code, const FileId& file_id, ByteSpan output);

// 2.2.16 CLOSE response (no attributes).
void AppendCloseResponse(Bytes& out);

}  // namespace ntlm::harness::net::smb
