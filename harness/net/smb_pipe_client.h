// smb_pipe_client.h: the client side of named pipes on IPC$ for this
// project's own uses (tests): CREATE, WRITE, READ, IOCTL
// FSCTL_PIPE_TRANSCEIVE and CLOSE request builders ([MS-SMB2] 2.2.13, 2.2.21,
// 2.2.19, 2.2.31, 2.2.15) with consecutive MessageIds from an
// SmbRequestBuilder, and the readers of the responses' FileId and data.
#pragma once

#include <string>

#include "crypto/bytes.h"
#include "harness/net/smb_client.h"
#include "harness/net/smb_pipe_wire.h"

namespace ntlm::harness::net::smb {

class SmbPipeRequests {
 public:
  SmbPipeRequests(SmbRequestBuilder& builder, uint64_t session_id, uint32_t tree_id)
      : builder_(builder), session_id_(session_id), tree_id_(tree_id) {}

  Bytes Create(const std::string& name);
  Bytes Write(const FileId& file, ByteSpan data);
  Bytes Read(const FileId& file, uint32_t length);
  Bytes Transceive(const FileId& file, ByteSpan input, uint32_t max_output);
  Bytes Close(const FileId& file);

 private:
  SmbRequestBuilder& builder_;
  uint64_t session_id_;
  uint32_t tree_id_;
};

// The FileId of a CREATE response.
ssp::Result<FileId> CreateResponseFileId(ByteSpan response);
// The data of a READ response, or the output of an IOCTL response.
ssp::Result<Bytes> ResponseData(ByteSpan response);

}  // namespace ntlm::harness::net::smb
