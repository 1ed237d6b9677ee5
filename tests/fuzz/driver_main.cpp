// Stand-in for libFuzzer's main() when the compiler is not clang: runs LLVMFuzzerTestOneInput on
// the empty input, on every file named on the command line or found (non-recursively) in a
// directory named there, and on a fixed number of deterministic mutations of each. Used by the
// fuzz_smoke_* tests so g++ builds still exercise every fuzz target a little. A named path that is
// missing or an empty directory is an error, so a smoke test cannot pass without its seeds.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// Mutations per seed file: a small, deterministic fuzz run (bit flips, byte changes, truncation,
// duplication of a slice), so the g++ smoke test explores beyond the seeds too.
constexpr int kMutationsPerSeed = 300;
size_t g_runs = 0;

void run(const std::vector<uint8_t>& bytes) {
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  ++g_runs;
}

void mutate_and_run(const std::vector<uint8_t>& seed, uint32_t salt) {
  std::mt19937 rng(0xA11D4A1u ^ salt);
  for (int i = 0; i < kMutationsPerSeed; ++i) {
    std::vector<uint8_t> m = seed;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:
          if (!m.empty()) m[rng() % m.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 1:
          if (!m.empty()) m[rng() % m.size()] = static_cast<uint8_t>(rng());
          break;
        case 2:
          if (!m.empty()) m.resize(rng() % m.size());
          break;
        default:
          if (!m.empty() && m.size() < (1u << 20)) {
            const size_t at = rng() % m.size();
            const size_t len = std::min<size_t>(m.size() - at, 1 + rng() % 64);
            std::vector<uint8_t> slice(m.begin() + at, m.begin() + at + len);
            m.insert(m.begin() + rng() % (m.size() + 1), slice.begin(), slice.end());
          }
          break;
      }
    }
    run(m);
  }
}

bool run_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "fuzz driver: cannot read %s\n", path.c_str());
    return false;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  run(bytes);
  mutate_and_run(bytes, static_cast<uint32_t>(std::hash<std::string>{}(path.filename())));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  LLVMFuzzerTestOneInput(nullptr, 0);
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg(argv[i]);
    std::error_code ec;
    if (std::filesystem::is_directory(arg, ec)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(arg, ec)) {
        if (entry.is_regular_file(ec)) files.push_back(entry.path());
      }
      if (files.empty()) {
        std::fprintf(stderr, "fuzz driver: directory %s has no inputs\n", arg.c_str());
        return 1;
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        if (!run_file(f)) return 1;
      }
    } else if (std::filesystem::is_regular_file(arg, ec)) {
      if (!run_file(arg)) return 1;
    } else {
      std::fprintf(stderr, "fuzz driver: %s does not exist\n", arg.c_str());
      return 1;
    }
  }
  std::printf("fuzz driver: %zu inputs (seeds and their mutations) ran without a crash\n", g_runs);
  return 0;
}
