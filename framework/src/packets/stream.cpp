#include "amdhal/packets/stream.h"

#include <algorithm>

#include <fmt/format.h>

namespace amdhal::packets {

Status PacketStream::append(std::span<const uint32_t> packet) {
  if (packet.size() > remaining()) {
    return resource_exhausted(fmt::format("packet of {} dwords does not fit: {} of {} dwords free",
                                          packet.size(), remaining(), capacity()));
  }
  std::copy(packet.begin(), packet.end(), storage_.begin() + static_cast<std::ptrdiff_t>(used_));
  used_ += packet.size();
  return ok_status();
}

}  // namespace amdhal::packets
