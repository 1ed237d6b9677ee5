// The amdhal command-line tool, run as a user runs it.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/run_command.h"

namespace {

using amdhal::testing::run_command;
namespace fs = std::filesystem;

const std::string kCli = AMDHAL_CLI;
// Keep the user's AMDHAL_PLUGIN_PATH out of the way so results depend on the build tree only.
const std::string kEnv = "env -u AMDHAL_PLUGIN_PATH ";

std::string cli(const std::string& args) {
  return kEnv + kCli + " " + args;
}

size_t count_lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(Cli, ListJsonNamesKfdAndAmFromTwoLibraries) {
  auto r = run_command(cli("list --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("backends"));
  ASSERT_TRUE(j.contains("devices"));
  std::string kfd_lib, am_lib;
  for (const auto& b : j["backends"]) {
    for (const char* key : {"name", "version", "library", "status"}) {
      EXPECT_TRUE(b.contains(key)) << key << " missing in " << b.dump();
    }
    if (b["name"] == "kfd") kfd_lib = b["library"];
    if (b["name"] == "am") am_lib = b["library"];
  }
  EXPECT_EQ(fs::path(kfd_lib).filename(), "libamdhal-backend-kfd.so");
  EXPECT_EQ(fs::path(am_lib).filename(), "libamdhal-backend-am.so");
  EXPECT_NE(kfd_lib, am_lib);
  EXPECT_TRUE(j["devices"].is_array());
}

TEST(Cli, ListJsonExplainsMissingHardwareAndShowsSimulatedDevices) {
  if (fs::exists("/dev/kfd")) GTEST_SKIP() << "/dev/kfd exists: this machine may have a GPU";
  auto r = run_command(cli("list --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  bool seen = false;
  for (const auto& b : j["backends"]) {
    if (b["name"] != "kfd") continue;
    seen = true;
    const std::string status = b["status"];
    EXPECT_NE(status.find("simulated"), std::string::npos) << status;
    EXPECT_NE(status.find("no real GPU: /dev/kfd: ENOENT"), std::string::npos) << status;
  }
  EXPECT_TRUE(seen);
  std::set<std::string> targets;
  for (const auto& d : j["devices"]) {
    EXPECT_TRUE(d["simulated"].get<bool>()) << d.dump();
    EXPECT_EQ(d["id"].get<std::string>().rfind("sim:", 0), 0u) << d.dump();
    targets.insert(d["target"].get<std::string>());
  }
  EXPECT_TRUE(targets.count("gfx942"));
  EXPECT_TRUE(targets.count("gfx1100"));
}

TEST(Cli, ListHumanShowsBothBackends) {
  auto r = run_command(cli("list"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Backends and plugins:"), std::string::npos);
  EXPECT_NE(r.out.find("libamdhal-backend-kfd.so"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("libamdhal-backend-am.so"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Devices:"), std::string::npos);
}

TEST(Cli, BackendFilterRestrictsList) {
  auto r = run_command(cli("--backend am list --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["backends"].size(), 1u);
  EXPECT_EQ(j["backends"][0]["name"], "am");
}

TEST(Cli, UnknownBackendExits2WithOneLineListingBackends) {
  auto r = run_command(cli("--backend nosuch list"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("unknown backend 'nosuch'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("am"), std::string::npos);
  EXPECT_NE(r.err.find("kfd"), std::string::npos);
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, HelpListsCommandsAndGlobalOptions) {
  auto r = run_command(cli("--help"));
  ASSERT_EQ(r.exit_code, 0);
  for (const char* s : {"Usage: amdhal", "list", "info", "--backend", "--device", "--json",
                        "--version", "AMDHAL_PLUGIN_PATH", "Exit status"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << "help lacks " << s;
  }
}

TEST(Cli, CommandHelpShowsItsOptions) {
  auto r = run_command(cli("info --help"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--topology"), std::string::npos) << r.out;
}

TEST(Cli, NoCommandPrintsUsageAndExits2) {
  auto r = run_command(cli(""));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("Usage: amdhal"), std::string::npos);
}

TEST(Cli, UnknownCommandExits2) {
  auto r = run_command(cli("frobnicate"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1u);
  EXPECT_NE(r.err.find("unknown command 'frobnicate'"), std::string::npos) << r.err;
}

TEST(Cli, UnknownOptionExits2) {
  auto r = run_command(cli("list --bogus"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
}

TEST(Cli, VersionPrintsVersion) {
  auto r = run_command(cli("--version"));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("amdhal ", 0), 0u);
}

TEST(Cli, AmWithoutHardwareListsSimulatedFunctionsAndSaysWhy) {
  // Like kfd, the am backend lists its simulated devices and says why no real one was found.
  auto r = run_command(cli("--backend am list --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["backends"].size(), 1u);
  const std::string status = j["backends"][0]["status"];
  EXPECT_NE(status.find("no real GPU: no unbound AMD display device"), std::string::npos) << status;
  for (const auto& d : j["devices"]) EXPECT_TRUE(d["simulated"].get<bool>()) << d.dump();
  r = run_command(cli("--backend am info"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("sim:gfx942"), std::string::npos) << r.out;
}

TEST(Cli, InfoShowsASimulatedDeviceById) {
  auto r = run_command(cli("--device sim:gfx1100 info --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["target"], "gfx1100");
  EXPECT_EQ(j["simulated"], "yes");
  EXPECT_EQ(j["compute_units"], "96");
}

TEST(Cli, UnknownDeviceListsWhatThereIs) {
  auto r = run_command(cli("--device 0000:99:00.0 info"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("no device '0000:99:00.0'"), std::string::npos) << r.err;
}

TEST(Cli, PluginPathWithMissingEntryIsListed) {
  auto r = run_command("AMDHAL_PLUGIN_PATH=/nonexistent/plugins " + kCli + " list --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  bool seen = false;
  for (const auto& b : j["backends"]) {
    if (b["library"] == "/nonexistent/plugins") {
      seen = true;
      EXPECT_EQ(b["status"], "AMDHAL_PLUGIN_PATH entry does not exist");
    }
  }
  EXPECT_TRUE(seen) << r.out;
}

const std::string kFixtures = AMDHAL_SOURCE_DIR "/tests/fixtures/topology/";

TEST(Cli, InfoTopologyJsonOnMi300xFixture) {
  auto r = run_command(cli("info --topology " + kFixtures + "mi300x_8gpu --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["cpu_nodes"].size(), 2u);
  ASSERT_EQ(j["gpu_nodes"].size(), 8u);
  for (const auto& n : j["gpu_nodes"]) {
    EXPECT_EQ(n["target"], "gfx942");
    EXPECT_EQ(n["compute_units"], 304);
    size_t xgmi = 0;
    for (const auto& l : n["io_links"]) xgmi += l["xgmi"].get<bool>();
    EXPECT_EQ(xgmi, 7u);
  }
}

TEST(Cli, InfoTopologyHumanOnDesktopFixture) {
  auto r = run_command(cli("info --topology " + kFixtures + "rdna3_desktop"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("1 CPU node, 1 GPU node"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gfx1100"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("96 CUs"), std::string::npos) << r.out;
}

TEST(Cli, InfoTopologyMissingDirectoryFails) {
  auto r = run_command(cli("info --topology /nonexistent/topo"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/topo"), std::string::npos) << r.err;
}

TEST(Cli, InfoTopologyMalformedFileNamesFileAndLine) {
  char tmpl[] = "/tmp/amdhal-cli-topo-XXXXXX";
  const fs::path dir = mkdtemp(tmpl);
  fs::copy(kFixtures + "rdna3_desktop", dir / "t", fs::copy_options::recursive);
  const fs::path props = dir / "t" / "nodes" / "1" / "properties";
  std::string text = amdhal::testing::read_file(props.string());
  const auto pos = text.find("simd_count ");
  ASSERT_NE(pos, std::string::npos);
  text.replace(pos, text.find('\n', pos) - pos, "simd_count abc");
  std::ofstream(props) << text;
  auto r = run_command(cli("info --topology " + (dir / "t").string()));
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("nodes/1/properties:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("simd_count"), std::string::npos) << r.err;
}

// ---- amdhal decode ----

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = (fs::temp_directory_path() / name).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// The gfx9 fence from gfx_v9_0_ring_emit_fence (dwords derived in pm4_test.cpp's golden test:
// PACKET3(RELEASE_MEM, 6), EVENT_TYPE 0x14 | EVENT_INDEX 5 | TC_WB | TCL1 | TC | TC_MD,
// DATA_SEL 2 | INT_SEL 2, address, data, ctxid 42), then a NOP, then an unknown opcode 0xEE.
const char* kPm4Text =
    "# a RELEASE_MEM\n"
    "0xC0064900 0x00238514 0x42000000 0x12345678 0x00007FFF 0x55667788 0x11223344 0x0000002A\n"
    "c0001000 00000000\n"
    "C000EE00 0\n";

TEST(CliDecode, Pm4TextNamesPacketsAndFields) {
  const std::string path = write_temp("amdhal-decode-pm4.txt", kPm4Text);
  auto r = run_command(cli("decode --engine pm4 --target gfx942 " + path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string l1, l2, l3;
  std::getline(lines, l1);
  std::getline(lines, l2);
  std::getline(lines, l3);
  EXPECT_EQ(l1.rfind("0x0000  RELEASE_MEM", 0), 0u) << l1;
  EXPECT_NE(l1.find("event_type=0x14"), std::string::npos) << l1;
  EXPECT_NE(l1.find("int_sel=2"), std::string::npos) << l1;
  EXPECT_NE(l1.find("address=0x7fff12345678"), std::string::npos) << l1;
  EXPECT_NE(l1.find("data=0x1122334455667788"), std::string::npos) << l1;
  EXPECT_NE(l1.find("int_ctxid=0x2a"), std::string::npos) << l1;
  EXPECT_EQ(l2.rfind("0x0008  NOP", 0), 0u) << l2;
  EXPECT_EQ(l3.rfind("0x000a  UNKNOWN", 0), 0u) << l3;
  EXPECT_NE(l3.find("error:"), std::string::npos) << l3;
  fs::remove(path);
}

TEST(CliDecode, JsonFromStdin) {
  auto r =
      run_command("printf '" + std::string("c0001000 00000000") + "' | " + cli("decode --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "NOP");
  EXPECT_EQ(j[0]["offset"], 0);
  EXPECT_EQ(j[0]["opcode"], 0x10);
  EXPECT_EQ(j[0]["dwords"], 2);
  EXPECT_TRUE(j[0]["fields"].is_object());
}

TEST(CliDecode, SdmaBinaryInput) {
  // SDMA 6 COPY_LINEAR of 256 bytes from 0x1000 to 0x2000: header op 1 sub 0; count = 255;
  // parameter 0; src lo/hi; dst lo/hi (sdma_v6_0_0_pkt_open.h).
  const uint32_t dw[] = {0x00000001, 255, 0, 0x1000, 0, 0x2000, 0};
  std::string bytes(reinterpret_cast<const char*>(dw), sizeof(dw));
  const std::string path = write_temp("amdhal-decode-sdma.bin", bytes);
  auto r = run_command(cli("decode --engine sdma --target gfx1100 --binary --json " + path));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "COPY_LINEAR");
  EXPECT_EQ(j[0]["fields"]["count"], 255);
  EXPECT_EQ(j[0]["fields"]["src_addr"], 0x1000);
  EXPECT_EQ(j[0]["fields"]["dst_addr"], 0x2000);
  fs::remove(path);
}

TEST(CliDecode, AqlBarrierAnd) {
  // BARRIER_AND (type 3) with the barrier bit and system fences: 3 | 1 << 8 | 2 << 9 | 2 << 11.
  std::string text = "00001503";
  for (int i = 1; i < 16; ++i) text += " 0";
  auto r = run_command("echo '" + text + "' | " + cli("decode --engine aql"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("0x0000  BARRIER_AND", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("barrier=1"), std::string::npos) << r.out;
}

TEST(CliDecode, BadTokenIsUnreadableInput) {
  auto r = run_command("echo 'c0001000 zz' | " + cli("decode"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(count_lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("line 1, column 10: 'zz' is not a 32-bit hex dword"), std::string::npos)
      << r.err;
}

TEST(CliDecode, MissingFileAndBadOptions) {
  auto r = run_command(cli("decode /nonexistent/packets.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot read /nonexistent/packets.txt: ENOENT"), std::string::npos) << r.err;
  auto e = run_command(cli("decode --engine gpu x"));
  EXPECT_EQ(e.exit_code, 2);
  EXPECT_NE(e.err.find("unknown engine 'gpu'"), std::string::npos) << e.err;
  auto t = run_command(cli("decode --target gfx9999 x"));
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_NE(t.err.find("unknown GPU target 'gfx9999'"), std::string::npos) << t.err;
  const std::string odd = write_temp("amdhal-decode-odd.bin", "abcde");
  auto b = run_command(cli("decode --binary " + odd));
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("5 bytes, not a whole number of dwords"), std::string::npos) << b.err;
  fs::remove(odd);
}

TEST(CliDecode, TruncatedPacketIsReportedNotFatal) {
  auto r = run_command("echo 'C0064900 0x00238514' | " + cli("decode --json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["name"], "RELEASE_MEM");
  ASSERT_TRUE(j[0].contains("error"));
  EXPECT_NE(j[0]["error"].get<std::string>().find("dword"), std::string::npos);
}

}  // namespace
