// CommandBuffer: a backend-neutral list of queue verbs. The shared packet layer encodes it for a
// queue's engine and family; backends only submit the resulting dwords.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "amdhal/status.h"

namespace amdhal {

class Buffer;
class Signal;
class Kernel;

/// A byte range of a buffer.
struct BufferRange {
  std::shared_ptr<Buffer> buffer;
  uint64_t offset = 0;
};

/// Recorded verbs. Each holds references to the objects it uses so they outlive submission.
struct CopyCommand {
  BufferRange dst;
  BufferRange src;
  uint64_t size;
};
struct FillCommand {
  BufferRange dst;
  uint64_t size;
  uint32_t pattern;
};
struct DispatchCommand {
  std::shared_ptr<Kernel> kernel;
  std::array<uint32_t, 3> grid;   ///< total work-items per dimension
  std::array<uint32_t, 3> block;  ///< work-items per workgroup per dimension
  std::vector<uint8_t> kernargs;  ///< packed kernel arguments
};
struct SignalCommand {
  std::shared_ptr<Signal> signal;
  uint64_t value;
};
struct WaitCommand {
  std::shared_ptr<Signal> signal;
  uint64_t value;
};
struct TimestampCommand {
  BufferRange dst;
};
struct BarrierCommand {};

using Command = std::variant<CopyCommand, FillCommand, DispatchCommand, SignalCommand, WaitCommand,
                             TimestampCommand, BarrierCommand>;

/// Records verbs in order. Validates arguments as they are recorded, so encoders and backends
/// receive checked input.
class CommandBuffer {
 public:
  /// Copies `size` bytes from src to dst.
  Status copy(BufferRange dst, BufferRange src, uint64_t size);
  /// Fills `size` bytes (a multiple of 4) with a 32-bit pattern.
  Status fill(BufferRange dst, uint64_t size, uint32_t pattern);
  /// Launches a kernel over `grid` work-items in workgroups of `block`.
  Status dispatch(std::shared_ptr<Kernel> kernel, std::array<uint32_t, 3> grid,
                  std::array<uint32_t, 3> block, std::vector<uint8_t> kernargs);
  /// Writes `value` to the signal once all earlier work has finished.
  Status signal(std::shared_ptr<Signal> signal, uint64_t value);
  /// Stalls the queue until the signal's value is >= `value`.
  Status wait(std::shared_ptr<Signal> signal, uint64_t value);
  /// Writes the 64-bit GPU clock to dst (8-byte aligned) when reached.
  Status timestamp(BufferRange dst);
  /// Waits for all earlier work on the queue before starting later work.
  Status barrier();

  const std::vector<Command>& commands() const { return commands_; }
  bool empty() const { return commands_.empty(); }
  void clear() { commands_.clear(); }

 private:
  std::vector<Command> commands_;
};

}  // namespace amdhal
