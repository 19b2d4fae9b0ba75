// seal_batch.cc: multi-session sealing on the 8-lane MD5 + RC4 kernel.
#include "ssp/seal_batch.h"

#include <array>
#include <cstring>
#include <string>

#include "crypto/md5_block.h"
#include "crypto/md5_multibuffer.h"
#include "crypto/rc4_md5_stitched.h"
#include "crypto/secret.h"

namespace ntlm::ssp {

// Friend of SessionSecurity: reads and advances its outbound channel.
class BatchSealer {
 public:
  static Status Check(const SealRequest& r, size_t index);
  static bool Laneable(const SealRequest& r) { return r.session->ess_ && r.session->out_.has_mac; }
  static void SealLanes(const SealRequest* const group[crypto::kMd5Lanes], size_t count);
};

namespace {

constexpr size_t kLanes = crypto::kMd5Lanes;
constexpr size_t kHeadBytes = crypto::kMd5Block - 4;  // message bytes in the first block

void PutLe32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

// Per-lane scratch, wiped after each group (it holds plaintext and MAC state).
struct LaneScratch {
  uint8_t head[crypto::kMd5Block];  // SeqNum || first 60 message bytes
  uint8_t pad[2 * crypto::kMd5Block];
  uint8_t outer[crypto::kMd5Block];
  uint8_t digest[16];
};

}  // namespace

Status BatchSealer::Check(const SealRequest& r, size_t index) {
  if (r.session == nullptr) {
    return MakeError(SecStatus::kInvalidParameter,
                     "SealBatch: request " + std::to_string(index) + " has no session");
  }
  if (r.ciphertext.size() != r.plaintext.size()) {
    return MakeError(SecStatus::kInvalidParameter,
                     "SealBatch: request " + std::to_string(index) + " ciphertext has " +
                         std::to_string(r.ciphertext.size()) + " bytes for " +
                         std::to_string(r.plaintext.size()) + " plaintext bytes");
  }
  const auto p0 = reinterpret_cast<uintptr_t>(r.plaintext.data());
  const auto c0 = reinterpret_cast<uintptr_t>(r.ciphertext.data());
  const size_t n = r.plaintext.size();
  if (n != 0 && p0 != c0 && p0 < c0 + n && c0 < p0 + n) {
    return MakeError(SecStatus::kInvalidParameter,
                     "SealBatch: request " + std::to_string(index) +
                         " ciphertext partially overlaps its plaintext");
  }
  if (Status s = r.session->CheckNegotiated(/*need_seal=*/true, /*is_inbound=*/false); !s) {
    return MakeError(s.status(),
                     "SealBatch: request " + std::to_string(index) + ": " + s.error().reason);
  }
  return Status::Ok();
}

// Seals `count` (2..8) requests of distinct ESS sessions whose messages all
// have the same size L. Inner hash of lane i: ipad block (precomputed),
// then SeqNum || message: block 0 = SeqNum || m[0..60), blocks 1.. =
// m[60+64k..124+64k), then the padding of the remaining r = (L-60) mod 64
// bytes (or of SeqNum || m when L < 60). Each full block is compressed in
// the lanes while the same 64 message bytes go through the lane's RC4.
void BatchSealer::SealLanes(const SealRequest* const group[kLanes], size_t count) {
  const size_t size = group[0]->plaintext.size();
  std::array<LaneScratch, kLanes> scratch;
  std::array<uint32_t, kLanes> seqs{};
  crypto::Md5Lanes state;
  crypto::Md5LaneInput in[kLanes];
  for (size_t l = 0; l < kLanes; ++l) {
    const size_t src = l < count ? l : 0;  // idle lanes repeat lane 0 without RC4
    SessionSecurity::Channel& ch = group[src]->session->outbound();
    state.Set(l, ch.mac.inner_state());
    seqs[l] = static_cast<uint32_t>(ch.seq);
  }
  auto lane_rc4 = [&](size_t l) -> crypto::Rc4State* {
    return l < count ? &group[l]->session->outbound().rc4 : nullptr;
  };

  size_t off = 0;  // message bytes hashed and encrypted so far
  const uint8_t* tail_src = nullptr;
  size_t tail_len = 0;
  if (size >= kHeadBytes) {
    for (size_t l = 0; l < kLanes; ++l) {
      const SealRequest& r = *group[l < count ? l : 0];
      PutLe32(scratch[l].head, seqs[l]);
      std::memcpy(scratch[l].head + 4, r.plaintext.data(), kHeadBytes);
      in[l] = {scratch[l].head, lane_rc4(l), r.plaintext.data(), r.ciphertext.data()};
    }
    crypto::Md5x8BlockRc4(state, in, kHeadBytes);
    off = kHeadBytes;
    for (; size - off >= crypto::kMd5Block; off += crypto::kMd5Block) {
      for (size_t l = 0; l < kLanes; ++l) {
        const SealRequest& r = *group[l < count ? l : 0];
        in[l] = {r.plaintext.data() + off, lane_rc4(l), r.plaintext.data() + off,
                 r.ciphertext.data() + off};
      }
      crypto::Md5x8BlockRc4(state, in, crypto::kMd5Block);
    }
    tail_len = size - off;
  } else {
    tail_len = 4 + size;
  }
  // Padding block(s): same count in every lane (equal sizes).
  size_t pad_blocks = 0;
  for (size_t l = 0; l < kLanes; ++l) {
    const SealRequest& r = *group[l < count ? l : 0];
    uint8_t* tail = scratch[l].head;  // reused: the tail is < 64 bytes
    if (size >= kHeadBytes) {
      tail_src = r.plaintext.data() + off;
      std::memcpy(tail, tail_src, tail_len);
    } else {
      PutLe32(tail, seqs[l]);
      if (size != 0) std::memcpy(tail + 4, r.plaintext.data(), size);
    }
    if (l < count && size - off != 0) {
      lane_rc4(l)->Apply(r.plaintext.data() + off, r.ciphertext.data() + off, size - off);
    }
    pad_blocks = crypto::Md5PadBlocks(tail, tail_len, crypto::kMd5Block + 4 + size, scratch[l].pad);
  }
  for (size_t b = 0; b < pad_blocks; ++b) {
    for (size_t l = 0; l < kLanes; ++l) in[l] = {scratch[l].pad + b * crypto::kMd5Block};
    crypto::Md5x8BlockRc4(state, in, 0);
  }
  // Outer hash: opad state, then the inner digest block.
  for (size_t l = 0; l < kLanes; ++l) {
    uint32_t h[4];
    state.Get(l, h);
    crypto::Md5DigestBytes(h, scratch[l].digest);
    crypto::Md5OuterBlock(scratch[l].digest, scratch[l].outer);
    in[l] = {scratch[l].outer};
  }
  for (size_t l = 0; l < kLanes; ++l) {
    state.Set(l, group[l < count ? l : 0]->session->outbound().mac.outer_state());
  }
  crypto::Md5x8BlockRc4(state, in, 0);
  for (size_t l = 0; l < count; ++l) {
    SessionSecurity& s = *group[l]->session;
    SessionSecurity::Channel& ch = s.outbound();
    uint32_t h[4];
    state.Get(l, h);
    uint8_t mac[16];
    crypto::Md5DigestBytes(h, mac);
    uint8_t* sig = group[l]->signature.data();
    PutLe32(sig, 1);
    std::memcpy(sig + 4, mac, 8);
    if (s.key_exch_) ch.rc4.Apply(sig + 4, sig + 4, 8);
    PutLe32(sig + 12, seqs[l]);
    ++ch.seq;
    crypto::SecureZero(MutableByteSpan(mac, sizeof mac));
  }
  crypto::SecureZero(
      MutableByteSpan(reinterpret_cast<uint8_t*>(scratch.data()), sizeof(LaneScratch) * kLanes));
  crypto::SecureZero(MutableByteSpan(reinterpret_cast<uint8_t*>(&state), sizeof state));
}

Status SealBatch(std::span<const SealRequest> requests) {
  for (size_t i = 0; i < requests.size(); ++i) {
    if (Status s = BatchSealer::Check(requests[i], i); !s) return s;
  }
  const SealRequest* group[kLanes] = {};
  size_t count = 0;
  auto flush = [&]() -> Status {
    if (count == 1) {
      const SealRequest& r = *group[0];
      if (Status s = r.session->Seal(r.plaintext, r.ciphertext, r.signature); !s) return s;
    } else if (count > 1) {
      BatchSealer::SealLanes(group, count);
    }
    count = 0;
    return Status::Ok();
  };
  for (const SealRequest& r : requests) {
    if (!BatchSealer::Laneable(r)) {
      if (Status s = flush(); !s) return s;
      if (Status s = r.session->Seal(r.plaintext, r.ciphertext, r.signature); !s) return s;
      continue;
    }
    bool clash = count == kLanes || (count > 0 && group[0]->plaintext.size() != r.plaintext.size());
    for (size_t i = 0; i < count && !clash; ++i) clash = group[i]->session == r.session;
    if (clash) {
      if (Status s = flush(); !s) return s;
    }
    group[count++] = &r;
  }
  return flush();
}

}  // namespace ntlm::ssp
