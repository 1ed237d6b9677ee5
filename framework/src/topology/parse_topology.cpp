// Parser for the KFD topology tree (format: kernel drivers/gpu/drm/amd/amdkfd/kfd_topology.c).
//
// Every error names the file, and the line where there is one ("<path>:<line>: ..."), so that a
// broken tree, real or simulated, can be fixed without reading this code.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "amdhal/topology.h"
#include "topology/topology_format.h"

namespace amdhal {
namespace {

namespace fs = std::filesystem;
using namespace topology_detail;

// Text of a line for an error message: printable, and short (sibling_map lines are long).
std::string quote(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string out;
  for (char c : text.substr(0, kMax)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > kMax) out += "...";
  return out;
}

// A failed open/read: missing files are data loss (the tree is broken), the rest keep the code
// errno_status picks (EACCES -> kPermissionDenied, ...).
Status file_error(int err, const fs::path& path, std::string_view what) {
  Status s = errno_status(err, fmt::format("{}: {}", path.string(), what));
  if (err == ENOENT || err == ENOTDIR || err == EISDIR) return data_loss(s.message());
  return s;
}

// Reads a whole file. sysfs reports 4096 bytes for every attribute, so read until EOF.
Expected<std::string> read_text(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return file_error(errno, path, "cannot open");
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return file_error(err, path, "cannot read");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// One "key value" line. `value` is empty when the line has only a key.
struct Line {
  size_t number;
  std::string_view key;
  std::string_view value;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// Splits `text` into "key value" lines; blank lines are skipped. The views point into `text`.
Expected<std::vector<Line>> split_lines(std::string_view text, const fs::path& path) {
  std::vector<Line> out;
  size_t number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++number;

    std::vector<std::string_view> tokens;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && is_space(line[i])) ++i;
      const size_t start = i;
      while (i < line.size() && !is_space(line[i])) ++i;
      if (i > start) tokens.push_back(line.substr(start, i - start));
    }
    if (tokens.empty()) continue;
    if (tokens.size() > 2) {
      return data_loss(
          fmt::format("{}:{}: expected 'key value', got '{}'", path.string(), number, quote(line)));
    }
    out.push_back(Line{number, tokens[0], tokens.size() == 2 ? tokens[1] : std::string_view()});
  }
  if (out.empty()) {
    return data_loss(fmt::format("{}: empty file, expected 'key value' lines", path.string()));
  }
  return out;
}

// The line's value as an unsigned decimal number; `max` bounds it (32-bit fields).
Expected<uint64_t> line_number_value(const Line& line, const fs::path& path,
                                     uint64_t max = std::numeric_limits<uint64_t>::max()) {
  if (line.value.empty()) {
    return data_loss(
        fmt::format("{}:{}: key '{}' has no value", path.string(), line.number, quote(line.key)));
  }
  uint64_t v = 0;
  const char* first = line.value.data();
  const char* last = first + line.value.size();
  auto [ptr, ec] = std::from_chars(first, last, v, 10);
  if (ec == std::errc::result_out_of_range || (ec == std::errc() && ptr == last && v > max)) {
    return data_loss(fmt::format("{}:{}: value '{}' of key '{}' does not fit in {} bits",
                                 path.string(), line.number, quote(line.value), quote(line.key),
                                 max == std::numeric_limits<uint64_t>::max() ? 64 : 32));
  }
  if (ec != std::errc() || ptr != last) {
    return data_loss(fmt::format("{}:{}: value '{}' of key '{}' is not an unsigned decimal number",
                                 path.string(), line.number, quote(line.value), quote(line.key)));
  }
  return v;
}

Status duplicate_key(const Line& line, const fs::path& path) {
  return data_loss(
      fmt::format("{}:{}: duplicate key '{}'", path.string(), line.number, quote(line.key)));
}

// A file holding one number and a newline (generation_id, gpu_id).
Expected<uint64_t> parse_single_number(const fs::path& path,
                                       uint64_t max = std::numeric_limits<uint64_t>::max()) {
  AMDHAL_ASSIGN_OR_RETURN(std::string text, read_text(path));
  size_t number = 0;
  std::optional<uint64_t> value;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line = std::string_view(text).substr(pos, eol - pos);
    pos = eol + 1;
    ++number;
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_space(line.back())) line.remove_suffix(1);
    if (line.empty()) continue;
    if (value.has_value()) {
      return data_loss(fmt::format("{}:{}: unexpected '{}' after the value", path.string(), number,
                                   quote(line)));
    }
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), v, 10);
    if (ec != std::errc() || ptr != line.data() + line.size() || v > max) {
      return data_loss(fmt::format("{}:{}: '{}' is not an unsigned decimal number{}", path.string(),
                                   number, quote(line),
                                   max == std::numeric_limits<uint64_t>::max() ? "" : " < 2^32"));
    }
    value = v;
  }
  if (!value.has_value()) {
    return data_loss(fmt::format("{}: empty file, expected a number", path.string()));
  }
  return *value;
}

// A properties file with arbitrary keys (system_properties, node properties), in file order.
Expected<TopologyProperties> parse_properties(const fs::path& path) {
  AMDHAL_ASSIGN_OR_RETURN(std::string text, read_text(path));
  AMDHAL_ASSIGN_OR_RETURN(std::vector<Line> lines, split_lines(text, path));
  TopologyProperties props;
  for (const Line& line : lines) {
    AMDHAL_ASSIGN_OR_RETURN(uint64_t value, line_number_value(line, path));
    if (props.contains(line.key)) return duplicate_key(line, path);
    props.set(line.key, value);
  }
  return props;
}

// "1,0,0,1" -> {1, 0, 0, 1} (kfd_cache_show prints one 0/1 per sibling, comma-separated).
Status parse_sibling_map(const Line& line, const fs::path& path, std::vector<uint8_t>& out) {
  out.clear();
  if (line.value.empty()) return ok_status();  // sibling_map_size 0 prints a bare key
  size_t item = 0;
  for (size_t i = 0; i < line.value.size(); i += 2, ++item) {
    const char c = line.value[i];
    const bool bit_ok = c == '0' || c == '1';
    const bool sep_ok = i + 1 == line.value.size() || line.value[i + 1] == ',';
    if (!bit_ok || !sep_ok || (i + 2 == line.value.size())) {
      return data_loss(fmt::format(
          "{}:{}: sibling_map entry {} is malformed, expected comma-separated 0s and 1s in '{}'",
          path.string(), line.number, item, quote(line.value)));
    }
    out.push_back(static_cast<uint8_t>(c - '0'));
  }
  return ok_status();
}

// A file with the fixed layout `fields` (mem bank, cache, link). Unknown keys go to `extra`;
// every known key must be present (a missing one means a truncated file). For caches,
// `sibling_map` receives the sibling_map line, which is then required too.
template <typename T, size_t N>
Status parse_fixed(const fs::path& path, const std::array<Field<T>, N>& fields, T& out,
                   TopologyProperties& extra, std::vector<uint8_t>* sibling_map = nullptr) {
  AMDHAL_ASSIGN_OR_RETURN(std::string text, read_text(path));
  AMDHAL_ASSIGN_OR_RETURN(std::vector<Line> lines, split_lines(text, path));
  std::array<bool, N> seen{};
  bool sibling_seen = false;
  for (const Line& line : lines) {
    if (sibling_map != nullptr && line.key == kSiblingMapKey) {
      if (sibling_seen) return duplicate_key(line, path);
      sibling_seen = true;
      AMDHAL_RETURN_IF_ERROR(parse_sibling_map(line, path, *sibling_map));
      continue;
    }
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&](const Field<T>& f) { return f.key == line.key; });
    if (it == fields.end()) {
      AMDHAL_ASSIGN_OR_RETURN(uint64_t value, line_number_value(line, path));
      if (extra.contains(line.key)) return duplicate_key(line, path);
      extra.set(line.key, value);
      continue;
    }
    const size_t i = static_cast<size_t>(it - fields.begin());
    if (seen[i]) return duplicate_key(line, path);
    seen[i] = true;
    if (it->u32 != nullptr) {
      AMDHAL_ASSIGN_OR_RETURN(uint64_t value,
                              line_number_value(line, path, std::numeric_limits<uint32_t>::max()));
      out.*(it->u32) = static_cast<uint32_t>(value);
    } else {
      AMDHAL_ASSIGN_OR_RETURN(uint64_t value, line_number_value(line, path));
      out.*(it->u64) = value;
    }
  }
  for (size_t i = 0; i < N; ++i) {
    if (!seen[i]) {
      return data_loss(
          fmt::format("{}: missing key '{}' (truncated file?)", path.string(), fields[i].key));
    }
  }
  if (sibling_map != nullptr && !sibling_seen) {
    return data_loss(
        fmt::format("{}: missing key '{}' (truncated file?)", path.string(), kSiblingMapKey));
  }
  return ok_status();
}

// Numbered subdirectories of `dir` ("0", "1", ...), in numeric order. Other names are ignored
// (e.g. nodes/N/perf is not numbered, and a fixture may keep a placeholder file). A missing
// `dir` is an empty list: git does not keep the kernel's empty directories.
Expected<std::vector<std::pair<uint32_t, fs::path>>> list_numbered(const fs::path& dir) {
  std::vector<std::pair<uint32_t, fs::path>> out;
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (st.type() == fs::file_type::not_found) return out;
  if (ec) {
    return file_error(ec.value(), dir, "cannot stat");
  }
  if (!fs::is_directory(st)) {
    return data_loss(fmt::format("{}: expected a directory", dir.string()));
  }
  fs::directory_iterator it(dir, ec);
  if (ec) return file_error(ec.value(), dir, "cannot list");
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.size() > 9 ||
        !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    std::error_code type_ec;
    if (!it->is_directory(type_ec)) {
      return data_loss(fmt::format("{}: expected a directory", it->path().string()));
    }
    out.emplace_back(static_cast<uint32_t>(std::stoul(name)), it->path());
  }
  if (ec) return file_error(ec.value(), dir, "cannot list");
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

template <typename T, size_t N>
Expected<std::vector<T>> parse_entries(const fs::path& dir, const std::array<Field<T>, N>& fields) {
  AMDHAL_ASSIGN_OR_RETURN(auto entries, list_numbered(dir));
  std::vector<T> out;
  out.reserve(entries.size());
  for (const auto& [index, path] : entries) {
    T item;
    item.index = index;
    std::vector<uint8_t>* siblings = nullptr;
    if constexpr (std::is_same_v<T, TopologyCache>) siblings = &item.sibling_map;
    AMDHAL_RETURN_IF_ERROR(parse_fixed(path / kPropertiesFile, fields, item, item.extra, siblings));
    out.push_back(std::move(item));
  }
  return out;
}

bool is_permission_error(const Status& s) {
  return s.code() == StatusCode::kPermissionDenied;
}

// One node directory. nullopt if the kernel refuses to show it to this process (EPERM for a GPU
// outside the device cgroup): libhsakmt skips such nodes too.
Expected<std::optional<TopologyNode>> parse_node(const fs::path& dir, uint32_t index) {
  TopologyNode node;
  node.index = index;

  Expected<uint64_t> gpu_id =
      parse_single_number(dir / kGpuIdFile, std::numeric_limits<uint32_t>::max());
  if (!gpu_id.ok()) {
    if (is_permission_error(gpu_id.status())) return std::optional<TopologyNode>();
    return gpu_id.status();
  }
  node.gpu_id = static_cast<uint32_t>(*gpu_id);

  Expected<std::string> name = read_text(dir / kNameFile);
  if (!name.ok()) {
    if (is_permission_error(name.status())) return std::optional<TopologyNode>();
    return name.status();
  }
  node.name = std::move(*name);
  if (const size_t eol = node.name.find('\n'); eol != std::string::npos) node.name.resize(eol);

  const fs::path props_path = dir / kPropertiesFile;
  Expected<TopologyProperties> props = parse_properties(props_path);
  if (!props.ok()) {
    if (is_permission_error(props.status())) return std::optional<TopologyNode>();
    return props.status();
  }
  node.properties = std::move(*props);
  for (std::string_view key : kRequiredNodeKeys) {
    if (!node.properties.contains(key)) {
      return data_loss(
          fmt::format("{}: missing key '{}' (truncated file?)", props_path.string(), key));
    }
  }
  if (node.is_gpu()) {
    for (std::string_view key : kRequiredGpuNodeKeys) {
      if (!node.properties.contains(key)) {
        return data_loss(fmt::format("{}: missing key '{}' of a GPU node (gpu_id {})",
                                     props_path.string(), key, node.gpu_id));
      }
    }
  }

  AMDHAL_ASSIGN_OR_RETURN(node.mem_banks, parse_entries(dir / kMemBanksDir, kMemBankFields));
  AMDHAL_ASSIGN_OR_RETURN(node.caches, parse_entries(dir / kCachesDir, kCacheFields));
  AMDHAL_ASSIGN_OR_RETURN(node.io_links, parse_entries(dir / kIoLinksDir, kLinkFields));
  AMDHAL_ASSIGN_OR_RETURN(node.p2p_links, parse_entries(dir / kP2pLinksDir, kLinkFields));
  return std::optional<TopologyNode>(std::move(node));
}

}  // namespace

Expected<Topology> parse_topology(const fs::path& root) {
  std::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  if (st.type() == fs::file_type::not_found) {
    return not_found(
        fmt::format("KFD topology root {} does not exist (no amdgpu/KFD driver, or a wrong path)",
                    root.string()));
  }
  if (ec) return file_error(ec.value(), root, "cannot stat the KFD topology root");
  if (!fs::is_directory(st)) {
    return invalid_argument(fmt::format("KFD topology root {} is not a directory", root.string()));
  }

  Topology topology;
  AMDHAL_ASSIGN_OR_RETURN(topology.generation_id, parse_single_number(root / kGenerationIdFile));
  AMDHAL_ASSIGN_OR_RETURN(topology.system_properties,
                          parse_properties(root / kSystemPropertiesFile));

  const fs::path nodes_dir = root / kNodesDir;
  const fs::file_status nodes_st = fs::status(nodes_dir, ec);
  if (nodes_st.type() == fs::file_type::not_found) {
    return data_loss(fmt::format("{}: missing directory", nodes_dir.string()));
  }
  AMDHAL_ASSIGN_OR_RETURN(auto nodes, list_numbered(nodes_dir));
  for (const auto& [index, dir] : nodes) {
    AMDHAL_ASSIGN_OR_RETURN(std::optional<TopologyNode> node, parse_node(dir, index));
    if (!node.has_value()) {
      topology.inaccessible_nodes.push_back(index);
    } else if (node->is_gpu()) {
      topology.gpu_nodes.push_back(std::move(*node));
    } else {
      topology.cpu_nodes.push_back(std::move(*node));
    }
  }
  return topology;
}

}  // namespace amdhal
