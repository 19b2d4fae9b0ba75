// harness_transcript_test.cc: harness/transcript — the ntlmssp-transcript/1
// reader and writer (docs/transcript-format.md): every file in
// vectors/transcripts round-trips through TranscriptToJson, RFC 3339 times
// parse and format, min_server_sec / negotiated_flags take numbers, hex
// strings and flag names, and every validation error names its key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "harness/token_input.h"
#include "harness/transcript.h"
#include "ssp/environment.h"
#include "ssp/status.h"

namespace ntlm::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<fs::path> AllTranscriptFiles() {
  std::vector<fs::path> files;
  for (const auto& e :
       fs::recursive_directory_iterator(fs::path(NTLM_SOURCE_DIR) / "vectors/transcripts")) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A minimal valid transcript: the gss sample's NEGOTIATE, then token stubs
// (ParseTranscript checks the base64, not the NTLMSSP content) and one seal
// and one sign entry.
json MinimalDoc() {
  return json::parse(R"({
    "format": "ntlmssp-transcript/1",
    "name": "minimal",
    "accounts": [{"user": "alice", "domain": "CONTOSO", "password": "Passw0rd!"}],
    "exchange": [
      {"dir": "c2s", "type": "negotiate",
       "token": "TlRMTVNTUAABAAAAN4II4gAAAAAAAAAAAAAAAAAAAAAGAgAAAAAADw=="},
      {"dir": "s2c", "type": "challenge", "token": "TlRMTVNTUAACAAAA"},
      {"dir": "c2s", "type": "authenticate", "token": "TlRMTVNTUAADAAAA"},
      {"dir": "c2s", "type": "seal", "data": "PA==",
       "signature": "010000000533de7c7aa844c200000000", "plaintext": "sw=="},
      {"dir": "s2c", "type": "sign", "signature": "010000005596f7673104444b03000000",
       "plaintext": "kyzhIMtZWg==", "signed": "AAEC"}
    ],
    "expect": {"result": "accept", "status": "SEC_E_OK"}
  })");
}

std::optional<Transcript> Parse(const json& doc, std::string& error) {
  return ParseTranscript(doc.dump(), error);
}

// Parses `doc` expecting failure; returns the error.
std::string ParseError(const json& doc) {
  std::string error;
  auto t = Parse(doc, error);
  EXPECT_FALSE(t.has_value()) << doc.dump();
  EXPECT_FALSE(error.empty());
  return error;
}

void ExpectSameTranscript(const Transcript& a, const Transcript& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.client, b.client);
  ASSERT_EQ(a.accounts.size(), b.accounts.size());
  for (size_t i = 0; i < a.accounts.size(); ++i) {
    EXPECT_EQ(a.accounts[i].user, b.accounts[i].user) << i;
    EXPECT_EQ(a.accounts[i].domain, b.accounts[i].domain) << i;
    EXPECT_EQ(a.accounts[i].password, b.accounts[i].password) << i;
    EXPECT_EQ(a.accounts[i].nt_hash, b.accounts[i].nt_hash) << i;
  }
  EXPECT_EQ(a.server.min_server_sec, b.server.min_server_sec);
  EXPECT_EQ(a.server.lm_compat_level, b.server.lm_compat_level);
  EXPECT_EQ(a.server.clock, b.server.clock);
  EXPECT_EQ(a.server.clock_text, b.server.clock_text);
  EXPECT_EQ(a.server.max_clock_skew_s, b.server.max_clock_skew_s);
  EXPECT_EQ(a.server.require_mic, b.server.require_mic);
  EXPECT_EQ(a.server.target_name, b.server.target_name);
  EXPECT_EQ(a.server.channel_bindings_md5, b.server.channel_bindings_md5);
  ASSERT_EQ(a.exchange.size(), b.exchange.size());
  for (size_t i = 0; i < a.exchange.size(); ++i) {
    const auto &x = a.exchange[i], &y = b.exchange[i];
    EXPECT_EQ(x.dir, y.dir) << i;
    EXPECT_EQ(x.type, y.type) << i;
    EXPECT_EQ(x.token, y.token) << i;
    EXPECT_EQ(x.data, y.data) << i;
    EXPECT_EQ(x.plaintext, y.plaintext) << i;
    EXPECT_EQ(x.signed_bytes, y.signed_bytes) << i;
    EXPECT_EQ(x.signature, y.signature) << i;
  }
  EXPECT_EQ(a.expect.accept, b.expect.accept);
  EXPECT_EQ(a.expect.status, b.expect.status);
  EXPECT_EQ(a.expect.at, b.expect.at);
  EXPECT_EQ(a.expect.user, b.expect.user);
  EXPECT_EQ(a.expect.negotiated_flags, b.expect.negotiated_flags);
  EXPECT_EQ(a.expect.session_key, b.expect.session_key);
  EXPECT_EQ(a.extra, b.extra);
}

// ------------------------------------------------------- round trip

TEST(HarnessTranscript, EveryVectorFileParses) {
  const auto files = AllTranscriptFiles();
  ASSERT_GE(files.size(), 9u + 50u);
  for (const auto& f : files) {
    std::string error;
    auto t = LoadTranscript(f, error);
    ASSERT_TRUE(t.has_value()) << error;
    EXPECT_EQ(error, "");
    EXPECT_EQ(t->name, f.stem().string()) << "name differs from the file name";
    EXPECT_FALSE(t->accounts.empty()) << f;
    EXPECT_GE(t->exchange.size(), 3u) << f;
  }
}

TEST(HarnessTranscript, EveryVectorFileRoundTrips) {
  for (const auto& f : AllTranscriptFiles()) {
    SCOPED_TRACE(f.string());
    std::string error;
    auto first = LoadTranscript(f, error);
    ASSERT_TRUE(first.has_value()) << error;
    const json written = TranscriptToJson(*first);
    auto second = ParseTranscript(written.dump(2), error);
    ASSERT_TRUE(second.has_value()) << error;
    ExpectSameTranscript(*first, *second);
    // Writing again gives the same document.
    EXPECT_EQ(TranscriptToJson(*second), written);
  }
}

TEST(HarnessTranscript, WrittenJsonKeepsTheOriginalValues) {
  for (const auto& f : AllTranscriptFiles()) {
    SCOPED_TRACE(f.string());
    const json original = json::parse(ReadFile(f));
    std::string error;
    auto t = ParseTranscript(original.dump(), error);
    ASSERT_TRUE(t.has_value()) << error;
    const json written = TranscriptToJson(*t);
    EXPECT_EQ(written["format"], "ntlmssp-transcript/1");
    EXPECT_EQ(written["name"], original["name"]);
    EXPECT_EQ(written["accounts"].size(), original["accounts"].size());
    ASSERT_EQ(written["exchange"].size(), original["exchange"].size());
    for (size_t i = 0; i < original["exchange"].size(); ++i) {
      const json &o = original["exchange"][i], &w = written["exchange"][i];
      EXPECT_EQ(w["dir"], o["dir"]) << i;
      EXPECT_EQ(w["type"], o["type"]) << i;
      for (const char* key : {"token", "data", "plaintext", "signed"}) {
        if (!o.contains(key)) {
          EXPECT_FALSE(w.contains(key)) << i << key;
          continue;
        }
        std::string why;
        EXPECT_EQ(DecodeBase64(w[key].get<std::string>(), why),
                  DecodeBase64(o[key].get<std::string>(), why))
            << i << key;
      }
      if (o.contains("signature")) {
        std::string a = o["signature"].get<std::string>();
        for (char& ch : a) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        EXPECT_EQ(w["signature"], a) << i;
      }
    }
    const json &oe = original["expect"], &we = written["expect"];
    EXPECT_EQ(we["result"], oe["result"]);
    EXPECT_EQ(we["status"], oe["status"]);
    EXPECT_EQ(we.value("at", json()), oe.value("at", json()));
    EXPECT_EQ(we.value("user", json()), oe.value("user", json()));
    if (oe.contains("session_key")) {
      EXPECT_EQ(we["session_key"], oe["session_key"]);
    }
    if (oe.contains("negotiated_flags")) {
      EXPECT_EQ(t->expect.negotiated_flags,
                std::stoul(oe["negotiated_flags"].get<std::string>(), nullptr, 16));
    }
    if (original.contains("server") && original["server"].contains("clock")) {
      EXPECT_EQ(written["server"]["clock"], original["server"]["clock"]);
    }
    // Unknown top-level keys are kept.
    for (auto it = original.begin(); it != original.end(); ++it) {
      EXPECT_TRUE(written.contains(it.key())) << it.key();
      if (written.contains(it.key()) && it.key() != "server" && it.key() != "exchange" &&
          it.key() != "expect" && it.key() != "accounts") {
        EXPECT_EQ(written[it.key()], it.value()) << it.key();
      }
    }
  }
}

TEST(HarnessTranscript, ParsesTheGssSampleFields) {
  std::string error;
  auto t = LoadTranscript(fs::path(NTLM_SOURCE_DIR) / "vectors/transcripts/gss-seal128-kx-mic.json",
                          error);
  ASSERT_TRUE(t.has_value()) << error;
  EXPECT_EQ(t->name, "gss-seal128-kx-mic");
  ASSERT_EQ(t->accounts.size(), 1u);
  EXPECT_EQ(t->accounts[0].user, "alice");
  EXPECT_EQ(t->accounts[0].domain, "CONTOSO");
  EXPECT_EQ(t->accounts[0].password, "Passw0rd!");
  EXPECT_FALSE(t->accounts[0].nt_hash.has_value());
  EXPECT_EQ(t->server.clock_text, "2026-11-25T17:19:29Z");
  EXPECT_EQ(t->server.clock, 134401007690000000ull);
  EXPECT_EQ(t->server.max_clock_skew_s, 129600u);
  EXPECT_FALSE(t->server.min_server_sec.has_value());
  ASSERT_EQ(t->exchange.size(), 11u);
  EXPECT_EQ(t->exchange[0].type, EntryType::kNegotiate);
  EXPECT_EQ(t->exchange[0].token.size(), 40u);
  EXPECT_EQ(t->exchange[1].dir, EntryDir::kServerToClient);
  EXPECT_EQ(t->exchange[1].token.size(), 138u);
  EXPECT_EQ(t->exchange[2].token.size(), 312u);
  EXPECT_EQ(t->exchange[3].type, EntryType::kSeal);
  EXPECT_EQ(t->exchange[3].data, Bytes{0x3c});
  EXPECT_EQ(t->exchange[3].plaintext, Bytes{0xb3});
  EXPECT_EQ(EncodeHex(t->exchange[3].signature), "010000000533de7c7aa844c200000000");
  EXPECT_EQ(t->exchange[9].type, EntryType::kSign);
  EXPECT_EQ(t->exchange[10].dir, EntryDir::kServerToClient);
  EXPECT_TRUE(t->expect.accept);
  EXPECT_EQ(t->expect.status, ssp::SecStatus::kOk);
  EXPECT_FALSE(t->expect.at.has_value());
  EXPECT_EQ(t->expect.user, "CONTOSO\\alice");
  EXPECT_EQ(t->expect.negotiated_flags, 0xe28a8235u);
  ASSERT_TRUE(t->expect.session_key.has_value());
  EXPECT_EQ(EncodeHex(*t->expect.session_key), "55bc4107370a60482fa8c8251c603d62");
  EXPECT_TRUE(t->extra.contains("recorded_by"));
  EXPECT_TRUE(t->extra.contains("features"));
  EXPECT_FALSE(t->extra.contains("expect"));
}

TEST(HarnessTranscript, MinimalDocumentAndOptionalFields) {
  std::string error;
  auto t = Parse(MinimalDoc(), error);
  ASSERT_TRUE(t.has_value()) << error;
  EXPECT_EQ(t->description, "");
  EXPECT_EQ(t->client, "");
  EXPECT_FALSE(t->server.clock.has_value());
  EXPECT_TRUE(t->extra.empty());
  ASSERT_TRUE(t->exchange[4].signed_bytes.has_value());
  EXPECT_EQ(*t->exchange[4].signed_bytes, (Bytes{0x00, 0x01, 0x02}));
  EXPECT_FALSE(t->exchange[3].signed_bytes.has_value());
  // Round trip of a document without any optional key.
  auto again = ParseTranscript(TranscriptToJson(*t).dump(), error);
  ASSERT_TRUE(again.has_value()) << error;
  ExpectSameTranscript(*t, *again);
}

TEST(HarnessTranscript, RoundTripOfEveryServerKey) {
  json doc = MinimalDoc();
  doc["description"] = "d";
  doc["client"] = "c";
  doc["accounts"].push_back(
      {{"user", "bob"}, {"domain", ""}, {"nt_hash", "fc525c9683e8fe067095ba2ddc971889"}});
  doc["server"] = {{"min_server_sec", 0x20080030},
                   {"lm_compat_level", 5},
                   {"clock", "2026-11-25T13:00:00.25+01:00"},
                   {"max_clock_skew_s", 60},
                   {"require_mic", true},
                   {"target_name", "HTTP/server.contoso.test"},
                   {"channel_bindings_md5", "00112233445566778899AABBCCDDEEFF"}};
  doc["expect"] = {{"result", "reject"},
                   {"status", "SEC_E_LOGON_DENIED"},
                   {"at", 2},
                   {"user", "CONTOSO\\alice"},
                   {"negotiated_flags", "0xe28a8235"},
                   {"session_key", "55bc4107370a60482fa8c8251c603d62"}};
  doc["notes"] = {"a", 1};
  std::string error;
  auto t = Parse(doc, error);
  ASSERT_TRUE(t.has_value()) << error;
  EXPECT_EQ(t->server.min_server_sec, 0x20080030u);
  EXPECT_EQ(t->server.lm_compat_level, 5);
  EXPECT_EQ(t->server.clock, 134400816000000000ull + 2500000ull);
  EXPECT_EQ(t->server.max_clock_skew_s, 60u);
  EXPECT_EQ(t->server.require_mic, true);
  EXPECT_EQ(t->server.target_name, "HTTP/server.contoso.test");
  ASSERT_TRUE(t->server.channel_bindings_md5.has_value());
  EXPECT_EQ(EncodeHex(*t->server.channel_bindings_md5), "00112233445566778899aabbccddeeff");
  EXPECT_FALSE(t->expect.accept);
  EXPECT_EQ(t->expect.status, ssp::SecStatus::kLogonDenied);
  EXPECT_EQ(t->expect.at, 2u);
  EXPECT_EQ(t->accounts[1].nt_hash, "fc525c9683e8fe067095ba2ddc971889");
  EXPECT_FALSE(t->accounts[1].password.has_value());
  EXPECT_EQ(t->extra["notes"], json({"a", 1}));

  const json written = TranscriptToJson(*t);
  EXPECT_EQ(written["server"]["min_server_sec"], "0x20080030");
  EXPECT_EQ(written["server"]["clock"], "2026-11-25T13:00:00.25+01:00");
  EXPECT_EQ(written["server"]["channel_bindings_md5"], "00112233445566778899aabbccddeeff");
  EXPECT_EQ(written["expect"]["negotiated_flags"], "0xe28a8235");
  EXPECT_EQ(written["expect"]["at"], 2);
  auto again = ParseTranscript(written.dump(), error);
  ASSERT_TRUE(again.has_value()) << error;
  ExpectSameTranscript(*t, *again);
}

TEST(HarnessTranscript, ClockWithoutTextIsFormatted) {
  std::string error;
  auto t = Parse(MinimalDoc(), error);
  ASSERT_TRUE(t.has_value());
  t->server.clock = 134400816000000000ull;
  const json written = TranscriptToJson(*t);
  EXPECT_EQ(written["server"]["clock"], "2026-11-25T12:00:00Z");
}

// ----------------------------------------------------------- RFC 3339

TEST(HarnessRfc3339, ParsesUtc) {
  EXPECT_EQ(ParseRfc3339("2026-11-25T12:00:00Z"), 134400816000000000ull);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), ssp::kFileTimeUnixEpoch);
  EXPECT_EQ(ParseRfc3339("1601-01-01T00:00:00Z"), 0ull);
  EXPECT_EQ(ParseRfc3339("2000-02-29T23:59:59Z"), 125963423990000000ull);
  // Lower-case separators and a space instead of 'T' (RFC 3339 5.6 NOTE).
  EXPECT_EQ(ParseRfc3339("2026-11-25t12:00:00z"), 134400816000000000ull);
  EXPECT_EQ(ParseRfc3339("2026-11-25 12:00:00Z"), 134400816000000000ull);
}

TEST(HarnessRfc3339, ParsesFractions) {
  const uint64_t base = 134400816000000000ull;
  EXPECT_EQ(ParseRfc3339("2026-11-25T12:00:00.5Z"), base + 5000000);
  EXPECT_EQ(ParseRfc3339("2026-11-25T12:00:00.000Z"), base);
  EXPECT_EQ(ParseRfc3339("2026-11-25T12:00:00.123Z"), base + 1230000);
  EXPECT_EQ(ParseRfc3339("2026-11-25T12:00:00.1234567Z"), base + 1234567);
  // Digits past 100 ns are dropped.
  EXPECT_EQ(ParseRfc3339("2026-11-25T12:00:00.123456789Z"), base + 1234567);
  EXPECT_EQ(ParseRfc3339("2026-11-25T12:00:00.999999999Z"), base + 9999999);
}

TEST(HarnessRfc3339, ParsesOffsets) {
  const uint64_t base = 134400816000000000ull;
  EXPECT_EQ(ParseRfc3339("2026-11-25T13:00:00+01:00"), base);
  EXPECT_EQ(ParseRfc3339("2026-11-25T06:30:00-05:30"), base);
  EXPECT_EQ(ParseRfc3339("2026-11-25T12:00:00+00:00"), base);
  EXPECT_EQ(ParseRfc3339("2026-11-25T12:00:00-00:00"), base);
  EXPECT_EQ(ParseRfc3339("2026-11-26T01:45:00.5+13:45"), base + 5000000);
  // The offset can move the date across midnight and year ends.
  EXPECT_EQ(ParseRfc3339("2027-01-01T00:30:00+01:00"), ParseRfc3339("2026-12-31T23:30:00Z"));
}

TEST(HarnessRfc3339, RejectsInvalidForms) {
  for (const char* text : {
           "",
           "2026-11-25",
           "12:00:00Z",
           "2026-11-25T12:00:00",        // no zone
           "2026-11-25T12:00Z",          // no seconds
           "2026-11-25X12:00:00Z",       // bad separator
           "2026/11/25T12:00:00Z",       // bad date separator
           "2026-13-01T00:00:00Z",       // month 13
           "2026-00-10T00:00:00Z",       // month 0
           "2026-11-32T00:00:00Z",       // day 32
           "2026-11-00T00:00:00Z",       // day 0
           "2026-11-25T24:00:00Z",       // hour 24
           "2026-11-25T12:60:00Z",       // minute 60
           "2026-11-25T12:00:61Z",       // second 61
           "2026-11-25T12:00:00.Z",      // fraction without digits
           "2026-11-25T12:00:00+0100",   // offset without colon
           "2026-11-25T12:00:00+1:00",   // one-digit offset hour
           "2026-11-25T12:00:00+01",     // offset without minutes
           "2026-11-25T12:00:00ZZ",      // trailing text
           "2026-11-25T12:00:00Z ",      // trailing space
           "2026-11-25T12:00:00 Z",      // space before the zone
           "1600-12-31T23:59:59Z",       // before the FILETIME epoch
           "1601-01-01T00:30:00+01:00",  // before the epoch through the offset
           "abcd-ef-ghTij:kl:mnZ",
       }) {
    EXPECT_FALSE(ParseRfc3339(text).has_value()) << text;
  }
}

// Regression (was a bug, fixed in 506d80d): ParseRfc3339 reads the date and time with sscanf
// ("%4d-%2d-%2d..."), so it accepts forms that are not RFC 3339 and silently
// normalises impossible dates: one-digit fields, signs and leading spaces,
// negative hours/minutes/seconds (only the upper bound is checked), offsets
// out of range (+99:99, +-1:00), and days past the end of the month
// (2026-02-31 becomes 2026-03-03).
// Expected: nullopt for each. Fix: require digits at positions 0-3, 5-6, 8-9,
// 11-12, 14-15, 17-18 (and '-' ':' at 4, 7, 13, 16) and in the offset before
// converting, check the offset as hours 00-23 and minutes 00-59, and check
// the day against the month's length.
TEST(HarnessRfc3339, RejectsNonCanonicalAndImpossibleDates) {
  for (const char* text : {
           "2026-1-25T12:00:00Z",        // one-digit month
           "2026-11-5T12:00:00Z",        // one-digit day
           "2026-11-25T1:00:00Z",        // one-digit hour
           "2026-11-25T12:0:00Z",        // one-digit minute
           "2026-11-25T12:00:0Z",        // one-digit second
           " 2026-11-25T12:00:00Z",      // leading space
           "+2026-11-25T12:00:00Z",      // sign
           "2026-11-25T-1:00:00Z",       // negative hour
           "2026-11-25T12:-1:00Z",       // negative minute
           "2026-11-25T12:00:-1Z",       // negative second
           "2026-02-31T00:00:00Z",       // 31 February
           "2026-02-29T00:00:00Z",       // not a leap year
           "2026-04-31T00:00:00Z",       // 31 April
           "2026-11-25T12:00:00+24:00",  // offset hour 24
           "2026-11-25T12:00:00+99:99",  // offset out of range
           "2026-11-25T12:00:00+-1:00",  // signed offset hour
       }) {
    EXPECT_FALSE(ParseRfc3339(text).has_value())
        << text << " parsed as " << FormatRfc3339(ParseRfc3339(text).value_or(0));
  }
  EXPECT_TRUE(ParseRfc3339("2024-02-29T00:00:00Z").has_value());  // leap year
}

TEST(HarnessRfc3339, Formats) {
  EXPECT_EQ(FormatRfc3339(134400816000000000ull), "2026-11-25T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(0), "1601-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(ssp::kFileTimeUnixEpoch), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(ssp::kFileTimeUnixEpoch - 1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(125963423990000000ull), "2000-02-29T23:59:59Z");
  // Fractions are truncated to whole seconds.
  EXPECT_EQ(FormatRfc3339(134400816000000000ull + 9999999), "2026-11-25T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(134401007644852310ull), "2026-11-25T17:19:24Z");
}

TEST(HarnessRfc3339, RoundTrip) {
  for (const char* text :
       {"2026-11-25T17:19:29Z", "1601-01-01T00:00:00Z", "1999-12-31T23:59:59Z",
        "2038-01-19T03:14:08Z", "2100-03-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    auto t = ParseRfc3339(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(FormatRfc3339(*t), text);
  }
  // Every day of a leap year and the next one, at an odd time of day.
  uint64_t day0 = *ParseRfc3339("2024-01-01T07:08:09Z");
  for (uint64_t d = 0; d < 731; ++d) {
    const uint64_t t = day0 + d * 86400ull * 10000000ull;
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
}

// Regression (was a bug, fixed in 506d80d): FormatRfc3339 casts the FILETIME to int64_t, so a time
// at or above 2^63 (any 8 bytes an attacker puts in MsvAvTimestamp or the NTLMv2 blob, which
// `decode` prints) becomes negative: INT64_MIN minus the Unix epoch is signed overflow (undefined
// behaviour) and UINT64_MAX prints as 1600-12-31T23:59:59Z. Expected: the real date. Fix: divide as
// uint64_t first (time / 10^7 fits easily in int64_t), then subtract the epoch seconds.
TEST(HarnessRfc3339, FormatsTimesAbove2To63) {
  EXPECT_EQ(FormatRfc3339(std::numeric_limits<int64_t>::max()), "30828-09-14T02:48:05Z");
  EXPECT_EQ(FormatRfc3339(uint64_t{1} << 63), "30828-09-14T02:48:05Z");
  EXPECT_EQ(FormatRfc3339(std::numeric_limits<uint64_t>::max()), "60056-05-28T05:36:10Z");
}

// ------------------------------------------- numbers, hex and flag names

struct U32Case {
  json value;
  uint32_t expected;
};

TEST(HarnessTranscript, MinServerSecForms) {
  const U32Case kCases[] = {
      {0, 0},
      {0x20, 0x20},
      {536870912, 0x20000000},
      {"0x20080030", 0x20080030},
      {"0X20", 0x20},
      {"0x00000010", 0x10},
      {"SIGN", 0x10},
      {"SIGN|SEAL", 0x30},
      {"NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL", 0x30},
      {"NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, NTLMSSP_NEGOTIATE_128", 0x20080000},
      {"ESS+128", 0x20080000},
      {"seal", 0x20},
      {"0x10|SEAL", 0x30},
  };
  for (const auto& c : kCases) {
    json doc = MinimalDoc();
    doc["server"] = {{"min_server_sec", c.value}};
    std::string error;
    auto t = Parse(doc, error);
    ASSERT_TRUE(t.has_value()) << c.value.dump() << ": " << error;
    EXPECT_EQ(t->server.min_server_sec, c.expected) << c.value.dump();
  }
}

TEST(HarnessTranscript, NegotiatedFlagsForms) {
  const U32Case kCases[] = {{3800728117u, 0xe28a8235u},
                            {"0xe28a8235", 0xe28a8235u},
                            {"UNICODE|NTLM|KEY_EXCH", 0x40000201u}};
  for (const auto& c : kCases) {
    json doc = MinimalDoc();
    doc["expect"]["negotiated_flags"] = c.value;
    std::string error;
    auto t = Parse(doc, error);
    ASSERT_TRUE(t.has_value()) << c.value.dump() << ": " << error;
    EXPECT_EQ(t->expect.negotiated_flags, c.expected) << c.value.dump();
  }
}

TEST(HarnessTranscript, MinServerSecInvalid) {
  struct Bad {
    json value;
    std::string message;
  };
  const Bad kBad[] = {
      {-1, "server.min_server_sec: out of range for a 32-bit value"},
      {4294967296ll, "server.min_server_sec: out of range for a 32-bit value"},
      {"bogus", "server.min_server_sec: 'bogus' is not an NtlmMinServerSec value"},
      {"", "server.min_server_sec: empty NtlmMinServerSec value"},
      {"0x123456789", "server.min_server_sec: '0x123456789' is not an NtlmMinServerSec value"},
      {"0xZZ", "server.min_server_sec: '0xZZ' is not an NtlmMinServerSec value"},
      // Only the four NtlmMinServerSec bits (docs/transcript-format.md), as in the configuration.
      {0xffffffffu, "server.min_server_sec: '4294967295' has 0xdff7ffcf, which is not"},
      {"0x40", "server.min_server_sec: '0x40' has 0x00000040, which is not"},
      {true, "server.min_server_sec: must be a number or a hex string"},
      {1.5, "server.min_server_sec: must be a number or a hex string"},
      {json::array({16}), "server.min_server_sec: must be a number or a hex string"},
  };
  for (const auto& b : kBad) {
    json doc = MinimalDoc();
    doc["server"] = {{"min_server_sec", b.value}};
    EXPECT_THAT(ParseError(doc), StartsWith(b.message)) << b.value.dump();
  }
}

// ------------------------------------------------------- validation

struct InvalidCase {
  std::string what;
  std::function<void(json&)> change;
  std::string message;  // prefix of the error
};

TEST(HarnessTranscript, InvalidDocumentsNameTheKey) {
  const std::vector<InvalidCase> cases = {
      {"array", [](json& d) { d = json::array(); }, "(top level): must be a JSON object"},
      {"format missing", [](json& d) { d.erase("format"); },
       "(top level).format: missing (must be a string)"},
      {"format wrong", [](json& d) { d["format"] = "ntlmssp-transcript/2"; },
       "format: is 'ntlmssp-transcript/2', expected 'ntlmssp-transcript/1'"},
      {"name missing", [](json& d) { d.erase("name"); }, "(top level).name: missing"},
      {"name empty", [](json& d) { d["name"] = ""; }, "name: must not be empty"},
      {"name number", [](json& d) { d["name"] = 3; }, "(top level).name: must be a string"},
      {"accounts object", [](json& d) { d["accounts"] = json::object(); },
       "accounts: must be an array"},
      {"account no user", [](json& d) { d["accounts"][0].erase("user"); },
       "accounts[0].user: missing"},
      {"account no secret", [](json& d) { d["accounts"][0].erase("password"); },
       "accounts[0]: needs a password or an nt_hash"},
      {"account short hash",
       [](json& d) {
         d["accounts"][0].erase("password");
         d["accounts"][0]["nt_hash"] = "abcd";
       },
       "accounts[0].nt_hash: must be 32 hex digits"},
      {"server array", [](json& d) { d["server"] = json::array(); }, "server: must be an object"},
      {"lm level 6",
       [](json& d) {
         d["server"] = {{"lm_compat_level", 6}};
       },
       "server.lm_compat_level: must be an integer 0..5"},
      {"lm level string",
       [](json& d) {
         d["server"] = {{"lm_compat_level", "3"}};
       },
       "server.lm_compat_level: must be an integer 0..5"},
      {"clock",
       [](json& d) {
         d["server"] = {{"clock", "2026-11-25 noon"}};
       },
       "server.clock: must be an RFC 3339 time"},
      {"clock number",
       [](json& d) {
         d["server"] = {{"clock", 12}};
       },
       "server.clock: must be an RFC 3339 time"},
      {"skew negative",
       [](json& d) {
         d["server"] = {{"max_clock_skew_s", -1}};
       },
       "server.max_clock_skew_s: must be a non-negative integer"},
      {"require_mic string",
       [](json& d) {
         d["server"] = {{"require_mic", "yes"}};
       },
       "server.require_mic: must be true or false"},
      {"target_name number",
       [](json& d) {
         d["server"] = {{"target_name", 1}};
       },
       "server.target_name: must be a string"},
      {"cbt short",
       [](json& d) {
         d["server"] = {{"channel_bindings_md5", "0011"}};
       },
       "server.channel_bindings_md5: must be 32 hex digits (16 bytes), got 2 bytes"},
      {"cbt not hex",
       [](json& d) {
         d["server"] = {{"channel_bindings_md5", std::string(32, 'g')}};
       },
       "server.channel_bindings_md5: hex: invalid character"},
      {"exchange missing", [](json& d) { d.erase("exchange"); },
       "exchange: missing or empty (must be an array of messages)"},
      {"exchange empty", [](json& d) { d["exchange"] = json::array(); },
       "exchange: missing or empty"},
      {"exchange object", [](json& d) { d["exchange"] = json::object(); },
       "exchange: missing or empty"},
      {"entry not object", [](json& d) { d["exchange"][1] = "x"; },
       "exchange[1]: must be an object"},
      {"dir missing", [](json& d) { d["exchange"][1].erase("dir"); }, "exchange[1].dir: missing"},
      {"dir bad", [](json& d) { d["exchange"][1]["dir"] = "up"; },
       "exchange[1].dir: is 'up', expected c2s or s2c"},
      {"type bad", [](json& d) { d["exchange"][2]["type"] = "auth"; },
       "exchange[2].type: is 'auth', expected negotiate, challenge, authenticate, seal or sign"},
      {"challenge c2s", [](json& d) { d["exchange"][1]["dir"] = "c2s"; },
       "exchange[1].dir: a challenge must be s2c"},
      {"negotiate s2c", [](json& d) { d["exchange"][0]["dir"] = "s2c"; },
       "exchange[0].dir: a negotiate must be c2s"},
      {"token missing", [](json& d) { d["exchange"][2].erase("token"); },
       "exchange[2].token: missing (base64)"},
      {"token bad base64", [](json& d) { d["exchange"][1]["token"] = "TlRM*VNT"; },
       "exchange[1].token: base64: invalid character '*' at offset 4"},
      {"token number", [](json& d) { d["exchange"][1]["token"] = 5; },
       "exchange[1].token: must be a string"},
      {"seal data missing", [](json& d) { d["exchange"][3].erase("data"); },
       "exchange[3].data: missing (base64)"},
      {"seal plaintext missing", [](json& d) { d["exchange"][3].erase("plaintext"); },
       "exchange[3].plaintext: missing (base64)"},
      {"seal length mismatch", [](json& d) { d["exchange"][3]["data"] = "PDw="; },
       "exchange[3]: data is 2 bytes but plaintext is 1"},
      {"signature missing", [](json& d) { d["exchange"][3].erase("signature"); },
       "exchange[3].signature: missing (32 hex digits)"},
      {"signature short", [](json& d) { d["exchange"][4]["signature"] = "0100"; },
       "exchange[4].signature: must be 32 hex digits (16 bytes), got 2 bytes"},
      {"signature number", [](json& d) { d["exchange"][4]["signature"] = 1; },
       "exchange[4].signature: must be a string of 32 hex digits"},
      {"signed bad", [](json& d) { d["exchange"][4]["signed"] = "%%"; },
       "exchange[4].signed: base64: invalid character '%'"},
      {"expect missing", [](json& d) { d.erase("expect"); }, "expect: missing (must be an object)"},
      {"result bad", [](json& d) { d["expect"]["result"] = "ok"; },
       "expect.result: is 'ok', expected accept or reject"},
      {"status missing", [](json& d) { d["expect"].erase("status"); }, "expect.status: missing"},
      {"status unknown", [](json& d) { d["expect"]["status"] = "SEC_E_BOGUS"; },
       "expect.status: unknown SSPI status 'SEC_E_BOGUS'"},
      {"accept not ok", [](json& d) { d["expect"]["status"] = "SEC_E_LOGON_DENIED"; },
       "expect.status: must be SEC_E_OK for accept"},
      {"reject ok",
       [](json& d) {
         d["expect"]["result"] = "reject";
         d["expect"]["at"] = 2;
       },
       "expect.status: must not be SEC_E_OK for reject"},
      {"reject without at",
       [](json& d) {
         d["expect"]["result"] = "reject";
         d["expect"]["status"] = "SEC_E_LOGON_DENIED";
       },
       "expect.at: required for a reject"},
      {"at out of range",
       [](json& d) {
         d["expect"]["result"] = "reject";
         d["expect"]["status"] = "SEC_E_LOGON_DENIED";
         d["expect"]["at"] = 5;
       },
       "expect.at: must be an index into exchange (0..4)"},
      {"at negative", [](json& d) { d["expect"]["at"] = -1; }, "expect.at: must be an index"},
      {"at string", [](json& d) { d["expect"]["at"] = "2"; }, "expect.at: must be an index"},
      {"user number", [](json& d) { d["expect"]["user"] = 1; }, "expect.user: must be a string"},
      {"flags bad", [](json& d) { d["expect"]["negotiated_flags"] = "NOPE"; },
       "expect.negotiated_flags: not a number, hex value or flag names: 'NOPE'"},
      {"session key short", [](json& d) { d["expect"]["session_key"] = "00"; },
       "expect.session_key: must be 32 hex digits (16 bytes), got 1 bytes"},
      {"session key not hex", [](json& d) { d["expect"]["session_key"] = std::string(32, 'x'); },
       "expect.session_key: hex: invalid character"},
  };
  for (const auto& c : cases) {
    json doc = MinimalDoc();
    c.change(doc);
    EXPECT_THAT(ParseError(doc), StartsWith(c.message)) << c.what;
  }
}

TEST(HarnessTranscript, InvalidJson) {
  std::string error;
  EXPECT_FALSE(ParseTranscript("{\"format\": ", error).has_value());
  EXPECT_THAT(error, StartsWith("not valid JSON: "));
  EXPECT_FALSE(ParseTranscript("", error).has_value());
  EXPECT_THAT(error, StartsWith("not valid JSON: "));
}

TEST(HarnessTranscript, NullOptionalKeysAreAbsent) {
  json doc = MinimalDoc();
  doc["description"] = nullptr;
  doc["server"] = {{"clock", nullptr}, {"target_name", nullptr}, {"channel_bindings_md5", nullptr}};
  doc["expect"]["at"] = nullptr;
  doc["expect"]["session_key"] = nullptr;
  doc["expect"]["negotiated_flags"] = nullptr;
  std::string error;
  auto t = Parse(doc, error);
  ASSERT_TRUE(t.has_value()) << error;
  EXPECT_FALSE(t->server.clock.has_value());
  EXPECT_FALSE(t->expect.at.has_value());
  EXPECT_FALSE(t->expect.session_key.has_value());
}

// Regression (was a bug, fixed in 506d80d): accounts[].nt_hash is only length-checked, never
// decoded, so "zz...z" (32 characters) passes validation; replay then silently drops the account
// (AccountFromNtHash fails, `if (account.ok())`) and reports a LOGON_DENIED difference instead of
// an invalid transcript. The header promises "base64/hex fields decode". Expected: ParseTranscript
// fails with "accounts[0].nt_hash: hex: invalid character ...". Fix: DecodeHex and require 16
// bytes, as Hex16 does for the other hex fields.
TEST(HarnessTranscript, NtHashMustBeHex) {
  json doc = MinimalDoc();
  doc["accounts"][0].erase("password");
  doc["accounts"][0]["nt_hash"] = std::string(32, 'z');
  EXPECT_THAT(ParseError(doc), StartsWith("accounts[0].nt_hash: "));
}

TEST(HarnessTranscript, LoadTranscriptNamesTheFile) {
  std::string error;
  const fs::path missing = fs::temp_directory_path() / "harness_transcript_test_missing.json";
  fs::remove(missing);
  EXPECT_FALSE(LoadTranscript(missing, error).has_value());
  EXPECT_EQ(error, missing.string() + ": cannot open");

  const fs::path bad = fs::temp_directory_path() /
                       ("harness_transcript_test_" + std::to_string(::getpid()) + ".json");
  json doc = MinimalDoc();
  doc["expect"]["status"] = "SEC_E_NOPE";
  std::ofstream(bad) << doc.dump();
  EXPECT_FALSE(LoadTranscript(bad, error).has_value());
  EXPECT_EQ(error, bad.string() + ": expect.status: unknown SSPI status 'SEC_E_NOPE'");
  fs::remove(bad);
}

TEST(HarnessTranscript, EntryTypeNames) {
  EXPECT_STREQ(EntryTypeName(EntryType::kNegotiate), "negotiate");
  EXPECT_STREQ(EntryTypeName(EntryType::kChallenge), "challenge");
  EXPECT_STREQ(EntryTypeName(EntryType::kAuthenticate), "authenticate");
  EXPECT_STREQ(EntryTypeName(EntryType::kSeal), "seal");
  EXPECT_STREQ(EntryTypeName(EntryType::kSign), "sign");
}

}  // namespace
}  // namespace ntlm::harness
