// The dispatch layer: CommandBuffer verbs encoded for PM4, SDMA and AQL queues of every family,
// checked by decoding the result with the shared decoders.
#include <cstring>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "amdhal/buffer.h"
#include "amdhal/command_encoder.h"
#include "amdhal/kernel.h"
#include "amdhal/packets/aql.h"
#include "amdhal/packets/decode.h"
#include "amdhal/packets/pm4.h"
#include "amdhal/packets/sdma.h"
#include "amdhal/signal.h"

namespace amdhal {
namespace {

using packets::DecodedPacket;
using packets::Engine;

// A buffer that only has addresses (the encoder never touches buffer memory).
class FakeBuffer final : public Buffer {
 public:
  FakeBuffer(uint64_t gpu, uint64_t size) : gpu_(gpu), size_(size) {}
  uint64_t size() const override { return size_; }
  MemoryDomain domain() const override { return MemoryDomain::kVram; }
  uint64_t gpu_address() const override { return gpu_; }
  void* cpu_pointer() const override { return nullptr; }

 private:
  uint64_t gpu_, size_;
};

class FakeSignal final : public Signal {
 public:
  FakeSignal(uint64_t gpu, uint32_t event, uint64_t mailbox = 0)
      : gpu_(gpu), event_(event), mailbox_(mailbox) {}
  uint64_t event_mailbox_address() const override { return mailbox_; }
  uint64_t value() const override { return 0; }
  void set(uint64_t) override {}
  uint64_t gpu_address() const override { return gpu_; }
  uint32_t event_id() const override { return event_; }
  Status wait(uint64_t, std::chrono::nanoseconds) override { return ok_status(); }

 private:
  uint64_t gpu_;
  uint32_t event_;
  uint64_t mailbox_;
};

constexpr uint64_t kStagingGpu = 0x7000'0000'0000ull;

// Staging memory on the host with a fake GPU address, readable back by GPU address.
struct Staging {
  std::vector<uint8_t> bytes = std::vector<uint8_t>(1 << 20);
  ArenaStaging arena{bytes.data(), kStagingGpu, bytes.size()};
  template <typename T>
  T read(uint64_t gpu) const {
    T v;
    std::memcpy(&v, bytes.data() + (gpu - kStagingGpu), sizeof(T));
    return v;
  }
  std::vector<uint32_t> dwords(uint64_t gpu, size_t n) const {
    std::vector<uint32_t> out(n);
    std::memcpy(out.data(), bytes.data() + (gpu - kStagingGpu), n * 4);
    return out;
  }
};

const GpuFamily& family(const char* name) {
  return *find_family(name).value();
}

struct Encoded {
  Status status;
  std::vector<uint32_t> dwords;
  std::vector<DecodedPacket> packets;
};

Encoded encode(const CommandBuffer& cb, const GpuFamily& fam, QueueKind kind, Staging& staging) {
  EncodeTarget t{&fam, kind, true};
  packets::OwnedPacketStream out(max_encoded_dwords(cb, t) + 16);
  Encoded e;
  e.status = encode_commands(cb, t, staging.arena, out.stream());
  e.dwords.assign(out.data().begin(), out.data().end());
  const Engine engine = kind == QueueKind::kComputeAql ? Engine::kAql
                        : kind == QueueKind::kSdma     ? Engine::kSdma
                                                       : Engine::kPm4;
  e.packets = packets::decode(engine, fam, e.dwords);
  return e;
}

std::vector<std::string> names(const std::vector<DecodedPacket>& ps) {
  std::vector<std::string> out;
  for (const auto& p : ps) {
    EXPECT_TRUE(p.ok()) << p.name << ": " << p.error;
    out.push_back(p.name);
  }
  return out;
}

/// A kernel with hand-written metadata: kernarg and dispatch pointers enabled, 4 user SGPRs.
std::shared_ptr<Kernel> test_kernel(bool wave32, uint32_t private_bytes = 0) {
  KernelInfo info;
  info.name = "k";
  info.symbol = "k.kd";
  info.kernarg_segment_size = 24;
  info.kernarg_segment_align = 8;
  info.group_segment_fixed_size = 256;
  info.private_segment_fixed_size = private_bytes;
  info.wavefront_size = wave32 ? 32 : 64;
  info.descriptor_address = 0x1000;
  info.code_address = 0x1100;
  info.descriptor.compute_pgm_rsrc1 = 0x00AF0041;
  info.descriptor.compute_pgm_rsrc2 = (4u << 1) | (1u << 7);  // 4 user SGPRs, workgroup id x
  info.descriptor.kernel_code_properties = (1u << 1) | (1u << 3) | (wave32 ? 1u << 10 : 0u);
  return std::make_shared<Kernel>(info, 0x5500'0000ull);
}

constexpr const char* kFamilies[] = {"gfx90a", "gfx942", "gfx1030", "gfx1100", "gfx1200"};

class EncoderTest : public ::testing::Test {
 protected:
  std::shared_ptr<Buffer> a = std::make_shared<FakeBuffer>(0x1'0000'0000ull, 64ull << 20);
  std::shared_ptr<Buffer> b = std::make_shared<FakeBuffer>(0x2'0000'0000ull, 64ull << 20);
  std::shared_ptr<Signal> sig = std::make_shared<FakeSignal>(0x3'0000'0040ull, 77);
  std::shared_ptr<Signal> quiet = std::make_shared<FakeSignal>(0x3'0000'0080ull, 0);
  Staging staging;
};

TEST_F(EncoderTest, SdmaVerbsForEveryFamily) {
  for (const char* name : kFamilies) {
    SCOPED_TRACE(name);
    const GpuFamily& fam = family(name);
    CommandBuffer cb;
    ASSERT_TRUE(cb.copy({a, 16}, {b, 32}, 1000).ok());
    ASSERT_TRUE(cb.fill({a, 0}, 4096, 0xA5A5A5A5).ok());
    ASSERT_TRUE(cb.timestamp({a, 8}).ok());
    ASSERT_TRUE(cb.barrier().ok());
    ASSERT_TRUE(cb.wait(quiet, 5).ok());
    ASSERT_TRUE(cb.signal(sig, 0x1'0000'0002ull).ok());
    Staging st;
    Encoded e = encode(cb, fam, QueueKind::kSdma, st);
    ASSERT_TRUE(e.status.ok()) << e.status.to_string();
    EXPECT_EQ(names(e.packets),
              (std::vector<std::string>{"COPY_LINEAR", "CONSTANT_FILL", "TIMESTAMP", "NOP",
                                        "POLL_REGMEM", "ATOMIC", "TRAP"}));
    EXPECT_EQ(e.packets[0].field("src_addr"), 0x2'0000'0020ull);
    EXPECT_EQ(e.packets[0].field("dst_addr"), 0x1'0000'0010ull);
    EXPECT_EQ(e.packets[1].field("data"), 0xA5A5A5A5u);
    EXPECT_EQ(e.packets[2].field("addr"), 0x1'0000'0008ull);
    EXPECT_EQ(e.packets[4].field("reference"), 5u);
    // The whole 64-bit value in one write (ATOMIC swap): nothing lands after a waiter saw it.
    EXPECT_EQ(e.packets[5].field("addr"), 0x3'0000'0040ull);
    EXPECT_EQ(e.packets[5].field("operation"), packets::kSdmaAtomicSwap64);
    EXPECT_EQ(e.packets[5].field("src_data"), 0x1'0000'0002ull);
    EXPECT_EQ(e.packets[6].field("int_context"), 77u);
    EXPECT_LE(e.dwords.size(), max_encoded_dwords(cb, {&fam, QueueKind::kSdma, true}));
  }
}

TEST_F(EncoderTest, SdmaSplitsLargeCopies) {
  const GpuFamily& fam = family("gfx942");
  CommandBuffer cb;
  const uint64_t size = 9ull << 20;  // more than two 4 MiB SDMA 4 packets
  ASSERT_TRUE(cb.copy({a, 0}, {b, 0}, size).ok());
  Encoded e = encode(cb, fam, QueueKind::kSdma, staging);
  ASSERT_TRUE(e.status.ok());
  ASSERT_EQ(e.packets.size(), 3u);
  uint64_t total = 0;
  for (const auto& p : e.packets) total += *p.field("count") + 1;
  EXPECT_EQ(total, size);
}

TEST_F(EncoderTest, Pm4VerbsForEveryFamily) {
  for (const char* name : kFamilies) {
    SCOPED_TRACE(name);
    const GpuFamily& fam = family(name);
    CommandBuffer cb;
    ASSERT_TRUE(cb.copy({a, 0}, {b, 0}, 5ull << 20).ok());  // 3 CP DMA chunks
    ASSERT_TRUE(cb.fill({a, 0}, 64, 0x12345678).ok());
    ASSERT_TRUE(cb.barrier().ok());
    ASSERT_TRUE(cb.signal(sig, 9).ok());
    ASSERT_TRUE(cb.wait(quiet, 3).ok());
    ASSERT_TRUE(cb.timestamp({b, 64}).ok());
    Encoded e = encode(cb, fam, QueueKind::kCompute, staging);
    ASSERT_TRUE(e.status.ok()) << e.status.to_string();
    const bool gfx9 = fam.pm4 == Pm4Variant::kGfx9;
    EXPECT_EQ(names(e.packets),
              (std::vector<std::string>{"DMA_DATA", "DMA_DATA", "DMA_DATA", "DMA_DATA",
                                        "EVENT_WRITE", "ACQUIRE_MEM", "RELEASE_MEM",
                                        gfx9 ? "WAIT_REG_MEM" : "WAIT_REG_MEM64", "RELEASE_MEM"}));
    uint64_t copied = 0;
    for (int i = 0; i < 3; ++i) copied += *e.packets[i].field("byte_count");
    EXPECT_EQ(copied, 5ull << 20);
    EXPECT_EQ(e.packets[2].field("src_addr"), 0x2'0000'0000ull + 2 * kCpDmaMaxBytes);
    EXPECT_EQ(e.packets[3].field("src_sel"), packets::kPm4DmaSelData);
    EXPECT_EQ(e.packets[3].field("src_addr"), 0x12345678u);
    const DecodedPacket& rel = e.packets[6];
    EXPECT_EQ(rel.field("address"), 0x3'0000'0040ull);
    EXPECT_EQ(rel.field("data"), 9u);
    EXPECT_EQ(rel.field("data_sel"), packets::kPm4DataSel64);
    EXPECT_EQ(rel.field("int_sel"), packets::kPm4IntSelAfterWriteConfirm);
    EXPECT_EQ(rel.field("int_ctxid"), 77u);
    EXPECT_EQ(e.packets[7].field("reference"), 3u);
    EXPECT_EQ(e.packets[7].field("function"), packets::kPm4WaitGreaterEqual);
    EXPECT_EQ(e.packets[8].field("data_sel"), packets::kPm4DataSelTimestamp);
    EXPECT_EQ(e.packets[8].field("int_sel"), 0u);
  }
}

TEST_F(EncoderTest, SignalsWithAMailboxWriteTheEventIdBeforeTheInterrupt) {
  auto boxed = std::make_shared<FakeSignal>(0x3'0000'0100ull, 5, 0x4'0000'0028ull);
  CommandBuffer cb;
  ASSERT_TRUE(cb.signal(boxed, 11).ok());
  for (const char* name : {"gfx942", "gfx1100"}) {
    SCOPED_TRACE(name);
    const GpuFamily& fam = family(name);
    Encoded pm4 = encode(cb, fam, QueueKind::kCompute, staging);
    ASSERT_TRUE(pm4.status.ok()) << pm4.status.to_string();
    ASSERT_EQ(names(pm4.packets), (std::vector<std::string>{"RELEASE_MEM", "RELEASE_MEM"}));
    EXPECT_EQ(pm4.packets[0].field("data"), 11u);
    EXPECT_EQ(pm4.packets[0].field("int_sel"), 0u);  // no interrupt before the slot is written
    EXPECT_EQ(pm4.packets[1].field("address"), 0x4'0000'0028ull);
    EXPECT_EQ(pm4.packets[1].field("data"), 5u);
    EXPECT_EQ(pm4.packets[1].field("data_sel"), packets::kPm4DataSel32);
    EXPECT_EQ(pm4.packets[1].field("int_sel"), packets::kPm4IntSelAfterWriteConfirm);
    EXPECT_EQ(pm4.packets[1].field("int_ctxid"), 5u);
    Encoded sdma = encode(cb, fam, QueueKind::kSdma, staging);
    ASSERT_TRUE(sdma.status.ok()) << sdma.status.to_string();
    ASSERT_EQ(names(sdma.packets), (std::vector<std::string>{"ATOMIC", "FENCE", "TRAP"}));
    EXPECT_EQ(sdma.packets[0].field("src_data"), 11u);
    EXPECT_EQ(sdma.packets[1].field("addr"), 0x4'0000'0028ull);
    EXPECT_EQ(sdma.packets[1].field("data"), 5u);
    EXPECT_EQ(sdma.packets[2].field("int_context"), 5u);
  }
}

TEST_F(EncoderTest, Gfx9WaitsAboveTwoToThe32AreRefusedWithoutWritingAnything) {
  CommandBuffer cb;
  ASSERT_TRUE(cb.signal(sig, 1).ok());
  ASSERT_TRUE(cb.wait(quiet, 1ull << 33).ok());
  const GpuFamily& fam = family("gfx942");
  std::array<uint32_t, 64> storage{};
  packets::PacketStream out(storage);
  Status st = encode_commands(cb, {&fam, QueueKind::kCompute, true}, staging.arena, out);
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_NE(st.message().find("command 1 (wait) on a compute queue of gfx942"), std::string::npos)
      << st.message();
  EXPECT_EQ(out.size(), 0u);
  // gfx1100 has WAIT_REG_MEM64.
  Encoded e = encode(cb, family("gfx1100"), QueueKind::kCompute, staging);
  ASSERT_TRUE(e.status.ok()) << e.status.to_string();
  EXPECT_EQ(e.packets[1].field("reference"), 1ull << 33);
}

TEST_F(EncoderTest, DispatchOnSdmaIsRefused) {
  CommandBuffer cb;
  ASSERT_TRUE(
      cb.dispatch(test_kernel(false), {64, 1, 1}, {64, 1, 1}, std::vector<uint8_t>(24)).ok());
  Encoded e = encode(cb, family("gfx942"), QueueKind::kSdma, staging);
  EXPECT_EQ(e.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(e.status.message().find("command 0 (dispatch) on a sdma queue"), std::string::npos)
      << e.status.message();
  EXPECT_TRUE(e.dwords.empty());
}

TEST_F(EncoderTest, Pm4DispatchProgramsRegistersAndPlacesPacketAndKernargs) {
  for (const char* name : kFamilies) {
    SCOPED_TRACE(name);
    const GpuFamily& fam = family(name);
    const bool wave32 = fam.default_wave_size == 32;
    std::vector<uint8_t> args(24);
    for (size_t i = 0; i < args.size(); ++i) args[i] = static_cast<uint8_t>(i * 3 + 1);
    CommandBuffer cb;
    ASSERT_TRUE(cb.dispatch(test_kernel(wave32), {256, 4, 1}, {64, 2, 1}, args).ok());
    Staging st;
    Encoded e = encode(cb, fam, QueueKind::kCompute, st);
    ASSERT_TRUE(e.status.ok()) << e.status.to_string();
    // Collect every SET_SH_REG write into a register map.
    std::map<uint32_t, uint32_t> regs;
    size_t pos = 0;
    for (const auto& p : e.packets) {
      if (p.name == "SET_SH_REG") {
        const uint32_t first =
            packets::kPm4ShRegBase + static_cast<uint32_t>(*p.field("reg_offset"));
        for (size_t i = 0; i + 2 < p.dwords; ++i) regs[first + i] = e.dwords[pos + 2 + i];
      }
      pos += p.dwords;
    }
    ASSERT_EQ(e.packets.back().name, "DISPATCH_DIRECT");
    EXPECT_EQ(e.packets.back().field("dim_x"), 4u);
    EXPECT_EQ(e.packets.back().field("dim_y"), 2u);
    EXPECT_EQ(e.packets.back().field("dim_z"), 1u);
    const uint32_t initiator = static_cast<uint32_t>(*e.packets.back().field("dispatch_initiator"));
    EXPECT_EQ((initiator & packets::kDispatchInitiatorCsW32En) != 0, wave32);
    const uint64_t code = 0x5500'0000ull + 0x1100;
    EXPECT_EQ(regs[packets::kRegComputePgmLo], static_cast<uint32_t>(code >> 8));
    EXPECT_EQ(regs[packets::kRegComputePgmRsrc1], 0x00AF0041u);
    // 256 bytes of LDS = 1 granule of 512 bytes in RSRC2.LDS_SIZE (bits 23:15).
    EXPECT_EQ(regs[packets::kRegComputePgmRsrc2], ((4u << 1) | (1u << 7)) | (1u << 15));
    EXPECT_EQ(regs[packets::kRegComputeNumThreadX], 64u);
    EXPECT_EQ(regs[packets::kRegComputeNumThreadX + 1], 2u);
    // USER_DATA_0/1: dispatch packet; 2/3: kernarg segment.
    const uint64_t packet = regs[packets::kRegComputeUserData0] |
                            uint64_t{regs[packets::kRegComputeUserData0 + 1]} << 32;
    const uint64_t kernargs = regs[packets::kRegComputeUserData0 + 2] |
                              uint64_t{regs[packets::kRegComputeUserData0 + 3]} << 32;
    EXPECT_EQ(packet % 64, 0u);
    EXPECT_EQ(kernargs % 16, 0u);
    auto pkt = st.read<packets::AqlKernelDispatchPacket>(packet);
    EXPECT_EQ(pkt.grid_size_x, 256u);
    EXPECT_EQ(pkt.grid_size_y, 4u);
    EXPECT_EQ(pkt.workgroup_size_x, 64u);
    EXPECT_EQ(pkt.group_segment_size, 256u);
    EXPECT_EQ(pkt.kernarg_address, kernargs);
    EXPECT_EQ(pkt.kernel_object, 0x5500'0000ull + 0x1000);
    for (size_t i = 0; i < args.size(); ++i) {
      EXPECT_EQ(st.read<uint8_t>(kernargs + i), args[i]) << "kernarg byte " << i;
    }
  }
}

TEST_F(EncoderTest, Pm4DispatchNeedsWholeWorkgroupsAndNoScratch) {
  CommandBuffer partial;
  ASSERT_TRUE(
      partial.dispatch(test_kernel(false), {100, 1, 1}, {64, 1, 1}, std::vector<uint8_t>(24)).ok());
  Encoded e = encode(partial, family("gfx942"), QueueKind::kCompute, staging);
  EXPECT_EQ(e.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(e.status.message().find("not a multiple of the workgroup size"), std::string::npos);
  // The same dispatch is fine on an AQL queue, which launches partial workgroups.
  Encoded aql = encode(partial, family("gfx942"), QueueKind::kComputeAql, staging);
  ASSERT_TRUE(aql.status.ok()) << aql.status.to_string();
  EXPECT_EQ(aql.packets[0].field("grid_size_x"), 100u);

  CommandBuffer scratch;
  ASSERT_TRUE(
      scratch.dispatch(test_kernel(false, 16), {64, 1, 1}, {64, 1, 1}, std::vector<uint8_t>(24))
          .ok());
  Encoded s = encode(scratch, family("gfx942"), QueueKind::kCompute, staging);
  EXPECT_EQ(s.status.code(), StatusCode::kUnimplemented);
  EXPECT_NE(s.status.message().find("needs scratch memory (16 bytes"), std::string::npos);

  CommandBuffer short_args;
  ASSERT_TRUE(
      short_args.dispatch(test_kernel(false), {64, 1, 1}, {64, 1, 1}, std::vector<uint8_t>(8))
          .ok());
  Encoded sa = encode(short_args, family("gfx942"), QueueKind::kComputeAql, staging);
  EXPECT_EQ(sa.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sa.status.message().find("24 bytes of kernel arguments, got 8"), std::string::npos);
}

TEST_F(EncoderTest, AqlVerbsUseDispatchBarrierAndPm4IbPackets) {
  for (const char* name : {"gfx90a", "gfx942", "gfx1100"}) {
    SCOPED_TRACE(name);
    const GpuFamily& fam = family(name);
    CommandBuffer cb;
    ASSERT_TRUE(cb.dispatch(test_kernel(fam.default_wave_size == 32), {128, 1, 1}, {64, 1, 1},
                            std::vector<uint8_t>(24, 7))
                    .ok());
    ASSERT_TRUE(cb.barrier().ok());
    ASSERT_TRUE(cb.signal(sig, 42).ok());
    ASSERT_TRUE(cb.copy({a, 0}, {b, 0}, 100).ok());
    Staging st;
    Encoded e = encode(cb, fam, QueueKind::kComputeAql, st);
    ASSERT_TRUE(e.status.ok()) << e.status.to_string();
    ASSERT_EQ(names(e.packets),
              (std::vector<std::string>{"KERNEL_DISPATCH", "BARRIER_AND", "PM4_IB", "PM4_IB"}));
    EXPECT_EQ(e.packets[0].field("kernel_object"), 0x5500'0000ull + 0x1000);
    EXPECT_EQ(e.packets[1].field("barrier"), 1u);
    EXPECT_EQ(e.packets[2].field("barrier"), 1u);  // a signal waits for earlier packets
    // Follow the signal's IB: one RELEASE_MEM writing 42 with the event id.
    const uint64_t ib =
        *e.packets[2].field("ib_command_1") | (*e.packets[2].field("ib_command_2") & 0xFFFF) << 32;
    const uint32_t ib_dwords = *e.packets[2].field("ib_command_3") & 0xFFFFF;
    auto ib_packets = packets::decode(Engine::kPm4, fam, st.dwords(ib, ib_dwords));
    ASSERT_EQ(ib_packets.size(), 1u);
    EXPECT_EQ(ib_packets[0].name, "RELEASE_MEM");
    EXPECT_EQ(ib_packets[0].field("data"), 42u);
    EXPECT_EQ(ib_packets[0].field("int_ctxid"), 77u);
    // The copy's IB holds a DMA_DATA.
    const uint64_t ib2 =
        *e.packets[3].field("ib_command_1") | (*e.packets[3].field("ib_command_2") & 0xFFFF) << 32;
    auto copy_packets = packets::decode(Engine::kPm4, fam, st.dwords(ib2, 7));
    ASSERT_EQ(copy_packets.size(), 1u);
    EXPECT_EQ(copy_packets[0].name, "DMA_DATA");
    EXPECT_EQ(copy_packets[0].field("byte_count"), 100u);
  }
}

TEST_F(EncoderTest, OutputTooSmallWritesNothing) {
  CommandBuffer cb;
  ASSERT_TRUE(cb.copy({a, 0}, {b, 0}, 64).ok());
  ASSERT_TRUE(cb.signal(sig, 1).ok());
  const GpuFamily& fam = family("gfx1100");
  std::array<uint32_t, 10> storage{};  // the copy fits, the signal does not
  packets::PacketStream out(storage);
  Status st = encode_commands(cb, {&fam, QueueKind::kSdma, true}, staging.arena, out);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(out.size(), 0u);
  for (uint32_t d : storage) EXPECT_EQ(d, 0u);
}

TEST_F(EncoderTest, StagingArenaAlignsAndReportsExhaustion) {
  std::vector<uint8_t> mem(256);
  ArenaStaging arena(mem.data(), 0x1000, mem.size());
  const uint8_t bytes[3] = {1, 2, 3};
  auto first = arena.place(bytes, 4);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 0x1000u);
  auto second = arena.place(bytes, 64);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 0x1040u);
  EXPECT_EQ(mem[0x40 + 2], 3);
  std::vector<uint8_t> big(200);
  auto third = arena.place(big, 16);
  EXPECT_EQ(third.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(arena.place(bytes, 3).status().code(), StatusCode::kInvalidArgument);
}

TEST(CommandBuffer, RecordingValidatesArguments) {
  auto buf = std::make_shared<FakeBuffer>(0x1000, 4096);
  CommandBuffer cb;
  EXPECT_EQ(cb.copy({buf, 4000}, {buf, 0}, 200).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(cb.copy({buf, 0}, {buf, 0}, 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cb.fill({buf, 2}, 8, 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cb.timestamp({buf, 4}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cb.dispatch(nullptr, {1, 1, 1}, {1, 1, 1}, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cb.dispatch(test_kernel(false), {64, 1, 1}, {64, 32, 1}, {}).code(),
            StatusCode::kInvalidArgument);  // 2048 work-items per workgroup
  EXPECT_EQ(cb.signal(nullptr, 1).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(cb.empty());
}

}  // namespace
}  // namespace amdhal
