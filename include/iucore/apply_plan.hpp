#pragma once
// apply's decision, pure: given the definition's expected ledger and the live one, whether a
// migration runs, is already applied, or stops on drift (or is refused for a missing
// requirement). The engine reads the ledger, asks this, and executes what it says.

#include <iucore/definition.hpp>
#include <iucore/ledger.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace iucore {

enum class apply_step { run, already_applied, drift };

struct apply_plan {
    apply_step step = apply_step::run;
    ledger_entry entry;  // what the ledger must record for the migration
    std::string message; // why it does not run (already applied, drift)
};

/// What the start check (render_start_check) found live: how many catalog rows differ from
/// the catalog the migration starts from, and the refusal that names them.
struct start_state {
    std::int64_t differing = 0;
    std::string refusal;
};

/// What applying `migration_id` does. A drifted entry at or before the migration stops it; an
/// entry of the migration itself that matches means already applied; a required migration that
/// is not applied, or a live catalog that is not the one it starts from, refuses it
/// (errc::refused).
result<apply_plan> plan_apply(const definition& d, std::string_view migration_id,
                              const std::vector<ledger_entry>& expected,
                              const std::vector<ledger_entry>& live, const start_state& start = {});

} // namespace iucore
