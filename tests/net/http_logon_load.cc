#include "tests/net/http_logon_load.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <thread>
#include <vector>

#include "harness/net/io/http_ntlm_client.h"
#include "harness/system_clock.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net::testing {

AliceFrontContext::AliceFrontContext() {
  store.Add(*ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!"));
  ctx.accounts = &store;
  ctx.clock = &clock;
  ctx.random = &random;
}

HttpLogonCounts RunHttpLogons(uint16_t port, int logons, int threads,
                              const std::atomic<bool>* stop) {
  HttpTarget target{"127.0.0.1", port, "/"};
  SystemClock clock;
  auto credentials = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "LOAD");
  std::mutex mutex;
  HttpLogonCounts counts;
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (next.fetch_add(1) < logons && !(stop && stop->load())) {
        std::string error = credentials.ok() ? RunHttpNtlmLogon(target, *credentials, clock,
                                                                std::chrono::seconds(20))
                                             : credentials.error().reason;
        std::lock_guard lock(mutex);
        if (error.empty()) {
          ++counts.accepted;
        } else {
          ++counts.failed;
          if (counts.first_error.empty()) counts.first_error = error;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  return counts;
}

PcapRecords ReadPcapRecords(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  PcapRecords out;
  constexpr size_t kFileHeader = 24, kRecordHeader = 16;
  if (bytes.size() < kFileHeader) {
    out.error = "shorter than the pcap header";
    return out;
  }
  auto le32 = [&bytes](size_t at) {
    uint32_t v = 0;
    std::memcpy(&v, bytes.data() + at, 4);  // the writer and this test run little-endian
    return v;
  };
  if (le32(0) != 0xA1B2C3D4) {
    out.error = "not a little-endian microsecond pcap";
    return out;
  }
  size_t at = kFileHeader;
  while (at < bytes.size()) {
    if (bytes.size() - at < kRecordHeader) {
      out.error = "a partial record header at offset " + std::to_string(at);
      return out;
    }
    uint32_t captured = le32(at + 8), original = le32(at + 12);
    if (captured != original || captured > 262144 || captured < 20) {
      out.error = "a corrupt record header at offset " + std::to_string(at);
      return out;
    }
    if (bytes.size() - at - kRecordHeader < captured) {
      out.error = "a partial record at offset " + std::to_string(at);
      return out;
    }
    at += kRecordHeader + captured;
    ++out.records;
  }
  return out;
}

}  // namespace ntlm::harness::net::testing
