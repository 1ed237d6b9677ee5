// Shared helpers of the workload plugins (see workload_common.h).
#include "workload_common.h"

#include <cctype>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace amdhal::workload {

Expected<uint64_t> parse_size(std::string_view text) {
  const auto bad = [&] {
    return invalid_argument(fmt::format("'{}' is not a size (e.g. 4K, 1M, 64M)", text));
  };
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 13) return bad();
  uint64_t value = std::stoull(std::string(text.substr(0, digits)));
  std::string suffix(text.substr(digits));
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.ends_with("IB")) suffix.resize(suffix.size() - 2);
  if (suffix.ends_with("B")) suffix.pop_back();
  int shift = 0;
  if (suffix == "K") {
    shift = 10;
  } else if (suffix == "M") {
    shift = 20;
  } else if (suffix == "G") {
    shift = 30;
  } else if (!suffix.empty()) {
    return bad();
  }
  if (value == 0) return invalid_argument("sizes must be at least 1 byte");
  if (value > (uint64_t{1} << (40 - shift))) {
    return invalid_argument(fmt::format("size '{}' is too large (at most 1T)", text));
  }
  return value << shift;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string_view part =
        text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Expected<uint64_t> option_count(const WorkloadContext& ctx, const std::string& name,
                                const std::string& fallback, uint64_t min, uint64_t max) {
  const std::string text = ctx.option(name, fallback);
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return invalid_argument(fmt::format("--{}: '{}' is not a whole number", name, text));
  }
  const uint64_t v = std::stoull(text);
  if (v < min || v > max) {
    return invalid_argument(fmt::format("--{}: {} is out of range ({}-{})", name, v, min, max));
  }
  return v;
}

Expected<double> option_seconds(const WorkloadContext& ctx, const std::string& name,
                                const std::string& fallback) {
  const std::string text = ctx.option(name, fallback);
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && v >= 0 && v <= 1e6) return v;
  } catch (const std::exception&) {
  }
  return invalid_argument(fmt::format("--{}: '{}' is not a number of seconds", name, text));
}

Status wait_for(Queue& queue, Signal& signal, uint64_t value, std::string_view what,
                std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    Status st = signal.wait(value, std::chrono::milliseconds(100));
    if (st.ok()) return st;
    const QueueState qs = queue.state();
    if (st.code() != StatusCode::kDeadlineExceeded || qs.hung ||
        std::chrono::steady_clock::now() >= deadline) {
      return Status(st.code(),
                    fmt::format("{} did not complete: {}; {}", what, st.message(), qs.description));
    }
  }
}

Expected<LoadedKernel> load_kernel(Device& device, const std::string& kernel_dir,
                                   const std::string& name) {
  const std::string path = fmt::format("{}/{}-{}.hsaco", kernel_dir, name, device.info().target);
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(fmt::format("cannot read kernel {}", path));
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  LoadedKernel out;
  auto code = device.load_code_object(bytes);
  if (!code.ok()) return code.status().with_context(path);
  out.code = *code;
  auto kernel = out.code->kernel(name);
  if (!kernel.ok()) return kernel.status().with_context(path);
  out.kernel = *kernel;
  return out;
}

std::string plural(uint64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

Expected<WorkloadReport> GuardedWorkload::run(WorkloadContext& ctx) {
  try {
    return run_checked(ctx);
  } catch (const std::exception& e) {
    return internal_error(fmt::format("{}: {}", name(), e.what()));
  }
}

bool ProgressPacer::due() const {
  return static_cast<bool>(ctx_.progress) &&
         std::chrono::steady_clock::now() - last_ >= std::chrono::milliseconds(100);
}

void ProgressPacer::update(double fraction, std::string_view line) {
  if (!ctx_.progress) return;
  last_ = std::chrono::steady_clock::now();
  ctx_.progress(fraction, line);
}

}  // namespace amdhal::workload
