// RingWriter and the shared submit path (ring_writer.h).
#include "amdhal/ring_writer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "amdhal/command_buffer.h"
#include "amdhal/packets/aql.h"
#include "amdhal/packets/decode.h"

namespace amdhal {
namespace {

packets::Engine engine_of(QueueKind k) {
  switch (k) {
    case QueueKind::kCompute:
      return packets::Engine::kPm4;
    case QueueKind::kComputeAql:
      return packets::Engine::kAql;
    case QueueKind::kSdma:
    case QueueKind::kSdmaXgmi:
      return packets::Engine::kSdma;
  }
  return packets::Engine::kPm4;
}

}  // namespace

uint32_t RingWriter::bytes_per_unit() const {
  switch (c_.kind) {
    case QueueKind::kCompute:
      return 4;
    case QueueKind::kComputeAql:
      return static_cast<uint32_t>(packets::kAqlPacketBytes);
    case QueueKind::kSdma:
    case QueueKind::kSdmaXgmi:
      return 1;
  }
  return 4;
}

uint64_t RingWriter::read_pointer() const {
  return std::atomic_ref<uint64_t>(*c_.read_ptr).load(std::memory_order_acquire);
}

uint64_t RingWriter::write_pointer_memory() const {
  return std::atomic_ref<uint64_t>(*c_.write_ptr).load(std::memory_order_acquire);
}

void RingWriter::init_slots() {
  if (c_.kind != QueueKind::kComputeAql) return;
  auto* ring = static_cast<uint8_t*>(c_.ring);
  const uint32_t header = static_cast<uint32_t>(packets::AqlPacketType::kInvalid);
  for (uint64_t slot = 0; slot < ring_units(); ++slot) {
    std::memcpy(ring + slot * packets::kAqlPacketBytes, &header, sizeof(header));
  }
}

Status RingWriter::wait_for_space(uint64_t units, std::chrono::nanoseconds timeout,
                                  std::string_view who) {
  const uint64_t mask = ring_units() - 1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const uint64_t in_flight = (wptr_ - read_pointer()) & mask;
    if (in_flight + units < ring_units()) return ok_status();
    if (std::chrono::steady_clock::now() >= deadline) {
      return deadline_exceeded(
          fmt::format("{}: no room for {} more units in {} ms ({})", who, units,
                      std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count(),
                      state(who).description));
    }
    std::this_thread::sleep_for(std::chrono::microseconds(20));
  }
}

void RingWriter::copy(std::span<const uint32_t> dwords) {
  auto* ring = static_cast<uint8_t*>(c_.ring);
  if (c_.kind == QueueKind::kComputeAql) {
    const size_t n = dwords.size() / packets::kAqlPacketDwords;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t* pkt = dwords.data() + i * packets::kAqlPacketDwords;
      auto* slot = reinterpret_cast<uint32_t*>(ring + ((wptr_ + i) & (ring_units() - 1)) *
                                                          packets::kAqlPacketBytes);
      // Body first, then the header+setup dword with release ordering: the packet processor
      // must never see a valid header over a stale body.
      std::memcpy(slot + 1, pkt + 1, (packets::kAqlPacketDwords - 1) * sizeof(uint32_t));
      std::atomic_ref<uint32_t>(slot[0]).store(pkt[0], std::memory_order_release);
    }
    wptr_ += n;
    return;
  }
  const uint64_t bytes = dwords.size() * sizeof(uint32_t);
  const uint64_t start = (wptr_ * bytes_per_unit()) % c_.ring_bytes;
  const uint64_t first = std::min<uint64_t>(bytes, c_.ring_bytes - start);
  std::memcpy(ring + start, dwords.data(), first);
  if (first < bytes) {
    std::memcpy(ring, reinterpret_cast<const uint8_t*>(dwords.data()) + first, bytes - first);
  }
  wptr_ += bytes / bytes_per_unit();
}

uint64_t RingWriter::publish() {
  std::atomic_thread_fence(std::memory_order_release);
  std::atomic_ref<uint64_t>(*c_.write_ptr).store(wptr_, std::memory_order_release);
  // The doorbell write must not pass the ring and pointer writes (UC/WC memory on x86: a full
  // fence also drains write-combining buffers).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return c_.kind == QueueKind::kComputeAql ? wptr_ - 1 : wptr_;
}

QueueState RingWriter::state(std::string_view label) const {
  QueueState s;
  s.read_pointer = read_pointer();
  s.write_pointer = write_pointer_memory();
  const uint64_t n = ring_units();
  const uint64_t in_flight = (s.write_pointer - s.read_pointer) & (n - 1);
  std::string next = "idle";
  if (in_flight != 0) {
    // Up to 64 dwords from the read pointer, unwrapped, decoded with the shared decoder.
    const auto* ring = static_cast<const uint8_t*>(c_.ring);
    const uint64_t start = (s.read_pointer & (n - 1)) * bytes_per_unit();
    const uint64_t avail = std::min<uint64_t>(in_flight * bytes_per_unit(), 64 * sizeof(uint32_t));
    std::vector<uint32_t> dwords(avail / sizeof(uint32_t));
    for (size_t i = 0; i < dwords.size(); ++i) {
      std::memcpy(&dwords[i], ring + (start + i * 4) % c_.ring_bytes, 4);
    }
    auto decoded = packets::decode(engine_of(c_.kind), *c_.family, dwords);
    next = decoded.empty() ? "undecodable" : packets::format_packet(decoded.front());
  }
  s.description = fmt::format("{}: read pointer {} write pointer {} ({} units in flight); next: {}",
                              label, s.read_pointer, s.write_pointer, in_flight, next);
  return s;
}

Status encode_into_ring(const CommandBuffer& commands, const std::shared_ptr<Signal>& timeline,
                        uint64_t next, uint64_t submitted, const EncodeTarget& target,
                        ArenaStaging& staging, RingWriter& ring,
                        std::chrono::nanoseconds backpressure, std::string_view who) {
  CommandBuffer cb = commands;
  AMDHAL_RETURN_IF_ERROR(cb.signal(timeline, next));
  if (timeline->value() >= submitted) staging.reset();  // idle: nothing reads staging
  std::vector<uint32_t> storage(max_encoded_dwords(cb, target), 0u);
  packets::PacketStream out(storage);
  Status st = encode_commands(cb, target, staging, out);
  if (st.code() == StatusCode::kResourceExhausted && staging.used() > 0) {
    // Staging memory is full of side data earlier work may still read: drain, then retry once.
    AMDHAL_RETURN_IF_ERROR(timeline->wait(submitted, backpressure)
                               .with_context(fmt::format("{}: draining staging memory", who)));
    staging.reset();
    out.clear();
    st = encode_commands(cb, target, staging, out);
  }
  AMDHAL_RETURN_IF_ERROR(st);
  const uint64_t bytes = out.size() * sizeof(uint32_t);
  const uint64_t units = bytes / ring.bytes_per_unit();
  if (units >= ring.ring_units()) {
    return out_of_range(
        fmt::format("{}: the command buffer encodes to {} bytes; the ring holds {} (split it)", who,
                    bytes, ring.ring_bytes()));
  }
  AMDHAL_RETURN_IF_ERROR(ring.wait_for_space(units, backpressure, who));
  ring.copy(out.data());
  return ok_status();
}

}  // namespace amdhal
