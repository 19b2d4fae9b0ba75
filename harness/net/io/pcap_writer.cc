// pcap_writer.cc: classic pcap with synthesized TCP/IP headers (see pcap_writer.h).
#include "harness/net/io/pcap_writer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ntlm::harness::net {

namespace {

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;
constexpr uint32_t kSnapLength = 262144;
constexpr size_t kIpv4HeaderSize = 20, kTcpHeaderSize = 20, kRecordHeaderSize = 16;

void Put16(Bytes& out, uint16_t v) {  // network order
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}
void Put32(Bytes& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v));
}
void PutLe16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void PutLe32(Bytes& out, uint32_t v) {
  PutLe16(out, static_cast<uint16_t>(v));
  PutLe16(out, static_cast<uint16_t>(v >> 16));
}

// RFC 1071 one's-complement sum, continued over several spans.
uint32_t SumWords(ByteSpan bytes, uint32_t sum) {
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) sum += uint32_t{bytes[i]} << 8 | bytes[i + 1];
  if (bytes.size() % 2) sum += uint32_t{bytes.back()} << 8;
  return sum;
}
uint16_t FoldChecksum(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace

namespace {

// One write(2) of all of `bytes` (a regular file takes it whole unless the
// disk is full); false when it did not.
bool WriteOnce(int fd, ByteSpan bytes) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    return n == static_cast<ssize_t>(bytes.size());
  }
  return false;
}

}  // namespace

ssp::Result<std::unique_ptr<PcapWriter>> PcapWriter::Open(const std::filesystem::path& path,
                                                          Options options) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return ssp::MakeError(ssp::SecStatus::kInternalError,
                          "cannot create pcap file " + path.string() + ": " + std::strerror(errno));
  }
  Bytes header;
  PutLe32(header, 0xA1B2C3D4);  // microsecond timestamps, written in our byte order
  PutLe16(header, 2);
  PutLe16(header, 4);
  PutLe32(header, 0);  // thiszone
  PutLe32(header, 0);  // sigfigs
  PutLe32(header, kSnapLength);
  PutLe32(header, static_cast<uint32_t>(options.link_type));
  if (!WriteOnce(fd, header)) {
    ::close(fd);
    return ssp::MakeError(ssp::SecStatus::kInternalError,
                          "cannot write pcap header to " + path.string());
  }
  return std::unique_ptr<PcapWriter>(new PcapWriter(fd, path, std::move(options)));
}

PcapWriter::PcapWriter(int fd, std::filesystem::path path, Options options)
    : fd_(fd), path_(std::move(path)), options_(std::move(options)) {}

PcapWriter::~PcapWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void PcapWriter::Fail(const std::string& what) {
  std::lock_guard lock(error_mutex_);
  if (!error_) error_ = what + " (" + path_.string() + ")";
  failed_ = true;
}

std::optional<std::string> PcapWriter::error() const {
  std::lock_guard lock(error_mutex_);
  return error_;
}

uint64_t PcapWriter::packets() const { return packets_.load(); }

// `record` holds 16 reserved bytes for the record header, then the packet.
void PcapWriter::WriteRecord(Bytes& record) {
  if (failed_.load(std::memory_order_relaxed) || fd_ < 0) return;
  const auto since_epoch = options_.now().time_since_epoch();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  const auto length = static_cast<uint32_t>(record.size() - kRecordHeaderSize);
  Bytes header;
  PutLe32(header, static_cast<uint32_t>(micros / 1000000));
  PutLe32(header, static_cast<uint32_t>(micros % 1000000));
  PutLe32(header, length);
  PutLe32(header, length);
  std::copy(header.begin(), header.end(), record.begin());
  if (!WriteOnce(fd_, record)) {
    Fail("cannot write a pcap record");
    return;
  }
  ++packets_;
}

void PcapWriter::WriteSegment(const Flow& flow, bool from_client, uint8_t tcp_flags,
                              ByteSpan payload) {
  const Address& src = from_client ? flow.client : flow.server;
  const Address& dst = from_client ? flow.server : flow.client;
  const uint16_t sport = from_client ? flow.client_port : flow.server_port;
  const uint16_t dport = from_client ? flow.server_port : flow.client_port;
  const uint32_t seq = from_client ? flow.client_seq : flow.server_seq;
  const uint32_t ack = (tcp_flags & kAck) ? (from_client ? flow.server_seq : flow.client_seq) : 0;
  const bool v6 = flow.client.v6;
  const size_t addr_size = v6 ? 16 : 4;

  Bytes tcp;
  Put16(tcp, sport);
  Put16(tcp, dport);
  Put32(tcp, seq);
  Put32(tcp, ack);
  tcp.push_back(static_cast<uint8_t>((kTcpHeaderSize / 4) << 4));
  tcp.push_back(tcp_flags);
  Put16(tcp, 65535);  // window
  Put16(tcp, 0);      // checksum, below
  Put16(tcp, 0);      // urgent pointer
  tcp.insert(tcp.end(), payload.begin(), payload.end());
  // Pseudo header (RFC 793 / RFC 8200 8.1) + segment.
  uint32_t sum = SumWords(ByteSpan(src.bytes.data(), addr_size), 0);
  sum = SumWords(ByteSpan(dst.bytes.data(), addr_size), sum);
  sum += 6;  // protocol TCP
  sum += static_cast<uint32_t>(tcp.size() & 0xFFFF) + static_cast<uint32_t>(tcp.size() >> 16);
  const uint16_t tcp_checksum = FoldChecksum(SumWords(tcp, sum));
  tcp[16] = static_cast<uint8_t>(tcp_checksum >> 8);
  tcp[17] = static_cast<uint8_t>(tcp_checksum);

  Bytes packet(kRecordHeaderSize);  // the record header, filled in by WriteRecord
  packet.reserve(kRecordHeaderSize + 14 + 40 + tcp.size());
  if (options_.link_type == LinkType::kEthernet) {
    const uint8_t client_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
    const uint8_t server_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
    const uint8_t* dst_mac = from_client ? server_mac : client_mac;
    const uint8_t* src_mac = from_client ? client_mac : server_mac;
    packet.insert(packet.end(), dst_mac, dst_mac + 6);
    packet.insert(packet.end(), src_mac, src_mac + 6);
    Put16(packet, v6 ? 0x86DD : 0x0800);
  }
  const size_t ip_start = packet.size();
  if (v6) {
    Put32(packet, 0x60000000);
    Put16(packet, static_cast<uint16_t>(tcp.size()));
    packet.push_back(6);   // next header: TCP
    packet.push_back(64);  // hop limit
  } else {
    packet.push_back(0x45);
    packet.push_back(0);
    Put16(packet, static_cast<uint16_t>(kIpv4HeaderSize + tcp.size()));
    Put16(packet, static_cast<uint16_t>(packets_.load()));  // identification
    Put16(packet, 0x4000);                                  // don't fragment
    packet.push_back(64);                                   // TTL
    packet.push_back(6);                                    // TCP
    Put16(packet, 0);                                       // checksum, below
  }
  packet.insert(packet.end(), src.bytes.begin(), src.bytes.begin() + addr_size);
  packet.insert(packet.end(), dst.bytes.begin(), dst.bytes.begin() + addr_size);
  if (!v6) {
    const uint16_t ip_checksum =
        FoldChecksum(SumWords(ByteSpan(packet).subspan(ip_start, kIpv4HeaderSize), 0));
    packet[ip_start + 10] = static_cast<uint8_t>(ip_checksum >> 8);
    packet[ip_start + 11] = static_cast<uint8_t>(ip_checksum);
  }
  packet.insert(packet.end(), tcp.begin(), tcp.end());
  WriteRecord(packet);
}

void PcapWriter::OnOpen(uint64_t connection_id, const Endpoints& endpoints) {
  auto parse = [](const std::string& text, Address& out) {
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
      std::memcpy(out.bytes.data(), &v4, 4);
      out.v6 = false;
      return true;
    }
    if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
      std::memcpy(out.bytes.data(), &v6, 16);
      out.v6 = true;
      return true;
    }
    return false;
  };
  Flow flow;
  if (!parse(endpoints.client_ip, flow.client) || !parse(endpoints.server_ip, flow.server)) {
    Fail("connection " + std::to_string(connection_id) + ": not an IP address: '" +
         endpoints.client_ip + "' / '" + endpoints.server_ip + "'");
    return;
  }
  if (flow.client.v6 != flow.server.v6) {  // write both as IPv6 (IPv4-mapped)
    for (Address* a : {&flow.client, &flow.server}) {
      if (a->v6) continue;
      std::array<uint8_t, 16> mapped{};
      mapped[10] = mapped[11] = 0xFF;
      std::memcpy(mapped.data() + 12, a->bytes.data(), 4);
      a->bytes = mapped;
      a->v6 = true;
    }
  }
  flow.client_port = endpoints.client_port;
  flow.server_port = endpoints.server_port;
  // Initial sequence numbers: distinct per connection, fixed per id.
  flow.client_seq = 0x10000000u + static_cast<uint32_t>(connection_id) * 0x00100000u;
  flow.server_seq = 0x80000000u + static_cast<uint32_t>(connection_id) * 0x00100000u;
  WriteSegment(flow, true, kSyn, {});
  ++flow.client_seq;
  WriteSegment(flow, false, kSyn | kAck, {});
  ++flow.server_seq;
  WriteSegment(flow, true, kAck, {});
  std::lock_guard lock(flows_mutex_);
  flows_[connection_id] = flow;
}

void PcapWriter::OnData(uint64_t connection_id, TrafficDirection direction, ByteSpan bytes) {
  const bool from_client = direction == TrafficDirection::kClientToServer;
  Flow flow;
  {  // Take the flow as it is and advance its sequence number past `bytes`.
    std::lock_guard lock(flows_mutex_);
    auto it = flows_.find(connection_id);
    if (it == flows_.end()) return;
    flow = it->second;
    (from_client ? it->second.client_seq : it->second.server_seq) +=
        static_cast<uint32_t>(bytes.size());
  }
  for (size_t offset = 0; offset < bytes.size();) {
    const size_t n = std::min(kMaxSegmentPayload, bytes.size() - offset);
    WriteSegment(flow, from_client, kPsh | kAck, bytes.subspan(offset, n));
    (from_client ? flow.client_seq : flow.server_seq) += static_cast<uint32_t>(n);
    offset += n;
  }
}

void PcapWriter::OnClose(uint64_t connection_id) {
  Flow flow;
  {
    std::lock_guard lock(flows_mutex_);
    auto it = flows_.find(connection_id);
    if (it == flows_.end()) return;
    flow = it->second;
    flows_.erase(it);
  }
  WriteSegment(flow, false, kFin | kAck, {});
  ++flow.server_seq;
  WriteSegment(flow, true, kFin | kAck, {});
  ++flow.client_seq;
  WriteSegment(flow, false, kAck, {});
}

}  // namespace ntlm::harness::net
