// QueueEngine: one hardware queue (PM4 compute ring, AQL queue or SDMA ring) executed by its own
// host thread. Device owns the engines (Device::create_queue / reset_queue / queue_state /
// ring_doorbell call create / reset / snapshot / notify). Private to sim/core.
//
// The shared part here runs the queue: the thread, the read/write pointers, hang and watchdog
// state, the recent-packet log, and memory helpers that translate through the queue's GPUVM
// context and turn a failed translation into a recorded VM fault. Packet semantics live in
// engine_pm4.cpp, engine_aql.cpp and engine_sdma.cpp (one subclass each).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "amdhal/packets/decoded.h"
#include "amdhal/status.h"
#include "amdhal_sim/device.h"
#include "amdhal_sim/memory.h"

namespace amdhal::sim {

/// A hardware queue engine. The thread sleeps until notify() or a ~1 ms tick, reads the write
/// pointer (doorbell slot and/or wptr memory), executes packets from rptr to wptr and writes the
/// read pointer back to memory after each packet.
class QueueEngine {
 public:
  /// Validates `desc` (ring size a power of two and a multiple of the engine's unit, SDMA engine
  /// index, doorbell slot, vmid) and starts the engine thread.
  static Expected<std::unique_ptr<QueueEngine>> create(Device& device, uint32_t id,
                                                       const QueueDesc& desc);
  virtual ~QueueEngine();
  QueueEngine(const QueueEngine&) = delete;
  QueueEngine& operator=(const QueueEngine&) = delete;

  uint32_t id() const { return id_; }
  const QueueDesc& desc() const { return desc_; }

  /// Doorbell wake-up: the engine re-reads the write pointer now. Cheap; callable from any thread.
  void notify();
  /// Pointers, state and the last packets decoded.
  QueueSnapshot snapshot() const;
  /// Read pointer := write pointer, hang cleared; the queue serves new work again. Waits (up to
  /// a few seconds) for the engine thread to apply it; kDeadlineExceeded if it is stuck inside a
  /// kernel dispatch.
  Status reset();
  /// Suspends (the thread parks and fetches nothing; waits like reset() for the thread to leave
  /// the packet it is executing) or resumes the queue.
  Status set_suspended(bool suspended);
  /// Stops and joins the thread (idempotent; the destructor calls it).
  void stop();

  /// Entries kept in the recent-packet log.
  static constexpr size_t kRecentPackets = 8;

 protected:
  QueueEngine(Device& device, uint32_t id, const QueueDesc& desc);

  /// Outcome of one execute() call.
  enum class Step : uint8_t {
    kDone,      ///< the packet at rptr finished; rptr advances by *advance
    kProgress,  ///< work was done but the packet at rptr is not finished (a packet inside an IB)
    kWait,      ///< the packet cannot complete yet (wait, barrier, partial packet): retry later
    kIdle,      ///< nothing published at rptr yet (AQL INVALID slot): not a stall
    kHung,      ///< the queue hung (hang() or fault() was called)
  };

  /// Executes (or continues) the packet at read pointer `rptr` (engine units) with `wptr` the
  /// current write pointer. On kDone sets *advance (engine units, > 0).
  virtual Step execute(uint64_t rptr, uint64_t wptr, uint64_t* advance) = 0;
  /// Engine name used in fault records and messages: "cp", "aql", "sdma0".
  virtual std::string engine_name() const = 0;
  /// The write pointer implied by a doorbell value (AQL: the doorbell holds the id of the last
  /// packet written, so wptr = value + 1; rings: the value is the write pointer).
  virtual uint64_t wptr_from_doorbell(uint64_t value, bool rung) const { return value; }
  /// Forgets in-progress packet state (IB stack, wait bookkeeping). Engine thread only.
  virtual void on_reset() {}
  /// One line naming the packet the engine is stuck on, for the watchdog message.
  virtual std::string describe_stall(uint64_t rptr) const;
  /// Poll interval the current wait asked for (0: default back-off).
  std::chrono::microseconds wait_interval_{0};

  // ---- helpers for packet implementations (engine thread only) ----

  /// Marks the queue hung with `reason`, raises kQueueHung; returns kHung.
  Step hang(std::string reason);
  /// Fills in the engine name and clock, records the fault on the device, raises kVmFault and
  /// hangs the queue with the fault (and `context`, the packet) as reason; returns kHung.
  Step fault(VmFault f, const std::string& context);
  /// Adds an executed packet to the recent log and counts it.
  void record(packets::DecodedPacket packet) { log_packet(std::move(packet), true); }
  /// Adds a packet that did not execute (invalid, unsupported, failed) to the recent log.
  void record_failed(packets::DecodedPacket packet) { log_packet(std::move(packet), false); }
  /// Raises an interrupt from this queue.
  void interrupt(Interrupt::Source source, uint32_t context_id);

  /// Translates [va, va+len) (contiguous in host memory) or sets *f.
  uint8_t* translate(uint64_t va, uint64_t len, Access access, VmFault* f) const;
  /// Copies between GPU VAs and host memory page-run by page-run; false with *f on a fault.
  bool read_bytes(uint64_t va, void* dst, uint64_t len, VmFault* f) const;
  bool write_bytes(uint64_t va, const void* src, uint64_t len, VmFault* f) const;
  /// GPU-to-GPU copy / fill by page runs (memmove for each host-contiguous piece).
  bool copy_gpu(uint64_t dst, uint64_t src, uint64_t len, VmFault* f) const;
  bool fill_gpu(uint64_t dst, const uint8_t* pattern, size_t pattern_len, uint64_t len,
                VmFault* f) const;
  /// Atomic (seq_cst) 32/64-bit loads and stores on GPU memory, for values another thread polls
  /// or publishes (fences, signals, pointers). Misaligned addresses fall back to byte copies.
  bool load32(uint64_t va, uint32_t* out, VmFault* f) const;
  bool load64(uint64_t va, uint64_t* out, VmFault* f) const;
  bool store32(uint64_t va, uint32_t value, VmFault* f) const;
  bool store64(uint64_t va, uint64_t value, VmFault* f) const;
  /// Stores `n` dwords at `va` in order, each one atomically (what WRITE_DATA needs when another
  /// thread polls one of them).
  bool store_dwords(uint64_t va, const uint32_t* data, size_t n, VmFault* f) const;

  /// Reads `units` ring units starting at pointer `ptr` (wrapping at the ring end) into `dst`.
  bool read_ring(uint64_t ptr, uint64_t units, void* dst, VmFault* f) const;
  /// Ring size in units.
  uint64_t ring_units() const { return ring_units_; }

  Device& device_;
  AddressSpace& vm_;
  const QueueDesc desc_;

 private:
  void start();
  void run();
  void log_packet(packets::DecodedPacket packet, bool executed);
  /// Current write pointer: doorbell and/or wptr memory, whichever is newer; false with *f if
  /// the wptr memory faults.
  bool read_wptr(uint64_t* wptr, VmFault* f) const;
  bool write_rptr(uint64_t rptr);
  void apply_reset();
  void pause(std::unique_lock<std::mutex>& lock, std::chrono::microseconds interval);

  const uint32_t id_;
  const uint64_t ring_units_;
  std::thread thread_;
  // Interrupts raised while a packet executes are delivered when the step ends, after the packet
  // has been logged (and observers told): whoever reacts to one (a runtime ending the program on
  // a fault) then finds the whole record. Engine thread only.
  std::vector<Interrupt> deferred_;

  mutable std::mutex mutex_;  // guards the fields below
  std::condition_variable cv_;
  std::condition_variable reset_cv_;
  bool stop_ = false;
  bool kick_ = false;                   // notify() since the last wake
  std::atomic<bool> rung_{false};       // notify() was ever called (AQL: doorbell 0 is meaningful)
  std::atomic<bool> attention_{false};  // stop or reset requested: leave the execute loop
  uint64_t reset_requests_ = 0;         // reset() calls so far
  uint64_t resets_applied_ = 0;         // resets the thread applied
  bool hung_ = false;
  bool suspended_ = false;       // set_suspended(true)
  bool suspend_parked_ = false;  // the thread has seen suspended_ and fetches nothing
  std::string hang_reason_;
  std::deque<packets::DecodedPacket> recent_;
  uint64_t packets_executed_ = 0;
  uint64_t rptr_ = 0;  // engine units; AQL: read dispatch id
  uint64_t wptr_ = 0;
  bool active_ = false;  // executing or waiting on a packet

  // Packet timing for the device's packet observer (engine thread only; kept only while an
  // observer is set): when the engine first attempted the packet at rptr.
  std::chrono::steady_clock::time_point packet_start_{};
  bool timing_ = false;
};

}  // namespace amdhal::sim
