#include "amdhal/command_buffer.h"

#include <fmt/format.h>

#include "amdhal/buffer.h"
#include "amdhal/signal.h"

namespace amdhal {
namespace {

Status check_range(const BufferRange& r, uint64_t size, std::string_view what) {
  if (!r.buffer) return invalid_argument(fmt::format("{}: no buffer", what));
  const uint64_t buffer_size = r.buffer->size();
  if (r.offset > buffer_size || size > buffer_size - r.offset) {
    return out_of_range(fmt::format("{}: range [{}, {}+{}) exceeds buffer of {} bytes", what,
                                    r.offset, r.offset, size, buffer_size));
  }
  return ok_status();
}

}  // namespace

Status CommandBuffer::copy(BufferRange dst, BufferRange src, uint64_t size) {
  if (size == 0) return invalid_argument("copy: size is 0");
  AMDHAL_RETURN_IF_ERROR(check_range(dst, size, "copy destination"));
  AMDHAL_RETURN_IF_ERROR(check_range(src, size, "copy source"));
  commands_.emplace_back(CopyCommand{std::move(dst), std::move(src), size});
  return ok_status();
}

Status CommandBuffer::fill(BufferRange dst, uint64_t size, uint32_t pattern) {
  if (size == 0) return invalid_argument("fill: size is 0");
  if (size % 4 != 0 || dst.offset % 4 != 0) {
    return invalid_argument(
        fmt::format("fill: offset {} and size {} must be multiples of 4", dst.offset, size));
  }
  AMDHAL_RETURN_IF_ERROR(check_range(dst, size, "fill destination"));
  commands_.emplace_back(FillCommand{std::move(dst), size, pattern});
  return ok_status();
}

Status CommandBuffer::dispatch(std::shared_ptr<Kernel> kernel, std::array<uint32_t, 3> grid,
                               std::array<uint32_t, 3> block, std::vector<uint8_t> kernargs) {
  if (!kernel) return invalid_argument("dispatch: no kernel");
  uint64_t block_items = 1;
  for (int i = 0; i < 3; ++i) {
    if (grid[i] == 0 || block[i] == 0) {
      return invalid_argument(
          fmt::format("dispatch: grid and block sizes must be non-zero "
                      "(dimension {}: grid {}, block {})",
                      i, grid[i], block[i]));
    }
    block_items *= block[i];
  }
  if (block_items > 1024) {
    return invalid_argument(
        fmt::format("dispatch: workgroup of {} work-items exceeds the limit of 1024", block_items));
  }
  commands_.emplace_back(DispatchCommand{std::move(kernel), grid, block, std::move(kernargs)});
  return ok_status();
}

Status CommandBuffer::signal(std::shared_ptr<Signal> signal, uint64_t value) {
  if (!signal) return invalid_argument("signal: no signal");
  commands_.emplace_back(SignalCommand{std::move(signal), value});
  return ok_status();
}

Status CommandBuffer::wait(std::shared_ptr<Signal> signal, uint64_t value) {
  if (!signal) return invalid_argument("wait: no signal");
  commands_.emplace_back(WaitCommand{std::move(signal), value});
  return ok_status();
}

Status CommandBuffer::timestamp(BufferRange dst) {
  if (dst.offset % 8 != 0) {
    return invalid_argument(fmt::format("timestamp: offset {} is not 8-byte aligned", dst.offset));
  }
  AMDHAL_RETURN_IF_ERROR(check_range(dst, 8, "timestamp destination"));
  commands_.emplace_back(TimestampCommand{std::move(dst)});
  return ok_status();
}

Status CommandBuffer::barrier() {
  commands_.emplace_back(BarrierCommand{});
  return ok_status();
}

}  // namespace amdhal
