// RingWriter: the CPU side of a user-mode hardware ring (PM4, SDMA or AQL) that every backend
// shares. It owns no memory and rings no doorbell: the backend allocates the ring and the
// read/write pointer words, and publishes the value publish() returns through its doorbell.
//
// Pointer units: PM4 dwords, SDMA bytes, AQL 64-byte packets; the write pointer is a monotonic
// 64-bit value, the read pointer is taken modulo the ring size (an engine may report it wrapped
// or monotonic). PM4/SDMA packets are copied as dwords with wrap-around (a packet may straddle
// the end, as on every amdgpu ring); AQL packets go into 64-byte slots, each header dword stored
// last with release ordering. The doorbell value is the write pointer (AQL: the index of the last
// packet written, as ROCr's doorbell signal and tinygrad's doorbell_lag=1 do).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "amdhal/command_encoder.h"
#include "amdhal/family.h"
#include "amdhal/queue.h"
#include "amdhal/signal.h"
#include "amdhal/status.h"

namespace amdhal {

class RingWriter {
 public:
  struct Config {
    QueueKind kind = QueueKind::kCompute;
    const GpuFamily* family = nullptr;
    void* ring = nullptr;           ///< CPU address of the ring
    uint64_t ring_bytes = 0;        ///< a power of two
    uint64_t* read_ptr = nullptr;   ///< CPU address of the engine-written read pointer
    uint64_t* write_ptr = nullptr;  ///< CPU address of the write pointer the engine may poll
  };
  explicit RingWriter(const Config& config) : c_(config) {}

  QueueKind kind() const { return c_.kind; }
  /// 4 (PM4), 1 (SDMA) or 64 (AQL).
  uint32_t bytes_per_unit() const;
  uint64_t ring_units() const { return c_.ring_bytes / bytes_per_unit(); }
  uint64_t ring_bytes() const { return c_.ring_bytes; }
  /// The read pointer the engine reported, and the write pointer as stored in memory.
  uint64_t read_pointer() const;
  uint64_t write_pointer_memory() const;

  /// Writes every AQL slot's header as INVALID (the packet processor stops at such a slot); a
  /// no-op for the other kinds. Call once before the engine starts.
  void init_slots();
  /// Waits until `units` more fit (one unit always stays free), or `timeout` passes:
  /// kDeadlineExceeded naming `who` and the state.
  Status wait_for_space(uint64_t units, std::chrono::nanoseconds timeout, std::string_view who);
  /// Copies whole packets at the private write position.
  void copy(std::span<const uint32_t> dwords);
  /// Stores the write pointer (release) and returns the value to write to the doorbell.
  uint64_t publish();
  /// Pointers and the decoded packet at the read pointer; `label` names the queue.
  QueueState state(std::string_view label) const;

 private:
  Config c_;
  uint64_t wptr_ = 0;  // next write position, pointer units, monotonic
};

/// The submit path every backend shares: encodes `commands` followed by a write of `next` to the
/// queue's private `timeline` (reused staging memory is drained on it first), waits for ring
/// space and copies the packets in. The caller then publishes and rings its doorbell. `who`
/// prefixes errors ("am: compute queue 3").
Status encode_into_ring(const CommandBuffer& commands, const std::shared_ptr<Signal>& timeline,
                        uint64_t next, uint64_t submitted, const EncodeTarget& target,
                        ArenaStaging& staging, RingWriter& ring,
                        std::chrono::nanoseconds backpressure, std::string_view who);

}  // namespace amdhal
