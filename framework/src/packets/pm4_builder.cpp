// PM4 builders: every packet is encoded from the layout tables in pm4_tables.cpp, so the builder
// and the decoder cannot disagree on a bit position. A packet is validated completely before a
// single dword reaches the stream.
#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "amdhal/packets/pm4.h"
#include "packets/pm4_tables.h"

namespace amdhal::packets {
namespace {

using pm4_detail::field_mask;
using pm4_detail::find_layout;
using pm4_detail::PacketLayout;
using pm4_detail::Payload;
using pm4_detail::variant_table;

/// One struct member handed to the encoder: its field name and value.
struct MemberValue {
  std::string_view name;
  uint64_t value;
};

/// Largest fixed part of any layout (WAIT_REG_MEM64: 9 dwords).
constexpr size_t kMaxFixedDwords = 16;

Status no_such_packet(Pm4Variant v, Pm4PacketKind kind) {
  return unimplemented(
      fmt::format("{} does not exist on {}", pm4_packet_name(kind), pm4_variant_name(v)));
}

const Pm4FieldInfo* find_field(const PacketLayout& layout, std::string_view name) {
  for (const Pm4FieldInfo& f : layout.fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

/// Checks every member against `layout` and writes the fixed fields into out[0, packet_dwords).
/// Fields whose dwords lie at or past `packet_dwords` (EVENT_WRITE's short form) must be 0.
Status encode_fields(Pm4Variant v, const PacketLayout& layout, std::span<const MemberValue> members,
                     size_t packet_dwords, std::span<uint32_t> out) {
  for (const MemberValue& m : members) {
    const Pm4FieldInfo* f = find_field(layout, m.name);
    if (f == nullptr) {
      if (m.value != 0) {
        return invalid_argument(
            fmt::format("{}: field {} does not exist on {} (got {:#x}); it must be 0", layout.name,
                        m.name, pm4_variant_name(v), m.value));
      }
      continue;
    }
    const size_t last_dword = f->dword + (f->width > 32 ? 1u : 0u);
    if (last_dword >= packet_dwords) {
      if (m.value != 0) {
        return invalid_argument(fmt::format("{}: field {} is not part of a {}-dword {} (got {:#x})",
                                            layout.name, m.name, packet_dwords, layout.name,
                                            m.value));
      }
      continue;
    }
    if ((m.value & ~field_mask(f->width)) != 0) {
      return invalid_argument(fmt::format("{}: field {} = {:#x} does not fit in {} bits on {}",
                                          layout.name, m.name, m.value, f->width,
                                          pm4_variant_name(v)));
    }
    if (f->align_bits != 0 && (m.value & field_mask(f->align_bits)) != 0) {
      return invalid_argument(fmt::format("{}: field {} = {:#x} is not {}-byte aligned",
                                          layout.name, m.name, m.value, 1u << f->align_bits));
    }
    if (f->width > 32) {
      out[f->dword] |= static_cast<uint32_t>(m.value);
      out[f->dword + 1] |= static_cast<uint32_t>(m.value >> 32);
    } else {
      out[f->dword] |= static_cast<uint32_t>(m.value << f->shift);
    }
  }
  // Every field of the layout must have come from a member (a table/struct mismatch is a bug).
  for (const Pm4FieldInfo& f : layout.fields) {
    const bool present = std::any_of(members.begin(), members.end(),
                                     [&](const MemberValue& m) { return m.name == f.name; });
    if (!present) {
      return internal_error(
          fmt::format("{}: layout field {} has no struct member", layout.name, f.name));
    }
  }
  return ok_status();
}

/// Encodes a fixed-length packet of `kind` (optionally its short form) and appends it.
Status emit_fixed(PacketStream& s, Pm4Variant v, Pm4PacketKind kind,
                  std::span<const MemberValue> members, bool short_form = false) {
  const PacketLayout* layout = find_layout(v, kind);
  if (layout == nullptr) return no_such_packet(v, kind);
  const size_t dwords = short_form ? layout->short_dwords : layout->dwords;
  std::array<uint32_t, kMaxFixedDwords> buf{};
  buf[0] = pm4_type3_header(layout->opcode, static_cast<uint32_t>(dwords - 2));
  AMDHAL_RETURN_IF_ERROR(encode_fields(v, *layout, members, dwords, buf));
  return s.append(std::span<const uint32_t>(buf.data(), dwords));
}

/// SET_SH_REG into `out` (appended); shared by emit() and emit_dispatch_setup().
Status encode_set_sh_reg(Pm4Variant v, const Pm4SetShReg& p, std::vector<uint32_t>& out) {
  const PacketLayout* layout = find_layout(v, Pm4PacketKind::kSetShReg);
  if (layout == nullptr) return no_such_packet(v, Pm4PacketKind::kSetShReg);
  if (p.values.empty()) return invalid_argument("SET_SH_REG: no register values");
  if (p.reg < kPm4ShRegBase || p.reg >= kPm4ShRegEnd) {
    return invalid_argument(
        fmt::format("SET_SH_REG: field reg = {:#x} is outside the SH register range [{:#x}, {:#x})",
                    p.reg, kPm4ShRegBase, kPm4ShRegEnd));
  }
  if (p.values.size() > kPm4ShRegEnd - p.reg) {
    return invalid_argument(
        fmt::format("SET_SH_REG: {} values from reg {:#x} run past the SH register range end {:#x}",
                    p.values.size(), p.reg, kPm4ShRegEnd));
  }
  const size_t dwords = layout->dwords + p.values.size();
  std::array<uint32_t, 2> head{};
  head[0] = pm4_type3_header(layout->opcode, static_cast<uint32_t>(dwords - 2));
  const MemberValue members[] = {{"reg_offset", p.reg - kPm4ShRegBase}};
  AMDHAL_RETURN_IF_ERROR(encode_fields(v, *layout, members, layout->dwords, head));
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), p.values.begin(), p.values.end());
  return ok_status();
}

Status append_set_sh_reg(std::vector<uint32_t>& out, Pm4Variant v, uint32_t reg,
                         std::span<const uint32_t> values) {
  return encode_set_sh_reg(v, Pm4SetShReg{reg, values}, out);
}

}  // namespace

std::string_view pm4_packet_name(Pm4PacketKind kind) {
  switch (kind) {
    case Pm4PacketKind::kNop:
      return "NOP";
    case Pm4PacketKind::kIndirectBuffer:
      return "INDIRECT_BUFFER";
    case Pm4PacketKind::kSetShReg:
      return "SET_SH_REG";
    case Pm4PacketKind::kDispatchDirect:
      return "DISPATCH_DIRECT";
    case Pm4PacketKind::kDispatchIndirect:
      return "DISPATCH_INDIRECT";
    case Pm4PacketKind::kAcquireMem:
      return "ACQUIRE_MEM";
    case Pm4PacketKind::kReleaseMem:
      return "RELEASE_MEM";
    case Pm4PacketKind::kWaitRegMem:
      return "WAIT_REG_MEM";
    case Pm4PacketKind::kWaitRegMem64:
      return "WAIT_REG_MEM64";
    case Pm4PacketKind::kWriteData:
      return "WRITE_DATA";
    case Pm4PacketKind::kEventWrite:
      return "EVENT_WRITE";
    case Pm4PacketKind::kCopyData:
      return "COPY_DATA";
    case Pm4PacketKind::kDmaData:
      return "DMA_DATA";
  }
  return "UNKNOWN";
}

size_t pm4_packet_dwords(Pm4Variant v, Pm4PacketKind kind, size_t payload) {
  const PacketLayout* layout = find_layout(v, kind);
  if (layout == nullptr) return 0;
  switch (layout->payload) {
    case Payload::kNopFill:
      return payload;
    case Payload::kRegisterValues:
    case Payload::kDataDwords:
      return layout->dwords + payload;
    case Payload::kNone:
      break;
  }
  if (layout->short_dwords != layout->dwords && payload == 0) return layout->short_dwords;
  return layout->dwords;
}

size_t pm4_packet_dwords(Pm4Variant v, const Pm4Nop& p) {
  return pm4_packet_dwords(v, Pm4PacketKind::kNop, p.dwords);
}
size_t pm4_packet_dwords(Pm4Variant v, const Pm4SetShReg& p) {
  return pm4_packet_dwords(v, Pm4PacketKind::kSetShReg, p.values.size());
}
size_t pm4_packet_dwords(Pm4Variant v, const Pm4WriteData& p) {
  return pm4_packet_dwords(v, Pm4PacketKind::kWriteData, p.data.size());
}
size_t pm4_packet_dwords(Pm4Variant v, const Pm4EventWrite& p) {
  const bool with_address = p.event_index >= 1 && p.event_index <= 3;
  return pm4_packet_dwords(v, Pm4PacketKind::kEventWrite, with_address ? 2 : 0);
}

std::span<const Pm4FieldInfo> pm4_packet_fields(Pm4Variant v, Pm4PacketKind kind) {
  const PacketLayout* layout = find_layout(v, kind);
  return layout == nullptr ? std::span<const Pm4FieldInfo>() : layout->fields;
}

Expected<uint32_t> pm4_dispatch_initiator(Pm4Variant v, bool wave32) {
  uint32_t initiator = kDispatchInitiatorComputeShaderEn | kDispatchInitiatorForceStartAt000;
  if (wave32) {
    if (!variant_table(v).has_cs_w32_en) {
      return invalid_argument(fmt::format(
          "COMPUTE_DISPATCH_INITIATOR: {} has no CS_W32_EN; wave32 dispatch is not available",
          pm4_variant_name(v)));
    }
    initiator |= kDispatchInitiatorCsW32En;
  }
  return initiator;
}

Pm4ComputeRegs pm4_compute_regs(Pm4Variant v) {
  return {variant_table(v).pgm_rsrc3_reg};
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4Nop& p) {
  if (find_layout(v, Pm4PacketKind::kNop) == nullptr) return no_such_packet(v, Pm4PacketKind::kNop);
  if (p.dwords == 0 || p.dwords > kPm4MaxPacketDwords - 1) {
    return invalid_argument(fmt::format("NOP: field dwords = {} is outside [1, {}]", p.dwords,
                                        kPm4MaxPacketDwords - 1));
  }
  if (p.dwords == 1) {
    const uint32_t one = kPm4NopOneDword;
    return s.append(std::span<const uint32_t>(&one, 1));
  }
  // count 0x3FFF is the header-only form, so the longest NOP with a payload has count 0x3FFE.
  std::vector<uint32_t> buf(p.dwords, 0u);
  buf[0] = pm4_type3_header(Pm4Opcode::kNop, p.dwords - 2);
  return s.append(buf);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4IndirectBuffer& p) {
  const MemberValue m[] = {{"ib_base", p.ib_base}, {"ib_size", p.ib_size},
                           {"chain", p.chain},     {"valid", p.valid},
                           {"vmid", p.vmid},       {"cache_policy", p.cache_policy}};
  return emit_fixed(s, v, Pm4PacketKind::kIndirectBuffer, m);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4SetShReg& p) {
  std::vector<uint32_t> buf;
  AMDHAL_RETURN_IF_ERROR(encode_set_sh_reg(v, p, buf));
  return s.append(buf);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4DispatchDirect& p) {
  const MemberValue m[] = {{"dim_x", p.dim_x},
                           {"dim_y", p.dim_y},
                           {"dim_z", p.dim_z},
                           {"dispatch_initiator", p.dispatch_initiator}};
  if ((p.dispatch_initiator & kDispatchInitiatorCsW32En) != 0 && !variant_table(v).has_cs_w32_en) {
    return invalid_argument(fmt::format(
        "DISPATCH_DIRECT: field dispatch_initiator sets CS_W32_EN, which {} does not have",
        pm4_variant_name(v)));
  }
  return emit_fixed(s, v, Pm4PacketKind::kDispatchDirect, m);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4DispatchIndirect& p) {
  const MemberValue m[] = {{"address", p.address}, {"dispatch_initiator", p.dispatch_initiator}};
  if ((p.dispatch_initiator & kDispatchInitiatorCsW32En) != 0 && !variant_table(v).has_cs_w32_en) {
    return invalid_argument(fmt::format(
        "DISPATCH_INDIRECT: field dispatch_initiator sets CS_W32_EN, which {} does not have",
        pm4_variant_name(v)));
  }
  return emit_fixed(s, v, Pm4PacketKind::kDispatchIndirect, m);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4AcquireMem& p) {
  const MemberValue m[] = {{"coher_cntl", p.coher_cntl},       {"engine_sel", p.engine_sel},
                           {"coher_size", p.coher_size},       {"coher_base", p.coher_base},
                           {"poll_interval", p.poll_interval}, {"gcr_cntl", p.gcr_cntl}};
  return emit_fixed(s, v, Pm4PacketKind::kAcquireMem, m);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4ReleaseMem& p) {
  const MemberValue m[] = {{"event_type", p.event_type},
                           {"event_index", p.event_index},
                           {"tcl1_vol_action_ena", p.tcl1_vol_action_ena},
                           {"tc_vol_action_ena", p.tc_vol_action_ena},
                           {"tc_wb_action_ena", p.tc_wb_action_ena},
                           {"tcl1_action_ena", p.tcl1_action_ena},
                           {"tc_action_ena", p.tc_action_ena},
                           {"tc_nc_action_ena", p.tc_nc_action_ena},
                           {"tc_wc_action_ena", p.tc_wc_action_ena},
                           {"tc_md_action_ena", p.tc_md_action_ena},
                           {"gcr_glm_wb", p.gcr_glm_wb},
                           {"gcr_glm_inv", p.gcr_glm_inv},
                           {"gcr_glv_inv", p.gcr_glv_inv},
                           {"gcr_gl1_inv", p.gcr_gl1_inv},
                           {"gcr_gl2_us", p.gcr_gl2_us},
                           {"gcr_gl2_range", p.gcr_gl2_range},
                           {"gcr_gl2_discard", p.gcr_gl2_discard},
                           {"gcr_gl2_inv", p.gcr_gl2_inv},
                           {"gcr_gl2_wb", p.gcr_gl2_wb},
                           {"gcr_seq", p.gcr_seq},
                           {"cache_policy", p.cache_policy},
                           {"dst_sel", p.dst_sel},
                           {"int_sel", p.int_sel},
                           {"data_sel", p.data_sel},
                           {"address", p.address},
                           {"data", p.data},
                           {"int_ctxid", p.int_ctxid}};
  // 64-bit writes need an 8-byte aligned address (kfd_pm4_headers_ai.h address_lo_64b [31:3];
  // the kernel's ring_emit_fence checks addr & 0x7 when writing 64 bits).
  const bool writes64 = p.data_sel == kPm4DataSel64 || p.data_sel == kPm4DataSelTimestamp ||
                        p.data_sel == 4 /* CP perfcounter */;
  if (writes64 && (p.address & 7u) != 0) {
    return invalid_argument(
        fmt::format("RELEASE_MEM: field address = {:#x} must be 8-byte aligned for data_sel {}",
                    p.address, p.data_sel));
  }
  return emit_fixed(s, v, Pm4PacketKind::kReleaseMem, m);
}

namespace {

/// WAIT_REG_MEM(64) poll_addr: a memory address (aligned) or a register pair (18 bits each,
/// soc15d REG_POLL_ADDR / REG_WRITE_ADDR2).
Status check_poll_addr(std::string_view packet, uint32_t mem_space, uint64_t poll_addr,
                       uint64_t align) {
  if (mem_space == kPm4SpaceMemory && (poll_addr & (align - 1)) != 0) {
    return invalid_argument(fmt::format("{}: field poll_addr = {:#x} is not {}-byte aligned",
                                        packet, poll_addr, align));
  }
  if (mem_space == kPm4SpaceRegister &&
      ((poll_addr & 0xFFFFFFFFu) > 0x3FFFF || (poll_addr >> 32) > 0x3FFFF)) {
    return invalid_argument(fmt::format(
        "{}: field poll_addr = {:#x}: in register space both halves are 18-bit registers", packet,
        poll_addr));
  }
  return ok_status();
}

}  // namespace

Status emit(PacketStream& s, Pm4Variant v, const Pm4WaitRegMem& p) {
  AMDHAL_RETURN_IF_ERROR(check_poll_addr("WAIT_REG_MEM", p.mem_space, p.poll_addr, 4));
  const MemberValue m[] = {{"function", p.function},          {"mem_space", p.mem_space},
                           {"operation", p.operation},        {"engine_sel", p.engine_sel},
                           {"cache_policy", p.cache_policy},  {"poll_addr", p.poll_addr},
                           {"reference", p.reference},        {"mask", p.mask},
                           {"poll_interval", p.poll_interval}};
  return emit_fixed(s, v, Pm4PacketKind::kWaitRegMem, m);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4WaitRegMem64& p) {
  if (find_layout(v, Pm4PacketKind::kWaitRegMem64) == nullptr) {
    return no_such_packet(v, Pm4PacketKind::kWaitRegMem64);
  }
  AMDHAL_RETURN_IF_ERROR(check_poll_addr("WAIT_REG_MEM64", p.mem_space, p.poll_addr, 8));
  const MemberValue m[] = {{"function", p.function},          {"mem_space", p.mem_space},
                           {"operation", p.operation},        {"engine_sel", p.engine_sel},
                           {"cache_policy", p.cache_policy},  {"poll_addr", p.poll_addr},
                           {"reference", p.reference},        {"mask", p.mask},
                           {"poll_interval", p.poll_interval}};
  return emit_fixed(s, v, Pm4PacketKind::kWaitRegMem64, m);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4WriteData& p) {
  const PacketLayout* layout = find_layout(v, Pm4PacketKind::kWriteData);
  if (layout == nullptr) return no_such_packet(v, Pm4PacketKind::kWriteData);
  const size_t max_data = kPm4MaxPacketDwords - layout->dwords;
  if (p.data.empty() || p.data.size() > max_data) {
    return invalid_argument(
        fmt::format("WRITE_DATA: field data has {} dwords; 1 to {} fit", p.data.size(), max_data));
  }
  if (p.dst_sel == kPm4SelMemory && (p.dst_addr & 3u) != 0) {
    return invalid_argument(
        fmt::format("WRITE_DATA: field dst_addr = {:#x} is not 4-byte aligned", p.dst_addr));
  }
  const MemberValue m[] = {{"dst_sel", p.dst_sel},       {"addr_incr", p.addr_incr},
                           {"wr_confirm", p.wr_confirm}, {"cache_policy", p.cache_policy},
                           {"engine_sel", p.engine_sel}, {"dst_addr", p.dst_addr}};
  const size_t dwords = layout->dwords + p.data.size();
  std::vector<uint32_t> buf(dwords, 0u);
  buf[0] = pm4_type3_header(layout->opcode, static_cast<uint32_t>(dwords - 2));
  AMDHAL_RETURN_IF_ERROR(encode_fields(v, *layout, m, layout->dwords, buf));
  std::copy(p.data.begin(), p.data.end(), buf.begin() + layout->dwords);
  return s.append(buf);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4EventWrite& p) {
  const MemberValue m[] = {
      {"event_type", p.event_type}, {"event_index", p.event_index}, {"address", p.address}};
  // Event indices 1-3 (ZPASS_DONE, SAMPLE_PIPELINESTAT, SAMPLE_STREAMOUTSTAT) write to memory and
  // carry an address (soc15d EVENT_INDEX comment; Mesa sid.h).
  const bool with_address = p.event_index >= 1 && p.event_index <= 3;
  return emit_fixed(s, v, Pm4PacketKind::kEventWrite, m, /*short_form=*/!with_address);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4CopyData& p) {
  const MemberValue m[] = {{"src_sel", p.src_sel},
                           {"dst_sel", p.dst_sel},
                           {"src_cache_policy", p.src_cache_policy},
                           {"count_sel", p.count_sel},
                           {"wr_confirm", p.wr_confirm},
                           {"dst_cache_policy", p.dst_cache_policy},
                           {"engine_sel", p.engine_sel},
                           {"src_addr", p.src_addr},
                           {"dst_addr", p.dst_addr}};
  return emit_fixed(s, v, Pm4PacketKind::kCopyData, m);
}

Status emit(PacketStream& s, Pm4Variant v, const Pm4DmaData& p) {
  const MemberValue m[] = {{"engine_sel", p.engine_sel},
                           {"src_cache_policy", p.src_cache_policy},
                           {"src_volatile", p.src_volatile},
                           {"dst_sel", p.dst_sel},
                           {"dst_cache_policy", p.dst_cache_policy},
                           {"dst_volatile", p.dst_volatile},
                           {"src_sel", p.src_sel},
                           {"cp_sync", p.cp_sync},
                           {"src_addr", p.src_addr},
                           {"dst_addr", p.dst_addr},
                           {"byte_count", p.byte_count},
                           {"dis_wc", p.dis_wc},
                           {"src_swap", p.src_swap},
                           {"dst_swap", p.dst_swap},
                           {"sas", p.sas},
                           {"das", p.das},
                           {"saic", p.saic},
                           {"daic", p.daic},
                           {"raw_wait", p.raw_wait}};
  return emit_fixed(s, v, Pm4PacketKind::kDmaData, m);
}

// ---------------------------------------------------------------------------------------------
// Dispatch setup.

namespace {

Status encode_dispatch_setup(Pm4Variant v, const Pm4DispatchSetup& d, std::vector<uint32_t>& out) {
  if ((d.code_address & 0xFFu) != 0 || d.code_address >= (1ull << 48)) {
    return invalid_argument(fmt::format(
        "dispatch setup: field code_address = {:#x} must be 256-byte aligned and below 2^48 "
        "(COMPUTE_PGM_LO/HI hold address >> 8, PGM_HI is 8 bits)",
        d.code_address));
  }
  for (size_t i = 0; i < 3; ++i) {
    if (d.workgroup_size[i] == 0 || d.workgroup_size[i] > 1024) {
      return invalid_argument(
          fmt::format("dispatch setup: field workgroup_size[{}] = {} is outside [1, 1024]", i,
                      d.workgroup_size[i]));
    }
  }
  if (d.user_data.size() > kComputeUserDataRegs) {
    return invalid_argument(fmt::format(
        "dispatch setup: field user_data has {} dwords; COMPUTE_USER_DATA_0..15 hold {}",
        d.user_data.size(), kComputeUserDataRegs));
  }
  const uint64_t pgm = d.code_address >> 8;
  const uint32_t pgm_lohi[] = {static_cast<uint32_t>(pgm), static_cast<uint32_t>(pgm >> 32)};
  const uint32_t rsrc12[] = {d.pgm_rsrc1, d.pgm_rsrc2};
  const uint32_t start_threads[] = {d.start[0],          d.start[1],          d.start[2],
                                    d.workgroup_size[0], d.workgroup_size[1], d.workgroup_size[2]};
  static_assert(kRegComputeNumThreadX == kRegComputeStartX + 3, "START and NUM_THREAD adjoin");
  AMDHAL_RETURN_IF_ERROR(append_set_sh_reg(out, v, kRegComputePgmLo, pgm_lohi));
  AMDHAL_RETURN_IF_ERROR(append_set_sh_reg(out, v, kRegComputePgmRsrc1, rsrc12));
  AMDHAL_RETURN_IF_ERROR(
      append_set_sh_reg(out, v, pm4_compute_regs(v).pgm_rsrc3, std::span(&d.pgm_rsrc3, 1)));
  AMDHAL_RETURN_IF_ERROR(
      append_set_sh_reg(out, v, kRegComputeTmpringSize, std::span(&d.tmpring_size, 1)));
  AMDHAL_RETURN_IF_ERROR(append_set_sh_reg(out, v, kRegComputeRestartX, d.restart));
  if (!d.user_data.empty()) {
    AMDHAL_RETURN_IF_ERROR(append_set_sh_reg(out, v, kRegComputeUserData0, d.user_data));
  }
  AMDHAL_RETURN_IF_ERROR(
      append_set_sh_reg(out, v, kRegComputeResourceLimits, std::span(&d.resource_limits, 1)));
  AMDHAL_RETURN_IF_ERROR(append_set_sh_reg(out, v, kRegComputeStartX, start_threads));
  return ok_status();
}

}  // namespace

size_t pm4_dispatch_setup_dwords(Pm4Variant v, const Pm4DispatchSetup& setup) {
  const auto sh = [&](size_t n) { return pm4_packet_dwords(v, Pm4PacketKind::kSetShReg, n); };
  size_t total = sh(2) + sh(2) + sh(1) + sh(1) + sh(3) + sh(1) + sh(6);
  if (!setup.user_data.empty()) total += sh(setup.user_data.size());
  return total;
}

Status emit_dispatch_setup(PacketStream& s, Pm4Variant v, const Pm4DispatchSetup& setup) {
  std::vector<uint32_t> buf;
  buf.reserve(pm4_dispatch_setup_dwords(v, setup));
  AMDHAL_RETURN_IF_ERROR(encode_dispatch_setup(v, setup, buf));
  return s.append(buf);  // one append: all packets or none
}

}  // namespace amdhal::packets
