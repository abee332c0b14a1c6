// The engine's SQL, rendered from the definition: see statements.hpp.

#include <iucore/detail/sha256.hpp>
#include <iucore/detail/sql_quoter.hpp>
#include <iucore/statements.hpp>

#include <algorithm>
#include <cstdlib>

namespace iucore {

namespace {

using detail::sql_quoter;

/// How apply and rollback open their transaction. JIT compilation is off inside it: the checks
/// run over a catalog of a few rows, but the planner's estimates for a small, never-analysed
/// table can put a verification DO block over jit_above_cost, and compiling it then costs about
/// 25 ms, several times the whole migration (tests/bench: apply 034 took 46 ms with JIT, 8 ms
/// without). SET LOCAL ends with the transaction.
constexpr std::string_view begin_sql = "BEGIN;\nSET LOCAL jit = off;\n";

std::string lock_sql(const definition& d) {
    return "SELECT pg_advisory_xact_lock(" + advisory_lock_key(d) + ");\n";
}

std::string str(std::string_view s) {
    return std::string(s);
}

/// The spellings PostgreSQL reads as boolean true, as a text[] parameter.
const std::string& true_spellings_parameter() {
    static const std::string text = [] {
        return text_array_parameter({pg_true_spellings.begin(), pg_true_spellings.end()});
    }();
    return text;
}

/// Appends `value` to the statement's parameters: its $n, cast to `type` (when not empty: else
/// the server types it from where it goes).
std::string bound_parameter(statement& out, std::optional<std::string> value,
                            std::string_view type) {
    out.params.push_back(std::move(value));
    return "$" + std::to_string(out.params.size()) + (type.empty() ? "" : "::") + std::string(type);
}

/// The run-log row an INSERT writes: the command column, then each optional column the schema
/// model maps, with its value. A value is rendered (and its $n numbered) only for a column the
/// table has, so an absent column costs neither text nor a parameter.
class run_log_row {
  public:
    run_log_row(sql_quoter& q, const run_log_table& t, std::string command_value)
        : q_(q), columns_(q.ident(t.command_column)), values_(std::move(command_value)) {}

    template <class Value>
    void add(const std::string& column, Value value) {
        if (column.empty()) return;
        columns_ += ", " + q_.ident(column);
        values_ += ", " + std::string(value());
    }
    const std::string& columns() const { return columns_; }
    const std::string& values() const { return values_; }

  private:
    sql_quoter& q_;
    std::string columns_, values_;
};

/// The actor's value: the session's current_user when the host gave none.
std::string actor_parameter(statement& out, std::string_view actor) {
    return "coalesce(" +
           bound_parameter(out, actor.empty() ? std::nullopt : std::optional<std::string>(actor),
                           "text") +
           ", current_user)";
}

/// RETURNING's id: the id column, or NULL when the run log has none.
std::string returned_id(sql_quoter& q, const run_log_table& t) {
    return (t.columns.id.empty() ? std::string("NULL::bigint") : q.ident(t.columns.id)) + " AS id";
}

} // namespace

const std::string& catalog_key_column(const definition& d) {
    return d.schema.catalog.columns.command_name;
}

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

result<call_sql> render_call(const definition& d, const command_binding& b,
                             const bound_arguments& args, int first_param) {
    sql_quoter q;
    call_sql out;
    auto& call = out.call;
    call.reserve(64 + 48 * args.values.size()); // built by appending: explain's hot path
    q.append_ident(call, !b.sig->schema.empty() ? std::string_view(b.sig->schema)
                                                : schema_of_qualified(d.schema.catalog.table));
    call += '.';
    q.append_ident(call, b.sig->name);
    call += '(';
    out.params.reserve(args.values.size());
    int n = first_param;
    for (const auto& a : args.values) {
        if (n != first_param) call += ", ";
        q.append_ident(call, a.name);
        call += " => $";
        call += std::to_string(n++);
        call += "::";
        call += name(a.type);
        out.params.push_back(a.value);
    }
    call += ')';
    BOOST_OUTCOME_TRY(q.status());
    return out;
}

std::string run_arguments_json(const bound_arguments& args) {
    json::object o;
    for (const auto& a : args.values)
        o[a.name] = a.value;
    return json::serialize(o);
}

result<statement> render_governed_run(const definition& d, const command_binding& b,
                                      const bound_arguments& args, std::string_view actor) {
    const auto& c = d.schema.configs;
    const auto& log = d.schema.run_log;
    sql_quoter q;
    const auto catalog = q.table(d.schema.catalog.table);
    const auto key_column = q.ident(catalog_key_column(d));
    const auto run_log = q.table(log.table);
    const auto key = q.ident(c.key_column), value = q.ident(c.value_column),
               type = q.ident(c.type_column);
    // Without a config table no gate can be defined (validate); the join is then over none.
    const auto config_table = c.exists() ? q.table(c.table)
                                         : "(SELECT NULL::text AS " + key + ", NULL::text AS " +
                                               value + ", NULL::text AS " + type + " WHERE false)";
    const bool defined_governed = d.ssot_row(b.entry->command) != nullptr;
    std::vector<std::string> gate_configs;
    for (const auto& g : d.gates.applying(b.entry->command, args.selected))
        gate_configs.push_back(g.config);

    statement out;
    out.params = {b.entry->command, text_array_parameter(gate_configs), true_spellings_parameter(),
                  defined_governed ? "true" : "false"};
    run_log_row row(q, log, "$1");
    row.add(log.columns.actor, [&] { return actor_parameter(out, actor); });
    row.add(log.columns.args,
            [&] { return bound_parameter(out, run_arguments_json(args), "jsonb"); });
    row.add(log.columns.mode,
            [&] { return bound_parameter(out, std::string(name(args.selected)), ""); });
    row.add(log.columns.outcome,
            [] { return "CASE WHEN d.governed AND d.open THEN 'ok' ELSE 'refused' END"; });
    row.add(log.columns.result, [] { return "(SELECT result FROM called)"; });
    row.add(log.columns.duration_ms, [] {
        return "1000 * extract(epoch FROM coalesce((SELECT finished FROM called), "
               "clock_timestamp()) - statement_timestamp())";
    });
    row.add(log.columns.started_at, [] { return "statement_timestamp()"; });
    const auto id = returned_id(q, log);
    BOOST_OUTCOME_TRY(q.status());
    BOOST_OUTCOME_TRY(auto call, render_call(d, b, args, static_cast<int>(out.params.size()) + 1));

    // A NULL config value makes its comparison NULL, which bool_and would skip: the inner
    // coalesce counts it as closed (fail closed, as evaluate_boolean does).
    // One statement: the INSERT takes the run log's ROW EXCLUSIVE lock at the start, then the
    // catalog row is read FOR KEY SHARE (lock order: run log, then catalog rows; see
    // lifecycle.hpp). The function is called only when governed and every gate is open.
    out.text =
        "WITH governed AS (\n"
        "  SELECT $4::boolean AND EXISTS (SELECT 1 FROM " +
        catalog + " c WHERE c." + key_column +
        " = $1 FOR KEY SHARE) AS live_row),\n"
        "gate_configs AS (\n"
        "  SELECT k.key, g." +
        value + " AS value, g." + type + " AS type, g." + key +
        " IS NOT NULL AS found\n"
        "    FROM unnest($2::text[]) AS k(key) LEFT JOIN " +
        config_table + " g ON g." + key +
        " = k.key),\n"
        "decision AS (\n"
        "  SELECT (SELECT live_row FROM governed) AS governed,\n"
        "         coalesce(bool_and(coalesce(gc.found AND gc.type = 'boolean' AND\n"
        "                  lower(btrim(gc.value, E' \\t\\n\\r\\f\\v')) = ANY ($3::text[]), "
        "false)),\n"
        "                  true) AS open,\n"
        "         coalesce(json_agg(json_build_object('key', gc.key, 'value', gc.value, 'type', "
        "gc.type, 'found', gc.found)), '[]'::json)::text AS configs\n"
        "    FROM gate_configs gc),\n"
        "called AS (\n"
        "  SELECT x.result, clock_timestamp() AS finished\n"
        "    FROM (SELECT to_jsonb(" +
        call.call +
        ") AS result FROM decision WHERE governed AND open) x),\n"
        "logged AS (\n"
        "  INSERT INTO " +
        run_log + " (" + row.columns() +
        ")\n"
        "  SELECT " +
        row.values() +
        "\n"
        "    FROM decision d\n"
        "  RETURNING " +
        id +
        ")\n"
        "SELECT l.id, d.governed, d.open, d.configs, (SELECT result FROM called)::text "
        "AS result\n"
        "  FROM logged l, decision d";
    out.params.reserve(out.params.size() + call.params.size());
    for (auto& p : call.params)
        out.params.emplace_back(std::move(p));
    return out;
}

result<statement> render_failed_run_log(const definition& d, const command_binding& b,
                                        const bound_arguments& args, std::string_view actor,
                                        std::string_view error_message) {
    const auto& log = d.schema.run_log;
    sql_quoter q;
    const auto catalog = q.table(d.schema.catalog.table);
    const auto key_column = q.ident(catalog_key_column(d));
    const auto run_log = q.table(log.table);
    statement out;
    out.params = {b.entry->command};
    run_log_row row(q, log, "$1::text");
    row.add(log.columns.actor, [&] { return actor_parameter(out, actor); });
    row.add(log.columns.args,
            [&] { return bound_parameter(out, run_arguments_json(args), "jsonb"); });
    row.add(log.columns.mode,
            [&] { return bound_parameter(out, std::string(name(args.selected)), "text"); });
    row.add(log.columns.outcome, [] { return "o.outcome"; });
    row.add(log.columns.result, [&] {
        return bound_parameter(out, json::serialize(json::object{{"error", error_message}}),
                               "jsonb");
    });
    row.add(log.columns.started_at, [] { return "statement_timestamp()"; });
    const auto id = returned_id(q, log);
    BOOST_OUTCOME_TRY(q.status());
    // The outcome is decided once, whether or not the table has a column to log it in.
    out.text = "WITH o AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM " + catalog + " c WHERE c." +
               key_column +
               " = $1::text FOR KEY SHARE) THEN 'error' ELSE 'refused' END AS outcome),\n"
               "logged AS (INSERT INTO " +
               run_log + " (" + row.columns() + ") SELECT " + row.values() + " FROM o RETURNING " +
               id + ")\nSELECT (SELECT id FROM logged) AS id, o.outcome FROM o";
    return out;
}

std::string advisory_lock_key(const definition& d) {
    auto hex = detail::sha256_hex("iucore ledger " + d.schema.ledger.table).substr(0, 15);
    return std::to_string(std::strtoll(hex.c_str(), nullptr, 16));
}

result<statement> render_ledger_rows(const definition& d) {
    sql_quoter q;
    namespace col = ledger_columns;
    auto text = "SELECT " + q.ident(col::migration_id) + " AS migration_id, " +
                q.ident(col::position) + " AS position, " + q.ident(col::checksum) +
                " AS checksum, " + q.ident(col::checksum_algorithm) + " AS checksum_algorithm, " +
                q.ident(col::chain_hash) + " AS chain_hash, " + q.ident(col::applied_by) +
                " AS applied_by, " + q.ident(col::applied_at) + "::text AS applied_at FROM " +
                q.table(d.schema.ledger.table) + " ORDER BY " + q.ident(col::position);
    BOOST_OUTCOME_TRY(q.status());
    return statement{std::move(text), {}};
}

result<std::string> render_apply_opening(const definition& d, std::string_view migration_id) {
    BOOST_OUTCOME_TRY(auto ddl, render_ledger_ddl(d));
    BOOST_OUTCOME_TRY(auto start, render_start_check(d, migration_id));
    BOOST_OUTCOME_TRY(auto rows, render_ledger_rows(d));
    return std::string(begin_sql) + lock_sql(d) + ddl + "\n" + start + ";\n" + rows.text + ";";
}

namespace {

/// The ledger row of `entry` (applied_by: the session user when empty), with the catalog's size.
result<std::string> render_ledger_insert(const definition& d, const ledger_entry& entry,
                                         std::string_view applied_by) {
    sql_quoter q;
    namespace col = ledger_columns;
    const auto ledger_insert =
        "INSERT INTO " + q.table(d.schema.ledger.table) + " (" + q.ident(col::migration_id) + ", " +
        q.ident(col::position) + ", " + q.ident(col::checksum) + ", " +
        q.ident(col::checksum_algorithm) + ", " + q.ident(col::chain_hash) + ", " +
        q.ident(col::applied_by) + ", " + q.ident(col::report) + ")\nSELECT " +
        q.lit(entry.migration_id) + ", " + std::to_string(entry.position) + ", " +
        q.lit(entry.checksum) + ", " + q.lit(entry.checksum_algorithm) + ", " +
        q.lit(entry.chain_hash) + ", " +
        (applied_by.empty() ? std::string("current_user") : q.lit(applied_by)) +
        ", jsonb_build_object('catalog_rows', count(*)) FROM " + q.table(d.schema.catalog.table) +
        ";\n";
    BOOST_OUTCOME_TRY(q.status());
    return ledger_insert;
}

} // namespace

result<std::string> render_apply_closing(const definition& d, const rendered_sql& forward,
                                         const ledger_entry& entry, std::string_view applied_by,
                                         bool dry_run) {
    BOOST_OUTCOME_TRY(auto ledger_insert, render_ledger_insert(d, entry, applied_by));
    return forward.body() + ledger_insert + (dry_run ? "ROLLBACK;" : "COMMIT;");
}

result<std::string> render_ledger_opening(const definition& d) {
    BOOST_OUTCOME_TRY(auto ddl, render_ledger_ddl(d));
    BOOST_OUTCOME_TRY(auto rows, render_ledger_rows(d));
    sql_quoter q;
    namespace col = ledger_columns;
    const auto table = q.table(d.schema.ledger.table);
    const auto add = [&](std::string_view column, std::string_view type) {
        return "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + q.ident(column) + " " +
               std::string(type) + ";\n";
    };
    auto text = std::string(begin_sql) + lock_sql(d) + ddl + "\n" + add(col::repaired_by, "text") +
                add(col::repaired_at, "timestamptz") + add(col::repair_reason, "text") + rows.text +
                ";";
    BOOST_OUTCOME_TRY(q.status());
    return text;
}

result<statement> render_baseline_row(const definition& d, const ledger_entry& entry,
                                      std::string_view applied_by) {
    sql_quoter q;
    namespace col = ledger_columns;
    statement out;
    out.text = "INSERT INTO " + q.table(d.schema.ledger.table) + " (" + q.ident(col::migration_id) +
               ", " + q.ident(col::position) + ", " + q.ident(col::checksum) + ", " +
               q.ident(col::checksum_algorithm) + ", " + q.ident(col::chain_hash) + ", " +
               q.ident(col::applied_by) + ", " + q.ident(col::report) +
               ")\nSELECT $1, $2::integer, $3, $4, $5, coalesce($6, current_user), "
               "jsonb_build_object('catalog_rows', count(*), 'baseline', true) FROM " +
               q.table(d.schema.catalog.table);
    out.params = {entry.migration_id,
                  std::to_string(entry.position),
                  entry.checksum,
                  entry.checksum_algorithm,
                  entry.chain_hash,
                  applied_by.empty() ? std::nullopt : std::optional(std::string(applied_by))};
    BOOST_OUTCOME_TRY(q.status());
    return out;
}

result<statement> render_repair_row(const definition& d, const ledger_entry& entry,
                                    bool with_checksum, std::string_view repaired_by,
                                    std::string_view reason) {
    sql_quoter q;
    namespace col = ledger_columns;
    const auto set = [&](std::string_view column, std::string_view value) {
        return q.ident(column) + " = " + std::string(value);
    };
    statement out;
    out.text =
        "UPDATE " + q.table(d.schema.ledger.table) + " SET " +
        set(col::checksum, "coalesce($2, " + q.ident(col::checksum) + ")") + ", " +
        set(col::checksum_algorithm, "coalesce($3, " + q.ident(col::checksum_algorithm) + ")") +
        ", " + set(col::chain_hash, "$4") + ", " + set(col::position, "$5::integer") + ", " +
        set(col::repaired_by, "coalesce($6, current_user)") + ", " +
        set(col::repaired_at, "clock_timestamp()") + ", " + set(col::repair_reason, "$7") +
        " WHERE " + q.ident(col::migration_id) + " = $1";
    const auto when = [&](const std::string& value) {
        return with_checksum ? std::optional(value) : std::nullopt;
    };
    out.params = {entry.migration_id,
                  when(entry.checksum),
                  when(entry.checksum_algorithm),
                  entry.chain_hash,
                  std::to_string(entry.position),
                  repaired_by.empty() ? std::nullopt : std::optional(std::string(repaired_by)),
                  std::string(reason)};
    BOOST_OUTCOME_TRY(q.status());
    return out;
}

result<rendered_sql> render_forward_with_ledger(const definition& d,
                                                std::string_view migration_id) {
    BOOST_OUTCOME_TRY(auto out, render_forward(d, migration_id));
    BOOST_OUTCOME_TRY(auto expected, expected_ledger(d));
    const auto& id = d.find_migration(migration_id)->id; // render_forward found it
    const auto entry = std::find_if(expected.begin(), expected.end(),
                                    [&](const auto& e) { return e.migration_id == id; });
    if (entry == expected.end())
        return fail(errc::internal, "render --with-ledger: no ledger entry for the migration");
    BOOST_OUTCOME_TRY(auto ddl, render_ledger_ddl(d));
    BOOST_OUTCOME_TRY(auto ledger_insert, render_ledger_insert(d, *entry, {}));
    // Serialised with iucore's appliers, and recorded as `iucore apply` records it (the
    // checksum is the forward's own), so status and apply know the migration is applied.
    out.statements.insert(out.statements.begin(), lock_sql(d) + ddl);
    out.statements.push_back("-- the ledger row, as iucore apply writes it\n" + ledger_insert);
    out.header += "-- with the ledger row: status and apply see it as applied by this file\n";
    return out;
}

result<std::string> render_rollback_transaction(const definition& d, const rendered_sql& script) {
    return std::string(begin_sql) + lock_sql(d) + script.body() + "COMMIT;";
}

result<statement> render_table_exists(std::string_view qualified_table) {
    BOOST_OUTCOME_TRY(auto quoted, quote_qualified_name(qualified_table));
    return statement{"SELECT to_regclass($1) IS NOT NULL AS present", {std::move(quoted)}};
}

result<statement> render_table_columns(std::string_view qualified_table) {
    BOOST_OUTCOME_TRY(auto quoted, quote_qualified_name(qualified_table));
    return statement{"SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, "
                     "t.typcategory = 'A' AS is_array, t.typcategory = 'B' AS is_boolean "
                     "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = "
                     "a.atttypid WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT "
                     "a.attisdropped ORDER BY a.attnum",
                     {std::move(quoted)}};
}

result<statement> render_catalog_count(const definition& d) {
    BOOST_OUTCOME_TRY(auto table, quote_qualified_name(d.schema.catalog.table));
    return statement{"SELECT count(*) AS n FROM " + table, {}};
}

result<statement> render_run_counts(const definition& d, const std::vector<std::string>& commands) {
    BOOST_OUTCOME_TRY(auto table, quote_qualified_name(d.schema.run_log.table));
    BOOST_OUTCOME_TRY(auto column, quote_identifier(d.schema.run_log.command_column));
    return statement{"SELECT " + column + " AS command, count(*) AS runs FROM " + table +
                         " WHERE " + column + " = ANY ($1::text[]) GROUP BY 1 ORDER BY 1",
                     {text_array_parameter(commands)}};
}

result<statement> render_delete_run(const definition& d, std::int64_t run_id) {
    if (d.schema.run_log.columns.id.empty())
        return fail(errc::invalid_argument,
                    "the run log " + d.schema.run_log.table + " has no id column to delete by");
    BOOST_OUTCOME_TRY(auto table, quote_qualified_name(d.schema.run_log.table));
    BOOST_OUTCOME_TRY(auto id, quote_identifier(d.schema.run_log.columns.id));
    return statement{"DELETE FROM " + table + " WHERE " + id + " = $1::bigint",
                     {std::to_string(run_id)}};
}

result<statement> render_catalog_rows(const definition& d) {
    sql_quoter q;
    std::string columns;
    // Only the mapped columns, each under iucore's name: the table's other columns are its own.
    for (std::size_t i = 0; i < catalog_columns.size(); ++i) {
        if (i) columns += ", ";
        const auto logical = q.ident(catalog_columns[i].name);
        const auto column = q.ident(d.schema.catalog.columns.of(catalog_columns[i].name));
        // The last column (target_functions) is the one array: it travels as JSON text, which
        // the reader parses without a second grammar.
        columns += i + 1 == catalog_columns.size()
                       ? "array_to_json(" + column + ")::text AS " + logical
                   : column == logical ? column
                                       : column + " AS " + logical;
    }
    auto text = "SELECT " + columns + " FROM " + q.table(d.schema.catalog.table) + " ORDER BY " +
                q.ident(catalog_key_column(d));
    BOOST_OUTCOME_TRY(q.status());
    return statement{std::move(text), {}};
}

result<statement> render_surface_counts(const definition& d) {
    statement out;
    out.text = "SELECT ";
    out.params.emplace_back(text_array_parameter(d.schema.surface.schemas));
    for (auto kind : all_surface_kinds) {
        auto it = d.schema.surface.kinds.find(kind);
        const auto separator = kind == surface_kind::table ? "" : ", ";
        if (it == d.schema.surface.kinds.end()) { // a kind without a rule is not counted
            out.text += separator + std::string("0::bigint AS ") + std::string(name(kind));
            continue;
        }
        const auto& rule = it->second;
        std::string count;
        if (!rule.registry.empty()) {
            BOOST_OUTCOME_TRY(auto table, quote_qualified_name(rule.registry));
            count = "(SELECT count(*) FROM " + table + ")";
        } else {
            out.params.emplace_back(text_array_parameter(rule.names_like));
            const auto like = "$" + std::to_string(out.params.size()) + "::text[]";
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
            else if (kind == surface_kind::view)
                count = "(SELECT count(*) FROM pg_catalog.pg_class c" + ns +
                        "c.relnamespace WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN "
                        "('v', 'm') AND c.relname LIKE ANY (" +
                        like + "))";
            else {
                // iucore's own ledger is not part of the governed surface: a rule matching
                // every table would otherwise count it once apply has created it.
                BOOST_OUTCOME_TRY(auto ledger, quote_qualified_name(d.schema.ledger.table));
                out.params.emplace_back(std::move(ledger));
                count = "(SELECT count(*) FROM pg_catalog.pg_class c" + ns +
                        "c.relnamespace WHERE n.nspname = ANY ($1::text[]) AND c.relkind IN "
                        "('r', 'p') AND c.relname LIKE ANY (" +
                        like + ") AND c.oid IS DISTINCT FROM to_regclass($" +
                        std::to_string(out.params.size()) + "))";
            }
        }
        out.text += separator + count + " AS " + std::string(name(kind));
    }
    return out;
}

result<statement> render_configs(const definition& d) {
    const auto& c = d.schema.configs;
    sql_quoter q;
    if (!c.exists()) // no config table: no configs
        return statement{"SELECT NULL::text AS key, NULL::text AS value, NULL::text AS type "
                         "WHERE false",
                         {}};
    auto text = "SELECT " + q.ident(c.key_column) + " AS key, " + q.ident(c.value_column) +
                " AS value, " + q.ident(c.type_column) + " AS type FROM " + q.table(c.table) +
                " ORDER BY 1";
    BOOST_OUTCOME_TRY(q.status());
    return statement{std::move(text), {}};
}

statement render_signature_lookup(const definition& d, std::string_view function) {
    const std::string schema(schema_of_qualified(d.schema.catalog.table));
    return {"SELECT p.proname, array_to_json(coalesce(p.proargnames, ARRAY[]::text[]))::text AS "
            "names,"
            " array_to_json(ARRAY(SELECT format_type(a.t, NULL) FROM unnest(p.proargtypes) WITH "
            "ORDINALITY AS a(t, i) ORDER BY a.i))::text AS types, p.pronargdefaults AS defaults,"
            " format_type(p.prorettype, NULL) AS returns, p.proargmodes IS NOT NULL AS has_modes"
            ", n.nspname AS schema"
            " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
            " WHERE p.proname = $2 AND p.prokind = 'f' AND (n.nspname = $1 OR (NOT EXISTS ("
            "SELECT 1 FROM pg_catalog.pg_proc p1 JOIN pg_catalog.pg_namespace n1 ON n1.oid = "
            "p1.pronamespace WHERE n1.nspname = $1 AND p1.proname = $2 AND p1.prokind = 'f') AND "
            "pg_catalog.pg_function_is_visible(p.oid)))",
            {schema, str(function)}};
}

result<statement> render_function_resolution(const definition& d, const signature& sig) {
    BOOST_OUTCOME_TRY(auto regprocedure, regprocedure_text(d, sig));
    return statement{"SELECT to_regprocedure($1) IS NOT NULL AS found, " +
                         functions_named_sql("$2::text") + " AS instead",
                     {std::move(regprocedure), sig.name}};
}

std::string render_verification(const std::vector<sql_check>& checks, bool own_transaction) {
    // verify's one statement holds the whole expected catalog as a VALUES literal. With parallel
    // workers the server serialises that plan once per worker, and JIT compiles it: at 100,000
    // rows that was most of 2.3 s (tests/bench/RESULTS.md); and the default work_mem (4 MB)
    // splits the hash of 100,000 expected rows into batches on disk. Outside a transaction it
    // runs in a read-only one of its own with parallelism and JIT off and room for that hash, in
    // the same round trip; inside a caller's transaction SET LOCAL would outlive verify, so there
    // it runs as it is.
    std::string sql = own_transaction ? "BEGIN READ ONLY;\nSET LOCAL jit = off;\n"
                                        "SET LOCAL max_parallel_workers_per_gather = 0;\n"
                                        "SET LOCAL work_mem = '64MB';\n"
                                      : "";
    for (std::size_t i = 0; i < checks.size(); ++i) {
        if (i > 0) sql += "\nUNION ALL\n";
        checks[i].append_report_sql(sql);
    }
    if (own_transaction) sql += ";\nCOMMIT;";
    return sql;
}

statement render_replay_lag() {
    return {"SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8 "
            "AS lag_seconds",
            {}};
}

statement render_blocking_pids(int pid) {
    return {"SELECT array_to_string(pg_blocking_pids($1::int), ', ')", {std::to_string(pid)}};
}

} // namespace iucore
