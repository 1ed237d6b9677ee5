// Text forms of the queue inspection types (QueueSnapshot, QueueType) declared in device.h.
#include <fmt/format.h>

#include "amdhal_sim/device.h"

namespace amdhal::sim {

std::string_view queue_type_name(QueueType t) {
  switch (t) {
    case QueueType::kPm4:
      return "pm4";
    case QueueType::kAql:
      return "aql";
    case QueueType::kSdma:
      return "sdma";
  }
  return "unknown";
}

std::string QueueSnapshot::to_string() const {
  const std::string_view unit = type == QueueType::kPm4   ? "dwords"
                                : type == QueueType::kAql ? "packets"
                                                          : "bytes";
  const std::string_view state = hung ? "HUNG" : active ? "active" : "idle";
  std::string out = fmt::format(
      "queue {} '{}' ({}): {}, rptr {:#x} wptr {:#x} ({}), {} packets executed", id, name,
      queue_type_name(type), state, read_pointer, write_pointer, unit, packets_executed);
  if (hung) out += fmt::format("\n  hang: {}", hang_reason);
  if (!recent.empty()) {
    out += fmt::format("\n  last {} packets (oldest first):", recent.size());
    for (const auto& p : recent) out += fmt::format("\n    {}", packets::format_packet(p));
  }
  return out;
}

}  // namespace amdhal::sim
