// pcap_writer.h: a TrafficTap that writes what the fronts send and receive as
// a classic pcap file (microsecond timestamps), so tshark/Wireshark dissect
// and reassemble each connection.
//
// The real TCP/IP headers are not visible to a socket server, so they are
// synthesized: per connection a SYN / SYN-ACK / ACK handshake at OnOpen, each
// OnData chunk as PSH-ACK segments of at most kMaxSegmentPayload bytes with
// consistent sequence and acknowledgement numbers, and FIN-ACK / FIN-ACK / ACK
// at OnClose. IPv4 or IPv6 (an IPv4 endpoint paired with an IPv6 one is
// written as an IPv4-mapped IPv6 address), with valid IP and TCP checksums.
// Link type LINKTYPE_RAW (101, the packet starts with the IP header) or
// LINKTYPE_ETHERNET (1, fixed locally administered MAC addresses).
//
// Thread-safe: a short lock guards the table of connections only; each record
// (header and packet) is appended with one write(2) on an O_APPEND descriptor,
// so records of several threads never interleave and a killed server leaves
// only whole records (nothing is buffered in the process). A connection's
// calls come from one thread, in order. A write error stops the capture and
// is kept (error()); the fronts are never disturbed.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "harness/net/front_context.h"
#include "ssp/status.h"

namespace ntlm::harness::net {

class PcapWriter final : public TrafficTap {
 public:
  enum class LinkType : uint32_t { kEthernet = 1, kRaw = 101 };
  static constexpr size_t kMaxSegmentPayload = 65000;

  struct Options {
    LinkType link_type = LinkType::kRaw;
    // Timestamp source (tests pass a fixed clock).
    std::function<std::chrono::system_clock::time_point()> now = [] {
      return std::chrono::system_clock::now();
    };
  };

  // Creates (truncates) `path` and writes the pcap header. Errors name the
  // file (SEC_E_INTERNAL_ERROR carries I/O failures across this API).
  static ssp::Result<std::unique_ptr<PcapWriter>> Open(const std::filesystem::path& path,
                                                       Options options);
  static ssp::Result<std::unique_ptr<PcapWriter>> Open(const std::filesystem::path& path) {
    return Open(path, Options{});
  }
  ~PcapWriter() override;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  void OnOpen(uint64_t connection_id, const Endpoints& endpoints) override;
  void OnData(uint64_t connection_id, TrafficDirection direction, ByteSpan bytes) override;
  void OnClose(uint64_t connection_id) override;

  // The first write error, if any.
  std::optional<std::string> error() const;
  // Packets written so far.
  uint64_t packets() const;

 private:
  struct Address {
    bool v6 = false;
    std::array<uint8_t, 16> bytes{};  // v4 in the first 4
  };
  struct Flow {
    Address client, server;
    uint16_t client_port = 0, server_port = 0;
    uint32_t client_seq = 0, server_seq = 0;  // next sequence number to send
  };

  PcapWriter(int fd, std::filesystem::path path, Options options);
  void WriteSegment(const Flow& flow, bool from_client, uint8_t tcp_flags, ByteSpan payload);
  void WriteRecord(Bytes& record);
  void Fail(const std::string& what);

  int fd_ = -1;
  std::filesystem::path path_;
  Options options_;
  mutable std::mutex flows_mutex_;  // flows_ only
  std::map<uint64_t, Flow> flows_;
  mutable std::mutex error_mutex_;  // error_ only
  std::optional<std::string> error_;
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> packets_{0};
};

}  // namespace ntlm::harness::net
