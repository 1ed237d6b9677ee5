// The fake root's files. Formats: /proc/modules lines are "name size refcount deps state
// address" (kernel/module/procfs.c m_show), which libkmod parses for lsmod; sysfs attribute
// files hold one value and a newline. The amdgpu device attributes are those of
// drivers/gpu/drm/amd/amdgpu (amdgpu_device.c, amdgpu_vram_mgr.c mem_info_vram_total/used,
// amdgpu_pm.c gpu_busy_percent) as rocm_smi_lib reads them (rocm_smi_device.cc).
#include "fake_tree.h"

#include <sys/stat.h>
#include <unistd.h>

#include <time.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

namespace amdhal::interpose {
namespace fs = std::filesystem;

namespace {

// The synthetic PCI bridge the simulated GPUs sit behind.
constexpr const char* kBridge = "/sys/devices/pci0000:00/0000:00:01.1";

Status write_file(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "we");
  if (f == nullptr) return errno_status(errno, path);
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return errno_status(EIO, path);
  return ok_status();
}

Status make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return errno_status(ec.value(), path);
  return ok_status();
}

Status make_link(const std::string& target, const std::string& link) {
  if (::symlink(target.c_str(), link.c_str()) != 0 && errno != EEXIST) {
    return errno_status(errno, link);
  }
  return ok_status();
}

// gpu_metrics format 1, content 3: kernel drivers/gpu/drm/amd/include/kgd_pp_interface.h
// struct gpu_metrics_v1_3 (what aldebaran_ppt.c, gfx90a's SMU 13.0.2, publishes; rocm_smi_lib's
// rsmi_gpu_metrics_v_1_3). Natural alignment, as the kernel struct.
struct GpuMetricsV13 {
  uint16_t structure_size;
  uint8_t format_revision;
  uint8_t content_revision;
  uint16_t temperature_edge, temperature_hotspot, temperature_mem;
  uint16_t temperature_vrgfx, temperature_vrsoc, temperature_vrmem;
  uint16_t average_gfx_activity, average_umc_activity, average_mm_activity;
  uint16_t average_socket_power;
  uint64_t energy_accumulator;
  uint64_t system_clock_counter;
  uint16_t average_gfxclk_frequency, average_socclk_frequency, average_uclk_frequency;
  uint16_t average_vclk0_frequency, average_dclk0_frequency;
  uint16_t average_vclk1_frequency, average_dclk1_frequency;
  uint16_t current_gfxclk, current_socclk, current_uclk, current_vclk0, current_dclk0;
  uint16_t current_vclk1, current_dclk1;
  uint32_t throttle_status;
  uint16_t current_fan_speed;
  uint16_t pcie_link_width, pcie_link_speed;
  uint16_t padding;
  uint32_t gfx_activity_acc, mem_actvity_acc;
  uint16_t temperature_hbm[4];
  uint64_t firmware_timestamp;
  uint16_t voltage_soc, voltage_gfx, voltage_mem;
  uint16_t padding1;
  uint64_t indep_throttle_status;
};
static_assert(sizeof(GpuMetricsV13) == 120, "gpu_metrics_v1_3 layout");

Status replace_file(const std::string& path, const void* data, size_t size) {
  const std::string tmp = path + ".new";
  std::FILE* f = std::fopen(tmp.c_str(), "we");
  if (f == nullptr) return errno_status(errno, tmp);
  const bool ok = std::fwrite(data, 1, size, f) == size;
  if (std::fclose(f) != 0 || !ok) return errno_status(EIO, tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return errno_status(errno, path);
  return ok_status();
}

}  // namespace

Status write_usage(const std::string& root, const std::string& dev_abs,
                   const sim::VirtualKfd::Usage& usage, uint32_t activity_acc) {
  const std::string dev = root + dev_abs;
  auto text = [&](const char* name, uint64_t v) {
    const std::string s = std::to_string(v) + "\n";
    return replace_file(dev + "/" + name, s.data(), s.size());
  };
  AMDHAL_RETURN_IF_ERROR(text("mem_info_vram_used", usage.vram_used));
  AMDHAL_RETURN_IF_ERROR(text("mem_info_vis_vram_used", usage.vram_used));
  AMDHAL_RETURN_IF_ERROR(text("mem_info_vram_total", usage.vram_total));
  AMDHAL_RETURN_IF_ERROR(text("mem_info_vis_vram_total", usage.vram_total));
  AMDHAL_RETURN_IF_ERROR(text("gpu_busy_percent", usage.busy_percent));
  // Fields the simulator has no value for stay all-ones, the kernel's "not available"
  // (smu_cmn.c smu_cmn_init_soft_gpu_metrics memsets the table to 0xFF).
  GpuMetricsV13 m;
  std::memset(&m, 0xFF, sizeof(m));
  m.structure_size = sizeof(m);
  m.format_revision = 1;
  m.content_revision = 3;
  m.average_gfx_activity = static_cast<uint16_t>(usage.busy_percent);
  m.gfx_activity_acc = activity_acc;
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  m.system_clock_counter =
      static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
  return replace_file(dev + "/gpu_metrics", &m, sizeof(m));
}

std::string pci_address(uint64_t domain, uint64_t location_id) {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain & 0xFFFF, (location_id >> 8) & 0xFF,
                     (location_id >> 3) & 0x1F, location_id & 0x7);
}

Status build_static_tree(const std::string& root, const std::string& real_modules) {
  AMDHAL_RETURN_IF_ERROR(make_dirs(root + "/proc"));
  // Size and address as a loaded amdgpu module shows them (address 0 without CAP_SYSLOG).
  std::string modules = real_modules;
  if (!modules.empty() && modules.back() != '\n') modules += '\n';
  modules += "amdgpu 15183872 0 - Live 0x0000000000000000\n";
  AMDHAL_RETURN_IF_ERROR(write_file(root + "/proc/modules", modules));
  const std::string mod = root + "/sys/module/amdgpu";
  AMDHAL_RETURN_IF_ERROR(make_dirs(mod + "/holders"));
  AMDHAL_RETURN_IF_ERROR(make_dirs(mod + "/parameters"));
  AMDHAL_RETURN_IF_ERROR(write_file(mod + "/initstate", "live\n"));
  AMDHAL_RETURN_IF_ERROR(write_file(mod + "/refcnt", "0\n"));
  AMDHAL_RETURN_IF_ERROR(write_file(mod + "/coresize", "15183872\n"));
  AMDHAL_RETURN_IF_ERROR(make_dirs(root + "/sys/devices/virtual/kfd/kfd"));
  AMDHAL_RETURN_IF_ERROR(write_file(root + "/sys/devices/virtual/kfd/kfd/dev", "240:0\n"));
  AMDHAL_RETURN_IF_ERROR(make_dirs(root + "/sys/class/drm"));
  AMDHAL_RETURN_IF_ERROR(make_dirs(root + "/sys/dev/char"));
  AMDHAL_RETURN_IF_ERROR(make_dirs(root + "/sys/bus/pci/devices"));
  return ok_status();
}

Expected<std::vector<std::string>> build_gpu_tree(const std::string& root,
                                                  const sim::VirtualKfd& vkfd) {
  AMDHAL_RETURN_IF_ERROR(
      make_link(vkfd.topology_root().string(), root + "/sys/devices/virtual/kfd/kfd/topology"));
  std::vector<std::string> claimed;
  const Topology& topo = vkfd.topology();
  for (size_t i = 0; i < topo.gpu_nodes.size(); ++i) {
    const TopologyNode& node = topo.gpu_nodes[i];
    const std::string bdf = pci_address(node.property("domain"), node.property("location_id"));
    const std::string dev_abs = fmt::format("{}/{}", kBridge, bdf);
    const std::string dev = root + dev_abs;
    const auto minor = static_cast<uint32_t>(node.property("drm_render_minor"));
    const std::string card = fmt::format("card{}", i);
    const std::string render = fmt::format("renderD{}", minor);
    AMDHAL_RETURN_IF_ERROR(make_dirs(dev + "/drm/" + card));
    AMDHAL_RETURN_IF_ERROR(make_dirs(dev + "/drm/" + render));
    AMDHAL_RETURN_IF_ERROR(make_link("../..", dev + "/drm/" + card + "/device"));
    AMDHAL_RETURN_IF_ERROR(make_link("../..", dev + "/drm/" + render + "/device"));
    AMDHAL_RETURN_IF_ERROR(write_file(dev + "/drm/" + card + "/dev", fmt::format("226:{}\n", i)));
    AMDHAL_RETURN_IF_ERROR(
        write_file(dev + "/drm/" + render + "/dev", fmt::format("226:{}\n", minor)));
    const std::pair<const char*, std::string> attrs[] = {
        {"vendor", "0x1002"},
        {"device", fmt::format("0x{:04x}", node.property("device_id"))},
        {"subsystem_vendor", "0x1002"},
        {"subsystem_device", "0x0c34"},
        {"revision", "0x02"},
        {"class", "0x038000"},
        {"vbios_version", "113-AMDHAL-SIM"},
        {"unique_id", fmt::format("{:016x}", node.property("unique_id"))},
    };
    for (const auto& [name, value] : attrs) {
      AMDHAL_RETURN_IF_ERROR(write_file(dev + "/" + name, value + "\n"));
    }
    AMDHAL_RETURN_IF_ERROR(write_usage(root, dev_abs, vkfd.usage(i), 0));
    // The hwmon directory amdgpu registers (amdgpu_pm.c hwmon_device_register_with_groups) with
    // the sensor labels of a dGPU (temp1 edge, temp2 junction, temp3 mem, in0 vddgfx);
    // rocm_smi_lib reads the labels when it starts. The sensor values (temp*_input, power,
    // fan) are not simulated: reading them is reported as unsupported.
    const std::string hwmon = fmt::format("{}/hwmon/hwmon{}", dev, i);
    AMDHAL_RETURN_IF_ERROR(make_dirs(hwmon));
    AMDHAL_RETURN_IF_ERROR(write_file(hwmon + "/name", "amdgpu\n"));
    AMDHAL_RETURN_IF_ERROR(write_file(hwmon + "/temp1_label", "edge\n"));
    AMDHAL_RETURN_IF_ERROR(write_file(hwmon + "/temp2_label", "junction\n"));
    AMDHAL_RETURN_IF_ERROR(write_file(hwmon + "/temp3_label", "mem\n"));
    AMDHAL_RETURN_IF_ERROR(write_file(hwmon + "/in0_label", "vddgfx\n"));
    const std::string rel_dev = fmt::format("../../devices/pci0000:00/0000:00:01.1/{}", bdf);
    AMDHAL_RETURN_IF_ERROR(make_link(rel_dev + "/drm/" + card, root + "/sys/class/drm/" + card));
    AMDHAL_RETURN_IF_ERROR(
        make_link(rel_dev + "/drm/" + render, root + "/sys/class/drm/" + render));
    AMDHAL_RETURN_IF_ERROR(
        make_link(rel_dev + "/drm/" + card, fmt::format("{}/sys/dev/char/226:{}", root, i)));
    AMDHAL_RETURN_IF_ERROR(
        make_link(rel_dev + "/drm/" + render, fmt::format("{}/sys/dev/char/226:{}", root, minor)));
    AMDHAL_RETURN_IF_ERROR(
        make_link(fmt::format("../../../devices/pci0000:00/0000:00:01.1/{}", bdf),
                  root + "/sys/bus/pci/devices/" + bdf));
    claimed.push_back(dev_abs);
    claimed.push_back("/sys/bus/pci/devices/" + bdf);
  }
  return claimed;
}

}  // namespace amdhal::interpose
