// SDMA decoder: turns a dword stream back into named fields with the builders' tables
// (packets/sdma_tables.h). Never reads past the input; problems become records with `error`.
#include <fmt/format.h>

#include "amdhal/packets/sdma.h"
#include "packets/sdma_tables.h"

namespace amdhal::packets {

using namespace sdma_detail;

namespace {

uint64_t extract(const FieldSpec& f, std::span<const uint32_t> pkt) {
  if (f.kind == FieldKind::kU64) {
    return static_cast<uint64_t>(pkt[f.dword]) | (static_cast<uint64_t>(pkt[f.dword + 1]) << 32);
  }
  const uint64_t mask = f.width >= 32 ? 0xffffffffull : ((uint64_t{1} << f.width) - 1);
  return (pkt[f.dword] >> f.shift) & mask;
}

/// The last dword index a field touches.
size_t last_dword(const FieldSpec& f) {
  return f.kind == FieldKind::kU64 ? f.dword + 1u : f.dword;
}

}  // namespace

std::vector<DecodedPacket> decode_sdma(SdmaVariant variant, std::span<const uint32_t> dwords) {
  std::vector<DecodedPacket> out;
  if (variant_index(variant) >= kSdmaTraits.size()) {
    DecodedPacket p;
    p.name = "UNKNOWN";
    p.dwords = dwords.size();
    p.error = fmt::format("unknown SDMA variant {} at dword offset 0",
                          static_cast<unsigned>(static_cast<uint8_t>(variant)));
    out.push_back(std::move(p));
    return out;
  }
  const auto layouts = packet_layouts(variant);

  size_t pos = 0;
  while (pos < dwords.size()) {
    const uint32_t header = dwords[pos];
    const uint32_t op = header & 0xffu;
    const uint32_t sub_op = (header >> 8) & 0xffu;
    const size_t remaining = dwords.size() - pos;

    DecodedPacket p;
    p.offset = pos;
    p.opcode = op | (sub_op << 8);

    const PacketLayout* layout = nullptr;
    for (const auto& l : layouts) {
      if (l.op == op && l.sub_op == sub_op) {
        layout = &l;
        break;
      }
    }
    if (layout == nullptr) {
      p.name = "UNKNOWN";
      p.dwords = 1;
      p.fields = {{"op", op}, {"sub_op", sub_op}};
      p.error =
          fmt::format("unknown SDMA opcode op={} sub_op={} at dword offset {}", op, sub_op, pos);
      out.push_back(std::move(p));
      pos += 1;
      continue;
    }
    p.name = std::string(layout->name);

    // Packet length: fixed, or fixed + (length field + bias) for NOP and WRITE_LINEAR.
    uint64_t length = layout->fixed_dwords;
    if (layout->length_field >= 0) {
      const FieldSpec& lf = layout->fields[static_cast<size_t>(layout->length_field)];
      if (last_dword(lf) >= remaining) {
        p.dwords = remaining;
        p.error = fmt::format(
            "truncated {} at dword offset {}: its length field is in dword {}, only {} dwords "
            "remain",
            layout->name, pos, last_dword(lf), remaining);
        out.push_back(std::move(p));
        break;
      }
      length += extract(lf, dwords.subspan(pos)) + layout->length_bias;
    }
    if (length > remaining) {
      p.dwords = remaining;
      p.error = fmt::format("truncated {} at dword offset {}: needs {} dwords, only {} remain",
                            layout->name, pos, length, remaining);
      out.push_back(std::move(p));
      break;
    }

    const auto pkt = dwords.subspan(pos, static_cast<size_t>(length));
    for (const FieldSpec& f : layout->fields) {
      if (f.kind == FieldKind::kBits && f.width == 0) continue;  // not on this generation
      if (last_dword(f) >= pkt.size()) continue;                 // beyond this packet's size
      p.fields.push_back({std::string(f.name), extract(f, pkt)});
    }
    if (layout->kind == PacketKind::kWriteLinear) {
      const auto data = pkt.subspan(layout->fixed_dwords);
      for (size_t i = 0; i < data.size() && i < kSdmaDecodeMaxDataFields; ++i) {
        p.fields.push_back({fmt::format("data_{}", i), data[i]});
      }
    }
    p.dwords = static_cast<size_t>(length);
    out.push_back(std::move(p));
    pos += static_cast<size_t>(length);
  }
  return out;
}

}  // namespace amdhal::packets
