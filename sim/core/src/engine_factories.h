// Private: constructors of the three queue engines (one per QueueType), for QueueEngine::create.
#pragma once

#include <cstdint>
#include <memory>

#include "queue_engine.h"

namespace amdhal::sim {

std::unique_ptr<QueueEngine> make_pm4_engine(Device& device, uint32_t id, const QueueDesc& desc);
std::unique_ptr<QueueEngine> make_aql_engine(Device& device, uint32_t id, const QueueDesc& desc);
std::unique_ptr<QueueEngine> make_sdma_engine(Device& device, uint32_t id, const QueueDesc& desc);

/// Ring units of a queue type in bytes (PM4 dwords, AQL packets, SDMA bytes).
uint64_t queue_unit_bytes(QueueType type);

/// `(value & mask) <function> reference` with the WAIT_REG_MEM / POLL_REGMEM function encoding
/// (0 always, 1 <, 2 <=, 3 ==, 4 !=, 5 >=, 6 >; 7 is reserved: never true).
bool compare_function(uint32_t function, uint64_t value, uint64_t mask, uint64_t reference);

}  // namespace amdhal::sim
