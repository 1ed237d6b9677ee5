// PacketStream: a caller-owned dword buffer that packet builders append to. A packet is written
// whole or not at all: append() checks capacity before copying a single dword.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "amdhal/status.h"

namespace amdhal::packets {

/// Append-only view over caller storage (a ring slice, an IB, a std::vector). Never reallocates.
class PacketStream {
 public:
  explicit PacketStream(std::span<uint32_t> storage) : storage_(storage) {}

  /// Copies `packet` to the end of the stream, or returns kResourceExhausted and writes nothing.
  Status append(std::span<const uint32_t> packet);

  /// Dwords written so far, and the dwords still free.
  size_t size() const { return used_; }
  size_t capacity() const { return storage_.size(); }
  size_t remaining() const { return storage_.size() - used_; }

  /// The written dwords.
  std::span<const uint32_t> data() const { return storage_.first(used_); }

  /// Forgets everything written (the storage is left as it is).
  void clear() { used_ = 0; }

 private:
  std::span<uint32_t> storage_;
  size_t used_ = 0;
};

/// A PacketStream that owns growable storage up to a fixed limit, for tests and CLI use.
class OwnedPacketStream {
 public:
  explicit OwnedPacketStream(size_t capacity_dwords)
      : storage_(capacity_dwords, 0u), stream_(std::span<uint32_t>(storage_)) {}
  OwnedPacketStream(const OwnedPacketStream&) = delete;
  OwnedPacketStream& operator=(const OwnedPacketStream&) = delete;

  PacketStream& stream() { return stream_; }
  std::span<const uint32_t> data() const { return stream_.data(); }

 private:
  std::vector<uint32_t> storage_;
  PacketStream stream_;
};

}  // namespace amdhal::packets
