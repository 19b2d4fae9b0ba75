// rpc_epm_test.cc: ept_map and ncacn_ip_tcp towers (harness/net/rpc_epm.h).
//
// The tower bytes are checked by hand against C706 appendix L / MS-RPCE
// 2.2.1.2 (five floors: interface uuid+version, NDR 2.0, 0x0b connection-
// oriented RPC, 0x07 TCP port big-endian, 0x09 IPv4 address); the response
// in EptMapResponseFromSamba is the one Samba 4.17's AD DC endpoint mapper
// sent to this encoder's request for samr (captured on 127.0.0.1:135 with
// impacket as the transport, samr pinned to port 41346).
#include "harness/net/rpc_epm.h"

#include <gtest/gtest.h>

#include "harness/net/rpc_dc_calls.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::harness::net::rpc {
namespace {

using ntlm::crypto::test_util::FromHex;

// samr 1.0, port 41346 (0xa182), 127.0.0.1.
const char* const kSamrTower =
    "0500"  // 5 floors
    "1300"
    "0d"
    "785734123412cdabef000123456789ac"
    "0100"  // lhs: uuid, major 1
    "0200"
    "0000"  // rhs: minor 0
    "1300"
    "0d"
    "045d888aeb1cc9119fe808002b104860"
    "0200"  // NDR 2.0
    "0200"
    "0000"
    "0100"
    "0b"
    "0200"
    "0000"  // RPC connection-oriented
    "0100"
    "07"
    "0200"
    "a182"  // TCP port, big-endian
    "0100"
    "09"
    "0400"
    "7f000001";  // IPv4

TEST(RpcEpm, TcpTowerIsTheAppendixLLayout) {
  const TcpTower tower{SamrInterfaceSyntax(), 41346, {127, 0, 0, 1}};
  EXPECT_EQ(EncodeTcpTower(tower), FromHex(kSamrTower));
  auto back = DecodeTcpTower(FromHex(kSamrTower));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(back->iface, SamrInterfaceSyntax());
  EXPECT_EQ(back->port, 41346);
  EXPECT_EQ(back->ipv4, (std::array<uint8_t, 4>{127, 0, 0, 1}));
}

TEST(RpcEpm, MalformedTowersAreRefusedWithTheReason) {
  Bytes tower = FromHex(kSamrTower);
  for (size_t n = 0; n < tower.size(); ++n) {
    EXPECT_FALSE(DecodeTcpTower(ByteSpan(tower.data(), n)).ok()) << n;  // every truncation
  }
  Bytes udp = tower;
  udp[tower.size() - 14] = 0x08;  // floor 4: UDP instead of TCP
  auto r = DecodeTcpTower(udp);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("floor 4"), std::string::npos) << r.error().reason;
  Bytes many = tower;
  many[0] = 0xff;  // 255 floors
  EXPECT_FALSE(DecodeTcpTower(many).ok());
}

TEST(RpcEpm, EptMapRequestCarriesTheTower) {
  const Bytes stub = EncodeEptMapRequest(SamrInterfaceSyntax());
  const Bytes tower = EncodeTcpTower(TcpTower{SamrInterfaceSyntax(), 0, {}});
  Bytes expected = FromHex(
      "00000200"
      "00000000000000000000000000000000"  // object: nil uuid
      "04000200");                        // map_tower
  const Bytes length = {static_cast<uint8_t>(tower.size()), 0, 0, 0};
  expected.insert(expected.end(), length.begin(), length.end());  // max_count
  expected.insert(expected.end(), length.begin(), length.end());  // tower_length
  expected.insert(expected.end(), tower.begin(), tower.end());
  while (expected.size() % 4) expected.push_back(0);
  const Bytes rest = FromHex(
      "0000000000000000000000000000000000000000"
      "04000000");
  expected.insert(expected.end(), rest.begin(), rest.end());  // entry_handle, max_towers 4
  EXPECT_EQ(stub, expected);
}

TEST(RpcEpm, EptMapResponseRoundTripsAndGivesThePort) {
  EptMapResponse response;
  response.towers.push_back(FromHex(kSamrTower));
  const Bytes stub = EncodeEptMapResponse(response);
  auto back = DecodeEptMapResponse(stub);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  ASSERT_EQ(back->towers.size(), 1u);
  EXPECT_EQ(back->towers[0], FromHex(kSamrTower));
  auto port = EptMapPort(*back, SamrInterfaceSyntax());
  ASSERT_TRUE(port.ok()) << port.error().reason;
  EXPECT_EQ(*port, 41346);
  // Another interface's towers give no port.
  EXPECT_FALSE(EptMapPort(*back, LsarpcInterfaceSyntax()).ok());
  // Not registered.
  EptMapResponse none;
  none.status = 0x16c9a0d6;
  auto missing =
      EptMapPort(*DecodeEptMapResponse(EncodeEptMapResponse(none)), SamrInterfaceSyntax());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().reason.find("EPT_S_NOT_REGISTERED"), std::string::npos);
  // Every truncation of a response is an error, never a crash.
  for (size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(DecodeEptMapResponse(ByteSpan(stub.data(), n)).ok()) << n;
  }
  // A tower count above what was asked for.
  Bytes big = stub;
  big[20] = 0x30;  // num_towers
  big[32] = 0x30;  // actual_count
  EXPECT_FALSE(DecodeEptMapResponse(big).ok());
}

TEST(RpcEpm, EptMapResponseFromSamba) {
  // Samba's full-pointer referent id is 3; the tower's address is 0.0.0.0.
  const Bytes stub = FromHex(
      "00000000000000000000000000000000000000000100000004000000000000000100000003000000"
      "4b0000004b000000050013000d785734123412cdabef000123456789ac01000200000013000d045d"
      "888aeb1cc9119fe808002b10486002000200000001000b020000000100070200a182010009040000"
      "0000000000000000");
  auto response = DecodeEptMapResponse(stub);
  ASSERT_TRUE(response.ok()) << response.error().reason;
  ASSERT_EQ(response->towers.size(), 1u);
  EXPECT_EQ(response->status, 0u);
  auto port = EptMapPort(*response, SamrInterfaceSyntax());
  ASSERT_TRUE(port.ok()) << port.error().reason;
  EXPECT_EQ(*port, 41346);
}

}  // namespace
}  // namespace ntlm::harness::net::rpc
