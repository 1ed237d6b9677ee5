#include <cerrno>
// GPU family registry: look-ups by name, gfx_target_version and PCI id; table consistency.
#include <set>

#include <gtest/gtest.h>

#include "amdhal/family.h"

namespace {

using amdhal::find_family;
using amdhal::find_family_by_pci_id;
using amdhal::find_family_by_target_version;
using amdhal::Pm4Variant;
using amdhal::SdmaVariant;

TEST(Family, RequiredTargetsArePresent) {
  for (const char* name : {"gfx90a", "gfx942", "gfx1030", "gfx1100", "gfx1200"}) {
    auto f = find_family(name);
    ASSERT_TRUE(f.ok()) << name << ": " << f.status().to_string();
    EXPECT_EQ((*f)->name, name);
  }
}

TEST(Family, Gfx942Facts) {
  auto f = find_family("gfx942");
  ASSERT_TRUE(f.ok());
  const auto& g = **f;
  EXPECT_EQ(g.architecture, "CDNA3");
  EXPECT_EQ(g.gfx_target_version, 90402u);
  EXPECT_EQ(g.isa, (amdhal::IsaVersion{9, 4, 2}));
  EXPECT_EQ(g.default_wave_size, 64u);
  EXPECT_FALSE(g.supports_wave32);
  EXPECT_EQ(g.pm4, Pm4Variant::kGfx9);
  EXPECT_EQ(g.sdma, SdmaVariant::kSdma4);
  EXPECT_EQ(g.lds_bytes, 65536u);
  EXPECT_EQ(g.sdma_xgmi_engines, 14u);
}

TEST(Family, FeatureSuffixIsIgnored) {
  auto f = find_family("gfx942:sramecc+:xnack-");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->name, "gfx942");
}

TEST(Family, ByTargetVersion) {
  EXPECT_EQ((*find_family_by_target_version(90010))->name, "gfx90a");
  EXPECT_EQ((*find_family_by_target_version(100300))->name, "gfx1030");
  EXPECT_EQ((*find_family_by_target_version(110000))->name, "gfx1100");
  EXPECT_EQ((*find_family_by_target_version(120000))->name, "gfx1200");
}

TEST(Family, ByPciId) {
  EXPECT_EQ((*find_family_by_pci_id(0x74a1))->name, "gfx942");   // MI300X
  EXPECT_EQ((*find_family_by_pci_id(0x740f))->name, "gfx90a");   // MI210
  EXPECT_EQ((*find_family_by_pci_id(0x744c))->name, "gfx1100");  // RX 7900 XTX
  EXPECT_EQ((*find_family_by_pci_id(0x73bf))->name, "gfx1030");  // RX 6800/6900
}

TEST(Family, UnknownLookupsNameWhatWasAsked) {
  auto a = find_family("gfx9999");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), amdhal::StatusCode::kNotFound);
  EXPECT_NE(a.status().message().find("unknown GPU target 'gfx9999'"), std::string::npos);
  EXPECT_NE(a.status().message().find("gfx942"), std::string::npos);  // lists the known ones
  auto b = find_family_by_target_version(12345);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("12345"), std::string::npos);
  auto c = find_family_by_pci_id(0x1234);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "unknown AMD PCI device id 0x1234");
}

TEST(Family, TableIsConsistent) {
  std::set<std::string_view> names;
  std::set<uint32_t> versions;
  std::set<uint16_t> ids;
  for (const auto& f : amdhal::all_families()) {
    EXPECT_TRUE(names.insert(f.name).second) << "duplicate name " << f.name;
    EXPECT_TRUE(versions.insert(f.gfx_target_version).second) << "duplicate version " << f.name;
    // gfx_target_version encodes the ISA version; the name is the ISA version in LLVM spelling.
    EXPECT_EQ(f.gfx_target_version, f.isa.major * 10000 + f.isa.minor * 100 + f.isa.stepping)
        << f.name;
    EXPECT_EQ(amdhal::gfx_name(f.isa), f.name);
    EXPECT_GE(f.pci_device_ids.size(), 1u) << f.name;
    for (uint16_t id : f.pci_device_ids) {
      EXPECT_TRUE(ids.insert(id).second) << "PCI id 0x" << std::hex << id << " in two families";
    }
    EXPECT_TRUE(f.default_wave_size == 32 ? f.supports_wave32 : f.supports_wave64) << f.name;
    EXPECT_GE(f.sdma_engines, 2u) << f.name;
    EXPECT_GT(f.compute_units, 0u);
    // Packet generation follows the ISA major version.
    const Pm4Variant expected_pm4 = f.isa.major == 9    ? Pm4Variant::kGfx9
                                    : f.isa.major == 10 ? Pm4Variant::kGfx10
                                    : f.isa.major == 11 ? Pm4Variant::kGfx11
                                                        : Pm4Variant::kGfx12;
    EXPECT_EQ(f.pm4, expected_pm4) << f.name;
  }
  EXPECT_GE(names.size(), 5u);
}

TEST(Family, GfxNameUsesHexForMinorAndStepping) {
  EXPECT_EQ(amdhal::gfx_name({9, 0, 10}), "gfx90a");
  EXPECT_EQ(amdhal::gfx_name({11, 0, 0}), "gfx1100");
}

TEST(Status, ErrnoStatusNamesTheErrno) {
  auto s = amdhal::errno_status(ENOENT, "/dev/kfd");
  EXPECT_EQ(s.code(), amdhal::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "/dev/kfd: ENOENT (No such file or directory)");
  EXPECT_EQ(amdhal::errno_status(EACCES, "x").code(), amdhal::StatusCode::kPermissionDenied);
  EXPECT_EQ(amdhal::errno_name(99999), "E99999");
}

TEST(Status, ExpectedCarriesValueOrError) {
  amdhal::Expected<int> v = 7;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 7);
  amdhal::Expected<int> e = amdhal::not_found("thing");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().to_string(), "not found: thing");
  EXPECT_EQ(e.value_or(3), 3);
  EXPECT_EQ(amdhal::invalid_argument("x").with_context("ctx").message(), "ctx: x");
}

}  // namespace
