// A simulated AMD GPU: VRAM, GPUVM contexts, a doorbell page, hardware queues (PM4 compute, AQL
// compute, SDMA) each executed by its own host thread, interrupts, a GPU clock and fault records.
// This is the hardware contract; the virtual KFD (sim/kfd) and the simulated PCI function
// (sim/pci) are built on top of it. Nothing here knows about backends.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/family.h"
#include "amdhal/packets/decoded.h"
#include "amdhal/status.h"
#include "amdhal_sim/memory.h"

namespace amdhal::sim {

class System;
class QueueEngine;

/// Engine a hardware queue belongs to.
enum class QueueType : uint8_t {
  kPm4,   ///< compute ring of PM4 packets (pointers in dwords)
  kAql,   ///< AQL queue of 64-byte packets (pointers in packets, i.e. dispatch ids)
  kSdma,  ///< SDMA ring (pointers in bytes)
};
std::string_view queue_type_name(QueueType t);

/// Everything the hardware needs to run a queue (what an MQD / the HQD registers or an SDMA
/// RB_* register set hold).
struct QueueDesc {
  QueueType type = QueueType::kPm4;
  uint32_t engine = 0;        ///< SDMA engine index (kSdma), else 0
  uint32_t vmid = 0;          ///< GPUVM context the queue's addresses are translated in
  uint64_t ring_address = 0;  ///< GPU VA of the ring (power-of-two size)
  uint64_t ring_bytes = 0;
  uint64_t rptr_address = 0;  ///< GPU VA where the engine reports its read pointer (64-bit)
  uint64_t wptr_address =
      0;  ///< GPU VA the engine reads the write pointer from (64-bit), 0 = doorbell only
  uint32_t doorbell_index = 0;  ///< 64-bit slot in the doorbell page
  std::string name;             ///< for messages: "sdma0.q1", "compute.q0"
  /// Read (and last seen write) pointer the engine starts from, in engine units: 0 for a new
  /// queue; the old queue's read pointer when a queue is re-created with a new ring (what an
  /// MQD update that keeps the saved CP_HQD_PQ_RPTR does).
  uint64_t initial_read_pointer = 0;
};

/// An interrupt the device raises (end-of-pipe with int_sel, SDMA TRAP, faults, hangs).
struct Interrupt {
  enum class Source : uint8_t { kEndOfPipe, kSdmaTrap, kVmFault, kQueueHung, kAqlSignal };
  Source source = Source::kEndOfPipe;
  uint32_t queue_id = 0;
  uint32_t context_id = 0;  ///< RELEASE_MEM ctxid / TRAP int_context / AQL event id
  uint64_t gpu_clock = 0;
};

/// Diagnostic snapshot of a hardware queue.
struct QueueSnapshot {
  uint32_t id = 0;
  std::string name;
  QueueType type = QueueType::kPm4;
  uint64_t read_pointer = 0;  ///< in the engine's units
  uint64_t write_pointer = 0;
  bool active = false;
  bool hung = false;
  bool suspended = false;   ///< set_queue_suspended(true): the engine fetches nothing
  std::string hang_reason;  ///< decoded description of the bad packet, the fault, or the stall
  std::vector<packets::DecodedPacket> recent;  ///< last packets executed (oldest first)
  uint64_t packets_executed = 0;
  /// Multi-line human form for error messages.
  std::string to_string() const;
};

/// One packet a queue engine finished, or gave up on, as reported to a packet observer
/// (Device::set_packet_observer). The references are valid during the observer call only.
struct PacketEvent {
  uint32_t device_index = 0;
  uint32_t queue_id = 0;  ///< the device's queue id (create_queue)
  uint32_t vmid = 0;      ///< the queue's GPUVM context (its packets' addresses are in it)
  QueueType queue_type = QueueType::kPm4;
  std::string_view engine;                         ///< "cp", "aql", "sdma0"
  std::string_view queue_name;                     ///< QueueDesc::name
  const packets::DecodedPacket* packet = nullptr;  ///< never null in a delivered event
  /// False for a packet the engine did not execute (invalid, unsupported, or the queue hung on
  /// it: a VM fault, a failed dispatch).
  bool executed = true;
  /// From the engine's first attempt at the packet (a wait or barrier packet is attempted until
  /// its condition holds) to the end of its execution; a packet that follows another one inside
  /// the same step (packets of an indirect buffer) starts when the previous one ended.
  std::chrono::steady_clock::time_point start;
  std::chrono::steady_clock::time_point end;
};
/// Called on the engine threads, possibly by several at once: it must be thread-safe, should
/// return quickly (the queue waits for it) and must not call Device::set_packet_observer.
using PacketObserver = std::function<void(const PacketEvent&)>;

/// Runs the workgroups of a kernel dispatch (the ISA interpreter implements this).
class KernelExecutor {
 public:
  virtual ~KernelExecutor() = default;
  struct Dispatch {
    uint32_t vmid = 0;
    uint64_t kernel_descriptor_address = 0;  ///< GPU VA of the 64-byte descriptor
    uint64_t kernarg_address = 0;
    uint64_t dispatch_packet_address = 0;  ///< AQL packet, 0 for PM4
    uint64_t queue_address = 0;    ///< AQL: the queue's amd_queue_t (queue ptr user SGPRs), else 0
    uint64_t dispatch_id = 0;      ///< AQL: the packet's index in its queue (dispatch id SGPRs)
    uint32_t grid[3] = {1, 1, 1};  ///< work-items
    uint32_t workgroup[3] = {1, 1, 1};
    uint32_t group_segment_bytes = 0;
    uint32_t private_segment_bytes = 0;
    std::vector<uint32_t> user_sgprs;  ///< PM4 path: COMPUTE_USER_DATA_* as programmed
    uint32_t pgm_rsrc1 = 0, pgm_rsrc2 = 0, pgm_rsrc3 = 0;
    uint64_t code_address = 0;  ///< PM4 path: COMPUTE_PGM_LO/HI << 8
  };
  virtual Status run(class Device& device, const Dispatch& dispatch) = 0;
};

/// Options of one simulated device.
struct DeviceConfig {
  const GpuFamily* family = nullptr;
  uint64_t vram_bytes = 512ull << 20;  ///< lazily backed; default small for 2-core/24 GiB hosts
  uint32_t index = 0;                  ///< position in its System
  std::chrono::milliseconds watchdog{5000};  ///< no progress for this long → queue reported hung
  /// A kernel dispatch still running after this long is stopped as failed (0: no limit); the
  /// `timeout=` key of the spec, `amdhal exec --timeout`.
  std::chrono::milliseconds kernel_timeout{0};
};

class Device {
 public:
  static Expected<std::unique_ptr<Device>> create(const DeviceConfig& config, System* system);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  const GpuFamily& family() const { return *config_.family; }
  const DeviceConfig& config() const { return config_; }
  uint32_t index() const { return config_.index; }
  System* system() const { return system_; }
  /// Number of SDMA engines (family's general-purpose + XGMI engines, at least 2).
  uint32_t sdma_engine_count() const;

  PhysicalMemory& physical() { return *physical_; }
  const PhysicalMemory& physical() const { return *physical_; }
  /// GPUVM context `vmid` (0-15); a larger vmid is a programming error and aborts.
  AddressSpace& vm(uint32_t vmid);
  static constexpr uint32_t kVmidCount = 16;

  /// Validates `desc` (vmid < 16; ring size a power of two >= 256 bytes; ring 256-byte aligned
  /// and readable in the vmid; rptr/wptr addresses, when non-zero, writable/readable; doorbell
  /// slot in range and not bound to another queue; SDMA engine < sdma_engine_count()), then
  /// creates the hardware queue and starts its engine thread. Returns the queue id (ids are not
  /// reused). The doorbell slot stays bound to the queue until destroy_queue.
  Expected<uint32_t> create_queue(const QueueDesc& desc);
  /// Stops the engine thread (joined before returning) and frees the doorbell slot.
  Status destroy_queue(uint32_t queue_id);
  /// Stops and destroys every queue (System does this for all devices before destroying any, so
  /// peer-to-peer copies never reach a device that is gone).
  void destroy_all_queues();
  /// Clears a hung queue: read pointer := write pointer, hang state cleared, queue runs again.
  Status reset_queue(uint32_t queue_id);
  /// Suspends (stops fetching packets; returns once the engine has left the packet it was
  /// executing, kDeadlineExceeded after a few seconds inside a kernel dispatch) or resumes a
  /// queue. Doorbells rung while suspended are served on resume. Idempotent.
  Status set_queue_suspended(uint32_t queue_id, bool suspended);
  Expected<QueueSnapshot> queue_state(uint32_t queue_id) const;
  std::vector<QueueSnapshot> all_queues() const;

  /// The doorbell page: 64-bit slots that clients store write pointers into.
  static constexpr uint32_t kDoorbellSlots = 1024;
  /// The page is page-aligned host memory (8 KiB), so it can be handed out as a mapping.
  volatile uint64_t* doorbells() { return doorbell_page_; }
  /// Current value of a slot (atomic acquire load); 0 for a slot out of range.
  uint64_t read_doorbell(uint32_t slot) const;
  /// A store (release) to a doorbell slot plus a wake-up of the queue bound to it. Plain stores
  /// into doorbells() are noticed too, by the engines' idle polling. Out-of-range slots are
  /// ignored, as the hardware ignores writes outside the doorbell aperture.
  void ring_doorbell(uint32_t slot, uint64_t value);

  /// Handler for interrupts; called from engine threads, one call at a time, with an internal
  /// lock held: it must return quickly and must not call set_interrupt_handler(). Once
  /// set_interrupt_handler() returns, the previous handler is no longer running or called.
  /// A null handler drops interrupts.
  void set_interrupt_handler(std::function<void(const Interrupt&)> handler);
  /// Delivers `irq` to the handler (gpu_clock filled in if 0). Thread-safe.
  void raise_interrupt(const Interrupt& irq);
  /// Interrupts raised since creation (delivered or not).
  uint64_t interrupt_count() const { return interrupt_count_.load(std::memory_order_relaxed); }

  /// GPU clock counter (100 MHz, monotonic) for TIMESTAMP and RELEASE_MEM timestamps.
  uint64_t gpu_clock() const;
  static constexpr uint64_t kGpuClockHz = 100'000'000;

  /// Faults recorded so far (VM faults, illegal packets), oldest first; the most recent
  /// kMaxFaults are kept.
  std::vector<VmFault> faults() const;
  /// Records a fault (gpu_clock filled in if 0). Only records: the engine decides what else to
  /// do (stop the queue, raise a kVmFault interrupt).
  void record_fault(const VmFault& fault);
  void clear_faults();
  static constexpr size_t kMaxFaults = 256;

  /// Observer of every packet this device's queue engines finish (PacketEvent); an empty
  /// function removes it. Once this returns, the previous observer is no longer running or
  /// called. Without an observer the engines pay one relaxed atomic load per packet.
  void set_packet_observer(PacketObserver observer);
  /// True while an observer is set (relaxed: engines check it before timing a packet).
  bool has_packet_observer() const { return has_packet_observer_.load(std::memory_order_relaxed); }
  /// Delivers `event` to the observer, if one is set (engine threads call this).
  void observe_packet(const PacketEvent& event);

  /// The ISA interpreter for dispatches; null until one is attached.
  void set_kernel_executor(std::shared_ptr<KernelExecutor> executor);
  std::shared_ptr<KernelExecutor> kernel_executor() const;

 private:
  Device(const DeviceConfig& config, System* system);

  DeviceConfig config_;
  System* system_;
  std::unique_ptr<PhysicalMemory> physical_;
  std::vector<std::unique_ptr<AddressSpace>> vms_;
  uint64_t* doorbell_page_ = nullptr;  // kDoorbellSlots slots, mmap'd
  // Queue bookkeeping. Engines are called (notify/snapshot/reset) with the lock held shared;
  // created and destroyed outside it, so an engine thread may call any non-queue Device method.
  mutable std::shared_mutex queue_mutex_;
  std::vector<std::unique_ptr<QueueEngine>> queues_;  // index = queue id; null once destroyed
  std::vector<uint32_t> doorbell_owner_;              // slot -> queue id, kNoQueue if free
  static constexpr uint32_t kNoQueue = ~0u;
  std::function<void(const Interrupt&)> interrupt_handler_;
  std::mutex interrupt_mutex_;
  std::atomic<uint64_t> interrupt_count_{0};
  mutable std::mutex state_mutex_;  // guards faults_, executor_
  std::vector<VmFault> faults_;
  std::shared_ptr<KernelExecutor> executor_;
  std::chrono::steady_clock::time_point clock_origin_;
  mutable std::shared_mutex observer_mutex_;  // guards packet_observer_ (shared while calling)
  PacketObserver packet_observer_;
  std::atomic<bool> has_packet_observer_{false};
};

/// Parsed form of "sim:<target>[x<count>][,key=value...]": "sim:gfx942", "sim:gfx942x4",
/// "sim:gfx1100,vram=1G", "sim:gfx90a,watchdog=200ms". Known keys: vram (bytes with an optional
/// K/M/G suffix, a multiple of 4 KiB, 1M-1024G), watchdog (milliseconds, optional ms/s suffix)
/// and timeout (the longest a kernel dispatch may run, same syntax; default none).
struct SystemSpec {
  const GpuFamily* family = nullptr;
  uint32_t count = 1;  ///< 1-16
  uint64_t vram_bytes = 512ull << 20;
  std::chrono::milliseconds watchdog{5000};
  std::chrono::milliseconds kernel_timeout{0};               ///< `timeout=`; 0 = none
  std::vector<std::pair<std::string, std::string>> options;  ///< other key=value options, kept
  static constexpr uint32_t kMaxDevices = 16;
  /// Errors are kInvalidArgument naming the problem (and, for a bad target, the known ones).
  static Expected<SystemSpec> parse(std::string_view text);
  /// Canonical text form: "sim:gfx942x4,vram=512M".
  std::string to_string() const;
};

/// A set of simulated devices that can reach each other's memory (peer to peer).
class System {
 public:
  static Expected<std::unique_ptr<System>> create(const SystemSpec& spec);
  /// SystemSpec::parse + create.
  static Expected<std::unique_ptr<System>> from_spec(std::string_view text);
  ~System();
  System(const System&) = delete;
  System& operator=(const System&) = delete;
  const SystemSpec& spec() const { return spec_; }
  size_t device_count() const { return devices_.size(); }
  Device& device(size_t i) { return *devices_.at(i); }

 private:
  System() = default;
  SystemSpec spec_;
  std::vector<std::unique_ptr<Device>> devices_;
};

}  // namespace amdhal::sim
