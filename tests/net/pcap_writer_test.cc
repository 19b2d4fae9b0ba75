// pcap_writer_test.cc: the pcap file PcapWriter writes, read back field by
// field: global header, handshake, segmentation at 65000 bytes, sequence and
// acknowledgement numbers, IPv4/IPv6/TCP checksums, FIN exchange.
#include "harness/net/io/pcap_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace ntlm::harness::net {
namespace {

struct Packet {
  uint32_t ts_sec = 0, ts_usec = 0;
  Bytes data;
};

uint32_t Le32(const Bytes& b, size_t o) {
  return b[o] | b[o + 1] << 8 | b[o + 2] << 16 | static_cast<uint32_t>(b[o + 3]) << 24;
}
uint16_t Be16(const Bytes& b, size_t o) { return static_cast<uint16_t>(b[o] << 8 | b[o + 1]); }
uint32_t Be32(const Bytes& b, size_t o) {
  return static_cast<uint32_t>(Be16(b, o)) << 16 | Be16(b, o + 2);
}

uint16_t Checksum(const Bytes& b, size_t begin, size_t end, uint32_t sum = 0) {
  for (size_t i = begin; i < end; i += 2) {
    sum += static_cast<uint32_t>(b[i] << 8 | (i + 1 < end ? b[i + 1] : 0));
  }
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

class PcapWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("pcap_writer_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".pcap");
  }
  void TearDown() override { std::filesystem::remove(path_); }

  PcapWriter::Options Fixed(PcapWriter::LinkType link) {
    PcapWriter::Options o;
    o.link_type = link;
    o.now = [] {
      return std::chrono::system_clock::time_point(
          std::chrono::microseconds(1'700'000'000'123'456));
    };
    return o;
  }

  std::vector<Packet> ReadBack(uint32_t expected_link) {
    std::ifstream in(path_, std::ios::binary);
    Bytes file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<Packet> packets;
    EXPECT_GE(file.size(), 24u);
    if (file.size() < 24) return packets;
    EXPECT_EQ(Le32(file, 0), 0xA1B2C3D4u);
    EXPECT_EQ(Le32(file, 4), 0x00040002u);  // version 2.4
    EXPECT_EQ(Le32(file, 20), expected_link);
    size_t pos = 24;
    while (pos + 16 <= file.size()) {
      Packet p;
      p.ts_sec = Le32(file, pos);
      p.ts_usec = Le32(file, pos + 4);
      const uint32_t incl = Le32(file, pos + 8);
      EXPECT_EQ(incl, Le32(file, pos + 12));
      pos += 16;
      EXPECT_LE(pos + incl, file.size());
      if (pos + incl > file.size()) break;
      p.data.assign(file.begin() + pos, file.begin() + pos + incl);
      pos += incl;
      packets.push_back(std::move(p));
    }
    EXPECT_EQ(pos, file.size());
    return packets;
  }

  std::filesystem::path path_;
};

struct Tcp {
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t flags;
  size_t payload;
};

// Checks the IPv4 header and TCP checksum of a raw-IP packet; returns TCP fields.
Tcp CheckIpv4(const Bytes& p, size_t ip = 0) {
  EXPECT_EQ(p[ip], 0x45);
  EXPECT_EQ(Be16(p, ip + 2), p.size() - ip);
  EXPECT_EQ(p[ip + 9], 6);
  EXPECT_EQ(Checksum(p, ip, ip + 20), 0);  // header checksum verifies
  const size_t tcp = ip + 20;
  uint32_t pseudo = 0;
  for (size_t i = ip + 12; i < ip + 20; i += 2) pseudo += Be16(p, i);
  pseudo += 6 + static_cast<uint32_t>(p.size() - tcp);
  EXPECT_EQ(Checksum(p, tcp, p.size(), pseudo), 0);
  return Tcp{Be16(p, tcp),     Be16(p, tcp + 2), Be32(p, tcp + 4),
             Be32(p, tcp + 8), p[tcp + 13],      p.size() - tcp - 20};
}

TEST_F(PcapWriterTest, Ipv4HandshakeDataSegmentationAndClose) {
  auto w = PcapWriter::Open(path_, Fixed(PcapWriter::LinkType::kRaw));
  ASSERT_TRUE(w.ok()) << w.error().reason;
  (*w)->OnOpen(1, {"127.0.0.1", 50000, "127.0.0.1", 135});
  (*w)->OnData(1, TrafficDirection::kClientToServer, Bytes(100, 0x11));
  (*w)->OnData(1, TrafficDirection::kServerToClient, Bytes(150000, 0x22));
  (*w)->OnData(1, TrafficDirection::kClientToServer, {});        // nothing written
  (*w)->OnData(2, TrafficDirection::kClientToServer, Bytes(5));  // unknown connection
  (*w)->OnClose(1);
  EXPECT_EQ((*w)->packets(), 10u);
  EXPECT_FALSE((*w)->error().has_value());
  w->reset();
  auto packets = ReadBack(101);
  ASSERT_EQ(packets.size(), 10u);
  EXPECT_EQ(packets[0].ts_sec, 1'700'000'000u);
  EXPECT_EQ(packets[0].ts_usec, 123'456u);
  std::vector<Tcp> t;
  for (const auto& p : packets) t.push_back(CheckIpv4(p.data));
  const uint8_t syn = 0x02, ack = 0x10, psh = 0x08, fin = 0x01;
  EXPECT_EQ(t[0].flags, syn);
  EXPECT_EQ(t[0].sport, 50000);
  EXPECT_EQ(t[0].dport, 135);
  EXPECT_EQ(t[1].flags, syn | ack);
  EXPECT_EQ(t[1].ack, t[0].seq + 1);
  EXPECT_EQ(t[2].flags, ack);
  const uint32_t c = t[0].seq + 1, s = t[1].seq + 1;
  EXPECT_EQ(t[3].flags, psh | ack);
  EXPECT_EQ(t[3].seq, c);
  EXPECT_EQ(t[3].payload, 100u);
  // 150000 = 65000 + 65000 + 20000, sequence numbers consecutive.
  EXPECT_EQ(t[4].payload, 65000u);
  EXPECT_EQ(t[5].payload, 65000u);
  EXPECT_EQ(t[6].payload, 20000u);
  EXPECT_EQ(t[4].seq, s);
  EXPECT_EQ(t[5].seq, s + 65000);
  EXPECT_EQ(t[6].seq, s + 130000);
  EXPECT_EQ(t[6].ack, c + 100);
  EXPECT_EQ(t[7].flags, fin | ack);
  EXPECT_EQ(t[7].seq, s + 150000);
  EXPECT_EQ(t[8].flags, fin | ack);
  EXPECT_EQ(t[8].ack, s + 150001);
  EXPECT_EQ(t[9].ack, c + 101);
}

TEST_F(PcapWriterTest, Ipv6AndEthernet) {
  auto w = PcapWriter::Open(path_, Fixed(PcapWriter::LinkType::kEthernet));
  ASSERT_TRUE(w.ok());
  (*w)->OnOpen(7, {"::1", 40000, "::1", 8080});
  (*w)->OnData(7, TrafficDirection::kClientToServer, Bytes{1, 2, 3});
  (*w)->OnClose(7);
  w->reset();
  auto packets = ReadBack(1);
  ASSERT_EQ(packets.size(), 7u);
  const Bytes& p = packets[3].data;
  EXPECT_EQ(Be16(p, 12), 0x86DD);
  EXPECT_EQ(p[14] >> 4, 6);
  EXPECT_EQ(Be16(p, 14 + 4), 20 + 3);  // payload length
  EXPECT_EQ(p[14 + 6], 6);             // next header TCP
  const size_t tcp = 14 + 40;
  uint32_t pseudo = 0;
  for (size_t i = 14 + 8; i < 14 + 40; i += 2) pseudo += Be16(p, i);
  pseudo += 6 + static_cast<uint32_t>(p.size() - tcp);
  EXPECT_EQ(Checksum(p, tcp, p.size(), pseudo), 0);
  EXPECT_EQ(Be16(p, tcp), 40000);
}

TEST_F(PcapWriterTest, MixedFamiliesAreWrittenAsMappedIpv6) {
  auto w = PcapWriter::Open(path_, Fixed(PcapWriter::LinkType::kRaw));
  ASSERT_TRUE(w.ok());
  (*w)->OnOpen(1, {"127.0.0.1", 1, "::1", 2});
  w->reset();
  auto packets = ReadBack(101);
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0].data[0] >> 4, 6);
  EXPECT_EQ(packets[0].data[8 + 10], 0xFF);  // ::ffff:127.0.0.1
  EXPECT_EQ(packets[0].data[8 + 12], 127);
}

TEST_F(PcapWriterTest, BadAddressAndBadPathAreErrors) {
  auto w = PcapWriter::Open(path_, Fixed(PcapWriter::LinkType::kRaw));
  ASSERT_TRUE(w.ok());
  (*w)->OnOpen(1, {"not-an-ip", 1, "127.0.0.1", 2});
  ASSERT_TRUE((*w)->error().has_value());
  EXPECT_NE((*w)->error()->find("not an IP address"), std::string::npos);
  EXPECT_EQ((*w)->packets(), 0u);
  auto bad = PcapWriter::Open("/nonexistent-dir/x.pcap");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().reason.find("/nonexistent-dir/x.pcap"), std::string::npos);
}

}  // namespace
}  // namespace ntlm::harness::net
