// The DRM side of a simulated render node: the queries libdrm_amdgpu makes when libhsakmt asks
// for a GPU's marketing name (ROCT topology.c topology_get_marketing_name → libdrm
// amdgpu_device.c amdgpu_device_initialize → xf86drm.c drmGetVersion and amdgpu_gpu_info.c
// amdgpu_query_gpu_info_init). Argument handling follows the kernel's drm_ioctl.c
// (drm_version, drm_copy_field) and amdgpu_kms.c (amdgpu_info_ioctl); struct layouts are the
// uapi's (drm.h, amdgpu_drm.h from libdrm's copy of the kernel headers).
#include <amdgpu_drm.h>
#include <drm.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "vkfd_internal.h"

namespace amdhal::sim {

using namespace vkfd;  // NOLINT

namespace {

// amdgpu_drv.c KMS_DRIVER_MAJOR/MINOR/PATCHLEVEL, DRIVER_NAME/DESC/DATE.
constexpr int kDrmMajor = 3;
constexpr int kDrmMinor = 48;
constexpr const char* kDrmName = "amdgpu";
constexpr const char* kDrmDate = "20150101";
constexpr const char* kDrmDesc = "AMD GPU";

// drm_ioctl.c drm_copy_field: copy at most the user's length, report the full length.
int copy_field(char* user_buf, size_t* user_len, const char* value) {
  const size_t full = std::strlen(value);
  const size_t len = std::min(full, *user_len);
  *user_len = full;
  if (len != 0 && user_buf != nullptr) {
    if (!copy_to_user(reinterpret_cast<uint64_t>(user_buf), value, len)) return EFAULT;
  }
  return 0;
}

// Register offsets readable through AMDGPU_INFO_READ_MMR_REG that libdrm reads on GFX9
// (amdgpu_gpu_info.c: only GB_ADDR_CONFIG for family >= AI). mmGB_ADDR_CONFIG is dword 0x263e
// (gc_9_0_offset.h); the value is gfx_v9_0.c ALDEBARAN_GB_ADDR_CONFIG_GOLDEN for gfx90a and the
// same golden value for the other GFX9 parts the simulator knows.
constexpr uint32_t kGbAddrConfig = 0x263e;
constexpr uint32_t kGbAddrConfigGolden = 0x2A114042;

// amdgpu_drm.h AMDGPU_VRAM_TYPE_HBM, and the VA layout amdgpu_info_ioctl reports
// (AMDGPU_VA_RESERVED_BOTTOM, AMDGPU_GMC_HOLE_START / _END, 48-bit VM).
constexpr uint32_t kVramTypeHbm = 6;
constexpr uint32_t kVramTypeGddr6 = 9;
constexpr uint64_t kVaReservedBottom = 2ull << 20;
constexpr uint64_t kGmcHoleStart = 0x0000800000000000ull;
constexpr uint64_t kGmcHoleEnd = 0xffff800000000000ull;

}  // namespace

uint32_t vkfd::gb_addr_config(const GpuFamily& family) {
  return family.pm4 == Pm4Variant::kGfx9 ? kGbAddrConfigGolden : 0;
}

// kfd_chardev.c kfd_ioctl_get_tile_config with amdgpu_amdkfd.c amdgpu_amdkfd_get_tile_config:
// unknown gpu_id → EINVAL; gb_addr_config, num_banks and num_ranks; at most 32 tile and 16
// macro-tile modes copied (the counts are lowered to those), EFAULT (count 0) for an unwritable
// array. From GFX9 on the driver leaves the mode arrays and the bank/rank counts zero.
int VirtualKfd::Impl::get_tile_config(void* arg) {
  auto* a = static_cast<kfd_ioctl_get_tile_config_args*>(arg);
  Gpu* g = gpu_by_id(a->gpu_id);
  if (g == nullptr) return EINVAL;
  const uint32_t addr_config = gb_addr_config(g->device->family());
  if (addr_config == 0) {
    std::fprintf(stderr,
                 "virtual KFD: AMDKFD_IOC_GET_TILE_CONFIG for %s is not simulated (no "
                 "GB_ADDR_CONFIG): ENOTTY\n",
                 std::string(g->device->family().name).c_str());
    return ENOTTY;
  }
  a->gb_addr_config = addr_config;
  a->num_banks = 0;
  a->num_ranks = 0;
  const uint32_t zeros[32] = {};
  a->num_tile_configs = std::min<uint32_t>(a->num_tile_configs, 32);
  if (!copy_to_user(a->tile_config_ptr, zeros, a->num_tile_configs * sizeof(uint32_t))) {
    a->num_tile_configs = 0;
    return EFAULT;
  }
  a->num_macro_tile_configs = std::min<uint32_t>(a->num_macro_tile_configs, 16);
  if (!copy_to_user(a->macro_tile_config_ptr, zeros,
                    a->num_macro_tile_configs * sizeof(uint32_t))) {
    a->num_macro_tile_configs = 0;
    return EFAULT;
  }
  return 0;
}

int VirtualKfd::Impl::drm_ioctl(const FileRec& file, unsigned long request, void* arg) {
  const uint64_t uarg = reinterpret_cast<uint64_t>(arg);
  if (request == DRM_IOCTL_VERSION) {
    drm_version v{};
    if (!copy_from_user(&v, uarg, sizeof(v))) return EFAULT;
    v.version_major = kDrmMajor;
    v.version_minor = kDrmMinor;
    v.version_patchlevel = 0;
    int err = copy_field(v.name, &v.name_len, kDrmName);
    if (err == 0) err = copy_field(v.date, &v.date_len, kDrmDate);
    if (err == 0) err = copy_field(v.desc, &v.desc_len, kDrmDesc);
    if (err != 0) return err;
    return copy_to_user(uarg, &v, sizeof(v)) ? 0 : EFAULT;
  }
  if (request == DRM_IOCTL_AMDGPU_INFO) {
    drm_amdgpu_info info{};
    if (!copy_from_user(&info, uarg, sizeof(info))) return EFAULT;
    if (info.return_size == 0 || info.return_pointer == 0) return EINVAL;
    const auto put = [&](const void* data, size_t size) {
      return copy_to_user(info.return_pointer, data, std::min<size_t>(size, info.return_size))
                 ? 0
                 : EFAULT;
    };
    const TopologyNode& node = topology.gpu_nodes.at(file.gpu);
    const GpuFamily& fam = gpus.at(file.gpu).device->family();
    switch (info.query) {
      case AMDGPU_INFO_ACCEL_WORKING: {
        const uint32_t one = 1;
        return put(&one, sizeof(one));
      }
      case AMDGPU_INFO_READ_MMR_REG: {
        // amdgpu_info_ioctl: count 1..128; amdgpu_read_mm_registers refuses registers outside
        // its allowed list with EINVAL.
        const uint32_t count = info.read_mmr_reg.count;
        if (count == 0 || count > 128) return EINVAL;
        if (info.read_mmr_reg.dword_offset != kGbAddrConfig || count != 1 ||
            fam.pm4 != Pm4Variant::kGfx9) {
          std::fprintf(stderr,
                       "virtual KFD: DRM_IOCTL_AMDGPU_INFO READ_MMR_REG of register 0x%x (count "
                       "%u) is not simulated: EINVAL\n",
                       info.read_mmr_reg.dword_offset, count);
          return EINVAL;
        }
        const uint32_t value = kGbAddrConfigGolden;
        return put(&value, sizeof(value));
      }
      case AMDGPU_INFO_DEV_INFO: {
        drm_amdgpu_info_device d{};
        const auto cus = static_cast<uint32_t>(node.property("simd_count") /
                                               std::max<uint64_t>(1, node.property("simd_per_cu")));
        const auto engines =
            static_cast<uint32_t>(node.property("array_count") /
                                  std::max<uint64_t>(1, node.property("simd_arrays_per_engine")));
        d.device_id = static_cast<uint32_t>(node.property("device_id"));
        // pci_rev selects the marketing name in libdrm's amdgpu.ids (740F rev 02 = MI210).
        d.pci_rev = fam.name == "gfx90a" ? 0x02 : 0x00;
        d.chip_rev = 1;
        d.external_rev = d.chip_rev + 0x3C;  // soc15.c: aldebaran external_rev_id
        // amdgpu_drm.h AMDGPU_FAMILY_AI (141), _NV (143), _GC_11_0_0 (145), _GC_12_0_0 (152).
        d.family = fam.pm4 == Pm4Variant::kGfx9    ? 141
                   : fam.pm4 == Pm4Variant::kGfx10 ? 143
                   : fam.pm4 == Pm4Variant::kGfx11 ? 145
                                                   : 152;
        d.num_shader_engines = std::max(1u, engines);
        d.num_shader_arrays_per_engine =
            static_cast<uint32_t>(node.property("simd_arrays_per_engine", 1));
        d.gpu_counter_freq = 100000;  // kHz: the 100 MHz reference clock
        d.max_engine_clock = node.property("max_engine_clk_fcompute") * 1000;
        d.max_memory_clock =
            uint64_t{node.mem_banks.empty() ? 0 : node.mem_banks[0].mem_clk_max} * 1000;
        d.cu_active_number = cus;
        const uint32_t per_se = (cus + d.num_shader_engines - 1) / d.num_shader_engines;
        uint32_t left = cus;
        for (uint32_t se = 0; se < d.num_shader_engines && se < 8; ++se) {
          const uint32_t n = std::min(per_se, left);
          left -= n;
          const uint32_t mask = n >= 32 ? ~0u : (1u << n) - 1;
          d.cu_bitmap[se % 4][se / 4] = mask;  // amdgpu_kms.c: cu_bitmap[i % 4][j + i / 4]
          d.cu_ao_bitmap[se % 4][se / 4] = mask;
        }
        d.cu_ao_mask = d.cu_bitmap[0][0];
        d.num_rb_pipes = d.num_shader_engines * 2;
        d.enabled_rb_pipes_mask = d.num_rb_pipes >= 32 ? ~0u : (1u << d.num_rb_pipes) - 1;
        d.num_hw_gfx_contexts = 8;
        d.virtual_address_offset = kVaReservedBottom;
        d.virtual_address_max = kGmcHoleStart;
        d.virtual_address_alignment = 4096;
        d.pte_fragment_size = 2u << 20;
        d.gart_page_size = 4096;
        d.vram_type = fam.pm4 == Pm4Variant::kGfx9 ? kVramTypeHbm : kVramTypeGddr6;
        d.vram_bit_width = node.mem_banks.empty() ? 0 : node.mem_banks[0].width;
        d.wave_front_size = fam.default_wave_size;
        d.num_shader_visible_vgprs = 512;
        d.num_cu_per_sh = per_se / std::max(1u, d.num_shader_arrays_per_engine);
        d.num_tcc_blocks = 16;
        d.high_va_offset = kGmcHoleEnd;
        d.high_va_max = kGmcHoleEnd | (kGmcHoleStart - 1);
        return put(&d, sizeof(d));
      }
      default:
        // amdgpu_info_ioctl: "Invalid request" → EINVAL.
        std::fprintf(stderr,
                     "virtual KFD: DRM_IOCTL_AMDGPU_INFO query 0x%x is not simulated: EINVAL\n",
                     info.query);
        return EINVAL;
    }
  }
  if (_IOC_TYPE(request) != DRM_IOCTL_BASE) {
    // Not a DRM command at all (e.g. a KFD ioctl sent to the render node): the simulator
    // answers ENOTTY rather than reinterpreting its number as a DRM core ioctl as drm_ioctl()
    // would.
    std::fprintf(stderr, "virtual KFD: ioctl 0x%lx on a render node is not a DRM ioctl: ENOTTY\n",
                 request);
    return ENOTTY;
  }
  // drm_ioctl: a command outside the core and driver tables is EINVAL.
  std::fprintf(stderr,
               "virtual KFD: DRM ioctl 0x%lx (nr 0x%x) on a render node is not simulated: EINVAL\n",
               request, static_cast<unsigned>(_IOC_NR(request)));
  return EINVAL;
}

}  // namespace amdhal::sim
