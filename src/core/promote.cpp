#include <iucore/promote.hpp>
#include <iucore/sql_text.hpp>

#include <algorithm>
#include <iterator>
#include <optional>

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

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Numbered versions by value ("0099" < "100"), without converting: any width fits.
bool numbered_before(std::string_view a, std::string_view b) {
    const auto significant = [](std::string_view s) {
        return s.substr(std::min(s.find_first_not_of('0'), s.size()));
    };
    const auto x = significant(a), y = significant(b);
    return x.size() != y.size() ? x.size() < y.size() : x < y;
}

/// `number` + 1 in decimal, keeping its width ("0099" → "0100", "999" → "1000").
std::string incremented(std::string number) {
    for (auto i = number.size(); i-- > 0;) {
        if (number[i] != '9') {
            ++number[i];
            return number;
        }
        number[i] = '0';
    }
    return "1" + number;
}

result<void> check_target_migration(const definition& d, const promote_options& options) {
    if (options.migration.empty() || d.find_migration(options.migration))
        return boost::outcome_v2::success();
    std::vector<std::string> ids;
    for (const auto& m : d.migrations)
        ids.push_back(m.id);
    return fail(
        errc::invalid_argument,
        "promote --migration " + detail::quote_for_message(options.migration) +
            ": not a migration of the definition (it has: " + (ids.empty() ? "none" : joined(ids)) +
            "); without --migration promote adds a new one");
}

} // namespace

result<void> check_promote(const definition& d, const promote_options& options) {
    BOOST_OUTCOME_TRY(check_governable(d, options));
    BOOST_OUTCOME_TRY(check_target_migration(d, options));
    const auto& known = d.categories;
    if (std::find(known.begin(), known.end(), options.category) == known.end())
        return fail(errc::invalid_argument, "--category \"" + options.category +
                                                "\" is not a category of the definition "
                                                "(expected one of: " +
                                                joined(known) + ")");
    return boost::outcome_v2::success();
}

result<void> check_promote_ledger(const promote_options& options,
                                  const std::vector<migration_status>& ledger) {
    for (const auto& m : ledger) {
        if (options.migration.empty() || m.migration_id != options.migration ||
            m.state == migration_state::pending)
            continue;
        const auto recorded =
            m.state == migration_state::unrecorded
                ? std::string("applied without a ledger row (its rows are in the catalog)")
            : m.state == migration_state::applied
                ? "already applied (at " + m.applied_at + " by " + m.applied_by + ")"
                : "recorded in the ledger (" + std::string(name(m.state)) + ", at " + m.applied_at +
                      " by " + m.applied_by + ")";
        return fail(errc::refused, "promote --migration " + m.migration_id + ": migration " +
                                       m.migration_id + " is " + recorded +
                                       ", so it cannot take another command; without "
                                       "--migration promote adds a new migration");
    }
    return boost::outcome_v2::success();
}

std::string next_migration_id(const definition& d) {
    std::optional<std::string> latest;
    for (const auto& v : d.versions())
        if (all_digits(v) && (!latest || !numbered_before(v, *latest))) latest = v;
    return latest ? incremented(*latest) : "001";
}

result<definition> promote(const definition& d, const promote_options& options,
                           const signature& sig) {
    BOOST_OUTCOME_TRY(check_governable(d, options));
    BOOST_OUTCOME_TRY(check_target_migration(d, options));
    definition out = d;
    if (const auto* known = out.find_signature(sig.name)) {
        if (!known->same_function(sig))
            return fail(errc::invalid_argument,
                        "function \"" + sig.name + "\": the definition has " +
                            known->regprocedure() + " but the database has " + sig.regprocedure());
    } else {
        out.signatures.push_back(sig);
    }
    catalog_row row{options.command,    options.category, options.mutating,
                    options.reversible, {sig.name},       false};
    auto into = std::find_if(out.migrations.begin(), out.migrations.end(),
                             [&](const migration& m) { return m.id == options.migration; });
    if (options.migration.empty()) {
        migration m;
        m.id = next_migration_id(d);
        m.slug = "promote_" + options.command.substr(d.schema.command_prefix.size());
        m.kind = migration_kind::data_only;
        m.requires_migrations = {d.latest_version()};
        out.migrations.push_back(std::move(m));
        into = std::prev(out.migrations.end());
    }
    auto& required = into->requires_functions;
    if (std::none_of(required.begin(), required.end(),
                     [&](const signature& s) { return s.same_function(sig); }))
        required.push_back(sig);
    into->adds.push_back(std::move(row));
    if (!out.find_entry(options.command)) {
        registry_entry entry;
        entry.command = options.command;
        entry.function = sig.name;
        entry.since = into->id;
        out.registry.push_back(std::move(entry));
    }
    auto valid = out.validate();
    if (!valid) return fail(errc::invalid_argument, "promote: " + valid.error().message);
    return out;
}

} // namespace iucore
