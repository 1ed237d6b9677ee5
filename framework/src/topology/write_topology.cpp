// Writer for the KFD topology tree: the layout and line format of the kernel's
// drivers/gpu/drm/amd/amdkfd/kfd_topology.c ("%s %u\n" / "%s %llu\n" lines, "%u\n" for
// generation_id and gpu_id, "%s\n" for name), so that the simulator's virtual KFD can publish a
// tree that libhsakmt, rocminfo and parse_topology read like the real one.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "amdhal/topology.h"
#include "topology/topology_format.h"

namespace amdhal {
namespace {

namespace fs = std::filesystem;
using namespace topology_detail;

Status write_file(const fs::path& path, std::string_view content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno_status(errno, fmt::format("{}: cannot create", path.string()));
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return errno_status(err, fmt::format("{}: cannot write", path.string()));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) {
    return errno_status(errno, fmt::format("{}: cannot close", path.string()));
  }
  return ok_status();
}

Status make_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return errno_status(ec.value(), fmt::format("{}: cannot create directory", dir.string()));
  return ok_status();
}

// A key must be one token: the reader splits lines on whitespace.
Status check_key(std::string_view key, std::string_view where) {
  const bool bad =
      key.empty() || std::any_of(key.begin(), key.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
      });
  if (bad) {
    return invalid_argument(
        fmt::format("{}: property key '{}' is empty or contains whitespace", where, key));
  }
  return ok_status();
}

Status append_properties(std::string& out, const TopologyProperties& props,
                         std::string_view where) {
  for (const auto& [key, value] : props) {
    AMDHAL_RETURN_IF_ERROR(check_key(key, where));
    out += fmt::format("{} {}\n", key, value);
  }
  return ok_status();
}

template <typename T, size_t N>
Expected<std::string> format_fixed(const T& item, const std::array<Field<T>, N>& fields,
                                   std::string_view where) {
  std::string out;
  for (const Field<T>& f : fields) {
    if (f.u32 != nullptr) {
      out += fmt::format("{} {}\n", f.key, item.*(f.u32));
    } else {
      out += fmt::format("{} {}\n", f.key, item.*(f.u64));
    }
  }
  AMDHAL_RETURN_IF_ERROR(append_properties(out, item.extra, where));
  if constexpr (std::is_same_v<T, TopologyCache>) {
    // kfd_cache_show: "sibling_map " then "0," or "1," per sibling, the last ',' replaced by '\n'.
    out += kSiblingMapKey;
    for (size_t i = 0; i < item.sibling_map.size(); ++i) {
      out += i == 0 ? ' ' : ',';
      out += item.sibling_map[i] != 0 ? '1' : '0';
    }
    out += '\n';
  }
  return out;
}

template <typename T, size_t N>
Status write_entries(const fs::path& dir, const std::vector<T>& items,
                     const std::array<Field<T>, N>& fields) {
  AMDHAL_RETURN_IF_ERROR(make_dir(dir));
  std::set<uint32_t> seen;
  for (const T& item : items) {
    const fs::path entry = dir / std::to_string(item.index);
    if (!seen.insert(item.index).second) {
      return invalid_argument(
          fmt::format("{}: two entries with index {}", dir.string(), item.index));
    }
    AMDHAL_RETURN_IF_ERROR(make_dir(entry));
    const fs::path path = entry / kPropertiesFile;
    AMDHAL_ASSIGN_OR_RETURN(std::string text, format_fixed(item, fields, path.string()));
    AMDHAL_RETURN_IF_ERROR(write_file(path, text));
  }
  return ok_status();
}

// Refuses what parse_topology would reject, so a written tree always reads back.
Status validate_node(const TopologyNode& node) {
  if (node.name.find('\n') != std::string::npos) {
    return invalid_argument(
        fmt::format("node {}: name '{}' contains a newline", node.index, node.name));
  }
  for (std::string_view key : kRequiredNodeKeys) {
    if (!node.properties.contains(key)) {
      return invalid_argument(fmt::format("node {}: property '{}' is required", node.index, key));
    }
  }
  if (node.is_gpu()) {
    for (std::string_view key : kRequiredGpuNodeKeys) {
      if (!node.properties.contains(key)) {
        return invalid_argument(
            fmt::format("node {}: property '{}' is required for a GPU node", node.index, key));
      }
    }
  }
  return ok_status();
}

Status write_node(const fs::path& dir, const TopologyNode& node) {
  AMDHAL_RETURN_IF_ERROR(make_dir(dir));
  AMDHAL_RETURN_IF_ERROR(write_file(dir / kGpuIdFile, fmt::format("{}\n", node.gpu_id)));
  AMDHAL_RETURN_IF_ERROR(write_file(dir / kNameFile, node.name + "\n"));
  std::string props;
  const fs::path props_path = dir / kPropertiesFile;
  AMDHAL_RETURN_IF_ERROR(append_properties(props, node.properties, props_path.string()));
  AMDHAL_RETURN_IF_ERROR(write_file(props_path, props));
  AMDHAL_RETURN_IF_ERROR(write_entries(dir / kMemBanksDir, node.mem_banks, kMemBankFields));
  AMDHAL_RETURN_IF_ERROR(write_entries(dir / kCachesDir, node.caches, kCacheFields));
  AMDHAL_RETURN_IF_ERROR(write_entries(dir / kIoLinksDir, node.io_links, kLinkFields));
  AMDHAL_RETURN_IF_ERROR(write_entries(dir / kP2pLinksDir, node.p2p_links, kLinkFields));
  return ok_status();
}

}  // namespace

Status write_topology(const Topology& topology, const fs::path& root) {
  std::error_code ec;
  const fs::file_status st = fs::status(root, ec);
  if (st.type() != fs::file_type::not_found) {
    if (ec) return errno_status(ec.value(), fmt::format("{}: cannot stat", root.string()));
    if (!fs::is_directory(st)) {
      return failed_precondition(fmt::format(
          "cannot write a KFD topology to {}: it exists and is not a directory", root.string()));
    }
    const bool empty = fs::is_empty(root, ec);
    if (ec) return errno_status(ec.value(), fmt::format("{}: cannot list", root.string()));
    if (!empty) {
      return failed_precondition(fmt::format(
          "cannot write a KFD topology to {}: the directory is not empty", root.string()));
    }
  }

  const std::vector<const TopologyNode*> nodes = topology.all_nodes();
  for (size_t i = 1; i < nodes.size(); ++i) {
    if (nodes[i]->index == nodes[i - 1]->index) {
      return invalid_argument(fmt::format("two topology nodes have index {}", nodes[i]->index));
    }
  }
  for (const TopologyNode* node : nodes) AMDHAL_RETURN_IF_ERROR(validate_node(*node));

  if (topology.system_properties.empty()) {
    return invalid_argument(
        "system_properties is empty (the kernel prints platform_oem, "
        "platform_id, platform_rev)");
  }

  const fs::path nodes_dir = root / kNodesDir;
  AMDHAL_RETURN_IF_ERROR(make_dir(nodes_dir));
  AMDHAL_RETURN_IF_ERROR(
      write_file(root / kGenerationIdFile, fmt::format("{}\n", topology.generation_id)));
  std::string sys;
  const fs::path sys_path = root / kSystemPropertiesFile;
  AMDHAL_RETURN_IF_ERROR(append_properties(sys, topology.system_properties, sys_path.string()));
  AMDHAL_RETURN_IF_ERROR(write_file(sys_path, sys));
  for (const TopologyNode* node : nodes) {
    AMDHAL_RETURN_IF_ERROR(write_node(nodes_dir / std::to_string(node->index), *node));
  }
  return ok_status();
}

}  // namespace amdhal
