#include <iucore/promote.hpp>
#include <iucore/sql_text.hpp>

#include <algorithm>
#include <cstdlib>

namespace iucore {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

result<void> check_governable(const definition& d, const promote_options& options) {
    if (d.find_entry(options.command) && d.ssot_row(options.command))
        return fail(errc::invalid_argument,
                    "command \"" + options.command + "\" is already governed");
    if (!d.schema.names_command(options.command))
        return fail(errc::invalid_argument,
                    "promote: command " + detail::quote_for_message(options.command) +
                        " must start with " + d.schema.command_prefix + " and name a command");
    return boost::outcome_v2::success();
}

} // namespace

result<void> check_promote(const definition& d, const promote_options& options) {
    BOOST_OUTCOME_TRY(check_governable(d, options));
    const auto& known = d.categories;
    if (std::find(known.begin(), known.end(), options.category) == known.end())
        return fail(errc::invalid_argument, "--category \"" + options.category +
                                                "\" is not a category of the definition "
                                                "(expected one of: " +
                                                joined(known) + ")");
    return boost::outcome_v2::success();
}

std::string next_migration_id(const definition& d) {
    const auto latest = d.latest_version();
    const auto number = std::strtoll(latest.c_str(), nullptr, 10) + 1;
    auto id = std::to_string(number);
    while (id.size() < latest.size())
        id = "0" + id;
    return id;
}

result<definition> promote(const definition& d, const promote_options& options,
                           const signature& sig) {
    BOOST_OUTCOME_TRY(check_governable(d, options));
    definition out = d;
    if (const auto* known = out.find_signature(sig.name)) {
        if (!known->same_function(sig))
            return fail(errc::invalid_argument,
                        "function \"" + sig.name + "\": the definition has " +
                            known->regprocedure() + " but the database has " + sig.regprocedure());
    } else {
        out.signatures.push_back(sig);
    }
    migration m;
    m.id = next_migration_id(d);
    m.slug = "promote_" + options.command.substr(d.schema.command_prefix.size());
    m.kind = migration_kind::data_only;
    m.requires_migrations = {d.latest_version()};
    m.requires_functions = {sig};
    m.adds = {{options.command,
               options.category,
               options.mutating,
               options.reversible,
               {sig.name},
               false}};
    out.migrations.push_back(std::move(m));
    if (!out.find_entry(options.command)) {
        registry_entry entry;
        entry.command = options.command;
        entry.function = sig.name;
        out.registry.push_back(std::move(entry));
    }
    auto valid = out.validate();
    if (!valid) return fail(errc::invalid_argument, "promote: " + valid.error().message);
    return out;
}

} // namespace iucore
