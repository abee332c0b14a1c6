#pragma once
// How the CLI prints reports as text: like the record's psql transcript.

#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/fleet.hpp>
#include <iucore/reports.hpp>

#include <string>
#include <vector>

namespace iucore::cli {

/// A psql-style aligned table: header, dashes, rows.
std::string table(const std::vector<std::string>& columns,
                  const std::vector<std::vector<std::string>>& rows);

std::string text(const apply_report& r);
std::string text(const rollback_report& r);
std::string text(const chain_report& r);
std::string text(const verify_report& r);
std::string text(const prove_report& r);
std::string text(const diff_report& r);
std::string text(const surface_report& r);
std::string text(const init_report& r);
std::string text(const ledger_report& r);
std::string text(const status_report& r);
std::string text(const plan& p);
std::string text(const run_report& r);
std::string text(const gates_report& r);
std::string text(const pins_report& r);
std::string text(const fleet_report& r);

} // namespace iucore::cli
