// Names of the small enums of the public API.
#include "amdhal/buffer.h"
#include "amdhal/queue.h"

namespace amdhal {

std::string_view memory_domain_name(MemoryDomain d) {
  switch (d) {
    case MemoryDomain::kVram:
      return "vram";
    case MemoryDomain::kGtt:
      return "gtt";
    case MemoryDomain::kHost:
      return "host";
  }
  return "unknown";
}

std::string_view queue_kind_name(QueueKind k) {
  switch (k) {
    case QueueKind::kCompute:
      return "compute";
    case QueueKind::kComputeAql:
      return "aql";
    case QueueKind::kSdma:
      return "sdma";
    case QueueKind::kSdmaXgmi:
      return "sdma-xgmi";
  }
  return "unknown";
}

}  // namespace amdhal
