// Simulator memory: PhysicalMemory, range-map GPUVM, GFX9 page-table walks, TLB behaviour and the
// data-access helpers the engines use.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "amdhal_sim/memory.h"

namespace amdhal::sim {
namespace {

using namespace gpuvm;

constexpr uint64_t kPage = 4096;

/// Page-aligned host memory freed with std::free.
struct HostBlock {
  explicit HostBlock(size_t bytes) : size(bytes) {
    ptr = static_cast<uint8_t*>(std::aligned_alloc(kPage, bytes));
    std::memset(ptr, 0, bytes);
  }
  ~HostBlock() { std::free(ptr); }
  HostBlock(const HostBlock&) = delete;
  HostBlock& operator=(const HostBlock&) = delete;
  uint8_t* ptr;
  size_t size;
};

std::unique_ptr<PhysicalMemory> make_vram(uint64_t bytes) {
  auto vram = PhysicalMemory::create(bytes);
  EXPECT_TRUE(vram.ok()) << vram.status().to_string();
  return std::move(vram).value();
}

// ------------------------------------------------------------------------------------------
// PhysicalMemory

TEST(SimPhysicalMemory, CreateRejectsBadSizes) {
  EXPECT_EQ(PhysicalMemory::create(0).status().code(), StatusCode::kInvalidArgument);
  auto odd = PhysicalMemory::create(4097);
  EXPECT_EQ(odd.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(odd.status().message().find("multiple of 4 KiB"), std::string::npos);
}

TEST(SimPhysicalMemory, VramAtChecksBounds) {
  auto vram = make_vram(1 << 20);
  EXPECT_EQ(vram->vram_size(), 1u << 20);
  EXPECT_EQ(vram->vram_at(0, 1 << 20), vram->vram());
  EXPECT_EQ(vram->vram_at(4096, 8), vram->vram() + 4096);
  EXPECT_EQ(vram->vram_at((1 << 20) - 8, 9), nullptr);
  EXPECT_EQ(vram->vram_at(1 << 20, 1), nullptr);
  EXPECT_EQ(vram->vram_at(~0ull, 2), nullptr);
  auto off = vram->vram_offset(vram->vram() + 12345);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(*off, 12345u);
  int local = 0;
  EXPECT_EQ(vram->vram_offset(&local).status().code(), StatusCode::kOutOfRange);
}

TEST(SimPhysicalMemory, Read64AndWrite64VramAndSystem) {
  auto vram = make_vram(1 << 20);
  ASSERT_TRUE(vram->write64(0x100, 0x1122334455667788ull, false).ok());
  auto v = vram->read64(0x100, false);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 0x1122334455667788ull);
  uint64_t raw;
  std::memcpy(&raw, vram->vram() + 0x100, 8);
  EXPECT_EQ(raw, 0x1122334455667788ull);

  auto outside = vram->read64(1 << 20, false);
  EXPECT_EQ(outside.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(outside.status().message().find("outside VRAM"), std::string::npos);

  uint64_t host_value = 42;
  auto sys = vram->read64(reinterpret_cast<uint64_t>(&host_value), true);
  ASSERT_TRUE(sys.ok());
  EXPECT_EQ(*sys, 42u);
  ASSERT_TRUE(vram->write64(reinterpret_cast<uint64_t>(&host_value), 7, true).ok());
  EXPECT_EQ(host_value, 7u);
  // A garbage system address is an error, not a crash.
  EXPECT_EQ(vram->read64(0x10, true).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(vram->write64(0x10, 1, true).code(), StatusCode::kOutOfRange);
}

// ------------------------------------------------------------------------------------------
// Range map

class SimRangeMap : public ::testing::Test {
 protected:
  SimRangeMap() : vram_(make_vram(1 << 20)), vm_(3, vram_.get()) {}
  std::unique_ptr<PhysicalMemory> vram_;
  AddressSpace vm_;
};

TEST_F(SimRangeMap, MapTranslateUnmap) {
  HostBlock block(4 * kPage);
  ASSERT_TRUE(vm_.map(0x10000, block.ptr, 4 * kPage, kMapReadWrite).ok());
  EXPECT_EQ(vm_.vmid(), 3u);
  auto p = vm_.translate(0x10000 + 100, 8, Access::kRead, nullptr);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, block.ptr + 100);
  auto last = vm_.translate(0x10000 + 4 * kPage - 4, 4, Access::kWrite, nullptr);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(*last, block.ptr + 4 * kPage - 4);
  // One byte past the end.
  VmFault fault;
  auto past = vm_.translate(0x10000 + 4 * kPage - 4, 5, Access::kRead, &fault);
  EXPECT_EQ(past.status().code(), StatusCode::kAborted);
  EXPECT_EQ(fault.reason, "unmapped");
  EXPECT_EQ(fault.address, 0x10000 + 4 * kPage);
  EXPECT_EQ(fault.vmid, 3u);

  ASSERT_EQ(vm_.mappings().size(), 1u);
  EXPECT_EQ(vm_.mappings()[0].va, 0x10000u);
  ASSERT_TRUE(vm_.unmap(0x10000, 4 * kPage).ok());
  EXPECT_TRUE(vm_.mappings().empty());
  fault = {};
  EXPECT_FALSE(vm_.translate(0x10000, 4, Access::kRead, &fault).ok());
  EXPECT_EQ(fault.reason, "unmapped");
  EXPECT_EQ(fault.access, Access::kRead);
}

TEST_F(SimRangeMap, MapValidatesArguments) {
  HostBlock block(2 * kPage);
  EXPECT_EQ(vm_.map(0x10001, block.ptr, kPage, kMapRead).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vm_.map(0x10000, block.ptr, 100, kMapRead).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vm_.map(0x10000, block.ptr, 0, kMapRead).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vm_.map(0x10000, nullptr, kPage, kMapRead).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vm_.map(0x10000, block.ptr, kPage, 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vm_.map(0x10000, block.ptr, kPage, 0x80).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vm_.map(~0ull - kPage + 1, block.ptr, 2 * kPage, kMapRead).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SimRangeMap, OverlapIsInvalidArgument) {
  HostBlock block(16 * kPage);
  ASSERT_TRUE(vm_.map(0x20000, block.ptr, 4 * kPage, kMapRead).ok());
  for (auto [va, size] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0x20000, 4 * kPage},              // same
           {0x20000 - kPage, 2 * kPage},      // overlaps the start
           {0x20000 + 3 * kPage, 2 * kPage},  // overlaps the end
           {0x20000 - kPage, 8 * kPage},      // contains
           {0x20000 + kPage, kPage},          // inside
       }) {
    Status s = vm_.map(va, block.ptr, size, kMapRead);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << std::hex << va;
    EXPECT_NE(s.message().find("overlaps mapping [0x20000, 0x24000)"), std::string::npos)
        << s.message();
  }
  // Adjacent on both sides is fine.
  EXPECT_TRUE(vm_.map(0x20000 - kPage, block.ptr + 8 * kPage, kPage, kMapRead).ok());
  EXPECT_TRUE(vm_.map(0x20000 + 4 * kPage, block.ptr + 9 * kPage, kPage, kMapRead).ok());
}

TEST_F(SimRangeMap, UnmapRules) {
  HostBlock block(8 * kPage);
  EXPECT_EQ(vm_.unmap(0x30000, kPage).code(), StatusCode::kNotFound);
  ASSERT_TRUE(vm_.map(0x30000, block.ptr, 2 * kPage, kMapRead).ok());
  ASSERT_TRUE(vm_.map(0x32000, block.ptr + 2 * kPage, 2 * kPage, kMapRead).ok());
  // Splitting a mapping is refused and removes nothing.
  Status split = vm_.unmap(0x31000, 2 * kPage);
  EXPECT_EQ(split.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(split.message().find("split"), std::string::npos);
  EXPECT_EQ(vm_.mappings().size(), 2u);
  // A range covering both removes both.
  EXPECT_TRUE(vm_.unmap(0x2f000, 8 * kPage).ok());
  EXPECT_TRUE(vm_.mappings().empty());
}

TEST_F(SimRangeMap, PermissionFaults) {
  HostBlock block(3 * kPage);
  ASSERT_TRUE(vm_.map(0x40000, block.ptr, kPage, kMapRead).ok());
  ASSERT_TRUE(vm_.map(0x41000, block.ptr + kPage, kPage, kMapWrite).ok());
  ASSERT_TRUE(vm_.map(0x42000, block.ptr + 2 * kPage, kPage, kMapRead | kMapExecute).ok());

  VmFault fault;
  EXPECT_FALSE(vm_.translate(0x40010, 4, Access::kWrite, &fault).ok());
  EXPECT_EQ(fault.reason, "not writable");
  EXPECT_EQ(fault.address, 0x40010u);
  EXPECT_EQ(fault.access, Access::kWrite);
  fault.engine = "sdma0";
  EXPECT_EQ(fault.to_string(), "VM fault: write to 0x40010 (vmid 3, sdma0): not writable");

  EXPECT_FALSE(vm_.translate(0x40000, 4, Access::kExecute, &fault).ok());
  EXPECT_EQ(fault.reason, "not executable");
  EXPECT_FALSE(vm_.translate(0x41000, 4, Access::kRead, &fault).ok());
  EXPECT_EQ(fault.reason, "not readable");
  EXPECT_TRUE(vm_.translate(0x41000, 4, Access::kWrite, &fault).ok());
  EXPECT_TRUE(vm_.translate(0x42000, 4, Access::kExecute, &fault).ok());
  EXPECT_EQ(access_name(Access::kExecute), "execute");
}

TEST_F(SimRangeMap, TranslateRunAcrossAdjacentMappings) {
  // Two adjacent VA ranges backed by different host blocks, then one backed contiguously.
  // (Carved from one allocation with a gap, so the allocator cannot place them back to back.)
  HostBlock ab(5 * kPage), c(4 * kPage);
  struct {
    uint8_t* ptr;
  } a{ab.ptr}, b{ab.ptr + 3 * kPage};
  ASSERT_TRUE(vm_.map(0x50000, a.ptr, 2 * kPage, kMapReadWrite).ok());
  ASSERT_TRUE(vm_.map(0x52000, b.ptr, 2 * kPage, kMapReadWrite).ok());
  uint64_t run = 0;
  auto first = vm_.translate_run(0x51000, 4 * kPage, Access::kRead, &run, nullptr);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, a.ptr + kPage);
  EXPECT_EQ(run, kPage);  // stops where the host memory changes
  auto second = vm_.translate_run(0x52000, 4 * kPage, Access::kRead, &run, nullptr);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, b.ptr);
  EXPECT_EQ(run, 2 * kPage);  // then stops at the end of the mapped range
  // translate() of a range crossing the host discontinuity names it.
  VmFault fault;
  EXPECT_FALSE(vm_.translate(0x51ff8, 16, Access::kRead, &fault).ok());
  EXPECT_NE(fault.reason.find("not host-contiguous"), std::string::npos) << fault.reason;
  EXPECT_EQ(fault.address, 0x52000u);
  // But read()/write() and read64 walk run by run.
  const uint64_t value = 0x0102030405060708ull;
  ASSERT_TRUE(vm_.write(0x51ffc, &value, 8, nullptr).ok());
  EXPECT_EQ(std::memcmp(a.ptr + 2 * kPage - 4, &value, 4), 0);
  EXPECT_EQ(std::memcmp(b.ptr, reinterpret_cast<const uint8_t*>(&value) + 4, 4), 0);
  auto back = vm_.read64(0x51ffc, nullptr);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, value);

  // Adjacent mappings that continue the same host memory form one run.
  ASSERT_TRUE(vm_.map(0x60000, c.ptr, 2 * kPage, kMapReadWrite).ok());
  ASSERT_TRUE(vm_.map(0x62000, c.ptr + 2 * kPage, 2 * kPage, kMapReadWrite).ok());
  auto joined = vm_.translate_run(0x60000, 8 * kPage, Access::kWrite, &run, nullptr);
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(run, 4 * kPage);
  EXPECT_TRUE(vm_.translate(0x61000, 2 * kPage, Access::kRead, nullptr).ok());
  // ... unless the second lacks the permission asked for.
  ASSERT_TRUE(vm_.unmap(0x62000, 2 * kPage).ok());
  ASSERT_TRUE(vm_.map(0x62000, c.ptr + 2 * kPage, 2 * kPage, kMapRead).ok());
  ASSERT_TRUE(vm_.translate_run(0x60000, 8 * kPage, Access::kWrite, &run, nullptr).ok());
  EXPECT_EQ(run, 2 * kPage);
  EXPECT_EQ(vm_.translate_run(0x60000, 0, Access::kRead, &run, nullptr).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SimRangeMap, ReadWriteFaultsPartway) {
  HostBlock a(kPage);
  ASSERT_TRUE(vm_.map(0x70000, a.ptr, kPage, kMapReadWrite).ok());
  std::vector<uint8_t> data(2 * kPage, 0xab);
  VmFault fault;
  Status s = vm_.write(0x70000, data.data(), data.size(), &fault);
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_EQ(fault.address, 0x71000u);
  EXPECT_EQ(fault.reason, "unmapped");
  EXPECT_EQ(a.ptr[kPage - 1], 0xab);  // bytes before the fault were written
}

TEST_F(SimRangeMap, ScalarsAndAtomics) {
  HostBlock a(kPage), ro(kPage);
  ASSERT_TRUE(vm_.map(0x80000, a.ptr, kPage, kMapReadWrite).ok());
  ASSERT_TRUE(vm_.map(0x81000, ro.ptr, kPage, kMapRead).ok());
  ASSERT_TRUE(vm_.write32(0x80004, 0xdeadbeef, nullptr).ok());
  ASSERT_TRUE(vm_.write64(0x80008, 0x1234567890ull, nullptr).ok());
  EXPECT_EQ(*vm_.read32(0x80004, nullptr), 0xdeadbeefu);
  EXPECT_EQ(*vm_.read64(0x80008, nullptr), 0x1234567890ull);
  // Unaligned scalars work byte-wise.
  ASSERT_TRUE(vm_.write32(0x80011, 0xa1b2c3d4, nullptr).ok());
  EXPECT_EQ(*vm_.read32(0x80011, nullptr), 0xa1b2c3d4u);

  EXPECT_EQ(*vm_.atomic_add64(0x80008, 10, nullptr), 0x1234567890ull);
  EXPECT_EQ(*vm_.read64(0x80008, nullptr), 0x1234567890ull + 10);
  EXPECT_EQ(*vm_.atomic_add32(0x80004, 1, nullptr), 0xdeadbeefu);
  EXPECT_EQ(*vm_.read32(0x80004, nullptr), 0xdeadbef0u);
  // Compare-swap returns the old value and swaps only on a match.
  EXPECT_EQ(*vm_.atomic_cmpswap64(0x80008, 5, 99, nullptr), 0x1234567890ull + 10);
  EXPECT_EQ(*vm_.read64(0x80008, nullptr), 0x1234567890ull + 10);
  EXPECT_EQ(*vm_.atomic_cmpswap64(0x80008, 0x1234567890ull + 10, 99, nullptr),
            0x1234567890ull + 10);
  EXPECT_EQ(*vm_.read64(0x80008, nullptr), 99u);
  EXPECT_EQ(*vm_.atomic_cmpswap32(0x80004, 0xdeadbef0u, 3, nullptr), 0xdeadbef0u);
  EXPECT_EQ(*vm_.read32(0x80004, nullptr), 3u);
  EXPECT_EQ(*vm_.atomic_swap64(0x80008, 7, nullptr), 99u);
  EXPECT_EQ(*vm_.read64(0x80008, nullptr), 7u);

  EXPECT_EQ(vm_.atomic_add64(0x80004, 1, nullptr).status().code(), StatusCode::kInvalidArgument);
  VmFault fault;
  EXPECT_EQ(vm_.atomic_add64(0x81000, 1, &fault).status().code(), StatusCode::kAborted);
  EXPECT_EQ(fault.reason, "not writable");
  EXPECT_EQ(vm_.write64(0x81000, 1, &fault).code(), StatusCode::kAborted);
  EXPECT_TRUE(vm_.read64(0x81000, &fault).ok());
}

TEST_F(SimRangeMap, ConcurrentAtomicsAndMapping) {
  HostBlock a(kPage);
  ASSERT_TRUE(vm_.map(0x90000, a.ptr, kPage, kMapReadWrite).ok());
  constexpr int kThreads = 4, kIters = 2000;
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIters; ++i) {
        if (!vm_.atomic_add64(0x90000, 1, nullptr).ok()) failed = true;
      }
    });
  }
  // Map and unmap unrelated ranges meanwhile.
  for (int i = 0; i < 200; ++i) {
    HostBlock b(kPage);
    if (!vm_.map(0x100000 + i * kPage, b.ptr, kPage, kMapRead).ok()) failed = true;
    if (!vm_.unmap(0x100000 + i * kPage, kPage).ok()) failed = true;
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(*vm_.read64(0x90000, nullptr), uint64_t{kThreads} * kIters);
}

// ------------------------------------------------------------------------------------------
// Page-table mode

/// Builds GFX9 page tables in VRAM: a bump allocator of table pages plus entry setters.
class SimPageTable : public ::testing::Test {
 protected:
  static constexpr uint64_t kVram = 4ull << 30;  // lazily backed
  SimPageTable() : vram_(make_vram(kVram)), vm_(1, vram_.get()) {}

  uint64_t alloc_table() {
    uint64_t at = next_table_;
    next_table_ += kPage;
    return at;
  }
  void set(uint64_t table, uint64_t index, uint64_t entry, bool system = false) {
    ASSERT_TRUE(vram_->write64(table + index * 8, entry, system).ok());
  }
  static uint64_t idx(uint64_t va, uint32_t level) { return (va >> (12 + 9 * (3 - level))) & 511; }

  /// Root + PDB1 + PDB0 + PTB for `va` (4 levels); returns the PTB's address.
  uint64_t build_path(uint64_t va) {
    pdb1_ = alloc_table();
    pdb0_ = alloc_table();
    ptb_ = alloc_table();
    set(root_, idx(va, kPdb2), make_pde(pdb1_));
    set(pdb1_, idx(va, kPdb1), make_pde(pdb0_));
    set(pdb0_, idx(va, kPdb0), make_pde(ptb_));
    return ptb_;
  }
  void enable(uint32_t levels = 4) {
    PageTableConfig c;
    c.root_address = root_;
    c.levels = levels;
    ASSERT_TRUE(vm_.set_page_table(c).ok());
  }

  std::unique_ptr<PhysicalMemory> vram_;
  AddressSpace vm_;
  uint64_t next_table_ = 0x1000;  // tables from 4 KiB up; data pages at 1 GiB+
  uint64_t root_ = alloc_table();
  uint64_t pdb1_ = 0, pdb0_ = 0, ptb_ = 0;
};

TEST_F(SimPageTable, FourKilobytePagesInVram) {
  const uint64_t va = 0x0000'1234'5678'9000ull;
  uint64_t ptb = build_path(va);
  const uint64_t data = 1ull << 30;
  set(ptb, idx(va, kPtb), make_pte(data, kMapReadWrite));
  set(ptb, idx(va, kPtb) + 1, make_pte(data + kPage, kMapReadWrite));  // contiguous next page
  set(ptb, idx(va, kPtb) + 2, make_pte(data + 8 * kPage, kMapRead));   // elsewhere, read-only
  enable();
  EXPECT_TRUE(vm_.page_table_mode());

  auto p = vm_.translate(va + 0x10, 8, Access::kWrite, nullptr);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, vram_->vram() + data + 0x10);
  ASSERT_TRUE(vm_.write64(va + 0x10, 0xfeedfacecafebeefull, nullptr).ok());
  EXPECT_EQ(*vram_->read64(data + 0x10, false), 0xfeedfacecafebeefull);

  uint64_t run = 0;
  auto r = vm_.translate_run(va + 0x800, 16 * kPage, Access::kRead, &run, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(run, 2 * kPage - 0x800);  // two contiguous pages, then a jump
  // Writing the read-only third page faults.
  VmFault fault;
  EXPECT_FALSE(vm_.translate(va + 2 * kPage, 4, Access::kWrite, &fault).ok());
  EXPECT_EQ(fault.reason, "not writable");
  EXPECT_FALSE(vm_.translate(va, 4, Access::kExecute, &fault).ok());
  EXPECT_EQ(fault.reason, "not executable");
  // The fourth page has no PTE.
  EXPECT_FALSE(vm_.translate(va + 3 * kPage, 4, Access::kRead, &fault).ok());
  EXPECT_EQ(fault.reason, "invalid PTE");
  EXPECT_EQ(fault.address, va + 3 * kPage);
  EXPECT_EQ(fault.vmid, 1u);
}

TEST_F(SimPageTable, HugePages) {
  // A 2 MiB page at PDB0 and a 1 GiB page at PDB1.
  const uint64_t va2m = 0x0000'0040'0020'0000ull;
  const uint64_t va1g = 0x0000'0080'4000'0000ull;
  const uint64_t pdb1 = alloc_table(), pdb0 = alloc_table();
  set(root_, idx(va2m, kPdb2), make_pde(pdb1));
  set(pdb1, idx(va2m, kPdb1), make_pde(pdb0));
  set(pdb0, idx(va2m, kPdb0), make_pte(0x20'0000ull * 3, kMapReadWrite, false, true));
  const uint64_t pdb1b = alloc_table();
  set(root_, idx(va1g, kPdb2), make_pde(pdb1b));
  set(pdb1b, idx(va1g, kPdb1), make_pte(2ull << 30, kMapAll, false, true));
  enable();

  auto p = vm_.translate(va2m + 0x12345, 4, Access::kRead, nullptr);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, vram_->vram() + 0x20'0000ull * 3 + 0x12345);
  uint64_t run = 0;
  ASSERT_TRUE(vm_.translate_run(va2m, 4ull << 20, Access::kWrite, &run, nullptr).ok());
  EXPECT_EQ(run, 2ull << 20);  // the whole huge page in one run

  auto g = vm_.translate(va1g + 0x3456'7890, 8, Access::kExecute, nullptr);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(*g, vram_->vram() + (2ull << 30) + 0x3456'7890);

  // A misaligned huge-page address is an invalid entry.
  set(pdb0, idx(va2m, kPdb0) + 1, make_pte(0x1000, kMapRead, false, true));
  VmFault fault;
  EXPECT_FALSE(vm_.translate(va2m + (2ull << 20), 4, Access::kRead, &fault).ok());
  EXPECT_NE(fault.reason.find("not aligned"), std::string::npos) << fault.reason;
  // PDE_PTE at PDB2 is not a page size the hardware has.
  set(root_, 5, make_pte(0, kMapRead, false, true));
  EXPECT_FALSE(vm_.translate(5ull << 39, 4, Access::kRead, &fault).ok());
  EXPECT_NE(fault.reason.find("invalid PDE at level 0"), std::string::npos) << fault.reason;
}

TEST_F(SimPageTable, SystemMemoryPagesAndTables) {
  HostBlock page(kPage), host_ptb(kPage);
  const uint64_t va = 0x0000'0001'0000'0000ull;
  uint64_t ptb = build_path(va);
  set(ptb, idx(va, kPtb), make_pte(reinterpret_cast<uint64_t>(page.ptr), kMapReadWrite, true));
  // The next 2 MiB region's PTB lives in host memory.
  const uint64_t va2 = va + (2ull << 20);
  set(pdb0_, idx(va2, kPdb0), make_pde(reinterpret_cast<uint64_t>(host_ptb.ptr), true));
  set(reinterpret_cast<uint64_t>(host_ptb.ptr), idx(va2, kPtb), make_pte(0x5000, kMapRead), true);
  enable();

  ASSERT_TRUE(vm_.write32(va + 8, 0x600df00d, nullptr).ok());
  uint32_t seen;
  std::memcpy(&seen, page.ptr + 8, 4);
  EXPECT_EQ(seen, 0x600df00du);
  auto p = vm_.translate(va2 + 4, 4, Access::kRead, nullptr);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, vram_->vram() + 0x5000 + 4);

  // A system PTE with a bogus host address faults instead of crashing.
  set(ptb, idx(va, kPtb) + 1, make_pte(0x7000, kMapRead, true));
  VmFault fault;
  EXPECT_FALSE(vm_.translate(va + kPage, 4, Access::kRead, &fault).ok());
  EXPECT_NE(fault.reason.find("not accessible"), std::string::npos) << fault.reason;
}

TEST_F(SimPageTable, FaultsAtEachLevel) {
  const uint64_t va = 0x0000'0100'0000'0000ull;
  uint64_t ptb = build_path(va);
  set(ptb, idx(va, kPtb), make_pte(1ull << 30, kMapRead));
  enable();
  ASSERT_TRUE(vm_.translate(va, 4, Access::kRead, nullptr).ok());

  struct Case {
    uint64_t va;
    const char* reason;
  };
  for (const Case& c : {
           Case{va + (1ull << 39), "invalid PDE at level 0 (PDB2)"},
           Case{va + (1ull << 30), "invalid PDE at level 1 (PDB1)"},
           Case{va + (1ull << 21), "invalid PDE at level 2 (PDB0)"},
           Case{va + (1ull << 12), "invalid PTE"},
       }) {
    VmFault fault;
    auto r = vm_.translate(c.va, 4, Access::kWrite, &fault);
    EXPECT_EQ(r.status().code(), StatusCode::kAborted);
    EXPECT_EQ(fault.reason, c.reason) << std::hex << c.va;
    EXPECT_EQ(fault.address, c.va);
    EXPECT_EQ(fault.access, Access::kWrite);
  }

  // Entries pointing outside VRAM: a PTE, then a PDE.
  set(ptb, idx(va, kPtb) + 2, make_pte(kVram, kMapRead));
  VmFault fault;
  EXPECT_FALSE(vm_.translate(va + 2 * kPage, 4, Access::kRead, &fault).ok());
  EXPECT_EQ(fault.reason.rfind("physical address 0x100000000 outside VRAM", 0), 0u) << fault.reason;
  set(pdb0_, idx(va, kPdb0) + 1, make_pde(kVram + kPage));
  EXPECT_FALSE(vm_.translate(va + (2ull << 20), 4, Access::kRead, &fault).ok());
  EXPECT_EQ(fault.reason.rfind("physical address 0x100001", 0), 0u) << fault.reason;
  EXPECT_NE(fault.reason.find("outside VRAM"), std::string::npos);
  // Outside the context's VA range.
  EXPECT_FALSE(vm_.translate(1ull << 48, 4, Access::kRead, &fault).ok());
  EXPECT_NE(fault.reason.find("outside the page-table range"), std::string::npos);
}

TEST_F(SimPageTable, TlbKeepsStaleTranslationsUntilInvalidated) {
  const uint64_t va = 0x0000'0000'4000'0000ull;
  uint64_t ptb = build_path(va);
  const uint64_t page_a = 1ull << 30, page_b = (1ull << 30) + 16 * kPage;
  set(ptb, idx(va, kPtb), make_pte(page_a, kMapReadWrite));
  enable();
  const auto flushes = vm_.tlb_stats().flushes;

  ASSERT_EQ(*vm_.translate(va, 4, Access::kRead, nullptr), vram_->vram() + page_a);
  ASSERT_EQ(*vm_.translate(va + 4, 4, Access::kRead, nullptr), vram_->vram() + page_a + 4);
  auto stats = vm_.tlb_stats();
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.hits, 1u);

  // Retarget the PTE without invalidating: the cached translation is still used.
  set(ptb, idx(va, kPtb), make_pte(page_b, kMapReadWrite));
  EXPECT_EQ(*vm_.translate(va, 4, Access::kRead, nullptr), vram_->vram() + page_a);
  vm_.invalidate_tlb();
  EXPECT_EQ(vm_.tlb_stats().flushes, flushes + 1);
  EXPECT_EQ(*vm_.translate(va, 4, Access::kRead, nullptr), vram_->vram() + page_b);

  // Clearing VALID without invalidating also keeps translating; after the flush it faults.
  set(ptb, idx(va, kPtb), 0);
  EXPECT_TRUE(vm_.translate(va, 4, Access::kRead, nullptr).ok());
  vm_.invalidate_tlb();
  VmFault fault;
  EXPECT_FALSE(vm_.translate(va, 4, Access::kRead, &fault).ok());
  EXPECT_EQ(fault.reason, "invalid PTE");
  // A fault is not cached: fixing the PTE works without another flush.
  set(ptb, idx(va, kPtb), make_pte(page_a, kMapReadWrite));
  EXPECT_TRUE(vm_.translate(va, 4, Access::kRead, nullptr).ok());

  // set_page_table flushes too.
  set(ptb, idx(va, kPtb), make_pte(page_b, kMapReadWrite));
  EXPECT_EQ(*vm_.translate(va, 4, Access::kRead, nullptr), vram_->vram() + page_a);
  enable();
  EXPECT_EQ(*vm_.translate(va, 4, Access::kRead, nullptr), vram_->vram() + page_b);
}

TEST_F(SimPageTable, FewerLevelsAndVaStart) {
  // Two levels (PDB0 + PTB) covering a context that starts at 4 GiB: tables are indexed by
  // va - va_start.
  const uint64_t start = 4ull << 30;
  const uint64_t ptb = alloc_table();
  set(root_, 1, make_pde(ptb));                           // rel VA 2 MiB..4 MiB
  set(ptb, 3, make_pte((1ull << 30) + kPage, kMapRead));  // rel VA 2 MiB + 3 pages
  PageTableConfig c;
  c.root_address = root_;
  c.levels = 2;
  c.va_start = start;
  c.va_end = start + (1ull << 30);
  ASSERT_TRUE(vm_.set_page_table(c).ok());
  EXPECT_EQ(vm_.page_table().levels, 2u);
  auto p = vm_.translate(start + (2ull << 20) + 3 * kPage + 8, 4, Access::kRead, nullptr);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p, vram_->vram() + (1ull << 30) + kPage + 8);
  VmFault fault;
  EXPECT_FALSE(vm_.translate(start - kPage, 4, Access::kRead, &fault).ok());
  EXPECT_NE(fault.reason.find("outside the page-table range"), std::string::npos);
  EXPECT_FALSE(vm_.translate(start, 4, Access::kRead, &fault).ok());
  EXPECT_EQ(fault.reason, "invalid PDE at level 2 (PDB0)");

  // One level: the root is a PTB (with more than 512 entries if the range needs it).
  const uint64_t big_ptb = 0x100000;  // 1 MiB: room for 1024 entries
  set(big_ptb, 600, make_pte(1ull << 30, kMapReadWrite));
  c.root_address = big_ptb;
  c.levels = 1;
  c.va_start = 0;
  c.va_end = 1024 * kPage;
  ASSERT_TRUE(vm_.set_page_table(c).ok());
  auto q = vm_.translate(600 * kPage + 1, 1, Access::kWrite, nullptr);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(*q, vram_->vram() + (1ull << 30) + 1);

  // Back to range-map mode.
  c.levels = 0;
  ASSERT_TRUE(vm_.set_page_table(c).ok());
  EXPECT_FALSE(vm_.page_table_mode());
  EXPECT_FALSE(vm_.translate(600 * kPage, 1, Access::kRead, &fault).ok());
  EXPECT_EQ(fault.reason, "unmapped");
}

TEST_F(SimPageTable, SetPageTableValidates) {
  PageTableConfig c;
  c.levels = 5;
  EXPECT_EQ(vm_.set_page_table(c).code(), StatusCode::kInvalidArgument);
  c.levels = 4;
  c.root_address = 0x1008;
  EXPECT_EQ(vm_.set_page_table(c).code(), StatusCode::kInvalidArgument);
  c.root_address = 0x1000;
  c.va_start = c.va_end;
  EXPECT_EQ(vm_.set_page_table(c).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(vm_.page_table_mode());
}

TEST_F(SimPageTable, ConcurrentTranslationWithInvalidation) {
  const uint64_t va = 0x0000'0002'0000'0000ull;
  uint64_t ptb = build_path(va);
  for (uint64_t i = 0; i < 64; ++i) set(ptb, i, make_pte((1ull << 30) + i * kPage, kMapReadWrite));
  enable();
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3000; ++i) {
        const uint64_t page = (i * 7 + t) % 64;
        auto p = vm_.translate(va + page * kPage, 8, Access::kRead, nullptr);
        if (!p.ok() || *p != vram_->vram() + (1ull << 30) + page * kPage) failed = true;
        if (!vm_.atomic_add64(va + page * kPage, 1, nullptr).ok()) failed = true;
      }
    });
  }
  for (int i = 0; i < 500; ++i) vm_.invalidate_tlb();
  for (auto& t : threads) t.join();
  EXPECT_FALSE(failed);
  uint64_t total = 0;
  for (uint64_t i = 0; i < 64; ++i) total += *vm_.read64(va + i * kPage, nullptr);
  EXPECT_EQ(total, 3u * 3000u);
}

}  // namespace
}  // namespace amdhal::sim
