// rpc_echo_interface.cc: the NtlmHarnessEcho interface (see rpc_echo_interface.h).
#include "harness/net/rpc_echo_interface.h"

#include <cstdio>

#include "ssp/byte_reader.h"
#include "ssp/byte_writer.h"

namespace ntlm::harness::net::rpc {

SyntaxId EchoInterfaceSyntax() {
  return SyntaxId{*ParseUuid(kEchoInterfaceUuid), kEchoInterfaceMajor, kEchoInterfaceMinor};
}

Bytes EncodeByteArray(ByteSpan bytes) {
  ssp::ByteWriter w;
  w.WriteU32(static_cast<uint32_t>(bytes.size()));
  w.WriteU32(static_cast<uint32_t>(bytes.size()));
  w.WriteBytes(bytes);
  return w.Finish();
}

ssp::Result<ByteSpan> DecodeByteArray(ByteSpan stub) {
  ssp::ByteReader r(stub, "ByteArray");
  NTLM_ASSIGN_OR_RETURN(auto length, r.ReadU32("length"));
  NTLM_ASSIGN_OR_RETURN(auto max_count, r.ReadU32("max_count"));
  if (max_count != length) {
    return r.MakeParseErrorAt(
        4, "max_count",
        std::to_string(max_count) + " differs from length " + std::to_string(length));
  }
  NTLM_ASSIGN_OR_RETURN(auto data, r.ReadBytes(length, "data"));
  if (r.remaining() > 7) {
    return r.MakeParseError("trailing bytes", std::to_string(r.remaining()) +
                                                  " bytes after the array (at most 7 alignment "
                                                  "bytes are allowed)");
  }
  return data;
}

CallOutcome DispatchEchoCall(uint16_t opnum, ByteSpan stub, const CallerInfo& caller) {
  CallOutcome out;
  switch (opnum) {
    case kEchoOpnum: {
      auto data = DecodeByteArray(stub);
      if (!data.ok()) {
        out.fault_status = kFaultBadStubData;
        out.reason = "Echo: " + data.error().reason;
        return out;
      }
      out.ok = true;
      out.stub = EncodeByteArray(*data);
      return out;
    }
    case kWhoAmIOpnum: {
      if (stub.size() > 7) {
        out.fault_status = kFaultBadStubData;
        out.reason =
            "WhoAmI: takes no arguments but the stub has " + std::to_string(stub.size()) + " bytes";
        return out;
      }
      char flags[16];
      std::snprintf(flags, sizeof flags, "0x%08x", caller.negotiated_flags);
      const std::string text = caller.domain + "\\" + caller.user + " flags=" + flags +
                               " level=" + AuthLevelName(caller.auth_level);
      out.ok = true;
      out.stub =
          EncodeByteArray(ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
      return out;
    }
    default:
      out.fault_status = kFaultOpRangeError;
      out.reason = "opnum " + std::to_string(opnum) + " is not defined (0 Echo, 1 WhoAmI)";
      return out;
  }
}

}  // namespace ntlm::harness::net::rpc
