// ISA decoder: agrees with llvm-objdump-19 on instruction boundaries and mnemonics for every
// instruction of every gfx942 kernel in the corpus; table rows agree with llvm-mc-19; illegal and
// truncated words give errors, not crashes.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "isa/kernel_files.h"

namespace amdhal::sim::isa {
namespace {

using testing::kernel_dir;
using testing::read_file;

std::string run_command(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

bool have_tool(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

const IsaTarget& gfx942() {
  auto t = find_isa_target("gfx942");
  EXPECT_TRUE(t.ok());
  return **t;
}

struct ObjdumpInst {
  uint64_t address;
  std::string mnemonic;
  uint32_t words;
  std::string line;
};

// Instruction lines look like
//   "\tv_add_f32_e32 v0, v1, v2                 // 000000001A04: 02000501"
std::vector<ObjdumpInst> objdump(const std::string& path, const std::string& mcpu) {
  std::vector<ObjdumpInst> out;
  const std::string text = run_command("llvm-objdump-19 -d --mcpu=" + mcpu + " '" + path + "'");
  std::istringstream in(text);
  std::string line;
  static const std::regex re(
      R"(^\s+([a-z_0-9]+)\b.*//\s*([0-9A-Fa-f]+):((?:\s+[0-9A-Fa-f]{8})+)\s*(<.*>)?\s*$)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, re)) continue;
    ObjdumpInst i;
    i.mnemonic = m[1];
    i.address = std::stoull(m[2], nullptr, 16);
    std::istringstream ws(m[3].str());
    std::string w;
    i.words = 0;
    while (ws >> w) ++i.words;
    i.line = line;
    out.push_back(i);
  }
  return out;
}

std::vector<std::string> gfx942_kernels() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(kernel_dir(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.find("-gfx942") != std::string::npos && e.path().extension() == ".hsaco") {
      files.push_back(name);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(SimIsaDecode, AgreesWithObjdumpOnEveryCorpusInstruction) {
  if (!have_tool("llvm-objdump-19")) GTEST_SKIP() << "llvm-objdump-19 not installed";
  const auto files = gfx942_kernels();
  ASSERT_FALSE(files.empty()) << "no gfx942 kernels in " << kernel_dir();
  size_t total = 0;
  std::set<std::string> mnemonics;
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    const auto bytes = read_file(kernel_dir() + "/" + file);
    auto co = CodeObject::load(bytes);
    ASSERT_TRUE(co.ok()) << co.status().to_string();
    std::vector<uint8_t> image(co->image_size());
    ASSERT_TRUE(co->copy_image(image).ok());
    const auto insts = objdump(kernel_dir() + "/" + file, "gfx942");
    ASSERT_FALSE(insts.empty());
    for (const ObjdumpInst& ref : insts) {
      ASSERT_LT(ref.address + 4 * ref.words, image.size() + 1);
      uint32_t words[3] = {};
      const size_t avail = std::min<size_t>(3, (image.size() - ref.address) / 4);
      std::memcpy(words, image.data() + ref.address, avail * 4);
      auto in = decode(gfx942(), std::span<const uint32_t>(words, avail), ref.address);
      ASSERT_TRUE(in.ok()) << ref.line << ": " << in.status().to_string();
      EXPECT_EQ(in->size, ref.words * 4) << ref.line << "\n  decoded " << in->describe();
      EXPECT_EQ(in->mnemonic(), ref.mnemonic) << ref.line << "\n  decoded " << in->describe();
      mnemonics.insert(ref.mnemonic);
      ++total;
    }
  }
  RecordProperty("instructions", static_cast<int>(total));
  RecordProperty("mnemonics", static_cast<int>(mnemonics.size()));
  EXPECT_GT(total, 1000u);
}

// Every row of the gfx942 tables names the instruction llvm-mc-19 disassembles for an encoding
// built from that row (boundaries aside, this is the table's own cross-check).
TEST(SimIsaDecode, TableRowsAgreeWithLlvmMc) {
  if (!have_tool("llvm-mc-19")) GTEST_SKIP() << "llvm-mc-19 not installed";
  const IsaTarget& t = gfx942();
  // Each row gets one or more probe encodings (operand fields LLVM accepts differ by op);
  // the row passes if any of its probes disassembles to its mnemonic.
  struct Probe {
    size_t row;
    std::vector<uint32_t> words;
  };
  std::vector<std::string> rows;
  std::vector<Probe> probes;
  auto add_variants = [&](const OpInfo& r, std::vector<std::vector<uint32_t>> variants,
                          std::string suffix) {
    rows.push_back(std::string(r.name) + suffix);
    for (auto& v : variants) probes.push_back({rows.size() - 1, std::move(v)});
  };
  auto add = [&](const OpInfo& r, std::vector<uint32_t> w, std::string suffix) {
    add_variants(r, {std::move(w)}, std::move(suffix));
  };
  const uint32_t lit = 0x3F800000;
  for (const OpInfo& r : instruction_table(t, Encoding::kSop2)) {
    const uint32_t w0 = 0x80000000u | (uint32_t{r.opcode} << 23);
    add_variants(r, {{w0 | (2u << 16) | (4u << 8) | 6u}, {w0 | (4u << 8) | 6u}}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSop1)) {
    const uint32_t w0 = 0xBE800000u | (uint32_t{r.opcode} << 8);
    add_variants(r, {{w0 | (2u << 16) | 4u}, {w0 | 4u}, {w0 | (2u << 16)}}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSopc)) {
    add(r, {0xBF000000u | (uint32_t{r.opcode} << 16) | (4u << 8) | 2u}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSopk)) {
    const uint32_t w0 = 0xB0000000u | (uint32_t{r.opcode} << 23);
    if (r.flags & kOpKLiteral) {
      add_variants(r, {{w0 | 0x0801u, lit}}, "");
    } else {
      add_variants(r, {{w0 | (2u << 16) | 4u}, {w0 | (2u << 16) | 0x0801u}}, "");
    }
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSopp)) {
    add(r, {0xBF800000u | (uint32_t{r.opcode} << 16)}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSmem)) {
    const uint32_t w0 = 0xC0000000u | (uint32_t{r.opcode} << 18);
    add_variants(r, {{w0 | (1u << 17) | (4u << 6) | 1u, 0x10}, {w0 | (4u << 6), 0}, {w0, 0}}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVop1)) {
    const bool vopnone = r.src[0] == OperandType::kNone;
    add(r, {0x7E000000u | (uint32_t{r.opcode} << 9) | (vopnone ? 0u : (2u << 17) | 0x102u)},
        (r.flags & kOpNoSuffix) ? "" : "_e32");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVop2)) {
    std::vector<uint32_t> w{(uint32_t{r.opcode} << 25) | (2u << 17) | (2u << 9) | 0x102u};
    if (r.flags & kOpKLiteral) w.push_back(lit);
    add(r, w, (r.flags & kOpNoSuffix) ? "" : "_e32");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVopc)) {
    add(r, {0x7C000000u | (uint32_t{r.opcode} << 17) | (2u << 9) | 0x102u}, "_e32");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kDs)) {
    const uint32_t w0 = 0xD8000000u | (uint32_t{r.opcode} << 17);
    std::vector<std::vector<uint32_t>> v;
    for (uint32_t w1 : {0x01u | (2u << 8) | (3u << 16) | (4u << 24), 0x01u | (2u << 8) | (3u << 16),
                        0x01u | (2u << 8), 0x01u | (4u << 24), 0x01u, 0u, 4u << 24,
                        0x01u | (2u << 8) | (4u << 24)}) {
      v.push_back({w0, w1});
    }
    add_variants(r, std::move(v), "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVop3)) {
    const uint32_t w0 = 0xD0000000u | (uint32_t{r.opcode} << 16) | 4u;
    std::vector<std::vector<uint32_t>> v;
    for (uint32_t s2 : {0x103u, 0x80u, 0u}) v.push_back({w0, 0x101u | (0x102u << 9) | (s2 << 18)});
    v.push_back({w0, 0x101u});
    v.push_back({w0, 0u});
    v.push_back({w0 & ~0xFFu, 0u});
    add_variants(r, std::move(v),
                 (r.flags & kOpNoSuffix)   ? ""
                 : (r.flags & kOpPromoted) ? "_e64"
                                           : "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVop3p)) {
    const uint32_t w0 = 0xD3800000u | (uint32_t{r.opcode} << 16) | 4u;
    std::vector<std::vector<uint32_t>> v;
    for (uint32_t s2 : {0x103u, 0x80u, 0u}) {
      v.push_back({w0, 0x102u | (0x104u << 9) | (s2 << 18)});
      v.push_back({w0 | (1u << 14), 0x102u | (0x104u << 9) | (s2 << 18) | (3u << 27)});
    }
    v.push_back({w0 | (1u << 14), 0x102u | (3u << 27)});
    add_variants(r, std::move(v), "");
  }
  for (Encoding e : {Encoding::kGlobal, Encoding::kScratch}) {
    for (const OpInfo& r : instruction_table(t, e)) {
      const uint32_t seg = e == Encoding::kGlobal ? 2 : 1;
      const uint32_t w0 = 0xDC000000u | (seg << 14) | (uint32_t{r.opcode} << 18);
      const uint32_t w1 = 0x02u | (3u << 8) | (0x7Fu << 16) | (4u << 24);
      add_variants(r, {{w0, w1}, {w0 | (1u << 13), w1}, {w0 | (1u << 16), w1}}, "");
    }
  }
  // One llvm-mc run for everything: each probe is followed by a marker instruction
  // (s_mov_b32 s0, <literal index>), so a probe LLVM rejects shows as an empty slot.
  const std::string in_path = ::testing::TempDir() + "/sim_isa_probes.txt";
  {
    std::ofstream f(in_path);
    auto emit = [&](uint32_t w) {
      for (int b = 0; b < 4; ++b) {
        char hex[8];
        std::snprintf(hex, sizeof(hex), "0x%02x ", (w >> (8 * b)) & 0xFF);
        f << hex;
      }
    };
    for (size_t i = 0; i < probes.size(); ++i) {
      for (uint32_t w : probes[i].words) emit(w);
      f << '\n';
      emit(0xBE8000FFu);  // s_mov_b32 s0, literal
      emit(0x5A000000u + static_cast<uint32_t>(i));
      f << '\n';
    }
  }
  const std::string out = run_command("llvm-mc-19 --disassemble -arch=amdgcn -mcpu=gfx942 '" +
                                      in_path + "' 2>/dev/null");
  std::vector<std::string> got(probes.size(), "<invalid>");
  std::istringstream lines(out);
  std::string line;
  std::string pending;
  while (std::getline(lines, line)) {
    std::istringstream ls(line);
    std::string m;
    ls >> m;
    if (m.empty() || m == ".text") continue;
    if (m == "s_mov_b32" && line.find("0x5a") != std::string::npos) {
      const size_t idx = std::stoul(line.substr(line.find("0x5a")), nullptr, 16) - 0x5A000000u;
      if (idx < got.size() && !pending.empty()) got[idx] = pending;
      pending.clear();
      continue;
    }
    if (pending.empty()) pending = m;
  }
  std::vector<bool> matched(rows.size(), false);
  std::vector<std::string> seen(rows.size());
  for (size_t i = 0; i < probes.size(); ++i) {
    if (got[i] == rows[probes[i].row]) matched[probes[i].row] = true;
    if (seen[probes[i].row].empty()) seen[probes[i].row] = got[i];
  }
  size_t mismatches = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (matched[r]) continue;
    ++mismatches;
    ADD_FAILURE() << "table row " << rows[r] << " disassembles as " << seen[r];
  }
  RecordProperty("rows", static_cast<int>(rows.size()));
  EXPECT_EQ(mismatches, 0u);
}

TEST(SimIsaDecode, IllegalAndTruncatedWords) {
  const IsaTarget& t = gfx942();
  // 0xFFFFFFFF matches no GFX9 encoding.
  const uint32_t bad[] = {0xFFFFFFFFu, 0};
  auto r = decode(t, bad, 0x1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("0xffffffff"), std::string::npos) << r.status().message();
  // A VOP3 word without its second dword.
  const uint32_t vop3[] = {0xD1550004u};
  auto t1 = decode(t, vop3, 0x2000);
  ASSERT_FALSE(t1.ok());
  EXPECT_EQ(t1.status().code(), StatusCode::kDataLoss);
  // A literal that is missing.
  const uint32_t lit[] = {0x7E0002FFu};  // v_mov_b32 v0, <literal>
  EXPECT_FALSE(decode(t, lit, 0).ok());
  // A known encoding with an opcode missing from the tables decodes with no row.
  const uint32_t vop3_unknown[] = {0xD0000000u | (0x2FFu << 16), 0};
  auto u = decode(t, std::span<const uint32_t>(vop3_unknown, 2), 0);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->info, nullptr);
  EXPECT_EQ(u->size, 8);
}

TEST(SimIsaDecode, TargetsAndRefusals) {
  EXPECT_TRUE(find_isa_target("gfx942:sramecc+:xnack-").ok());
  auto t = find_isa_target("gfx803");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("gfx942"), std::string::npos);
  auto fam = find_family("gfx1100");
  ASSERT_TRUE(fam.ok());
  auto ex = make_isa_executor(**fam);
  ASSERT_FALSE(ex.ok());
  EXPECT_EQ(ex.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(ex.status().message().find("gfx942"), std::string::npos) << ex.status().message();
}

}  // namespace
}  // namespace amdhal::sim::isa
