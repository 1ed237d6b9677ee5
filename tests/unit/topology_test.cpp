// KFD topology parser and writer: the two fixture trees (8x MI300X on two sockets, one RX 7900
// XTX desktop), broken copies of them made at test time, and the write/parse round trip.
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "amdhal/family.h"
#include "amdhal/topology.h"

namespace fs = std::filesystem;
using amdhal::parse_topology;
using amdhal::StatusCode;
using amdhal::Topology;
using amdhal::TopologyNode;
using amdhal::write_topology;
using ::testing::HasSubstr;

namespace {

const fs::path kFixtures = fs::path(AMDHAL_SOURCE_DIR) / "tests/fixtures/topology";
const fs::path kMi300x = kFixtures / "mi300x_8gpu";
const fs::path kRdna3 = kFixtures / "rdna3_desktop";

constexpr uint64_t kGiB = uint64_t{1} << 30;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/amdhal-topology-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    EXPECT_NE(made, nullptr);
    path_ = made != nullptr ? made : "/tmp";
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

// A writable copy of a fixture, to break one file of.
fs::path copy_fixture(const TempDir& tmp, const fs::path& fixture) {
  const fs::path dst = tmp.path() / "topology";
  fs::copy(fixture, dst, fs::copy_options::recursive);
  return dst;
}

// Replaces the whole line starting with `key ` in `file`.
void replace_line(const fs::path& file, const std::string& key, const std::string& replacement) {
  std::istringstream in(read_file(file));
  std::string out;
  std::string line;
  bool found = false;
  while (std::getline(in, line)) {
    if (line.rfind(key + " ", 0) == 0) {
      line = replacement;
      found = true;
    }
    out += line + "\n";
  }
  ASSERT_TRUE(found) << key << " not in " << file;
  write_file(file, out);
}

// Regular files under `root`, relative to it.
std::set<std::string> files_under(const fs::path& root) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) out.insert(fs::relative(e.path(), root).string());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The MI300X fixture.

TEST(TopologyMi300x, NodesAreSplitIntoCpusAndGpus) {
  auto t = parse_topology(kMi300x);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->generation_id, 9u);
  EXPECT_EQ(t->system_properties.get("platform_rev"), 1u);
  EXPECT_TRUE(t->system_properties.contains("platform_oem"));
  EXPECT_TRUE(t->system_properties.contains("platform_id"));
  ASSERT_EQ(t->cpu_nodes.size(), 2u);
  ASSERT_EQ(t->gpu_nodes.size(), 8u);
  EXPECT_EQ(t->node_count(), 10u);
  EXPECT_TRUE(t->inaccessible_nodes.empty());
  EXPECT_EQ(t->cpu_nodes[0].index, 0u);
  EXPECT_EQ(t->cpu_nodes[1].index, 1u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(t->gpu_nodes[i].index, i + 2);

  auto all = t->all_nodes();
  ASSERT_EQ(all.size(), 10u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i]->index, i);
}

TEST(TopologyMi300x, CpuNodes) {
  auto t = parse_topology(kMi300x);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  for (const TopologyNode& cpu : t->cpu_nodes) {
    EXPECT_FALSE(cpu.is_gpu());
    EXPECT_EQ(cpu.gpu_id, 0u);
    EXPECT_EQ(cpu.name, "");
    EXPECT_EQ(cpu.cpu_cores_count(), 192u);
    EXPECT_EQ(cpu.simd_count(), 0u);
    EXPECT_EQ(cpu.compute_units(), 0u);
    EXPECT_EQ(cpu.gfx_target(), "");
    EXPECT_EQ(cpu.pci_bdf(), "");
    EXPECT_EQ(cpu.render_node_path(), "");
    // CPU nodes do not print the GPU-only lines.
    EXPECT_FALSE(cpu.properties.contains("fw_version"));
    EXPECT_FALSE(cpu.properties.contains("num_xcc"));
    EXPECT_EQ(cpu.num_xcc(), 1u);  // the accessor's default
    ASSERT_EQ(cpu.mem_banks.size(), 1u);
    EXPECT_EQ(cpu.mem_banks[0].heap_type, amdhal::kHeapTypeSystem);
    EXPECT_EQ(cpu.mem_banks[0].size_in_bytes, 768 * kGiB);
    EXPECT_EQ(cpu.vram_bytes(), 0u);
    EXPECT_TRUE(cpu.caches.empty());
    // One link to the other socket, then PCIe to the socket's four GPUs.
    ASSERT_EQ(cpu.io_links.size(), 5u);
    EXPECT_EQ(cpu.io_links[0].type, amdhal::kIoLinkTypeHyperTransport);
    EXPECT_EQ(cpu.io_links[0].node_to, 1u - cpu.index);
    EXPECT_EQ(cpu.io_links[0].weight, 32u);
    for (size_t l = 1; l < 5; ++l) {
      EXPECT_TRUE(cpu.io_links[l].is_pcie());
      EXPECT_EQ(cpu.io_links[l].node_from, cpu.index);
      EXPECT_EQ(cpu.io_links[l].node_to, 2 + cpu.index * 4 + (l - 1));
    }
    EXPECT_EQ(cpu.xgmi_link_count(), 0u);
  }
  EXPECT_EQ(t->cpu_nodes[1].property("cpu_core_id_base"), 96u);
}

TEST(TopologyMi300x, GpuNodes) {
  auto t = parse_topology(kMi300x);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  const std::vector<std::string> bdfs = {"0000:05:00.0", "0000:26:00.0", "0000:46:00.0",
                                         "0000:65:00.0", "0000:85:00.0", "0000:a6:00.0",
                                         "0000:c6:00.0", "0000:e5:00.0"};
  std::set<uint32_t> gpu_ids;
  std::set<uint64_t> unique_ids;
  for (size_t i = 0; i < t->gpu_nodes.size(); ++i) {
    const TopologyNode& gpu = t->gpu_nodes[i];
    SCOPED_TRACE(gpu.index);
    EXPECT_TRUE(gpu.is_gpu());
    gpu_ids.insert(gpu.gpu_id);
    unique_ids.insert(gpu.unique_id());
    EXPECT_EQ(gpu.name, "ip discovery");  // what kfd_topology.c prints for IP-discovery ASICs
    EXPECT_EQ(gpu.gfx_target_version(), 90402u);
    EXPECT_EQ(gpu.gfx_target(), "gfx942");
    EXPECT_EQ(gpu.vendor_id(), 0x1002u);
    EXPECT_EQ(gpu.device_id(), 0x74a1u);
    EXPECT_EQ(gpu.simd_count(), 1216u);
    EXPECT_EQ(gpu.simd_per_cu(), 4u);
    EXPECT_EQ(gpu.compute_units(), 304u);
    EXPECT_EQ(gpu.num_xcc(), 8u);
    EXPECT_EQ(gpu.lds_size_in_kb(), 64u);
    EXPECT_EQ(gpu.wave_front_size(), 64u);
    EXPECT_EQ(gpu.max_waves_per_simd(), 8u);
    EXPECT_EQ(gpu.num_sdma_engines(), 2u);
    EXPECT_EQ(gpu.num_sdma_xgmi_engines(), 14u);
    EXPECT_EQ(gpu.num_cp_queues(), 24u);
    EXPECT_EQ(gpu.drm_render_minor(), 128 + i);
    EXPECT_EQ(gpu.render_node_path(), "/dev/dri/renderD" + std::to_string(128 + i));
    EXPECT_EQ(gpu.pci_bdf(), bdfs[i]);
    EXPECT_EQ(gpu.domain(), 0u);
    EXPECT_EQ(gpu.hive_id(), t->gpu_nodes[0].hive_id());
    EXPECT_NE(gpu.hive_id(), 0u);
    EXPECT_EQ(gpu.local_mem_size(), 0u);  // current kernels print 0 here
    EXPECT_EQ(gpu.vram_bytes(), 192 * kGiB);
    ASSERT_EQ(gpu.mem_banks.size(), 1u);
    EXPECT_EQ(gpu.mem_banks[0].heap_type, amdhal::kHeapTypeFbPublic);
    EXPECT_EQ(gpu.mem_banks[0].width, 8192u);
    ASSERT_EQ(gpu.caches.size(), 3u);
    EXPECT_EQ(gpu.caches[0].level, 1u);
    EXPECT_EQ(gpu.caches[1].size, 4096u);
    EXPECT_EQ(gpu.caches[2].size, 256u * 1024);
    EXPECT_EQ(gpu.caches[1].type, amdhal::kCacheTypeData | amdhal::kCacheTypeHsaCu);
    ASSERT_EQ(gpu.caches[1].sibling_map.size(), 64u);
    EXPECT_EQ(std::count(gpu.caches[1].sibling_map.begin(), gpu.caches[1].sibling_map.end(), 1),
              38);  // the 38 CUs of one XCD share its L2
    EXPECT_TRUE(gpu.p2p_links.empty());

    // Link 0 is PCIe to the GPU's socket, then XGMI to each of the other seven GPUs.
    ASSERT_EQ(gpu.io_links.size(), 8u);
    EXPECT_TRUE(gpu.io_links[0].is_pcie());
    EXPECT_EQ(gpu.io_links[0].node_to, i < 4 ? 0u : 1u);
    EXPECT_EQ(gpu.io_links[0].max_bandwidth, 63015u);
    EXPECT_EQ(gpu.xgmi_link_count(), 7u);
    std::set<uint32_t> peers;
    for (const auto& link : gpu.io_links) {
      EXPECT_EQ(link.node_from, gpu.index);
      EXPECT_EQ(link.flags & amdhal::kIoLinkFlagEnabled, amdhal::kIoLinkFlagEnabled);
      if (!link.is_xgmi()) continue;
      EXPECT_EQ(link.weight, 15u);
      EXPECT_EQ(link.min_bandwidth, 64000u);
      peers.insert(link.node_to);
    }
    EXPECT_EQ(peers.size(), 7u);
    EXPECT_EQ(peers.count(gpu.index), 0u);
  }
  EXPECT_EQ(gpu_ids.size(), 8u);
  EXPECT_EQ(gpu_ids.count(0), 0u);
  EXPECT_EQ(unique_ids.size(), 8u);
}

TEST(TopologyMi300x, PropertiesKeepKernelOrder) {
  auto t = parse_topology(kMi300x);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  const auto& props = t->gpu_nodes[0].properties;
  ASSERT_EQ(props.size(), 38u);
  EXPECT_EQ(props.begin()->first, "cpu_cores_count");
  EXPECT_EQ(std::prev(props.end())->first, "max_engine_clk_ccompute");
  EXPECT_EQ(t->cpu_nodes[0].properties.size(), 30u);
}

TEST(TopologyMi300x, FindGpuById) {
  auto t = parse_topology(kMi300x);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  for (const TopologyNode& gpu : t->gpu_nodes) {
    auto found = t->find_gpu(gpu.gpu_id);
    ASSERT_TRUE(found.ok()) << found.status().to_string();
    EXPECT_EQ(*found, &gpu);
  }
  auto missing = t->find_gpu(1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("gpu_id 1"));
  EXPECT_THAT(missing.status().message(),
              HasSubstr(std::to_string(t->gpu_nodes[0].gpu_id)));  // lists the known ids
  EXPECT_FALSE(t->find_gpu(0).ok());                               // CPU nodes are not GPUs

  auto node5 = t->find_node(5);
  ASSERT_TRUE(node5.ok());
  EXPECT_EQ((*node5)->pci_bdf(), "0000:65:00.0");
  auto node0 = t->find_node(0);
  ASSERT_TRUE(node0.ok());
  EXPECT_FALSE((*node0)->is_gpu());
  EXPECT_EQ(t->find_node(10).status().code(), StatusCode::kNotFound);
}

TEST(TopologyMi300x, AgreesWithFamilyRegistry) {
  auto t = parse_topology(kMi300x);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  const TopologyNode& gpu = t->gpu_nodes[0];
  auto family = amdhal::find_family_by_target_version(gpu.gfx_target_version());
  ASSERT_TRUE(family.ok()) << family.status().to_string();
  EXPECT_EQ((*family)->name, gpu.gfx_target());
  EXPECT_EQ((*family)->compute_units, gpu.compute_units());
  EXPECT_EQ((*family)->sdma_engines, gpu.num_sdma_engines());
  EXPECT_EQ((*family)->sdma_xgmi_engines, gpu.num_sdma_xgmi_engines());
  EXPECT_EQ((*family)->max_waves_per_simd, gpu.max_waves_per_simd());
  EXPECT_EQ((*family)->lds_bytes, gpu.lds_size_in_kb() * 1024);
  auto by_pci = amdhal::find_family_by_pci_id(static_cast<uint16_t>(gpu.device_id()));
  ASSERT_TRUE(by_pci.ok()) << by_pci.status().to_string();
  EXPECT_EQ(*by_pci, *family);
}

// ---------------------------------------------------------------------------------------------
// The RDNA3 desktop fixture.

TEST(TopologyRdna3, OneCpuOneGpu) {
  auto t = parse_topology(kRdna3);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->generation_id, 2u);
  ASSERT_EQ(t->cpu_nodes.size(), 1u);
  ASSERT_EQ(t->gpu_nodes.size(), 1u);
  const TopologyNode& cpu = t->cpu_nodes[0];
  EXPECT_EQ(cpu.index, 0u);
  EXPECT_EQ(cpu.cpu_cores_count(), 32u);
  ASSERT_EQ(cpu.io_links.size(), 1u);
  EXPECT_TRUE(cpu.io_links[0].is_pcie());
  EXPECT_EQ(cpu.io_links[0].node_to, 1u);

  const TopologyNode& gpu = t->gpu_nodes[0];
  EXPECT_EQ(gpu.index, 1u);
  EXPECT_EQ(gpu.gfx_target_version(), 110000u);
  EXPECT_EQ(gpu.gfx_target(), "gfx1100");
  EXPECT_EQ(gpu.device_id(), 0x744cu);
  EXPECT_EQ(gpu.compute_units(), 96u);
  EXPECT_EQ(gpu.simd_per_cu(), 2u);
  EXPECT_EQ(gpu.simd_count(), 192u);
  EXPECT_EQ(gpu.wave_front_size(), 32u);  // KFD reports wave32 for gfx11 (rocminfo agrees)
  EXPECT_EQ(gpu.max_waves_per_simd(), 16u);
  EXPECT_EQ(gpu.num_sdma_engines(), 2u);
  EXPECT_EQ(gpu.num_sdma_xgmi_engines(), 0u);
  EXPECT_EQ(gpu.num_xcc(), 1u);
  EXPECT_EQ(gpu.hive_id(), 0u);
  EXPECT_EQ(gpu.vram_bytes(), 24 * kGiB);
  EXPECT_EQ(gpu.pci_bdf(), "0000:03:00.0");
  EXPECT_EQ(gpu.drm_render_minor(), 128u);
  EXPECT_EQ(gpu.xgmi_link_count(), 0u);
  ASSERT_EQ(gpu.io_links.size(), 1u);
  EXPECT_TRUE(gpu.io_links[0].is_pcie());
  EXPECT_EQ(gpu.io_links[0].node_to, 0u);
  EXPECT_FALSE(gpu.io_links[0].is_xgmi());

  auto family = amdhal::find_family_by_target_version(gpu.gfx_target_version());
  ASSERT_TRUE(family.ok()) << family.status().to_string();
  EXPECT_EQ((*family)->compute_units, gpu.compute_units());
  EXPECT_EQ((*family)->default_wave_size, gpu.wave_front_size());
}

// ---------------------------------------------------------------------------------------------
// Accessors on hand-made nodes.

TEST(TopologyNodeAccessors, BdfDecodesDeviceAndFunction) {
  TopologyNode n;
  n.gpu_id = 1;
  n.properties.set("domain", 0x10);
  n.properties.set("location_id", (0xc1 << 8) | (0x1f << 3) | 0x7);
  EXPECT_EQ(n.pci_bdf(), "0010:c1:1f.7");
  n.properties.set("gfx_target_version", 90010);
  EXPECT_EQ(n.gfx_target(), "gfx90a");
  n.properties.set("simd_count", 8);  // simd_per_cu absent: no division by zero
  EXPECT_EQ(n.compute_units(), 0u);
  n.properties.set("local_mem_size", 1234);  // no FB banks: falls back to local_mem_size
  EXPECT_EQ(n.vram_bytes(), 1234u);
}

TEST(TopologyProperties, SetReplacesInPlaceAndErase) {
  amdhal::TopologyProperties p;
  p.set("a", 1);
  p.set("b", 2);
  p.set("a", 3);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p.begin()->first, "a");
  EXPECT_EQ(p.get("a"), 3u);
  EXPECT_EQ(p.get("zz", 7), 7u);
  EXPECT_FALSE(p.find("zz").has_value());
  EXPECT_TRUE(p.erase("a"));
  EXPECT_FALSE(p.erase("a"));
  EXPECT_EQ(p.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Broken trees. Every message names the file, and the line where there is one.

TEST(TopologyErrors, NonexistentRootIsNotFound) {
  const fs::path root = "/nonexistent/amdhal/kfd/topology";
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(t.status().message(), HasSubstr(root.string()));
}

TEST(TopologyErrors, RootIsAFile) {
  TempDir tmp;
  const fs::path file = tmp.path() / "file";
  write_file(file, "1\n");
  auto t = parse_topology(file);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), HasSubstr(file.string()));
}

TEST(TopologyErrors, MissingGenerationId) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  fs::remove(root / "generation_id");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr((root / "generation_id").string()));
  EXPECT_THAT(t.status().message(), HasSubstr("ENOENT"));
}

TEST(TopologyErrors, NonNumericGenerationId) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  write_file(root / "generation_id", "nine\n");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr((root / "generation_id").string() + ":1:"));
  EXPECT_THAT(t.status().message(), HasSubstr("'nine'"));
}

TEST(TopologyErrors, NonNumericValueNamesFileAndLine) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path props = root / "nodes/3/properties";
  replace_line(props, "simd_count", "simd_count abc");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr(props.string() + ":2:"));
  EXPECT_THAT(t.status().message(), HasSubstr("'abc'"));
  EXPECT_THAT(t.status().message(), HasSubstr("simd_count"));
}

TEST(TopologyErrors, NegativeValue) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kRdna3);
  const fs::path props = root / "nodes/1/properties";
  replace_line(props, "drm_render_minor", "drm_render_minor -1");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(props.string() + ":24:"));
}

TEST(TopologyErrors, LineWithoutValue) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path props = root / "nodes/2/properties";
  replace_line(props, "lds_size_in_kb", "lds_size_in_kb");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr(props.string() + ":10:"));
  EXPECT_THAT(t.status().message(), HasSubstr("no value"));
}

TEST(TopologyErrors, LineWithTooManyFields) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path link = root / "nodes/4/io_links/3/properties";
  replace_line(link, "weight", "weight 15 15");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(link.string() + ":6:"));
  EXPECT_THAT(t.status().message(), HasSubstr("expected 'key value'"));
}

TEST(TopologyErrors, LinkValueOver32Bits) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path link = root / "nodes/2/io_links/0/properties";
  replace_line(link, "max_bandwidth", "max_bandwidth 4294967296");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(link.string() + ":10:"));
  EXPECT_THAT(t.status().message(), HasSubstr("32 bits"));
}

TEST(TopologyErrors, ValueOver64Bits) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path props = root / "nodes/2/properties";
  replace_line(props, "hive_id", "hive_id 18446744073709551616");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(props.string() + ":25:"));
  EXPECT_THAT(t.status().message(), HasSubstr("64 bits"));
}

TEST(TopologyErrors, DuplicateKey) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kRdna3);
  const fs::path props = root / "nodes/0/properties";
  write_file(props, read_file(props) + "simd_count 4\n");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(props.string() + ":31:"));
  EXPECT_THAT(t.status().message(), HasSubstr("duplicate key 'simd_count'"));
}

TEST(TopologyErrors, BadSiblingMap) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kRdna3);
  const fs::path cache = root / "nodes/1/caches/0/properties";
  replace_line(cache, "sibling_map", "sibling_map 1,0,2,0");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(cache.string() + ":9:"));
  EXPECT_THAT(t.status().message(), HasSubstr("sibling_map entry 2"));
}

TEST(TopologyErrors, MissingNodesDir) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  fs::remove_all(root / "nodes");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr((root / "nodes").string()));
  EXPECT_THAT(t.status().message(), HasSubstr("missing directory"));
}

TEST(TopologyErrors, GpuNodeWithoutProperties) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path props = root / "nodes/7/properties";
  fs::remove(props);
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr(props.string()));
}

TEST(TopologyErrors, LinkWithoutProperties) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path props = root / "nodes/9/io_links/7/properties";
  fs::remove(props);
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr(props.string()));
}

TEST(TopologyErrors, EmptyProperties) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path props = root / "nodes/2/properties";
  write_file(props, "");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr(props.string()));
  EXPECT_THAT(t.status().message(), HasSubstr("empty file"));
}

TEST(TopologyErrors, PropertiesTruncatedAtALineBoundary) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path props = root / "nodes/2/properties";
  const std::string text = read_file(props);
  write_file(props, text.substr(0, text.find("num_sdma_engines")));  // lines 1-25 remain
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kDataLoss);
  EXPECT_THAT(t.status().message(), HasSubstr(props.string()));
  EXPECT_THAT(t.status().message(), HasSubstr("missing key 'max_engine_clk_ccompute'"));
}

TEST(TopologyErrors, PropertiesTruncatedMidLine) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kMi300x);
  const fs::path props = root / "nodes/2/properties";
  const std::string text = read_file(props);
  write_file(props, text.substr(0, text.find("simd_count") + 6));  // "...\nsimd_c"
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(props.string() + ":2:"));
  EXPECT_THAT(t.status().message(), HasSubstr("'simd_c' has no value"));
}

TEST(TopologyErrors, GpuNodeMissingGpuKey) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kRdna3);
  const fs::path props = root / "nodes/1/properties";
  std::string text = read_file(props);
  const size_t at = text.find("gfx_target_version");
  text.erase(at, text.find('\n', at) + 1 - at);
  write_file(props, text);
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(props.string()));
  EXPECT_THAT(t.status().message(), HasSubstr("'gfx_target_version'"));
}

TEST(TopologyErrors, TruncatedMemBank) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kRdna3);
  const fs::path bank = root / "nodes/1/mem_banks/0/properties";
  write_file(bank, "heap_type 1\nsize_in_bytes 25769803776\n");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr(bank.string()));
  EXPECT_THAT(t.status().message(), HasSubstr("missing key 'flags'"));
}

TEST(TopologyErrors, BadGpuId) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kRdna3);
  write_file(root / "nodes/1/gpu_id", "45159\n12\n");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr((root / "nodes/1/gpu_id").string() + ":2:"));
}

TEST(TopologyErrors, NumberedEntryThatIsNotADirectory) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kRdna3);
  write_file(root / "nodes/2", "");
  auto t = parse_topology(root);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.status().message(), HasSubstr((root / "nodes/2").string()));
  EXPECT_THAT(t.status().message(), HasSubstr("expected a directory"));
}

TEST(TopologyLenience, UnnumberedEntriesAndMissingEmptyDirsAreIgnored) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kRdna3);
  fs::create_directories(root / "nodes/1/perf/iommu");  // the kernel's non-numbered perf dir
  write_file(root / "nodes/.keep", "");
  fs::create_directories(root / "nodes/1/p2p_links");  // present and empty, as in sysfs
  auto t = parse_topology(root);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->node_count(), 2u);
  EXPECT_TRUE(t->gpu_nodes[0].p2p_links.empty());
}

TEST(TopologyLenience, UnknownKeysAreKept) {
  TempDir tmp;
  const fs::path root = copy_fixture(tmp, kRdna3);
  const fs::path link = root / "nodes/1/io_links/0/properties";
  write_file(link, read_file(link) + "future_key 42\n");
  const fs::path props = root / "nodes/1/properties";
  replace_line(props, "capability", "capability 1744839296\ncapability2 1");
  auto t = parse_topology(root);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->gpu_nodes[0].io_links[0].extra.get("future_key"), 42u);
  EXPECT_EQ(t->gpu_nodes[0].property("capability2"), 1u);
}

// ---------------------------------------------------------------------------------------------
// The writer.

// parse(write(parse(fixture))) == parse(fixture), and the written files are byte-identical to the
// fixture's (which are in the kernel's format).
void expect_round_trip(const fs::path& fixture) {
  auto original = parse_topology(fixture);
  ASSERT_TRUE(original.ok()) << original.status().to_string();
  TempDir tmp;
  const fs::path out = tmp.path() / "written/topology";
  amdhal::Status s = write_topology(*original, out);
  ASSERT_TRUE(s.ok()) << s.to_string();
  auto reread = parse_topology(out);
  ASSERT_TRUE(reread.ok()) << reread.status().to_string();
  EXPECT_TRUE(*reread == *original);

  const auto fixture_files = files_under(fixture);
  EXPECT_EQ(files_under(out), fixture_files);
  for (const std::string& f : fixture_files) {
    EXPECT_EQ(read_file(out / f), read_file(fixture / f)) << f;
  }
  // The writer creates the kernel's (possibly empty) subdirectories.
  EXPECT_TRUE(fs::is_directory(out / "nodes/1/p2p_links"));
}

TEST(TopologyWrite, RoundTripMi300x) {
  expect_round_trip(kMi300x);
}
TEST(TopologyWrite, RoundTripRdna3) {
  expect_round_trip(kRdna3);
}

TEST(TopologyWrite, RoundTripOfAnEditedTopology) {
  auto t = parse_topology(kRdna3);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  t->generation_id = 7;
  t->gpu_nodes[0].caches[0].sibling_map.clear();  // prints a bare "sibling_map" key
  t->gpu_nodes[0].mem_banks[0].extra.set("new_field", 5);
  t->gpu_nodes[0].properties.set("num_xcc", 2);
  TempDir tmp;
  const fs::path out = tmp.path() / "t";
  ASSERT_TRUE(write_topology(*t, out).ok());
  auto reread = parse_topology(out);
  ASSERT_TRUE(reread.ok()) << reread.status().to_string();
  EXPECT_TRUE(*reread == *t);
  EXPECT_EQ(reread->gpu_nodes[0].num_xcc(), 2u);
}

TEST(TopologyWrite, RefusesNonEmptyDirectory) {
  auto t = parse_topology(kRdna3);
  ASSERT_TRUE(t.ok());
  TempDir tmp;
  write_file(tmp.path() / "something", "x");
  amdhal::Status s = write_topology(*t, tmp.path());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr(tmp.path().string()));
}

TEST(TopologyWrite, IntoAnEmptyExistingDirectory) {
  auto t = parse_topology(kRdna3);
  ASSERT_TRUE(t.ok());
  TempDir tmp;
  ASSERT_TRUE(write_topology(*t, tmp.path()).ok());
  auto reread = parse_topology(tmp.path());
  ASSERT_TRUE(reread.ok()) << reread.status().to_string();
  EXPECT_TRUE(*reread == *t);
}

TEST(TopologyWrite, RejectsWhatTheParserWouldReject) {
  auto t = parse_topology(kRdna3);
  ASSERT_TRUE(t.ok());
  TempDir tmp;

  Topology dup = *t;
  dup.gpu_nodes[0].index = 0;  // same index as the CPU node
  EXPECT_EQ(write_topology(dup, tmp.path() / "a").code(), StatusCode::kInvalidArgument);

  Topology missing = *t;
  missing.gpu_nodes[0].properties.erase("gfx_target_version");
  amdhal::Status s = write_topology(missing, tmp.path() / "b");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("gfx_target_version"));

  Topology badname = *t;
  badname.gpu_nodes[0].name = "two\nlines";
  EXPECT_EQ(write_topology(badname, tmp.path() / "c").code(), StatusCode::kInvalidArgument);

  Topology nosys = *t;
  nosys.system_properties = {};
  EXPECT_EQ(write_topology(nosys, tmp.path() / "d").code(), StatusCode::kInvalidArgument);

  // Nothing was written for the rejected topologies.
  EXPECT_FALSE(fs::exists(tmp.path() / "a"));
  EXPECT_FALSE(fs::exists(tmp.path() / "b"));
}

TEST(TopologyDefaults, DefaultRootIsSysfs) {
  EXPECT_EQ(amdhal::default_topology_root(), fs::path("/sys/devices/virtual/kfd/kfd/topology"));
}

// On a machine with a KFD driver, the real tree must parse.
TEST(TopologyHost, RealTreeParsesIfPresent) {
  const fs::path root = amdhal::default_topology_root();
  std::error_code ec;
  if (!fs::exists(root, ec)) GTEST_SKIP() << root << " not present (no amdgpu/KFD driver)";
  auto t = parse_topology(root);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_GE(t->cpu_nodes.size(), 1u);
}

}  // namespace
