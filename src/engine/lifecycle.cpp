#include <iucore/apply_plan.hpp>
#include <iucore/chain.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/ledger.hpp>
#include <iucore/ledger_plan.hpp>
#include <iucore/render.hpp>
#include <iucore/snapshot.hpp>
#include <iucore/statements.hpp>

#include <algorithm>
#include <cstdlib>

namespace iucore {

namespace {

result<pg_rows> run_statement(session& s, const statement& st) {
    return s.run_params(st.text, st.params);
}

std::int64_t to_int(const std::string& text) {
    return std::strtoll(text.c_str(), nullptr, 10);
}

/// How many elements a one-dimensional array's text ("{a,\"b,c\"}") holds; -1 when it is not
/// an array. NULL (array_agg over no rows) prints as "" and holds none.
std::int64_t array_elements(std::string_view text) {
    if (text.empty()) return 0;
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') return -1;
    if (text.size() == 2) return 0;
    std::int64_t elements = 1;
    bool quoted = false;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
        if (quoted && text[i] == '\\')
            ++i;
        else if (text[i] == '"')
            quoted = !quoted;
        else if (!quoted && text[i] == ',')
            ++elements;
    }
    return elements;
}

/// Whether a printed check row shows its check holding: every boolean column true, and the
/// check's figure (its first column: a count, or an array of the rows it found) equal to the
/// number its expectation starts with ("26 catalog rows", "2 rows equal to the definition").
/// The verification block of the same transaction raises when a check fails; this reads the
/// printed rows on their own, so a report never says a check held that its rows contradict.
bool printed_check_holds(const check_result& c) {
    if (c.columns.empty() || c.expected.empty()) return false;
    for (const auto& [column_name, value] : c.columns)
        if (value == "f") return false;
    std::size_t digits = 0;
    while (digits < c.expected.size() && c.expected[digits] >= '0' && c.expected[digits] <= '9')
        ++digits;
    if (digits == 0) return false;
    const auto expected = to_int(c.expected.substr(0, digits));
    const auto& figure = c.columns.front().second;
    const bool is_count =
        !figure.empty() && figure.find_first_not_of("0123456789") == std::string::npos;
    return (is_count ? to_int(figure) : array_elements(figure)) == expected;
}

/// The check rows a rendered artifact printed, matched with the checks it rendered.
std::vector<check_result> printed_checks(const std::vector<pg_rows>& results,
                                         const std::vector<sql_check>& rendered) {
    std::vector<check_result> out;
    for (const auto& rows : results) {
        if (rows.columns.empty() || rows.columns.front() != "check" || rows.rows.empty()) continue;
        check_result c;
        c.name = rows.text(0, "check");
        for (std::size_t i = 1; i < rows.columns.size(); ++i) {
            c.columns.emplace_back(rows.columns[i], rows.rows[0][i].value_or(""));
            c.actual += (c.actual.empty() ? "" : ", ") + rows.columns[i] + "=" +
                        rows.rows[0][i].value_or("NULL");
        }
        for (const auto& r : rendered)
            if (r.label == c.name) c.expected = r.expected;
        c.ok = printed_check_holds(c);
        out.push_back(std::move(c));
    }
    return out;
}

result<std::vector<ledger_entry>> read_ledger_rows(const pg_rows& rows) {
    std::vector<ledger_entry> out;
    for (std::size_t r = 0; r < rows.rows.size(); ++r) {
        ledger_entry e;
        namespace col = ledger_columns;
        e.migration_id = rows.text(r, col::migration_id);
        e.position = static_cast<int>(to_int(rows.text(r, col::position)));
        e.checksum = rows.text(r, col::checksum);
        e.checksum_algorithm = rows.text(r, col::checksum_algorithm);
        e.chain_hash = rows.text(r, col::chain_hash);
        e.applied_by = rows.text(r, col::applied_by);
        e.applied_at = rows.text(r, col::applied_at);
        out.push_back(std::move(e));
    }
    return out;
}

result<std::int64_t> count_catalog(session& s, const definition& d) {
    BOOST_OUTCOME_TRY(auto count, render_catalog_count(d));
    BOOST_OUTCOME_TRY(auto rows, run_statement(s, count));
    return to_int(rows.text(0, "n"));
}

} // namespace

result<apply_report> apply(session& s, const definition& d, std::string_view migration_id,
                           const apply_options& options) {
    BOOST_OUTCOME_TRY(auto forward, render_forward(d, migration_id));
    BOOST_OUTCOME_TRY(auto expected, expected_ledger(d));
    BOOST_OUTCOME_TRY(auto opening, render_apply_opening(d, migration_id));
    const int trips_before = s.round_trips();
    apply_report report;
    report.migration = d.find_migration(migration_id)->id;
    report.dry_run = options.dry_run;

    transaction_guard guard(s);
    // Round trip 1: begin, serialise appliers, make sure the ledger exists, compare the catalog
    // with the one the migration starts from, read the ledger. A refusal rolls all of it back.
    BOOST_OUTCOME_TRY(auto first, s.run(opening));
    if (first.size() < 2)
        return fail(errc::internal, "apply: the opening returned too few results");
    const auto& start_rows = first[first.size() - 2];
    const start_state start{to_int(start_rows.text(0, "differing")), start_rows.text(0, "refusal")};
    BOOST_OUTCOME_TRY(auto live, read_ledger_rows(first.back()));
    BOOST_OUTCOME_TRY(auto plan, plan_apply(d, migration_id, expected, live, start));
    report.checksum = plan.entry.checksum;
    report.checksum_algorithm = plan.entry.checksum_algorithm;
    report.chain_hash = plan.entry.chain_hash;
    if (plan.step != apply_step::run) {
        report.outcome =
            plan.step == apply_step::drift ? apply_outcome::drift : apply_outcome::already_applied;
        report.message = plan.message;
        s.rollback_quietly(); // nothing to change: end the transaction now
        report.round_trips = s.round_trips() - trips_before;
        return report;
    }

    // Round trip 2: preflight, insert, verification, ledger row, and commit (or roll back).
    BOOST_OUTCOME_TRY(auto closing, render_apply_closing(d, forward, plan.entry, options.applied_by,
                                                         options.dry_run));
    BOOST_OUTCOME_TRY(auto second, s.run(closing));
    guard.release();
    for (const auto& rows : second)
        if (rows.command_status.starts_with("INSERT") && report.insert_status.empty()) {
            report.insert_status = rows.command_status;
            report.inserted = rows.affected;
        }
    report.checks = printed_checks(second, forward.checks);
    report.outcome = options.dry_run ? apply_outcome::would_apply : apply_outcome::applied;
    report.message =
        options.dry_run ? "dry run: would insert " + std::to_string(report.inserted) +
                              " rows; everything ran inside the transaction and was rolled "
                              "back (the target functions were not called)"
        : report.inserted == 0 ? "migration " + report.migration +
                                     " recorded: its rows were already in the catalog, as the "
                                     "definition has them (applied without iucore?); verified and "
                                     "written to the ledger"
                               : "migration " + report.migration + " applied";
    report.round_trips = s.round_trips() - trips_before;
    return report;
}

result<rollback_report> rollback(session& s, const definition& d, std::string_view migration_id) {
    BOOST_OUTCOME_TRY(auto script, render_rollback(d, migration_id));
    BOOST_OUTCOME_TRY(auto previous, d.version_before(migration_id));
    const int trips_before = s.round_trips();
    rollback_report report;
    report.migration = std::string(migration_id);
    report.back_to = previous;
    BOOST_OUTCOME_TRY(auto transaction, render_rollback_transaction(d, script));
    transaction_guard guard(s);
    BOOST_OUTCOME_TRY(auto results, s.run(transaction));
    guard.release();
    for (const auto& rows : results)
        if (rows.command_status.starts_with("DELETE") && report.deleted == 0)
            report.deleted = rows.affected;
    report.checks = printed_checks(results, script.checks);
    report.round_trips = s.round_trips() - trips_before;
    return report;
}

result<chain_report> apply_chain(session& s, const definition& d, std::string_view to,
                                 const apply_options& options) {
    BOOST_OUTCOME_TRY(auto steps, chain_forward(d, to));
    chain_report report;
    report.operation = "apply";
    report.to = steps.empty() ? d.base.version : steps.back();
    for (const auto& id : steps) {
        auto step = apply(s, d, id, options);
        if (!step) {
            report.stopped_at = id;
            report.stopped = step.error();
            break;
        }
        report.applied.push_back(std::move(step).value());
        if (!report.applied.back().ok()) {
            report.stopped_at = id;
            report.stopped = fail(errc::drift, report.applied.back().message);
            break;
        }
    }
    return report;
}

result<chain_report> rollback_chain(session& s, const definition& d, std::string_view to) {
    BOOST_OUTCOME_TRY(auto now, status(s, d));
    BOOST_OUTCOME_TRY(auto steps, chain_backward(d, to, now.migrations));
    chain_report report;
    report.operation = "rollback";
    report.to = std::string(to);
    for (const auto& id : steps) {
        auto step = rollback(s, d, id);
        if (!step) {
            report.stopped_at = id;
            report.stopped = step.error();
            break;
        }
        report.rolled_back.push_back(std::move(step).value());
    }
    return report;
}

namespace {

/// verify's checks, in a read-only transaction of their own unless the caller has one open
/// (render_verification says why).
result<pg_rows> run_verification(session& s, const std::vector<sql_check>& checks) {
    const bool own_transaction = !s.in_transaction();
    const auto sql = render_verification(checks, own_transaction);
    if (!own_transaction) return s.run_params(sql, {});
    transaction_guard guard(s); // a failed check statement leaves its transaction to roll back
    BOOST_OUTCOME_TRY(auto results, s.run(sql));
    for (auto& rows : results)
        if (!rows.columns.empty()) return std::move(rows);
    return fail(errc::internal, "verify: the check statement returned no result");
}

} // namespace

result<verify_report> verify(session& s, const definition& d, std::string_view version) {
    const auto v = version.empty() ? d.latest_version() : std::string(version);
    BOOST_OUTCOME_TRY(auto checks, render_version_checks(d, v));
    BOOST_OUTCOME_TRY(auto rows, run_verification(s, checks));
    verify_report report;
    report.version = v;
    for (std::size_t r = 0; r < rows.rows.size(); ++r)
        report.checks.push_back({rows.text(r, "check"),
                                 rows.text(r, "expected"),
                                 rows.text(r, "actual"),
                                 rows.text(r, "ok") == "t",
                                 {}});
    return report;
}

namespace {

enum class ledger_write { baseline, repair };

/// baseline and repair: one transaction under apply's lock. The ledger is read, `plan` says
/// which rows to write, the post-conditions at the version `checked_at` names are checked, and
/// only when they hold are the rows written and committed.
template <class Plan, class CheckedAt, class Write>
result<ledger_report> write_ledger(session& s, const definition& d, std::string_view migration_id,
                                   ledger_write kind, Plan plan, CheckedAt checked_at,
                                   Write write) {
    BOOST_OUTCOME_TRY(auto expected, expected_ledger(d));
    BOOST_OUTCOME_TRY(auto opening, render_ledger_opening(d));
    ledger_report report;
    report.operation = kind == ledger_write::baseline ? "baseline" : "repair";
    report.migration = std::string(migration_id);
    transaction_guard guard(s);
    BOOST_OUTCOME_TRY(auto first, s.run(opening));
    if (first.empty()) return fail(errc::internal, "ledger: the opening returned no result");
    BOOST_OUTCOME_TRY(auto live, read_ledger_rows(first.back()));
    BOOST_OUTCOME_TRY(auto entries, plan(migration_id, expected, live));
    report.checked_at = checked_at(live);
    BOOST_OUTCOME_TRY(report.verified, verify(s, d, report.checked_at));
    if (entries.empty() || !report.ok()) {
        s.rollback_quietly();
        report.message =
            !report.ok() ? "REFUSED: the catalog is not what the definition has at " +
                               report.checked_at + "; nothing was written to the ledger"
            : kind == ledger_write::baseline
                ? "migration " + report.migration + " is recorded already; nothing to do"
                : "migration " + report.migration +
                      "'s ledger row matches the definition; nothing to repair";
        return report;
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
        BOOST_OUTCOME_TRY(auto st, write(entries[i], i == 0));
        BOOST_OUTCOME_TRY(s.run_params(st.text, st.params));
        report.recorded.push_back(entries[i].migration_id);
    }
    BOOST_OUTCOME_TRY(s.run("COMMIT"));
    guard.release();
    std::string ids;
    for (const auto& id : report.recorded)
        ids += (ids.empty() ? "" : ", ") + id;
    report.message = kind == ledger_write::baseline
                         ? "recorded " + ids + " as applied (the catalog holds the definition's " +
                               report.checked_at + ")"
                         : "repaired " + ids + ": the ledger now holds the definition's checksum";
    return report;
}

} // namespace

result<ledger_report> baseline(session& s, const definition& d, std::string_view migration_id,
                               std::string_view applied_by) {
    return write_ledger(
        s, d, migration_id, ledger_write::baseline, plan_baseline,
        [&](const std::vector<ledger_entry>&) { return std::string(migration_id); },
        [&](const ledger_entry& e, bool) { return render_baseline_row(d, e, applied_by); });
}

result<ledger_report> repair(session& s, const definition& d, std::string_view migration_id,
                             std::string_view reason, std::string_view repaired_by) {
    if (reason.empty())
        return fail(errc::invalid_argument,
                    "repair: a reason is required (it is kept in the ledger)");
    return write_ledger(
        s, d, migration_id, ledger_write::repair, plan_repair,
        [&](const std::vector<ledger_entry>& live) { return latest_recorded_version(d, live); },
        [&](const ledger_entry& e, bool first) {
            return render_repair_row(d, e, first, repaired_by, reason);
        });
}

result<std::vector<std::pair<std::string, std::int64_t>>>
count_runs(session& s, const definition& d, const std::vector<std::string>& commands) {
    BOOST_OUTCOME_TRY(auto counts, render_run_counts(d, commands));
    BOOST_OUTCOME_TRY(auto rows, run_statement(s, counts));
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (std::size_t r = 0; r < rows.rows.size(); ++r)
        out.emplace_back(rows.text(r, "command"), to_int(rows.text(r, "runs")));
    return out;
}

result<prove_report> prove(const std::string& conninfo, const definition& d,
                           std::string_view migration_id, const prove_options& options) {
    const auto connect = [&] { return session::connect(conninfo, options.connection); };
    BOOST_OUTCOME_TRY(auto e, d.expectations(migration_id));
    {
        BOOST_OUTCOME_TRY(auto s, connect());
        BOOST_OUTCOME_TRY(auto runs, count_runs(s, d, e.new_rows));
        if (!runs.empty()) {
            std::string blocked;
            for (const auto& [command, n] : runs)
                blocked +=
                    (blocked.empty() ? "" : ", ") + command + " (" + std::to_string(n) + " runs)";
            return fail(errc::refused, "REFUSED: cannot prove " + e.migration_id +
                                           ": the rollback would be refused, " +
                                           d.schema.run_log.table + " references " + blocked);
        }
    }
    prove_report report;
    report.migration = e.migration_id;
    auto step = [&](std::string name, std::size_t expected_rows, auto operation) -> result<void> {
        if (options.on_step) options.on_step(name);
        prove_step st;
        st.step = std::move(name);
        st.expected_rows = static_cast<std::int64_t>(expected_rows);
        {
            BOOST_OUTCOME_TRY(auto s, connect());
            st.backend_pid = s.backend_pid();
            BOOST_OUTCOME_TRY(st.outcome, operation(s));
        }
        BOOST_OUTCOME_TRY(auto counter, connect());
        BOOST_OUTCOME_TRY(st.catalog_rows, count_catalog(counter, d));
        st.ok = st.catalog_rows == st.expected_rows;
        report.steps.push_back(st);
        if (!st.ok)
            return fail(errc::check_failed, "prove " + e.migration_id + ": after " + st.step +
                                                " the catalog has " +
                                                std::to_string(st.catalog_rows) +
                                                " rows, expected " + std::to_string(expected_rows));
        return boost::outcome_v2::success();
    };
    auto do_apply = [&](session& s) -> result<std::string> {
        BOOST_OUTCOME_TRY(auto r, apply(s, d, e.migration_id));
        if (r.outcome == apply_outcome::drift) return fail(errc::drift, r.message);
        return std::string(name(r.outcome));
    };
    auto do_rollback = [&](session& s) -> result<std::string> {
        BOOST_OUTCOME_TRY(auto r, rollback(s, d, e.migration_id));
        return "rolled back (" + std::to_string(r.deleted) + " deleted)";
    };
    BOOST_OUTCOME_TRY(step("apply", e.rows_after, do_apply));
    BOOST_OUTCOME_TRY(step("rollback", e.rows_before, do_rollback));
    BOOST_OUTCOME_TRY(step("re-apply", e.rows_after, do_apply));
    return report;
}

result<catalog> read_catalog(session& s, const definition& d) {
    BOOST_OUTCOME_TRY(auto select, render_catalog_rows(d));
    BOOST_OUTCOME_TRY(auto rows, run_statement(s, select));
    const auto column = [](std::size_t i) { return catalog_columns[i].name; };
    std::vector<catalog_row> out;
    out.reserve(rows.rows.size());
    for (std::size_t r = 0; r < rows.rows.size(); ++r) {
        catalog_row row;
        row.command_name = rows.text(r, column(0));
        row.category = rows.text(r, column(1));
        row.mutating = rows.text(r, column(2)) == "t";
        row.reversible = rows.text(r, column(3)) == "t";
        BOOST_OUTCOME_TRY(auto targets, parse_json_text(rows.text(r, column(4)), column(4)));
        BOOST_OUTCOME_TRY(row.target_functions,
                          read_json<std::vector<std::string>>(targets, row.command_name + "." +
                                                                           std::string(column(4))));
        out.push_back(std::move(row));
    }
    return catalog(std::move(out));
}

result<diff_report> diff_live(session& s, const definition& d) {
    BOOST_OUTCOME_TRY(auto live, read_catalog(s, d));
    const auto expected = d.ssot();
    return diff_report{d.latest_version(), expected.size(), live.size(), diff(expected, live)};
}

result<surface> read_surface(session& s, const definition& d) {
    BOOST_OUTCOME_TRY(auto counts, render_surface_counts(d));
    BOOST_OUTCOME_TRY(auto rows, run_statement(s, counts));
    surface out;
    for (auto kind : all_surface_kinds)
        out[kind] = to_int(rows.text(0, name(kind)));
    return out;
}

result<surface_report> surface_live(session& s, const definition& d) {
    BOOST_OUTCOME_TRY(auto live, read_surface(s, d));
    BOOST_OUTCOME_TRY(auto expected, d.surface_at(d.latest_version()));
    return surface_report{d.latest_version(), expected, live, diff(expected, live)};
}

result<status_report> status(session& s, const definition& d) {
    BOOST_OUTCOME_TRY(auto expected, expected_ledger(d));
    status_report report;
    BOOST_OUTCOME_TRY(report.ledger_exists, table_exists(s, d.schema.ledger.table));
    std::vector<ledger_entry> live;
    if (report.ledger_exists) {
        BOOST_OUTCOME_TRY(auto select_ledger, render_ledger_rows(d));
        BOOST_OUTCOME_TRY(auto rows, run_statement(s, select_ledger));
        BOOST_OUTCOME_TRY(live, read_ledger_rows(rows));
    }
    report.migrations = compare_ledger(expected, live);
    const bool any_pending =
        std::any_of(report.migrations.begin(), report.migrations.end(),
                    [](const auto& m) { return m.state == migration_state::pending; });
    if (any_pending) { // applied outside iucore, without a ledger row?
        BOOST_OUTCOME_TRY(auto catalog_exists, table_exists(s, d.schema.catalog.table));
        if (catalog_exists) { // no catalog yet: pending it is; any other failure is said
            BOOST_OUTCOME_TRY(auto catalog_now, read_catalog(s, d));
            mark_unrecorded(report.migrations, d, catalog_now);
        }
    }
    return report;
}

result<config_set> read_configs(session& s, const definition& d) {
    BOOST_OUTCOME_TRY(auto select, render_configs(d));
    BOOST_OUTCOME_TRY(auto rows, run_statement(s, select));
    std::vector<config_entry> out;
    for (std::size_t r = 0; r < rows.rows.size(); ++r)
        out.push_back({rows.text(r, "key"), rows.value(r, "value"), rows.text(r, "type"), false});
    return config_set(std::move(out));
}

result<signature> read_signature(session& s, const definition& d, std::string_view function) {
    const auto lookup = render_signature_lookup(d, function);
    const auto& schema = *lookup.params.front();
    BOOST_OUTCOME_TRY(auto rows, run_statement(s, lookup));
    if (rows.rows.empty())
        return fail(errc::invalid_argument, "function " + detail::quote_for_message(function) +
                                                " does not exist in schema " + schema +
                                                " or on the search_path");
    if (rows.rows.size() > 1)
        return fail(errc::invalid_argument,
                    "function " + detail::quote_for_message(function) +
                        " is overloaded; iucore governs one signature per name");
    if (rows.text(0, "has_modes") == "t")
        return fail(errc::invalid_argument,
                    "function " + detail::quote_for_message(function) +
                        " has OUT/VARIADIC parameters, which iucore does not bind");
    BOOST_OUTCOME_TRY(auto names_json, parse_json_text(rows.text(0, "names"), "proargnames"));
    BOOST_OUTCOME_TRY(auto types_json, parse_json_text(rows.text(0, "types"), "proargtypes"));
    BOOST_OUTCOME_TRY(auto names, read_json<std::vector<std::string>>(names_json, "proargnames"));
    BOOST_OUTCOME_TRY(auto types, read_json<std::vector<std::string>>(types_json, "proargtypes"));
    const auto defaults = static_cast<std::size_t>(to_int(rows.text(0, "defaults")));
    signature sig;
    sig.name = std::string(function);
    if (rows.text(0, "schema") != schema) sig.schema = rows.text(0, "schema"); // else: implied
    for (std::size_t i = 0; i < types.size(); ++i) {
        parameter p;
        p.name = i < names.size() ? names[i] : "";
        if (p.name.empty())
            return fail(errc::invalid_argument, "function \"" + sig.name + "\": parameter " +
                                                    std::to_string(i + 1) +
                                                    " has no name; iucore binds arguments by name");
        auto type = parse_pg_type(types[i]);
        if (!type)
            return fail(errc::invalid_argument, "function \"" + sig.name + "\": parameter " +
                                                    p.name + ": " + type.error().message);
        p.type = type.value();
        p.has_default = i + defaults >= types.size();
        sig.parameters.push_back(std::move(p));
    }
    auto returns = parse_pg_type(rows.text(0, "returns"));
    if (!returns)
        return fail(errc::invalid_argument,
                    "function \"" + sig.name + "\": return type: " + returns.error().message);
    sig.returns = returns.value();
    return sig;
}

result<definition> snapshot(session& s, const definition& schema_source) {
    BOOST_OUTCOME_TRY(auto rows, read_catalog(s, schema_source));
    BOOST_OUTCOME_TRY(auto inventory, read_surface(s, schema_source));
    BOOST_OUTCOME_TRY(auto configs, read_configs(s, schema_source));
    std::vector<signature> signatures;
    for (const auto& f : snapshot_functions(rows)) {
        BOOST_OUTCOME_TRY(auto sig, read_signature(s, schema_source, f));
        signatures.push_back(std::move(sig));
    }
    return fold_snapshot(schema_source, std::move(rows), std::move(inventory), std::move(configs),
                         std::move(signatures));
}

namespace {

/// The table's columns; nullopt when it does not exist.
result<std::optional<std::vector<table_column>>> read_table_columns(session& s,
                                                                    const std::string& table) {
    BOOST_OUTCOME_TRY(auto exists, table_exists(s, table));
    if (!exists) return std::optional<std::vector<table_column>>();
    BOOST_OUTCOME_TRY(auto select, render_table_columns(table));
    BOOST_OUTCOME_TRY(auto rows, run_statement(s, select));
    std::vector<table_column> out;
    for (std::size_t r = 0; r < rows.rows.size(); ++r)
        out.push_back({rows.text(r, "name"), rows.text(r, "type"), rows.text(r, "is_array") == "t",
                       rows.text(r, "is_boolean") == "t"});
    return std::optional(std::move(out));
}

} // namespace

result<init_result> init(session& s, const init_options& options) {
    BOOST_OUTCOME_TRY(check_init_options(options));
    init_tables tables;
    BOOST_OUTCOME_TRY(tables.catalog, read_table_columns(s, options.catalog_table));
    BOOST_OUTCOME_TRY(tables.run_log, read_table_columns(s, options.run_log_table));
    BOOST_OUTCOME_TRY(tables.configs, read_table_columns(s, options.config_table));
    init_report report;
    BOOST_OUTCOME_TRY(auto schema, init_schema(options, tables, report.notes));

    definition source;
    source.name = options.name.empty() ? options.catalog_table : options.name;
    source.schema = std::move(schema);
    BOOST_OUTCOME_TRY(auto rows, read_catalog(s, source));
    std::vector<std::string> names;
    for (const auto& row : rows.rows())
        names.push_back(row.command_name);
    source.schema.command_prefix =
        options.command_prefix.empty() ? derive_command_prefix(names) : options.command_prefix;
    if (source.schema.command_prefix.empty())
        return fail(errc::invalid_argument,
                    "init: the commands of " + options.catalog_table +
                        (names.empty() ? " cannot show a prefix (the table is empty)"
                                       : " share no name prefix ending in _") +
                        "; give one with --command-prefix");
    BOOST_OUTCOME_TRY(auto inventory, read_surface(s, source));
    config_set configs;
    if (tables.configs) {
        BOOST_OUTCOME_TRY(configs, read_configs(s, source));
    }
    std::vector<signature> signatures;
    for (const auto& f : snapshot_functions(rows)) {
        BOOST_OUTCOME_TRY(auto sig, read_signature(s, source, f));
        signatures.push_back(std::move(sig));
    }
    BOOST_OUTCOME_TRY(auto d, fold_snapshot(source, std::move(rows), std::move(inventory),
                                            std::move(configs), std::move(signatures)));
    d.name = source.name;
    d.base.version = options.as_version;
    BOOST_OUTCOME_TRY(d.gates, init_gates(options.gates, d));
    if (tables.configs && options.gates.empty())
        report.notes.push_back("no gates: which config holds which command is not in the "
                               "database (--gate CONFIG=MODE[,MODE][:COMMAND,…] adds one)");
    BOOST_OUTCOME_TRY(d.validate());

    report.version = d.base.version;
    report.command_prefix = d.schema.command_prefix;
    report.catalog_rows = d.base.rows.size();
    report.signatures = d.signatures.size();
    report.configs = d.configs.entries().size();
    report.gates = d.gates.gates().size();
    BOOST_OUTCOME_TRY(report.verified, verify(s, d, d.base.version));
    BOOST_OUTCOME_TRY(report.diffed, diff_live(s, d));
    BOOST_OUTCOME_TRY(report.surfaced, surface_live(s, d));
    return init_result{std::move(d), std::move(report)};
}

result<bool> table_exists(session& s, std::string_view qualified_table) {
    BOOST_OUTCOME_TRY(auto select, render_table_exists(qualified_table));
    BOOST_OUTCOME_TRY(auto rows, run_statement(s, select));
    return rows.text(0, "present") == "t";
}

result<std::string> apply_seed(session& s, const definition& d, std::string_view version) {
    BOOST_OUTCOME_TRY(auto seed, render_seed(d, version));
    transaction_guard guard(s);
    BOOST_OUTCOME_TRY(auto results, s.run(seed.text()));
    guard.release();
    for (const auto& r : results)
        if (r.command_status.starts_with("INSERT")) return r.command_status;
    return std::string("INSERT 0 0");
}

result<void> delete_run(session& s, const definition& d, std::int64_t run_id) {
    BOOST_OUTCOME_TRY(auto deletion, render_delete_run(d, run_id));
    BOOST_OUTCOME_TRY(run_statement(s, deletion));
    return boost::outcome_v2::success();
}

} // namespace iucore
