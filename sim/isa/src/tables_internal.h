// Private: building the per-target instruction tables.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal_sim_isa/tables.h"

namespace amdhal::sim::isa::detail {

inline constexpr size_t kEncodingCount = static_cast<size_t>(Encoding::kVopd) + 1;

/// Collects rows per encoding; owns the generated mnemonic strings.
class TableBuilder {
 public:
  void add(Encoding e, const OpInfo& row) { rows_[static_cast<size_t>(e)].push_back(row); }
  /// Stores a generated name and returns a view that stays valid as long as the builder.
  std::string_view name(std::string s) {
    names_.push_back(std::move(s));
    return names_.back();
  }
  /// Adds VOP3 rows for the rows of `from` at opcode base + op (skipping kOpNoVop3 rows).
  void add_vop3_forms(Encoding from, uint16_t base) {
    for (const OpInfo& r : rows_[static_cast<size_t>(from)]) {
      if (r.flags & kOpNoVop3) continue;
      OpInfo v = r;
      v.opcode = static_cast<uint16_t>(base + r.opcode);
      v.flags |= kOpPromoted;
      add(Encoding::kVop3, v);
    }
  }
  std::vector<OpInfo>& rows(Encoding e) { return rows_[static_cast<size_t>(e)]; }

 private:
  std::vector<OpInfo> rows_[kEncodingCount];
  std::deque<std::string> names_;
};

void build_gfx9_tables(const IsaTarget& target, TableBuilder& b);
void build_gfx11_tables(const IsaTarget& target, TableBuilder& b);

}  // namespace amdhal::sim::isa::detail
