// Queue: a hardware queue (compute PM4, compute AQL or SDMA) that command buffers are submitted to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "amdhal/status.h"

namespace amdhal {

class CommandBuffer;

/// Engine kind of a queue.
enum class QueueKind : uint8_t {
  kCompute,     ///< PM4 compute queue
  kComputeAql,  ///< AQL compute queue (HSA packets)
  kSdma,        ///< SDMA copy engine queue
  kSdmaXgmi,    ///< SDMA engine dedicated to XGMI links
};

/// "compute", "aql", "sdma", "sdma-xgmi".
std::string_view queue_kind_name(QueueKind k);

enum class QueuePriority : uint8_t { kLow, kNormal, kHigh };

/// Diagnostic snapshot of a queue: pointers and, if stuck, what it is stuck on.
struct QueueState {
  uint64_t read_pointer = 0;  ///< in the engine's units (dwords, bytes, packets)
  uint64_t write_pointer = 0;
  bool hung = false;
  std::string description;  ///< e.g. the decoded packet at the read pointer
};

/// A hardware queue. Submission encodes the command buffer with the shared packet layer, copies it
/// into the ring and rings the doorbell.
class Queue {
 public:
  virtual ~Queue() = default;
  virtual QueueKind kind() const = 0;
  virtual Status submit(const CommandBuffer& commands) = 0;
  virtual QueueState state() const = 0;
};

}  // namespace amdhal
