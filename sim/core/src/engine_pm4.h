// Private: the PM4 packet processor shared by the compute ring engine (engine_pm4.cpp) and the AQL
// engine, which runs PM4 indirect buffers for AMD's vendor PM4-IB packet (engine_aql.cpp).
// Packets are decoded with the shared decoder (decode_pm4) and executed in order; indirect
// buffers nest on a small stack, and the queue's read pointer stays on the packet that started
// the IB until the IB (and every IB it calls) has finished, as on the hardware.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "amdhal/packets/decoded.h"
#include "amdhal/packets/pm4.h"
#include "queue_engine.h"

namespace amdhal::sim {

class Pm4Core : public QueueEngine {
 protected:
  Pm4Core(Device& device, uint32_t id, const QueueDesc& desc);

  /// Where the queue's current packet is ("ring dword 0x10", "slot 3 (dispatch id 7)").
  virtual std::string queue_where(uint64_t rptr) const = 0;
  /// queue_where(), prefixed with the IB position when an IB is running.
  std::string where(uint64_t rptr) const;

  /// True while an indirect buffer is being executed.
  bool in_ib() const { return !ibs_.empty(); }
  /// Forgets every IB in progress (reset).
  void clear_ibs() { ibs_.clear(); }
  /// Runs the next packet of the innermost IB. kProgress: a packet ran or an inner IB finished;
  /// kDone: the outermost IB finished; kWait / kHung as for execute().
  Step step_ib(uint64_t rptr);
  /// Text for the watchdog: the IB packet the engine is stuck on.
  std::string describe_ib_stall(uint64_t rptr) const;

  /// Executes one decoded, error-free packet (`raw` holds its dwords). INDIRECT_BUFFER pushes
  /// (or, chained, replaces) an IB frame and returns kDone at once.
  Step run_packet(const packets::DecodedPacket& p, const std::vector<uint32_t>& raw, uint64_t rptr);

  Step mem_fault(const VmFault& f, const packets::DecodedPacket& p, uint64_t rptr);
  Step unsupported(const packets::DecodedPacket& p, uint64_t rptr, std::string_view what);

  const Pm4Variant variant_;

 private:
  struct IbFrame {
    uint64_t base;  // GPU VA
    uint64_t size;  // dwords
    uint64_t pos;   // next dword
  };

  /// Reads and decodes the packet at the innermost IB's position. kDone, or kHung (fault, or a
  /// packet running past the IB's end) when `report`; without `report` nothing is recorded.
  Step fetch_ib(uint64_t rptr, std::vector<uint32_t>* raw, packets::DecodedPacket* packet,
                bool report) const;

  Step dispatch(const packets::DecodedPacket& p, const uint32_t dims[3], uint64_t rptr);
  Step release_mem(const packets::DecodedPacket& p, uint64_t rptr);
  Step wait_reg_mem(const packets::DecodedPacket& p, bool wide, uint64_t rptr);
  Step write_data(const packets::DecodedPacket& p, const std::vector<uint32_t>& raw, uint64_t rptr);
  Step copy_data(const packets::DecodedPacket& p, uint64_t rptr);
  Step dma_data(const packets::DecodedPacket& p, uint64_t rptr);
  Step indirect_buffer(const packets::DecodedPacket& p, uint64_t rptr);
  Step set_sh_reg(const packets::DecodedPacket& p, const std::vector<uint32_t>& raw, uint64_t rptr);

  uint32_t read_reg(uint32_t reg) const;
  /// A 32-bit (zero-extended) or 64-bit value: from GPU memory (false with *f on a fault), or
  /// from the register file (`reg` and, for 64 bits, `reg + 1`).
  bool load_value(uint64_t va, bool wide, uint64_t* out, VmFault* f) const;
  uint64_t read_reg_value(uint32_t reg, bool wide) const;
  void write_reg(uint32_t reg, uint32_t value);

  /// SH registers (COMPUTE_*), programmed by SET_SH_REG.
  std::array<uint32_t, packets::kPm4ShRegEnd - packets::kPm4ShRegBase> sh_{};
  /// Every other register a WRITE_DATA / COPY_DATA / WAIT_REG_MEM names (a plain register file:
  /// nothing behind them).
  std::unordered_map<uint32_t, uint32_t> regs_;
  std::vector<IbFrame> ibs_;
  std::vector<uint32_t> ib_raw_;
};

/// PM4 header facts (soc15d.h PACKET3 / CP_PACKET_GET_*): type 31:30, count 29:16, opcode 15:8.
/// Dwords a packet occupies according to its header alone: the type-3 NOP with count 0x3FFF is
/// the one-dword filler, type 2 is one dword, type 0 has count + 2, type 1 is reported as one.
uint64_t pm4_packet_dwords_from_header(uint32_t header);

}  // namespace amdhal::sim
