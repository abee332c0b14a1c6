#pragma once
// snapshot's fold, pure: what was read from a live database (catalog rows, surface counts,
// configs, target signatures) becomes a definition whose base version is that state.

#include <iucore/definition.hpp>

#include <string>
#include <vector>

namespace iucore {

/// The target functions the rows name, each once, in the order first named: the signatures a
/// snapshot reads.
std::vector<std::string> snapshot_functions(const catalog& rows);

/// A definition at version "snapshot" with the schema of `schema_source`, the rows as its base
/// catalog, their categories, one registry entry per row (its first target function), and the
/// given signatures; validated.
result<definition> fold_snapshot(const definition& schema_source, catalog rows, surface inventory,
                                 config_set configs, std::vector<signature> signatures);

} // namespace iucore
