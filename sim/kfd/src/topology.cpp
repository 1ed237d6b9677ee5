// The topology tree the virtual KFD publishes: CPU node 0 plus one GPU node per simulated device,
// in the format of the kernel's kfd_topology.c (node_show property order, mem_banks, io_links),
// with properties from the family registry.
#include <unistd.h>

#include <algorithm>
#include <set>
#include <thread>

#include "vkfd_internal.h"

namespace amdhal::sim::vkfd {
namespace {

uint64_t align_up(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

// kfd_topology.c kfd_generate_gpu_id hashes PCI and node properties into 16 bits; we hash our
// own node properties the same way (FNV-1a, folded), keeping ids non-zero and distinct.
uint32_t gpu_id_hash(uint32_t device_id, uint32_t location_id, uint32_t index) {
  uint64_t h = 1469598103934665603ull;
  for (uint32_t v : {device_id, location_id, index, 0x6b6664u}) {
    for (int i = 0; i < 4; ++i) {
      h ^= (v >> (8 * i)) & 0xFF;
      h *= 1099511628211ull;
    }
  }
  return static_cast<uint32_t>((h ^ (h >> 16) ^ (h >> 32) ^ (h >> 48)) & 0xFFFF);
}

// The same computation as kfd_queue.c kfd_queue_ctx_save_restore_size().
void size_queues(Gpu& g, uint32_t gfxv, uint32_t simd_count, uint32_t simd_per_cu,
                 uint32_t array_count, uint32_t arrays_per_engine, uint32_t lds_kb) {
  if (gfxv < 80001) return;
  const uint32_t cu_num = simd_count / simd_per_cu / g.num_xcc;
  const uint32_t wave_num =
      gfxv < 100100 ? std::min(cu_num * 40, array_count / arrays_per_engine * 512) : cu_num * 32;
  uint32_t vgpr = 0x40000;
  if (gfxv == 90402 || gfxv == 90010 || gfxv == 90008 || gfxv == 90500) {
    vgpr = 0x80000;
  } else if (gfxv == 110000 || gfxv == 110001 || gfxv == 120000 || gfxv == 120001) {
    vgpr = 0x60000;
  }
  const uint64_t per_cu =
      uint64_t{vgpr} + 0x4000 + (gfxv == 90500 ? lds_kb << 10 : 0x10000) + 0x1000;
  const auto wg_data = static_cast<uint32_t>(align_up(cu_num * per_cu, kPage));
  uint32_t ctl = wave_num * (gfxv >= 100100 ? 12u : 8u) + 8;
  ctl = static_cast<uint32_t>(align_up(40 + ctl, kPage));
  if (gfxv / 10000 * 10000 == 100000) ctl = std::min<uint32_t>(ctl, 0x7000);
  g.ctl_stack_size = ctl;
  g.debug_memory_size = static_cast<uint32_t>(align_up(uint64_t{wave_num} * 32, 64));
  g.cwsr_size = ctl + wg_data;
  g.eop_buffer_size = gfxv == 80002 ? 0x8000 : 4096;
}

TopologyProperties node_properties(const std::vector<std::pair<const char*, uint64_t>>& kv) {
  TopologyProperties p;
  for (const auto& [k, v] : kv) p.set(k, v);
  return p;
}

TopologyLink link(uint32_t index, uint32_t type, uint32_t from, uint32_t to, uint32_t weight,
                  uint32_t min_bw, uint32_t max_bw) {
  TopologyLink l;
  l.index = index;
  l.type = type;
  l.node_from = from;
  l.node_to = to;
  l.weight = weight;
  l.min_bandwidth = min_bw;
  l.max_bandwidth = max_bw;
  l.flags = kIoLinkFlagEnabled;
  return l;
}

// The data caches a GPU node publishes. The kernel (kfd_crat.c kfd_fill_gpu_cache_info with the
// per-ASIC tables such as aldebaran_cache_info / gc_9_4_3_cache_info, and kfd_topology.c
// kfd_cache_show) writes one entry per cache instance; the virtual KFD writes one entry per
// level (the first L1 instance and the shared L2/L3), which is what libhsakmt
// (topology.c topology_sysfs_get_cache_props) and ROCr (amd_gpu_agent.cpp InitCacheList: at least
// one cache with the HSACU bit and without the Instruction bit, else "GPU cache info missing")
// need. Sizes in KiB, from the CDNA/RDNA product documentation and those kernel tables.
struct CacheLevels {
  uint32_t l1_kb, l1_line, l2_kb, l2_line, l3_kb;
};
CacheLevels cache_levels(const GpuFamily& fam) {
  if (fam.name == "gfx90a") return {16, 64, 8192, 128, 0};        // MI210: 16 KB TCP, 8 MB L2
  if (fam.name == "gfx942") return {32, 128, 4096, 128, 262144};  // MI300X: 256 MB MALL
  if (fam.name == "gfx1030") return {16, 128, 4096, 128, 131072};
  if (fam.name == "gfx1100") return {32, 128, 6144, 128, 98304};
  if (fam.name == "gfx1201") return {32, 128, 8192, 128, 65536};
  return {32, 128, 4096, 128, 32768};
}

std::vector<TopologyCache> gpu_caches(const GpuFamily& fam, uint32_t cus, uint32_t simd_id_base) {
  const CacheLevels c = cache_levels(fam);
  std::vector<TopologyCache> out;
  auto add = [&](uint32_t level, uint32_t kb, uint32_t line, uint32_t assoc, bool shared) {
    TopologyCache cache;
    cache.index = static_cast<uint32_t>(out.size());
    cache.processor_id_low = simd_id_base;
    cache.level = level;
    cache.size = kb;
    cache.cache_line_size = line;
    cache.cache_lines_per_tag = 1;
    cache.association = assoc;
    cache.type = kCacheTypeData | kCacheTypeHsaCu;
    cache.sibling_map.assign(cus, 0);
    if (shared) {
      std::fill(cache.sibling_map.begin(), cache.sibling_map.end(), 1);
    } else if (cus > 0) {
      cache.sibling_map[0] = 1;
    }
    out.push_back(std::move(cache));
  };
  add(1, c.l1_kb, c.l1_line, 0, false);
  add(2, c.l2_kb, c.l2_line, 16, true);
  if (c.l3_kb != 0) add(3, c.l3_kb, 64, 16, true);
  return out;
}

// HSA_CAP_* bits of the node's `capability` (kernel kfd_topology.h; libhsakmt
// hsakmttypes.h HSA_CAPABILITY). The kernel sets DoorbellType 2 for every GFX9+ GPU
// (kfd_topology.c kfd_topology_add_device: HSA_CAP_DOORBELL_TYPE_2_0); ROCr's AQL queues rely on
// it (64-bit doorbell holding the write index). Watch points and the EDC/RAS bits are those of
// an MI2xx/MI3xx part with RAS enabled.
constexpr uint64_t kCapWatchPointsSupported = 0x80;
constexpr uint64_t kCapWatchPointsTotalBits2 = 2u << 8;  // 4 watch points
constexpr uint64_t kCapDoorbellType2 = 2u << 12;
constexpr uint64_t kCapSramEdc = 0x04000000;  // bit 19 is the deprecated copy that must stay 0
constexpr uint64_t kCapMemEdc = 0x100000;
constexpr uint64_t kCapRasEventNotify = 0x200000;

uint64_t gpu_capability(const GpuFamily& fam) {
  uint64_t cap = kCapWatchPointsSupported | kCapWatchPointsTotalBits2 | kCapDoorbellType2;
  if (fam.supports_sramecc) cap |= kCapSramEdc | kCapMemEdc | kCapRasEventNotify;
  return cap;
}

}  // namespace

Topology build_topology(System& system, uint64_t vram_heap, bool large_bar,
                        std::vector<Gpu>& gpus) {
  Topology topo;
  topo.generation_id = 1;
  topo.system_properties.set("platform_oem", 0x414d4448414c);  // "AMDHAL"
  topo.system_properties.set("platform_id", 0x53494d);         // "SIM"
  topo.system_properties.set("platform_rev", 1);

  const size_t n = system.device_count();
  const bool xgmi = n > 1 && system.device(0).family().sdma_xgmi_engines > 0;
  const uint64_t hive_id = xgmi ? 0x5349'4d48'4956'4501ull : 0;

  TopologyNode cpu;
  cpu.index = 0;
  const auto cores = std::max(1u, std::thread::hardware_concurrency());
  cpu.properties = node_properties({{"cpu_cores_count", cores},
                                    {"simd_count", 0},
                                    {"mem_banks_count", 1},
                                    {"caches_count", 0},
                                    {"io_links_count", n},
                                    {"p2p_links_count", 0},
                                    {"cpu_core_id_base", 0},
                                    {"simd_id_base", 0},
                                    {"max_waves_per_simd", 0},
                                    {"lds_size_in_kb", 0},
                                    {"gds_size_in_kb", 0},
                                    {"num_gws", 0},
                                    {"wave_front_size", 0},
                                    {"array_count", 0},
                                    {"simd_arrays_per_engine", 0},
                                    {"cu_per_simd_array", 0},
                                    {"simd_per_cu", 0},
                                    {"max_slots_scratch_cu", 0},
                                    {"gfx_target_version", 0},
                                    {"vendor_id", 0},
                                    {"device_id", 0},
                                    {"location_id", 0},
                                    {"domain", 0},
                                    {"drm_render_minor", 0},
                                    {"hive_id", 0},
                                    {"num_sdma_engines", 0},
                                    {"num_sdma_xgmi_engines", 0},
                                    {"num_sdma_queues_per_engine", 0},
                                    {"num_cp_queues", 0},
                                    {"max_engine_clk_ccompute", 3000}});
  TopologyMemBank sysmem;
  sysmem.heap_type = kHeapTypeSystem;
  sysmem.size_in_bytes =
      static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  sysmem.width = 64;
  cpu.mem_banks.push_back(sysmem);
  for (uint32_t i = 0; i < n; ++i) {
    cpu.io_links.push_back(link(i, kIoLinkTypePcie, 0, i + 1, 20, 250, 31508));
  }
  topo.cpu_nodes.push_back(std::move(cpu));

  gpus.clear();
  std::set<uint32_t> used_ids;
  for (uint32_t i = 0; i < n; ++i) {
    Device& dev = system.device(i);
    const GpuFamily& fam = dev.family();
    const bool gfx9 = fam.pm4 == Pm4Variant::kGfx9;
    const uint32_t cus = std::max(1u, fam.compute_units);
    const uint32_t simd_per_cu = gfx9 ? 4 : 2;
    // CDNA2 (gfx90a): 8 shader engines of one array with up to 14 CUs (112 on the die, 104 enabled
    // on an MI210), as rocminfo shows on that part; other GFX9 parts: arrays of 10 CUs.
    const bool cdna2 = fam.name == "gfx90a";
    const uint32_t cu_per_array = cdna2 ? 14 : gfx9 ? 10 : 8;
    const uint32_t array_count = cdna2 ? 8 : (cus + cu_per_array - 1) / cu_per_array;
    const uint32_t arrays_per_engine = gfx9 ? 1 : 2;
    const uint32_t lds_kb = std::max(1u, fam.lds_bytes / 1024);
    const uint32_t device_id = fam.pci_device_ids.empty() ? 0 : fam.pci_device_ids.front();
    const uint32_t location_id = (0x03 + i) << 8;  // bus 3+i, device 0, function 0

    Gpu g;
    g.index = i;
    g.device = &dev;
    g.render_minor = 128 + i;
    g.num_xcc = 1;
    g.sdma_engines = fam.sdma_engines;
    g.sdma_xgmi_engines = fam.sdma_xgmi_engines;
    g.sdma_queue_count.assign(std::max<uint32_t>(1, fam.sdma_engines + fam.sdma_xgmi_engines), 0);
    g.doorbell_used.assign(Device::kDoorbellSlots, false);
    uint32_t id = gpu_id_hash(device_id, location_id, i);
    while (id == 0 || used_ids.count(id) != 0) id = (id + 1) & 0xFFFF;
    used_ids.insert(id);
    g.gpu_id = id;
    size_queues(g, fam.gfx_target_version, cus * simd_per_cu, simd_per_cu, array_count,
                arrays_per_engine, lds_kb);

    const uint32_t simd_id_base = 0x80001000u + i * 0x1000u;
    std::vector<TopologyCache> caches = gpu_caches(fam, cus, simd_id_base);
    TopologyNode node;
    node.index = i + 1;
    node.gpu_id = id;
    node.name = std::string(fam.name);
    const uint32_t link_count = 1 + (xgmi ? static_cast<uint32_t>(n - 1) : 0);
    node.properties =
        node_properties({{"cpu_cores_count", 0},
                         {"simd_count", cus * simd_per_cu},
                         {"mem_banks_count", 1},
                         {"caches_count", caches.size()},
                         {"io_links_count", link_count},
                         {"p2p_links_count", 0},
                         {"cpu_core_id_base", 0},
                         {"simd_id_base", simd_id_base},
                         {"max_waves_per_simd", fam.max_waves_per_simd},
                         {"lds_size_in_kb", lds_kb},
                         {"gds_size_in_kb", 0},
                         {"num_gws", gfx9 ? 64 : 0},
                         {"wave_front_size", fam.default_wave_size},
                         {"array_count", array_count},
                         {"simd_arrays_per_engine", arrays_per_engine},
                         {"cu_per_simd_array", cu_per_array},
                         {"simd_per_cu", simd_per_cu},
                         {"max_slots_scratch_cu", 32},
                         {"gfx_target_version", fam.gfx_target_version},
                         {"vendor_id", 0x1002},
                         {"device_id", device_id},
                         {"location_id", location_id},
                         {"domain", 0},
                         {"drm_render_minor", g.render_minor},
                         {"hive_id", hive_id},
                         {"num_sdma_engines", fam.sdma_engines},
                         {"num_sdma_xgmi_engines", fam.sdma_xgmi_engines},
                         {"num_sdma_queues_per_engine", g.sdma_queues_per_engine},
                         {"num_cp_queues", 24},
                         {"max_engine_clk_fcompute", cdna2 ? 1700 : 2100},  // MI210: 1700 MHz
                         {"local_mem_size", 0},
                         // fw_version: MEC firmware version (low 10 bits, ROCr's
                         // EngineId.ui32.uCode); a value of the shipped gfx90a firmware.
                         {"fw_version", 78},
                         {"capability", gpu_capability(fam)},
                         {"debug_prop", 0},
                         {"sdma_fw_version", 1},
                         {"unique_id", 0x53494d0000000000ull | (uint64_t{i} << 16) | id},
                         {"num_xcc", 1},
                         {"max_engine_clk_ccompute", 3000}});
    TopologyMemBank vram;
    vram.heap_type = large_bar ? kHeapTypeFbPublic : kHeapTypeFbPrivate;
    vram.size_in_bytes = vram_heap;
    vram.width = 4096;
    vram.mem_clk_max = 1300;
    node.mem_banks.push_back(vram);
    node.caches = std::move(caches);
    node.io_links.push_back(link(0, kIoLinkTypePcie, i + 1, 0, 20, 250, 31508));
    if (xgmi) {
      uint32_t li = 1;
      for (uint32_t j = 0; j < n; ++j) {
        if (j == i) continue;
        node.io_links.push_back(link(li++, kIoLinkTypeXgmi, i + 1, j + 1, 15, 64000, 64000));
      }
    }
    topo.gpu_nodes.push_back(std::move(node));
    gpus.push_back(std::move(g));
  }
  return topo;
}

}  // namespace amdhal::sim::vkfd
