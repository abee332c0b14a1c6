#include <iucore/detail/sql_quoter.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/ledger.hpp>
#include <iucore/render.hpp>

#include <algorithm>
#include <cstdlib>

namespace iucore {

namespace {

/// The advisory lock key of a ledger: stable per ledger table, so appliers of one database
/// serialise and unrelated databases sharing a server do not.
std::string advisory_key(const definition& d) {
    auto hex = detail::sha256_hex("iucore ledger " + d.schema.ledger.table).substr(0, 15);
    return std::to_string(std::strtoll(hex.c_str(), nullptr, 16));
}

/// How apply and rollback open their transaction. JIT compilation is off inside it: the checks
/// run over a catalog of a few rows, but the planner's estimates for a small, never-analysed
/// table can put a verification DO block over jit_above_cost, and compiling it then costs about
/// 25 ms, several times the whole migration (tests/bench: apply 034 took 46 ms with JIT, 8 ms
/// without). SET LOCAL ends with the transaction.
constexpr std::string_view begin_sql = "BEGIN;\nSET LOCAL jit = off;\n";

std::string lock_sql(const definition& d) {
    return "SELECT pg_advisory_xact_lock(" + advisory_key(d) + ");\n";
}

result<std::string> quoted_table(std::string_view qualified) {
    return quote_qualified_name(qualified);
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
        e.migration_id = rows.text(r, "migration_id");
        e.position = static_cast<int>(to_int(rows.text(r, "position")));
        e.checksum = rows.text(r, "checksum");
        e.checksum_algorithm = rows.text(r, "checksum_algorithm");
        e.chain_hash = rows.text(r, "chain_hash");
        e.applied_by = rows.text(r, "applied_by");
        e.applied_at = rows.text(r, "applied_at");
        out.push_back(std::move(e));
    }
    return out;
}

result<std::string> ledger_select(const definition& d) {
    BOOST_OUTCOME_TRY(auto ledger, quoted_table(d.schema.ledger.table));
    return "SELECT migration_id, position, checksum, checksum_algorithm, chain_hash, applied_by, "
           "applied_at::text AS applied_at FROM " +
           ledger + " ORDER BY position;";
}

result<std::int64_t> count_catalog(session& s, const definition& d) {
    BOOST_OUTCOME_TRY(auto table, quoted_table(d.schema.catalog.table));
    BOOST_OUTCOME_TRY(auto rows, s.run_params("SELECT count(*) AS n FROM " + table, {}));
    return to_int(rows.text(0, "n"));
}

} // namespace

std::string text_array_parameter(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += i ? ",\"" : "\"";
        for (char c : items[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

result<apply_report> apply(session& s, const definition& d, std::string_view migration_id,
                           const apply_options& options) {
    BOOST_OUTCOME_TRY(auto forward, render_forward(d, migration_id));
    BOOST_OUTCOME_TRY(auto expected, expected_ledger(d));
    BOOST_OUTCOME_TRY(auto ddl, render_ledger_ddl(d));
    BOOST_OUTCOME_TRY(auto select_ledger, ledger_select(d));
    const auto& m = *d.find_migration(migration_id);
    const auto& entry = *std::find_if(expected.begin(), expected.end(),
                                      [&](const auto& e) { return e.migration_id == m.id; });
    const int trips_before = s.round_trips();
    apply_report report;
    report.migration = m.id;
    report.dry_run = options.dry_run;
    report.checksum = entry.checksum;
    report.checksum_algorithm = entry.checksum_algorithm;
    report.chain_hash = entry.chain_hash;

    transaction_guard guard(s);
    // Round trip 1: begin, serialise appliers, make sure the ledger exists, read it.
    BOOST_OUTCOME_TRY(auto first,
                      s.run(std::string(begin_sql) + lock_sql(d) + ddl + "\n" + select_ledger));
    BOOST_OUTCOME_TRY(auto live, read_ledger_rows(first.back()));
    const auto statuses = compare_ledger(expected, live);
    for (const auto& st : statuses) {
        const bool at_or_before = std::any_of(expected.begin(), expected.end(), [&](const auto& e) {
            return e.migration_id == st.migration_id && e.position <= entry.position;
        });
        if (st.state == migration_state::drifted && at_or_before) {
            report.outcome = apply_outcome::drift;
            report.message = "migration " + st.migration_id + " drifted: " + st.detail +
                             " (stored " + st.stored_checksum.substr(0, 12) + "…, definition " +
                             st.expected_checksum.substr(0, 12) + "…); not re-applied";
            s.rollback_quietly(); // nothing to change: end the transaction now
            report.round_trips = s.round_trips() - trips_before;
            return report;
        }
        if (st.migration_id == m.id && st.state == migration_state::applied) {
            report.outcome = apply_outcome::already_applied;
            report.message = "migration " + m.id + " is already applied (at " + st.applied_at +
                             " by " + st.applied_by + "); nothing to do";
            s.rollback_quietly(); // nothing to change: end the transaction now
            report.round_trips = s.round_trips() - trips_before;
            return report;
        }
    }
    for (const auto& required : m.requires_migrations) {
        if (required == d.base.version) continue;
        const bool applied = std::any_of(statuses.begin(), statuses.end(), [&](const auto& st) {
            return st.migration_id == required && st.state == migration_state::applied;
        });
        if (!applied)
            return fail(errc::refused, "migration " + m.id + " requires migration " + required +
                                           ", which is not applied: apply " + required + " first");
    }

    // Round trip 2: preflight, insert, verification, ledger row, and commit (or roll back).
    BOOST_OUTCOME_TRY(auto ledger_table, quoted_table(d.schema.ledger.table));
    BOOST_OUTCOME_TRY(auto catalog_table, quoted_table(d.schema.catalog.table));
    BOOST_OUTCOME_TRY(auto id_literal, s.literal(m.id));
    BOOST_OUTCOME_TRY(auto checksum_literal, s.literal(entry.checksum));
    BOOST_OUTCOME_TRY(auto algorithm_literal, s.literal(entry.checksum_algorithm));
    BOOST_OUTCOME_TRY(auto chain_literal, s.literal(entry.chain_hash));
    std::string applied_by = "current_user";
    if (!options.applied_by.empty()) {
        BOOST_OUTCOME_TRY(applied_by, s.literal(options.applied_by));
    }
    const auto ledger_insert =
        "INSERT INTO " + ledger_table +
        " (migration_id, position, checksum, checksum_algorithm, chain_hash, applied_by, report)\n"
        "SELECT " +
        id_literal + ", " + std::to_string(entry.position) + ", " + checksum_literal + ", " +
        algorithm_literal + ", " + chain_literal + ", " + applied_by +
        ", jsonb_build_object('catalog_rows', count(*)) FROM " + catalog_table + ";\n";
    BOOST_OUTCOME_TRY(auto second, s.run(forward.body() + ledger_insert +
                                         (options.dry_run ? "ROLLBACK;" : "COMMIT;")));
    guard.release();
    for (const auto& rows : second)
        if (rows.command_status.starts_with("INSERT") && report.insert_status.empty()) {
            report.insert_status = rows.command_status;
            report.inserted = rows.affected;
        }
    report.checks = printed_checks(second, forward.checks);
    report.outcome = options.dry_run ? apply_outcome::would_apply : apply_outcome::applied;
    report.message = options.dry_run
                         ? "dry run: would insert " + std::to_string(report.inserted) +
                               " rows; everything ran inside the transaction and was rolled "
                               "back (the target functions were not called)"
                         : "migration " + m.id + " applied";
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
    transaction_guard guard(s);
    BOOST_OUTCOME_TRY(auto results,
                      s.run(std::string(begin_sql) + lock_sql(d) + script.body() + "COMMIT;"));
    guard.release();
    for (const auto& rows : results)
        if (rows.command_status.starts_with("DELETE") && report.deleted == 0)
            report.deleted = rows.affected;
    report.checks = printed_checks(results, script.checks);
    report.round_trips = s.round_trips() - trips_before;
    return report;
}

namespace {

/// verify's one statement holds the whole expected catalog as a VALUES literal. With parallel
/// workers the server serialises that plan once per worker, and JIT compiles it: at 100,000
/// rows that was most of 2.3 s (tests/bench/RESULTS.md); and the default work_mem (4 MB) splits
/// the hash of 100,000 expected rows into batches on disk. Outside a transaction it runs in a
/// read-only one of its own with parallelism and JIT off and room for that hash, in the same
/// round trip; inside a caller's transaction SET LOCAL would outlive verify, so there it runs
/// as it is.
result<pg_rows> run_verification(session& s, const std::vector<sql_check>& checks) {
    const bool own_transaction = !s.in_transaction();
    std::string sql = own_transaction ? "BEGIN READ ONLY;\nSET LOCAL jit = off;\n"
                                        "SET LOCAL max_parallel_workers_per_gather = 0;\n"
                                        "SET LOCAL work_mem = '64MB';\n"
                                      : "";
    for (std::size_t i = 0; i < checks.size(); ++i) {
        if (i > 0) sql += "\nUNION ALL\n";
        checks[i].append_report_sql(sql);
    }
    if (!own_transaction) return s.run_params(sql, {});
    sql += ";\nCOMMIT;";
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

result<std::vector<std::pair<std::string, std::int64_t>>>
count_runs(session& s, const definition& d, const std::vector<std::string>& commands) {
    BOOST_OUTCOME_TRY(auto table, quoted_table(d.schema.run_log.table));
    BOOST_OUTCOME_TRY(auto column, quote_identifier(d.schema.run_log.command_column));
    BOOST_OUTCOME_TRY(auto rows,
                      s.run_params("SELECT " + column + " AS command_name, count(*) AS runs FROM " +
                                       table + " WHERE " + column +
                                       " = ANY ($1::text[]) GROUP BY 1 ORDER BY 1",
                                   {text_array_parameter(commands)}));
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (std::size_t r = 0; r < rows.rows.size(); ++r)
        out.emplace_back(rows.text(r, "command_name"), to_int(rows.text(r, "runs")));
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
    BOOST_OUTCOME_TRY(auto table, quoted_table(d.schema.catalog.table));
    BOOST_OUTCOME_TRY(
        auto rows, s.run_params("SELECT command_name, category, mutating, reversible, "
                                "array_to_json(target_functions)::text AS target_functions FROM " +
                                    table + " ORDER BY command_name",
                                {}));
    std::vector<catalog_row> out;
    out.reserve(rows.rows.size());
    for (std::size_t r = 0; r < rows.rows.size(); ++r) {
        catalog_row row;
        row.command_name = rows.text(r, "command_name");
        row.category = rows.text(r, "category");
        row.mutating = rows.text(r, "mutating") == "t";
        row.reversible = rows.text(r, "reversible") == "t";
        BOOST_OUTCOME_TRY(auto targets,
                          parse_json_text(rows.text(r, "target_functions"), "target_functions"));
        BOOST_OUTCOME_TRY(
            row.target_functions,
            read_json<std::vector<std::string>>(targets, row.command_name + ".target_functions"));
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
    std::string sql = "SELECT ";
    std::vector<std::optional<std::string>> params{text_array_parameter(d.schema.surface.schemas)};
    for (auto kind : all_surface_kinds) {
        auto it = d.schema.surface.kinds.find(kind);
        if (it == d.schema.surface.kinds.end())
            return fail(errc::invalid_definition, "$.schema.surface." + std::string(name(kind)) +
                                                      ": no rule to count this kind");
        const auto& rule = it->second;
        std::string count;
        if (!rule.registry.empty()) {
            BOOST_OUTCOME_TRY(auto table, quoted_table(rule.registry));
            count = "(SELECT count(*) FROM " + table + ")";
        } else {
            params.push_back(text_array_parameter(rule.names_like));
            const auto like = "$" + std::to_string(params.size()) + "::text[]";
            const std::string ns = " JOIN pg_catalog.pg_namespace n ON n.oid = ";
            if (kind == surface_kind::function)
                count = "(SELECT count(*) FROM pg_catalog.pg_proc p" + ns +
                        "p.pronamespace WHERE n.nspname = ANY ($1::text[]) AND p.prokind = 'f' "
                        "AND p.proname LIKE ANY (" +
                        like + "))";
            else if (kind == surface_kind::trigger)
                count = "(SELECT count(*) FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c "
                        "ON c.oid = t.tgrelid" +
                        ns +
                        "c.relnamespace WHERE n.nspname = ANY ($1::text[]) AND NOT t.tgisinternal "
                        "AND t.tgname LIKE ANY (" +
                        like + "))";
            else
                count = "(SELECT count(*) FROM pg_catalog.pg_class c" + ns +
                        "c.relnamespace WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN " +
                        (kind == surface_kind::view ? "('v', 'm')" : "('r', 'p')") +
                        " AND c.relname LIKE ANY (" + like + "))";
        }
        sql += (kind == surface_kind::table ? "" : ", ") + count + " AS " + std::string(name(kind));
    }
    BOOST_OUTCOME_TRY(auto rows, s.run_params(sql, params));
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
    BOOST_OUTCOME_TRY(auto exists, s.run_params("SELECT to_regclass($1) IS NOT NULL AS present",
                                                {d.schema.ledger.table}));
    status_report report;
    report.ledger_exists = exists.text(0, "present") == "t";
    std::vector<ledger_entry> live;
    if (report.ledger_exists) {
        BOOST_OUTCOME_TRY(auto select_ledger, ledger_select(d));
        BOOST_OUTCOME_TRY(auto rows, s.run_params(select_ledger, {}));
        BOOST_OUTCOME_TRY(live, read_ledger_rows(rows));
    }
    report.migrations = compare_ledger(expected, live);
    return report;
}

result<config_set> read_configs(session& s, const definition& d) {
    const auto& c = d.schema.configs;
    BOOST_OUTCOME_TRY(auto table, quoted_table(c.table));
    BOOST_OUTCOME_TRY(auto key, quote_identifier(c.key_column));
    BOOST_OUTCOME_TRY(auto value, quote_identifier(c.value_column));
    BOOST_OUTCOME_TRY(auto type, quote_identifier(c.type_column));
    BOOST_OUTCOME_TRY(auto rows,
                      s.run_params("SELECT " + key + " AS key, " + value + " AS value, " + type +
                                       " AS type FROM " + table + " ORDER BY 1",
                                   {}));
    std::vector<config_entry> out;
    for (std::size_t r = 0; r < rows.rows.size(); ++r)
        out.push_back({rows.text(r, "key"), rows.value(r, "value"), rows.text(r, "type"), false});
    return config_set(std::move(out));
}

result<signature> read_signature(session& s, const definition& d, std::string_view function) {
    const auto table = d.schema.catalog.table;
    const auto schema = table.find('.') == std::string::npos ? std::string("public")
                                                             : table.substr(0, table.find('.'));
    BOOST_OUTCOME_TRY(
        auto rows,
        s.run_params(
            "SELECT p.proname, array_to_json(coalesce(p.proargnames, ARRAY[]::text[]))::text AS "
            "names,"
            " array_to_json(ARRAY(SELECT format_type(a.t, NULL) FROM unnest(p.proargtypes) WITH "
            "ORDINALITY AS a(t, i) ORDER BY a.i))::text AS types, p.pronargdefaults AS defaults,"
            " format_type(p.prorettype, NULL) AS returns, p.proargmodes IS NOT NULL AS has_modes"
            " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = $1 AND p.proname = $2 AND p.prokind = 'f'",
            {schema, std::string(function)}));
    if (rows.rows.empty())
        return fail(errc::invalid_argument, "function " + detail::quote_for_message(function) +
                                                " does not exist in schema " + schema);
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
    definition out;
    out.name = schema_source.name + " (snapshot)";
    out.schema = schema_source.schema;
    BOOST_OUTCOME_TRY(out.base.rows, read_catalog(s, schema_source));
    BOOST_OUTCOME_TRY(out.base.inventory, read_surface(s, schema_source));
    BOOST_OUTCOME_TRY(out.configs, read_configs(s, schema_source));
    out.base.version = "snapshot";
    for (const auto& row : out.base.rows.rows()) {
        if (std::find(out.categories.begin(), out.categories.end(), row.category) ==
            out.categories.end())
            out.categories.push_back(row.category);
        for (const auto& f : row.target_functions)
            if (!out.find_signature(f)) {
                BOOST_OUTCOME_TRY(auto sig, read_signature(s, schema_source, f));
                out.signatures.push_back(std::move(sig));
            }
        registry_entry entry;
        entry.command = row.command_name;
        entry.function = row.target_functions.front();
        out.registry.push_back(std::move(entry));
    }
    BOOST_OUTCOME_TRY(out.validate());
    return out;
}

} // namespace iucore
