// rpc_dc_calls_test.cc: the NDR of lsa_OpenPolicy2 and samr_Connect2, and how
// probe reads their answers.
//
// The expected stubs were produced by Samba 4.17's own NDR code (pidl, through
// python3-samba: samba.ndr.ndr_pack_in / ndr_pack_out of samba.dcerpc.lsa
// OpenPolicy2 and samba.dcerpc.samr Connect2 objects, system_name None,
// access_mask 0x02000000, lsa_ObjectAttribute len 24, handle type 0 with uuid
// 0e23168b-d77c-4dfb-9728-f3a9581afc15) and copied here as hex.
#include "harness/net/rpc_dc_calls.h"

#include <gtest/gtest.h>

#include "harness/net/rpc_epm.h"
#include "harness/net/rpc_probe_interface.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::harness::net::rpc {
namespace {

using ntlm::crypto::test_util::FromHex;

const char* const kOpenedHandle = "000000008b16230e7cd7fb4d9728f3a9581afc1500000000";

TEST(RpcDcCalls, RequestsAreWhatSambaEncodes) {
  EXPECT_EQ(EncodeLsarOpenPolicy2Request(kMaximumAllowed),
            FromHex("0000000018000000000000000000000000000000000000000000000000000002"));
  EXPECT_EQ(EncodeSamrConnect2Request(kMaximumAllowed), FromHex("0000000000000002"));
  EXPECT_EQ(FormatUuid(LsarpcInterfaceSyntax().uuid), kLsarpcUuid);
  EXPECT_EQ(LsarpcInterfaceSyntax().major, 0);
  EXPECT_EQ(FormatUuid(SamrInterfaceSyntax().uuid), kSamrUuid);
  EXPECT_EQ(SamrInterfaceSyntax().major, 1);
}

TEST(RpcDcCalls, HandleResponseDecodesAndReencodes) {
  auto opened = DecodeHandleResponse(FromHex(kOpenedHandle));
  ASSERT_TRUE(opened.ok()) << opened.error().reason;
  EXPECT_EQ(opened->status, 0u);
  EXPECT_FALSE(opened->handle_is_null());
  EXPECT_EQ(opened->handle[4], 0x8b);
  EXPECT_EQ(EncodeHandleResponse(*opened), FromHex(kOpenedHandle));
  EXPECT_TRUE(CheckHandleOpened(FromHex(kOpenedHandle)).ok());
}

TEST(RpcDcCalls, RefusedOrMalformedAnswersAreNamed) {
  // samr_Connect2 out: a zero handle and NT_STATUS_ACCESS_DENIED.
  ssp::Status denied =
      CheckHandleOpened(FromHex("0000000000000000000000000000000000000000220000c0"));
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.error().reason.find("0xc0000022"), std::string::npos) << denied.error().reason;
  ssp::Status null_handle =
      CheckHandleOpened(FromHex("000000000000000000000000000000000000000000000000"));
  ASSERT_FALSE(null_handle.ok());
  EXPECT_NE(null_handle.error().reason.find("NULL handle"), std::string::npos);
  // Short, and too long (more than alignment after the NTSTATUS).
  EXPECT_FALSE(DecodeHandleResponse(FromHex("00000000")).ok());
  EXPECT_FALSE(DecodeHandleResponse(Bytes{}).ok());
  EXPECT_FALSE(DecodeHandleResponse(FromHex(std::string(kOpenedHandle) + "0000000000000000")).ok());
}

TEST(RpcDcCalls, ProbeInterfacesCallThem) {
  ASSERT_EQ(ParseProbeInterface("lsarpc"), ProbeInterface::kLsarpc);
  ASSERT_EQ(ParseProbeInterface("samr"), ProbeInterface::kSamr);
  EXPECT_FALSE(ParseProbeInterface("netlogon").has_value());
  EXPECT_EQ(ProbeInterfaceText(ProbeInterface::kSamr),
            "12345778-1234-abcd-ef00-0123456789ac v1.0 (samr)");
  const ProbeCall lsa = MakeProbeCall(ProbeInterface::kLsarpc, "ignored");
  EXPECT_EQ(lsa.opnum, kLsarOpenPolicy2Opnum);
  EXPECT_EQ(lsa.stub, EncodeLsarOpenPolicy2Request(kMaximumAllowed));
  const ProbeCall samr = MakeProbeCall(ProbeInterface::kSamr, "ignored");
  EXPECT_EQ(samr.opnum, kSamrConnect2Opnum);
  EXPECT_TRUE(CheckProbeResponse(samr, FromHex(kOpenedHandle)).ok());
  EXPECT_FALSE(CheckProbeResponse(samr, FromHex("0000")).ok());
  // epmapper: any well-formed ept_map answer.
  const ProbeCall epm = MakeProbeCall(ProbeInterface::kEpmapper, "ignored");
  EXPECT_EQ(epm.opnum, kEptMapOpnum);
  EXPECT_TRUE(CheckProbeResponse(epm, EncodeEptMapResponse(EptMapResponse{})).ok());
  EXPECT_FALSE(CheckProbeResponse(epm, FromHex(kOpenedHandle)).ok());
  // The echo interfaces still want their bytes back.
  const ProbeCall echo = MakeProbeCall(ProbeInterface::kHarness, "abc");
  EXPECT_TRUE(CheckProbeResponse(echo, echo.expected_response).ok());
  EXPECT_FALSE(CheckProbeResponse(echo, FromHex(kOpenedHandle)).ok());
}

}  // namespace
}  // namespace ntlm::harness::net::rpc
