// The dispatch layer: turns a CommandBuffer into the packets of one queue kind (PM4, SDMA or AQL)
// for one GPU family, with the shared packet builders. Backends submit what this produces and
// never build packets themselves.
#pragma once

#include <cstdint>
#include <span>

#include "amdhal/command_buffer.h"
#include "amdhal/family.h"
#include "amdhal/packets/stream.h"
#include "amdhal/queue.h"
#include "amdhal/status.h"

namespace amdhal {

/// GPU-visible memory the encoder places side data in: kernel arguments, the dispatch packet a
/// PM4 launch points the kernel at, and the small PM4 IBs that AQL vendor packets run.
class StagingAllocator {
 public:
  virtual ~StagingAllocator() = default;
  /// Copies `bytes` into GPU-visible memory aligned to `alignment` (a power of two) and returns
  /// its GPU address. kResourceExhausted when full.
  virtual Expected<uint64_t> place(std::span<const uint8_t> bytes, uint32_t alignment) = 0;
};

/// A bump allocator over one CPU-mapped GPU buffer. Reset it only when the GPU is done with
/// everything placed so far.
class ArenaStaging final : public StagingAllocator {
 public:
  ArenaStaging(void* cpu, uint64_t gpu_address, uint64_t size)
      : cpu_(static_cast<uint8_t*>(cpu)), gpu_(gpu_address), size_(size) {}
  Expected<uint64_t> place(std::span<const uint8_t> bytes, uint32_t alignment) override;
  void reset() { used_ = 0; }
  uint64_t used() const { return used_; }

 private:
  uint8_t* cpu_;
  uint64_t gpu_;
  uint64_t size_;
  uint64_t used_ = 0;
};

/// What the packets are for.
struct EncodeTarget {
  const GpuFamily* family = nullptr;
  QueueKind queue = QueueKind::kCompute;
  /// Raise an interrupt (RELEASE_MEM int_sel / SDMA TRAP) carrying the signal's event_id() when a
  /// signal with a non-zero event id is written.
  bool signal_interrupts = true;
};

/// Largest byte count of one CP DMA_DATA packet the encoder emits (BYTE_COUNT is 21 bits on gfx9,
/// soc15d.h; kept dword-aligned for every family).
inline constexpr uint64_t kCpDmaMaxBytes = 0x1FFFFC;

/// Encodes every command of `commands`, in order, for `target`, appending to `out`: all of it or,
/// on error, nothing (staging memory used by a failed encode is not returned). For AQL queues the
/// output is whole 64-byte packets; copy them into the ring storing each header dword last.
/// Errors name the command index and why (a verb the queue kind cannot run, a value out of range,
/// a kernel that needs scratch memory, ...).
Status encode_commands(const CommandBuffer& commands, const EncodeTarget& target,
                       StagingAllocator& staging, packets::PacketStream& out);

/// Upper bound of the dwords encode_commands writes for `commands` (to size a ring slice).
size_t max_encoded_dwords(const CommandBuffer& commands, const EncodeTarget& target);

}  // namespace amdhal
