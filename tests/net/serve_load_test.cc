// serve_load_test.cc: nothing is lost under load. The real `serve` with two
// threads, --record, --pcap and --log takes 2000 fresh HTTP logons from four
// client threads: every logon has exactly one log line (every line is whole
// JSON), exactly one transcript that replays, and the pcap holds whole records
// only. Then a `kill -9` in the middle of a run leaves only complete
// transcripts, whole log lines and whole pcap records. Bounded: client steps
// time out after 20 s, waits are polled with a deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/net/http_logon_load.h"
#include "tests/net/http_serve_process.h"

namespace ntlm::harness::net::testing {
namespace {

namespace fs = std::filesystem;

struct LogCount {
  int auth_lines = 0;
  int accepted = 0;
  int unparsed = 0;
  std::string first_unparsed;
};

LogCount CountLogLines(const fs::path& path) {
  std::ifstream in(path);
  LogCount count;
  std::string line;
  while (std::getline(in, line)) {
    auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
      if (count.unparsed++ == 0) count.first_unparsed = line;
      continue;
    }
    if (json.value("event", "") != "auth") continue;
    ++count.auth_lines;
    if (json.value("verdict", "") == "accept") ++count.accepted;
  }
  return count;
}

// (*.json files, other files) in `dir`.
std::pair<int, int> CountRecordFiles(const fs::path& dir) {
  int json = 0, other = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    (entry.path().extension() == ".json" ? json : other) += 1;
  }
  return {json, other};
}

// `replay DIR`: its exit code and output.
CommandResult Replay(const fs::path& dir) {
  return RunCommand(std::string(NTLM_HARNESS_BIN) + " replay " + ShellQuote(dir.string()), 300,
                    true);
}

class ServeLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_ = WriteUserFile(dir_.path() / "users", "CONTOSO:alice:Passw0rd!\n");
    record_ = dir_.path() / "record";
    pcap_ = dir_.path() / "serve.pcap";
    log_ = dir_.path() / "serve.log";
    ASSERT_TRUE(serve_.Start({"--http", "127.0.0.1:0", "--users", users_.string(), "--threads", "2",
                              "--min-server-sec", "0", "--record", record_.string(), "--pcap",
                              pcap_.string(), "--log", log_.string()}))
        << serve_.first_line() << "\n"
        << serve_.log();
  }

  TempDir dir_;
  fs::path users_, record_, pcap_, log_;
  ServeProcess serve_;
};

TEST_F(ServeLoadTest, TwoThousandLogonsEachHaveOneLogLineOneTranscriptAndWholePcapRecords) {
  constexpr int kLogons = 2000;
  auto counts = RunHttpLogons(static_cast<uint16_t>(serve_.port()), kLogons, 4);
  EXPECT_EQ(counts.failed, 0) << counts.first_error;
  EXPECT_EQ(counts.accepted, kLogons);
  ASSERT_EQ(serve_.Stop(), 0) << serve_.log();

  LogCount log = CountLogLines(log_);
  EXPECT_EQ(log.unparsed, 0) << log.first_unparsed;
  EXPECT_EQ(log.auth_lines, kLogons);
  EXPECT_EQ(log.accepted, kLogons);
  // serve ran two threads, and each served some of the connections.
  std::ifstream log_in(log_);
  std::stringstream log_text;
  log_text << log_in.rdbuf();
  EXPECT_NE(log_text.str().find("2 thread(s)"), std::string::npos);
  size_t per_thread = log_text.str().find("served per thread: ");
  ASSERT_NE(per_thread, std::string::npos);
  int first = 0, second = 0;
  ASSERT_EQ(
      std::sscanf(log_text.str().c_str() + per_thread, "served per thread: %d,%d", &first, &second),
      2);
  EXPECT_EQ(first + second, kLogons);
  EXPECT_GT(first, 0);
  EXPECT_GT(second, 0);

  auto [transcripts, others] = CountRecordFiles(record_);
  EXPECT_EQ(transcripts, kLogons);
  EXPECT_EQ(others, 0);
  auto replay = Replay(record_);
  EXPECT_EQ(replay.rc, 0) << replay.out.substr(0, 2000);
  EXPECT_NE(replay.out.find(std::to_string(kLogons) + " passed, 0 failed"), std::string::npos)
      << replay.out.substr(replay.out.size() > 2000 ? replay.out.size() - 2000 : 0);

  PcapRecords pcap = ReadPcapRecords(pcap_);
  EXPECT_EQ(pcap.error, "");
  // At least SYN, SYN-ACK, ACK, two requests, two responses and three FIN/ACKs per logon.
  EXPECT_GE(pcap.records, uint64_t{10} * kLogons);
}

TEST_F(ServeLoadTest, KillNineMidRunLeavesNoPartialTranscriptLogLineOrPcapRecord) {
  std::atomic<bool> stop{false};
  HttpLogonCounts counts;
  std::thread clients(
      [&] { counts = RunHttpLogons(static_cast<uint16_t>(serve_.port()), 5000, 4, &stop); });
  // Wait (at most 120 s) until a few hundred exchanges are recorded, then kill.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline && CountRecordFiles(record_).first < 300) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  serve_.Kill();
  stop = true;
  clients.join();
  ASSERT_GT(counts.accepted, 0) << counts.first_error;

  auto [transcripts, others] = CountRecordFiles(record_);
  EXPECT_GE(transcripts, 300);
  EXPECT_LE(others, 2);  // at most one temporary file per server thread
  // Every *.json is a complete transcript: replay reads and passes each.
  auto replay = Replay(record_);
  EXPECT_EQ(replay.rc, 0) << replay.out.substr(0, 2000);
  EXPECT_NE(replay.out.find(std::to_string(transcripts) + " passed, 0 failed"), std::string::npos)
      << replay.out.substr(replay.out.size() > 2000 ? replay.out.size() - 2000 : 0);

  LogCount log = CountLogLines(log_);
  EXPECT_EQ(log.unparsed, 0) << log.first_unparsed;
  EXPECT_GE(log.auth_lines, transcripts - 2);  // the kill may fall between file and line
  PcapRecords pcap = ReadPcapRecords(pcap_);
  EXPECT_EQ(pcap.error, "");
  EXPECT_GT(pcap.records, 0u);
}

}  // namespace
}  // namespace ntlm::harness::net::testing
