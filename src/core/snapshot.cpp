#include <iucore/snapshot.hpp>

#include <algorithm>

namespace iucore {

std::vector<std::string> snapshot_functions(const catalog& rows) {
    std::vector<std::string> out;
    for (const auto& row : rows.rows())
        for (const auto& f : row.target_functions)
            if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
    return out;
}

result<definition> fold_snapshot(const definition& schema_source, catalog rows, surface inventory,
                                 config_set configs, std::vector<signature> signatures) {
    definition out;
    out.name = schema_source.name + " (snapshot)";
    out.schema = schema_source.schema;
    out.base.rows = std::move(rows);
    out.base.inventory = std::move(inventory);
    out.base.version = "snapshot";
    out.configs = std::move(configs);
    out.signatures = std::move(signatures);
    for (const auto& row : out.base.rows.rows()) {
        if (std::find(out.categories.begin(), out.categories.end(), row.category) ==
            out.categories.end())
            out.categories.push_back(row.category);
        if (row.target_functions.empty())
            return fail(errc::invalid_definition,
                        "snapshot: catalog row " + row.command_name + " names no target function");
        registry_entry entry;
        entry.command = row.command_name;
        entry.function = row.target_functions.front();
        out.registry.push_back(std::move(entry));
    }
    BOOST_OUTCOME_TRY(out.validate());
    return out;
}

} // namespace iucore
