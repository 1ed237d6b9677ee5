// KFD topology: the tree the Linux KFD driver exposes at /sys/devices/virtual/kfd/kfd/topology
// (generation_id, system_properties, nodes/N/{gpu_id,name,properties,mem_banks,caches,io_links,
// p2p_links}), parsed into plain structs, and written back in the same format.
//
// The format is the one printed by the kernel's drivers/gpu/drm/amd/amdkfd/kfd_topology.c
// (node_show, mem_show, kfd_cache_show, iolink_show, sysprops_show): one "key value\n" line per
// property, values as unsigned decimal numbers. Constants below come from the kernel's
// include/uapi/linux/kfd_sysfs.h. See docs/topology.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "amdhal/status.h"

namespace amdhal {

/// Heap types of a memory bank (HSA_MEM_HEAP_TYPE_* in kfd_sysfs.h).
inline constexpr uint32_t kHeapTypeSystem = 0;
inline constexpr uint32_t kHeapTypeFbPublic = 1;   ///< VRAM visible to the CPU (large BAR)
inline constexpr uint32_t kHeapTypeFbPrivate = 2;  ///< VRAM not visible to the CPU
inline constexpr uint32_t kHeapTypeGpuGds = 3;
inline constexpr uint32_t kHeapTypeGpuLds = 4;
inline constexpr uint32_t kHeapTypeGpuScratch = 5;

/// Cache type bits (HSA_CACHE_TYPE_* in kfd_sysfs.h).
inline constexpr uint32_t kCacheTypeData = 0x1;
inline constexpr uint32_t kCacheTypeInstruction = 0x2;
inline constexpr uint32_t kCacheTypeCpu = 0x4;
inline constexpr uint32_t kCacheTypeHsaCu = 0x8;

/// IO link types (HSA_IOLINK_TYPE_* in kfd_sysfs.h, same values as CRAT_IOLINK_TYPE_*).
inline constexpr uint32_t kIoLinkTypeUndefined = 0;
inline constexpr uint32_t kIoLinkTypeHyperTransport = 1;
inline constexpr uint32_t kIoLinkTypePcie = 2;
inline constexpr uint32_t kIoLinkTypeQpi = 5;
inline constexpr uint32_t kIoLinkTypeXgmi = 11;

/// IO link flag bits (HSA_IOLINK_FLAGS_* in kfd_sysfs.h).
inline constexpr uint32_t kIoLinkFlagEnabled = 1u << 0;
inline constexpr uint32_t kIoLinkFlagNonCoherent = 1u << 1;
inline constexpr uint32_t kIoLinkFlagNoAtomics32 = 1u << 2;
inline constexpr uint32_t kIoLinkFlagNoAtomics64 = 1u << 3;
inline constexpr uint32_t kIoLinkFlagNoPeerToPeerDma = 1u << 4;

/// The "key value" lines of one properties file, in file order. Order is kept so that a
/// written tree matches the kernel's byte for byte; look-ups are linear (files are short).
class TopologyProperties {
 public:
  using Entry = std::pair<std::string, uint64_t>;

  /// The value of `key`, or nullopt if the file has no such line.
  std::optional<uint64_t> find(std::string_view key) const;
  /// The value of `key`, or `fallback` if absent.
  uint64_t get(std::string_view key, uint64_t fallback = 0) const;
  bool contains(std::string_view key) const { return find(key).has_value(); }
  /// Replaces the value of `key` in place, or appends a new line at the end.
  void set(std::string_view key, uint64_t value);
  /// Removes `key`; returns whether it was present.
  bool erase(std::string_view key);

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

  friend bool operator==(const TopologyProperties&, const TopologyProperties&) = default;

 private:
  std::vector<Entry> entries_;
};

/// One memory bank: nodes/N/mem_banks/M/properties.
struct TopologyMemBank {
  uint32_t index = 0;  ///< M
  uint32_t heap_type = kHeapTypeSystem;
  uint64_t size_in_bytes = 0;
  uint32_t flags = 0;
  uint32_t width = 0;        ///< bus width in bits
  uint32_t mem_clk_max = 0;  ///< MHz
  TopologyProperties extra;  ///< lines this version of amdhal does not know, kept for writing

  /// Frame-buffer (VRAM) heap, public or private.
  bool is_vram() const { return heap_type == kHeapTypeFbPublic || heap_type == kHeapTypeFbPrivate; }

  friend bool operator==(const TopologyMemBank&, const TopologyMemBank&) = default;
};

/// One cache: nodes/N/caches/C/properties.
struct TopologyCache {
  uint32_t index = 0;  ///< C
  uint32_t processor_id_low = 0;
  uint32_t level = 0;
  uint32_t size = 0;  ///< KiB
  uint32_t cache_line_size = 0;
  uint32_t cache_lines_per_tag = 0;
  uint32_t association = 0;
  uint32_t latency = 0;
  uint32_t type = 0;                 ///< kCacheType* bits
  std::vector<uint8_t> sibling_map;  ///< one 0/1 entry per processor, as printed ("1,0,0,...")
  TopologyProperties extra;

  friend bool operator==(const TopologyCache&, const TopologyCache&) = default;
};

/// One link: nodes/N/io_links/L/properties or nodes/N/p2p_links/L/properties.
struct TopologyLink {
  uint32_t index = 0;  ///< L
  uint32_t type = kIoLinkTypeUndefined;
  uint32_t version_major = 0;
  uint32_t version_minor = 0;
  uint32_t node_from = 0;  ///< node index (proximity domain) the link starts at
  uint32_t node_to = 0;    ///< node index the link goes to
  uint32_t weight = 0;     ///< NUMA-style distance; smaller is closer
  uint32_t min_latency = 0;
  uint32_t max_latency = 0;
  uint32_t min_bandwidth = 0;  ///< MB/s
  uint32_t max_bandwidth = 0;  ///< MB/s
  uint32_t recommended_transfer_size = 0;
  uint32_t flags = 0;  ///< kIoLinkFlag* bits
  TopologyProperties extra;

  bool is_xgmi() const { return type == kIoLinkTypeXgmi; }
  bool is_pcie() const { return type == kIoLinkTypePcie; }

  friend bool operator==(const TopologyLink&, const TopologyLink&) = default;
};

/// One node: nodes/N. A CPU socket (gpu_id 0) or a GPU (or an APU: both cores and SIMDs).
struct TopologyNode {
  uint32_t index = 0;             ///< N
  uint32_t gpu_id = 0;            ///< KFD's id for ioctls; 0 for CPU nodes
  std::string name;               ///< contents of `name` without the newline ("" for CPUs)
  TopologyProperties properties;  ///< every line of `properties`, in file order
  std::vector<TopologyMemBank> mem_banks;
  std::vector<TopologyCache> caches;
  std::vector<TopologyLink> io_links;
  std::vector<TopologyLink> p2p_links;

  bool is_gpu() const { return gpu_id != 0; }

  /// Any property by name, `fallback` if absent.
  uint64_t property(std::string_view key, uint64_t fallback = 0) const {
    return properties.get(key, fallback);
  }

  uint32_t gfx_target_version() const { return u32("gfx_target_version"); }
  /// LLVM target name from gfx_target_version ("gfx942", "gfx90a"); "" for CPU nodes.
  std::string gfx_target() const;
  uint32_t cpu_cores_count() const { return u32("cpu_cores_count"); }
  uint32_t simd_count() const { return u32("simd_count"); }
  uint32_t simd_per_cu() const { return u32("simd_per_cu"); }
  /// Compute units: simd_count / simd_per_cu (0 if simd_per_cu is 0).
  uint32_t compute_units() const;
  uint32_t max_waves_per_simd() const { return u32("max_waves_per_simd"); }
  uint32_t wave_front_size() const { return u32("wave_front_size"); }
  uint32_t lds_size_in_kb() const { return u32("lds_size_in_kb"); }
  uint32_t num_sdma_engines() const { return u32("num_sdma_engines"); }
  uint32_t num_sdma_xgmi_engines() const { return u32("num_sdma_xgmi_engines"); }
  uint32_t num_cp_queues() const { return u32("num_cp_queues"); }
  /// Accelerated compute complexes (XCCs); 1 when the kernel does not print num_xcc.
  uint32_t num_xcc() const { return u32("num_xcc", 1); }
  uint32_t drm_render_minor() const { return u32("drm_render_minor"); }
  /// "/dev/dri/renderD<minor>" for GPU nodes, "" for CPU nodes.
  std::string render_node_path() const;
  uint32_t vendor_id() const { return u32("vendor_id"); }
  uint32_t device_id() const { return u32("device_id"); }
  /// PCI location: bus << 8 | device << 3 | function.
  uint32_t location_id() const { return u32("location_id"); }
  uint32_t domain() const { return u32("domain"); }
  /// PCI address "0000:03:00.0" from domain and location_id; "" for CPU nodes.
  std::string pci_bdf() const;
  uint64_t hive_id() const { return property("hive_id"); }
  uint64_t unique_id() const { return property("unique_id"); }
  /// local_mem_size exactly as printed; current kernels print 0 here (see vram_bytes()).
  uint64_t local_mem_size() const { return property("local_mem_size"); }
  /// VRAM bytes: sum of the frame-buffer mem banks, else local_mem_size.
  uint64_t vram_bytes() const;
  /// Number of XGMI io_links.
  size_t xgmi_link_count() const;

  friend bool operator==(const TopologyNode&, const TopologyNode&) = default;

 private:
  uint32_t u32(std::string_view key, uint64_t fallback = 0) const {
    return static_cast<uint32_t>(properties.get(key, fallback));
  }
};

/// The whole tree. CPU and GPU nodes are kept apart, each list in node-index order.
struct Topology {
  uint64_t generation_id = 0;
  TopologyProperties system_properties;  ///< platform_oem, platform_id, platform_rev
  std::vector<TopologyNode> cpu_nodes;   ///< gpu_id == 0
  std::vector<TopologyNode> gpu_nodes;   ///< gpu_id != 0
  /// Nodes whose files this process may not read (the kernel answers EPERM for GPUs outside the
  /// device cgroup, e.g. in a container); they are skipped, as libhsakmt does.
  std::vector<uint32_t> inaccessible_nodes;

  /// The GPU node with this gpu_id; kNotFound naming the known ids otherwise.
  Expected<const TopologyNode*> find_gpu(uint32_t gpu_id) const;
  /// The CPU or GPU node with index N; kNotFound otherwise.
  Expected<const TopologyNode*> find_node(uint32_t index) const;
  /// CPU and GPU nodes together, in index order.
  std::vector<const TopologyNode*> all_nodes() const;
  size_t node_count() const { return cpu_nodes.size() + gpu_nodes.size(); }

  friend bool operator==(const Topology&, const Topology&) = default;
};

/// /sys/devices/virtual/kfd/kfd/topology.
std::filesystem::path default_topology_root();

/// Parses the tree at `root` (the directory holding generation_id and nodes/).
/// Errors: kNotFound if `root` does not exist; kDataLoss for a missing or malformed file inside
/// it, with a message naming the file and, where there is one, the line ("path:3: ...");
/// kPermissionDenied if a file outside a GPU node cannot be read.
/// Empty subdirectories (mem_banks/, io_links/, ...) may be absent.
Expected<Topology> parse_topology(const std::filesystem::path& root);

/// Writes `topology` under `root` in the kernel's format (files and line order as parse_topology
/// read them), so parse_topology(root) gives back an equal Topology. `root` must not exist or be
/// an empty directory (kFailedPrecondition otherwise); it is created with its parents.
/// kInvalidArgument if two nodes share an index.
Status write_topology(const Topology& topology, const std::filesystem::path& root);

}  // namespace amdhal
