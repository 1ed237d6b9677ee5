// Private: the field layout of the KFD topology files, shared by the parser and the writer.
//
// Key names and their order are those printed by the kernel's
// drivers/gpu/drm/amd/amdkfd/kfd_topology.c (mem_show, kfd_cache_show, iolink_show, node_show).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "amdhal/topology.h"

namespace amdhal::topology_detail {

/// One known "key value" line of a fixed-layout file, bound to a uint32_t/uint64_t member.
template <typename T>
struct Field {
  std::string_view key;
  uint32_t T::*u32 = nullptr;  ///< set for 32-bit fields (kernel prints "%u")
  uint64_t T::*u64 = nullptr;  ///< set for 64-bit fields (kernel prints "%llu")
};

// mem_show: heap_type, size_in_bytes (64-bit), flags, width, mem_clk_max.
inline constexpr std::array<Field<TopologyMemBank>, 5> kMemBankFields = {{
    {"heap_type", &TopologyMemBank::heap_type, nullptr},
    {"size_in_bytes", nullptr, &TopologyMemBank::size_in_bytes},
    {"flags", &TopologyMemBank::flags, nullptr},
    {"width", &TopologyMemBank::width, nullptr},
    {"mem_clk_max", &TopologyMemBank::mem_clk_max, nullptr},
}};

// kfd_cache_show: these eight, then "sibling_map 1,0,...", which is not a number.
inline constexpr std::array<Field<TopologyCache>, 8> kCacheFields = {{
    {"processor_id_low", &TopologyCache::processor_id_low, nullptr},
    {"level", &TopologyCache::level, nullptr},
    {"size", &TopologyCache::size, nullptr},
    {"cache_line_size", &TopologyCache::cache_line_size, nullptr},
    {"cache_lines_per_tag", &TopologyCache::cache_lines_per_tag, nullptr},
    {"association", &TopologyCache::association, nullptr},
    {"latency", &TopologyCache::latency, nullptr},
    {"type", &TopologyCache::type, nullptr},
}};
inline constexpr std::string_view kSiblingMapKey = "sibling_map";

// iolink_show (used for both io_links and p2p_links).
inline constexpr std::array<Field<TopologyLink>, 12> kLinkFields = {{
    {"type", &TopologyLink::type, nullptr},
    {"version_major", &TopologyLink::version_major, nullptr},
    {"version_minor", &TopologyLink::version_minor, nullptr},
    {"node_from", &TopologyLink::node_from, nullptr},
    {"node_to", &TopologyLink::node_to, nullptr},
    {"weight", &TopologyLink::weight, nullptr},
    {"min_latency", &TopologyLink::min_latency, nullptr},
    {"max_latency", &TopologyLink::max_latency, nullptr},
    {"min_bandwidth", &TopologyLink::min_bandwidth, nullptr},
    {"max_bandwidth", &TopologyLink::max_bandwidth, nullptr},
    {"recommended_transfer_size", &TopologyLink::recommended_transfer_size, nullptr},
    {"flags", &TopologyLink::flags, nullptr},
}};

// node_show prints many more keys, and which ones depends on the kernel version and on whether
// the node has a GPU. These have been printed for every node since the first KFD release;
// max_engine_clk_ccompute is always the last line, so its absence means a truncated file.
inline constexpr std::array<std::string_view, 6> kRequiredNodeKeys = {
    "cpu_cores_count", "simd_count",     "mem_banks_count",
    "caches_count",    "io_links_count", "max_engine_clk_ccompute",
};
// Printed for GPU nodes by every kernel that knows the GPUs amdhal supports.
inline constexpr std::array<std::string_view, 6> kRequiredGpuNodeKeys = {
    "simd_per_cu", "gfx_target_version", "vendor_id",
    "device_id",   "location_id",        "drm_render_minor",
};

// File and directory names.
inline constexpr std::string_view kGenerationIdFile = "generation_id";
inline constexpr std::string_view kSystemPropertiesFile = "system_properties";
inline constexpr std::string_view kNodesDir = "nodes";
inline constexpr std::string_view kGpuIdFile = "gpu_id";
inline constexpr std::string_view kNameFile = "name";
inline constexpr std::string_view kPropertiesFile = "properties";
inline constexpr std::string_view kMemBanksDir = "mem_banks";
inline constexpr std::string_view kCachesDir = "caches";
inline constexpr std::string_view kIoLinksDir = "io_links";
inline constexpr std::string_view kP2pLinksDir = "p2p_links";

}  // namespace amdhal::topology_detail
