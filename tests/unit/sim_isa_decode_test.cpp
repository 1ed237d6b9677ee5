// ISA decoder: agrees with llvm-objdump-19 on instruction boundaries and mnemonics for every
// instruction of every gfx942 and gfx1100 kernel in the corpus; table rows agree with llvm-mc-19;
// illegal and truncated words give errors, not crashes.
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

const IsaTarget& target(std::string_view name) {
  auto t = find_isa_target(name);
  EXPECT_TRUE(t.ok());
  return **t;
}
const IsaTarget& gfx942() {
  return target("gfx942");
}
const IsaTarget& gfx1100() {
  return target("gfx1100");
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

// Corpus code objects of a target: "<kernel>-<target>[-variant].hsaco" (for gfx1100 also the
// gfx11-generic build, which gfx1100 runs).
std::vector<std::string> corpus_kernels(const std::string& target) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(kernel_dir(), ec)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".hsaco") continue;
    if (name.find("-" + target) != std::string::npos ||
        (target == "gfx1100" && name.find("-gfx11-generic") != std::string::npos)) {
      files.push_back(name);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Decodes every instruction llvm-objdump-19 prints for the corpus of `mcpu` and compares
// boundaries and mnemonics.
void check_corpus_against_objdump(const std::string& mcpu) {
  if (!have_tool("llvm-objdump-19")) GTEST_SKIP() << "llvm-objdump-19 not installed";
  const IsaTarget& t = target(mcpu);
  const auto files = corpus_kernels(mcpu);
  ASSERT_FALSE(files.empty()) << "no " << mcpu << " kernels in " << kernel_dir();
  size_t total = 0;
  std::set<std::string> mnemonics;
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    const auto bytes = read_file(kernel_dir() + "/" + file);
    auto co = CodeObject::load(bytes);
    ASSERT_TRUE(co.ok()) << co.status().to_string();
    std::vector<uint8_t> image(co->image_size());
    ASSERT_TRUE(co->copy_image(image).ok());
    const auto insts = objdump(kernel_dir() + "/" + file, mcpu);
    ASSERT_FALSE(insts.empty());
    for (const ObjdumpInst& ref : insts) {
      ASSERT_LT(ref.address + 4 * ref.words, image.size() + 1);
      uint32_t words[3] = {};
      const size_t avail = std::min<size_t>(3, (image.size() - ref.address) / 4);
      std::memcpy(words, image.data() + ref.address, avail * 4);
      auto in = decode(t, std::span<const uint32_t>(words, avail), ref.address);
      ASSERT_TRUE(in.ok()) << ref.line << ": " << in.status().to_string();
      EXPECT_EQ(in->size, ref.words * 4) << ref.line << "\n  decoded " << in->describe();
      EXPECT_EQ(in->mnemonic(), ref.mnemonic) << ref.line << "\n  decoded " << in->describe();
      if (in->encoding == Encoding::kVopd) {
        // The Y component: "v_dual_x ... :: v_dual_y ...".
        const size_t sep = ref.line.find(":: ");
        ASSERT_NE(sep, std::string::npos) << ref.line;
        std::istringstream ys(ref.line.substr(sep + 3));
        std::string y;
        ys >> y;
        ASSERT_NE(in->info_y, nullptr) << ref.line;
        EXPECT_EQ(std::string(in->info_y->name), y) << ref.line;
      }
      mnemonics.insert(ref.mnemonic);
      ++total;
    }
  }
  ::testing::Test::RecordProperty("instructions", static_cast<int>(total));
  ::testing::Test::RecordProperty("mnemonics", static_cast<int>(mnemonics.size()));
  EXPECT_GT(total, 1000u);
}

TEST(SimIsaDecode, AgreesWithObjdumpOnEveryCorpusInstruction) {
  check_corpus_against_objdump("gfx942");
}

TEST(SimIsaDecode, Gfx1100AgreesWithObjdumpOnEveryCorpusInstruction) {
  check_corpus_against_objdump("gfx1100");
}

// Table rows vs llvm-mc-19: each row gets one or more probe encodings (operand fields LLVM
// accepts differ by op); the row passes if any of its probes disassembles to its mnemonic (for a
// VOPD Y probe: to "... :: <mnemonic> ...").
struct Probe {
  size_t row;
  std::vector<uint32_t> words;
  bool vopd_y = false;
};
struct ProbeSet {
  std::vector<std::string> rows;
  std::vector<Probe> probes;
  void add_variants(const OpInfo& r, std::vector<std::vector<uint32_t>> variants,
                    const std::string& suffix, bool vopd_y = false) {
    rows.push_back(std::string(r.name) + suffix);
    for (auto& v : variants) probes.push_back({rows.size() - 1, std::move(v), vopd_y});
  }
  void add(const OpInfo& r, std::vector<uint32_t> w, const std::string& suffix) {
    add_variants(r, {std::move(w)}, suffix);
  }
};

void check_probes(const ProbeSet& set, const std::string& mcpu) {
  const auto& rows = set.rows;
  const auto& probes = set.probes;
  // One llvm-mc run for everything: each probe is followed by a marker instruction
  // (s_mov_b32 s0, <literal index>), so a probe LLVM rejects shows as an empty slot.
  const std::string in_path = ::testing::TempDir() + "/sim_isa_probes_" + mcpu + ".txt";
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
  const std::string out = run_command("llvm-mc-19 --disassemble -arch=amdgcn -mcpu=" + mcpu + " '" +
                                      in_path + "' 2>/dev/null");
  std::vector<std::string> got(probes.size(), "<invalid>");
  std::istringstream lines(out);
  std::string line;
  std::string pending, pending_line;
  std::vector<std::string> got_y(probes.size());
  while (std::getline(lines, line)) {
    std::istringstream ls(line);
    std::string m;
    ls >> m;
    if (m.empty() || m == ".text") continue;
    if (m == "s_mov_b32" && line.find("0x5a") != std::string::npos) {
      const size_t idx = std::stoul(line.substr(line.find("0x5a")), nullptr, 16) - 0x5A000000u;
      if (idx < got.size() && !pending.empty()) {
        got[idx] = pending;
        const size_t sep = pending_line.find(":: ");
        if (sep != std::string::npos) {
          std::istringstream ys(pending_line.substr(sep + 3));
          ys >> got_y[idx];
        }
      }
      pending.clear();
      continue;
    }
    if (pending.empty()) {
      pending = m;
      pending_line = line;
    }
  }
  std::vector<bool> matched(rows.size(), false);
  std::vector<std::string> seen(rows.size());
  for (size_t i = 0; i < probes.size(); ++i) {
    const std::string& g = probes[i].vopd_y ? got_y[i] : got[i];
    if (g == rows[probes[i].row]) matched[probes[i].row] = true;
    if (seen[probes[i].row].empty()) seen[probes[i].row] = g;
  }
  size_t mismatches = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    if (matched[r]) continue;
    ++mismatches;
    ADD_FAILURE() << "table row " << rows[r] << " disassembles as " << seen[r];
  }
  ::testing::Test::RecordProperty("rows", static_cast<int>(rows.size()));
  EXPECT_EQ(mismatches, 0u);
}

// Every row of the gfx942 tables names the instruction llvm-mc-19 disassembles for an encoding
// built from that row (boundaries aside, this is the table's own cross-check).
TEST(SimIsaDecode, TableRowsAgreeWithLlvmMc) {
  if (!have_tool("llvm-mc-19")) GTEST_SKIP() << "llvm-mc-19 not installed";
  const IsaTarget& t = gfx942();
  ProbeSet ps;
  auto add_variants = [&](const OpInfo& r, std::vector<std::vector<uint32_t>> variants,
                          std::string suffix) { ps.add_variants(r, std::move(variants), suffix); };
  auto add = [&](const OpInfo& r, std::vector<uint32_t> w, std::string suffix) {
    ps.add(r, std::move(w), suffix);
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
  check_probes(ps, "gfx942");
}

// The same for every row of the gfx1100 tables, with the gfx11 field layouts.
TEST(SimIsaDecode, Gfx11TableRowsAgreeWithLlvmMc) {
  if (!have_tool("llvm-mc-19")) GTEST_SKIP() << "llvm-mc-19 not installed";
  const IsaTarget& t = gfx1100();
  ProbeSet ps;
  auto suffix = [](const OpInfo& r, const char* s) {
    return (r.flags & kOpNoSuffix) ? std::string() : std::string(s);
  };
  const uint32_t lit = 0x3F800000;
  for (const OpInfo& r : instruction_table(t, Encoding::kSop2)) {
    const uint32_t w0 = 0x80000000u | (uint32_t{r.opcode} << 23);
    ps.add_variants(r, {{w0 | (2u << 16) | (4u << 8) | 6u}, {w0 | (4u << 8) | 6u}}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSop1)) {
    const uint32_t w0 = 0xBE800000u | (uint32_t{r.opcode} << 8);
    ps.add_variants(r, {{w0 | (2u << 16) | 4u}, {w0 | 4u}, {w0 | (2u << 16)}}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSopc)) {
    ps.add(r, {0xBF000000u | (uint32_t{r.opcode} << 16) | (4u << 8) | 2u}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSopk)) {
    const uint32_t w0 = 0xB0000000u | (uint32_t{r.opcode} << 23);
    if (r.flags & kOpKLiteral) {
      ps.add_variants(r, {{w0 | 0x0801u, lit}}, "");
    } else {
      ps.add_variants(r, {{w0 | (2u << 16) | 4u}, {w0 | (2u << 16) | 0x0801u}, {w0 | (124u << 16)}},
                      "");
    }
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSopp)) {
    ps.add(r, {0xBF800000u | (uint32_t{r.opcode} << 16)}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kSmem)) {
    const uint32_t w0 = 0xF4000000u | (uint32_t{r.opcode} << 18);
    ps.add_variants(
        r, {{w0 | (4u << 6) | 1u, 0xF8000010u}, {w0 | (4u << 6) | 2u, 0xF8000010u}, {w0, 0}}, "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVop1)) {
    const bool vopnone = r.src[0] == OperandType::kNone;
    ps.add(r, {0x7E000000u | (uint32_t{r.opcode} << 9) | (vopnone ? 0u : (2u << 17) | 0x102u)},
           suffix(r, "_e32"));
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVop2)) {
    std::vector<uint32_t> w{(uint32_t{r.opcode} << 25) | (2u << 17) | (2u << 9) | 0x102u};
    if (r.flags & kOpKLiteral) w.push_back(lit);
    ps.add(r, w, suffix(r, "_e32"));
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVopc)) {
    ps.add(r, {0x7C000000u | (uint32_t{r.opcode} << 17) | (2u << 9) | 0x102u}, "_e32");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kDs)) {
    const uint32_t w0 = 0xD8000000u | (uint32_t{r.opcode} << 18);
    std::vector<std::vector<uint32_t>> v;
    for (uint32_t w1 : {0x01u | (2u << 8) | (3u << 16) | (4u << 24), 0x01u | (2u << 8) | (3u << 16),
                        0x01u | (2u << 8), 0x01u | (4u << 24), 0x01u, 0u, 4u << 24,
                        0x01u | (2u << 8) | (4u << 24)}) {
      v.push_back({w0, w1});
    }
    ps.add_variants(r, std::move(v), "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVop3)) {
    const uint32_t w0 = 0xD4000000u | (uint32_t{r.opcode} << 16);
    std::vector<std::vector<uint32_t>> v;
    for (uint32_t dst : {4u, 0x7Eu, 0x6Au}) {
      for (uint32_t s2 : {0x103u, 0x80u, 0x6Au, 0u}) {
        v.push_back({w0 | dst, 0x101u | (0x102u << 9) | (s2 << 18)});
      }
      v.push_back({w0 | dst, 0x101u});
      v.push_back({w0 | dst, 0u});
    }
    v.push_back({w0 | (0x6Au << 8) | 4u, 0x101u | (0x102u << 9) | (0x103u << 18)});
    v.push_back({w0 | (0x6Au << 8) | 4u, 0x101u | (0x102u << 9)});
    v.push_back({w0, 0u});
    ps.add_variants(r, std::move(v),
                    (r.flags & kOpNoSuffix)   ? ""
                    : (r.flags & kOpPromoted) ? "_e64"
                                              : "");
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kVop3p)) {
    const uint32_t w0 = 0xCC000000u | (uint32_t{r.opcode} << 16) | 4u;
    std::vector<std::vector<uint32_t>> v;
    for (uint32_t s2 : {0x103u, 0x80u, 0u}) {
      v.push_back({w0, 0x102u | (0x104u << 9) | (s2 << 18)});
      v.push_back({w0 | (1u << 14), 0x102u | (0x104u << 9) | (s2 << 18) | (3u << 27)});
      v.push_back({w0 | (1u << 14), 0x108u | (0x110u << 9) | (0x118u << 18) | (3u << 27)});
    }
    ps.add_variants(r, std::move(v), "");
  }
  // VOPD: X v0 = f(v1, v2), Y v3 = f(v4, v7) (different register banks, as VOPD requires);
  // rows probed as X with a v_dual_mov_b32 Y, Y-only rows (16-18) as Y with a v_dual_mov_b32 X.
  for (const OpInfo& r : instruction_table(t, Encoding::kVopd)) {
    const bool y_only = r.opcode > 12;
    const uint32_t opx = y_only ? 8u : r.opcode, opy = y_only ? r.opcode : 8u;
    // A v_dual_mov_b32 component has no vsrc1 (the field must be 0).
    std::vector<uint32_t> w{
        0xC8000000u | (opx << 22) | (opy << 17) | (opx == 8 ? 0u : 2u << 9) | 0x101u,
        (1u << 17) | (opy == 8 ? 0u : 7u << 9) | 0x104u};
    if (r.flags & kOpKLiteral) w.push_back(0x40000000u);
    ps.add_variants(r, {w}, "", y_only);
  }
  for (Encoding e : {Encoding::kFlat, Encoding::kGlobal, Encoding::kScratch}) {
    for (const OpInfo& r : instruction_table(t, e)) {
      const uint32_t seg = e == Encoding::kFlat ? 0 : e == Encoding::kGlobal ? 2 : 1;
      const uint32_t w0 = 0xDC000000u | (seg << 16) | (uint32_t{r.opcode} << 18);
      std::vector<std::vector<uint32_t>> v;
      for (uint32_t sa : {0x7Cu, 0xFCu, 4u}) {
        const uint32_t w1 = 0x02u | (3u << 8) | (sa << 16) | (4u << 24);
        v.push_back({w0, w1});
        v.push_back({w0 | (1u << 14), w1});
      }
      ps.add_variants(r, std::move(v), "");
    }
  }
  for (const OpInfo& r : instruction_table(t, Encoding::kMubuf)) {
    ps.add(r, {0xE0000000u | (uint32_t{r.opcode} << 18), 0u}, "");
  }
  check_probes(ps, "gfx1100");
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

TEST(SimIsaDecode, FlatSegmentHasNoSaddr) {
  // flat_load_dword v1, v[2:3] as LLVM encodes it for gfx90a (ROCr's blit kernel): the SADDR
  // field is 0, which the FLAT segment ignores; GLOBAL with SADDR 0 means s[0:1] + v2.
  const IsaTarget& t = gfx942();
  const uint32_t flat[] = {0xDC500000u, 0x01000002u};
  auto f = decode(t, flat, 0);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->encoding, Encoding::kFlat);
  EXPECT_EQ(f->saddr, operand::kNone);
  EXPECT_EQ(f->vaddr, operand::kVgpr0 + 2);
  const uint32_t global[] = {0xDC508000u, 0x01000002u};  // global_load_dword v1, v2, s[0:1]
  auto g = decode(t, global, 0);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->encoding, Encoding::kGlobal);
  EXPECT_EQ(g->saddr, 0);
}

TEST(SimIsaDecode, Gfx11IllegalAndTruncatedWords) {
  const IsaTarget& t = gfx1100();
  // 0xFFFFFFFF ([31:26] = 111111) matches no gfx11 encoding.
  const uint32_t bad[] = {0xFFFFFFFFu, 0};
  auto r = decode(t, bad, 0x1000);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("gfx1100"), std::string::npos) << r.status().message();
  // A VOP3 word without its second dword; a VOP3 with a literal but no third dword.
  const uint32_t vop3[] = {0xD5030001u};
  EXPECT_EQ(decode(t, vop3, 0).status().code(), StatusCode::kDataLoss);
  const uint32_t vop3_lit[] = {0xD5030001u, 0x000004FFu};  // v_add_f32_e64 v1, lit, v2
  EXPECT_EQ(decode(t, vop3_lit, 0).status().code(), StatusCode::kDataLoss);
  const uint32_t vop3_lit_ok[] = {0xD5030001u, 0x000004FFu, 0x3F800000u};
  auto l = decode(t, vop3_lit_ok, 0);
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  EXPECT_EQ(l->size, 12);
  EXPECT_EQ(l->mnemonic(), "v_add_f32_e64");
  // VOPD: v_dual_mov_b32 v1, v2 :: v_dual_add_f32 v4, v5, v6 (llvm-mc-19 -show-encoding).
  const uint32_t vopd[] = {0xCA080102u, 0x01040D05u};
  auto d = decode(t, vopd, 0);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->mnemonic(), "v_dual_mov_b32");
  ASSERT_NE(d->info_y, nullptr);
  EXPECT_EQ(d->info_y->name, "v_dual_add_f32");
  EXPECT_EQ(d->dst, operand::kVgpr0 + 1);
  EXPECT_EQ(d->dst_y, operand::kVgpr0 + 4);
  EXPECT_EQ(d->src_y[0], operand::kVgpr0 + 5);
  EXPECT_EQ(d->src_y[1], operand::kVgpr0 + 6);
  // A VOPD whose Y opcode (19) does not exist decodes without a row.
  const uint32_t vopd_bad[] = {0xCA000000u | (8u << 22) | (19u << 17) | 0x102u, 0x01040D05u};
  auto db = decode(t, vopd_bad, 0);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(db->info, nullptr);
  // A known encoding with an opcode missing from the tables.
  const uint32_t vop3_unknown[] = {0xD4000000u | (0x3FFu << 16), 0};
  auto u = decode(t, std::span<const uint32_t>(vop3_unknown, 2), 0);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->info, nullptr);
  // SGPR_NULL (124) as SMEM soffset and FLAT saddr means "none".
  const uint32_t smem[] = {0xF4040001u, 0xF8000010u};  // s_load_b64 s[0:1], s[2:3], 0x10
  auto sm = decode(t, smem, 0);
  ASSERT_TRUE(sm.ok());
  EXPECT_EQ(sm->soffset, operand::kNone);
  EXPECT_EQ(sm->offset, 0x10);
  EXPECT_EQ(sm->sbase, 2);
}

TEST(SimIsaDecode, TargetsAndRefusals) {
  EXPECT_TRUE(find_isa_target("gfx942:sramecc+:xnack-").ok());
  auto t = find_isa_target("gfx803");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("gfx942"), std::string::npos);
  // gfx1100 runs now; RDNA2 (gfx1030) has no tables.
  auto fam11 = find_family("gfx1100");
  ASSERT_TRUE(fam11.ok());
  EXPECT_TRUE(make_isa_executor(**fam11).ok());
  auto fam = find_family("gfx1030");
  ASSERT_TRUE(fam.ok());
  auto ex = make_isa_executor(**fam);
  ASSERT_FALSE(ex.ok());
  EXPECT_EQ(ex.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(ex.status().message().find("gfx1100"), std::string::npos) << ex.status().message();
}

}  // namespace
}  // namespace amdhal::sim::isa
