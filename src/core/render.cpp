#include <iucore/detail/sha256.hpp>
#include <iucore/detail/sql_quoter.hpp>
#include <iucore/render.hpp>

#include <algorithm>
#include <set>

namespace iucore {

namespace {

using detail::sql_quoter;

/// Appends the parts with `separator` between them, in one allocation (a seed of 100,000 rows
/// has statements of megabytes: no temporary copies of them).
/// `room_after`: what the caller appends next, reserved now so a long text is not copied again
/// to add a line.
void append_joined(std::string& out, const std::vector<std::string>& parts,
                   std::string_view separator, std::size_t room_after = 0) {
    std::size_t size = out.size() + room_after;
    for (const auto& p : parts)
        size += p.size() + separator.size();
    out.reserve(size);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += separator;
        out += parts[i];
    }
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    append_joined(out, parts, separator);
    return out;
}

/// regprocedure's input for `sig` in `schema`, each name quoted: "public".fn(uuid,text).
std::string regprocedure_input(sql_quoter& q, std::string_view schema, const signature& sig) {
    return q.ident(schema) + "." + q.ident(sig.name) + "(" +
           sig.call_text([](pg_type t) { return name(t); }).substr(sig.name.size() + 1);
}

std::string function_identity(std::string_view schema, const signature& sig) {
    return std::string(schema) + "." + sig.regprocedure();
}

/// The rows as the tuples of a VALUES list, appended to `out`. A seed of 100,000 rows makes this
/// megabytes long, so it is rendered without a string per tuple, into room reserved up front
/// (with `room_after` for what the caller appends next): each tuple is its fields plus 55 bytes
/// of quotes, separators, booleans and ARRAY[…]::text[], plus 4 per target function; 64 leaves
/// room for the rare escape.
void append_catalog_values(sql_quoter& q, std::string& out, const std::vector<catalog_row>& rows,
                           std::size_t room_after = 0) {
    std::size_t size = out.size() + room_after;
    for (const auto& r : rows) {
        size += r.command_name.size() + r.category.size() + 64;
        for (const auto& f : r.target_functions)
            size += f.size() + 4;
    }
    out.reserve(size);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (i) out += ",\n    ";
        out += '(';
        out += q.lit(r.command_name);
        out += ", ";
        out += q.lit(r.category);
        out += ", ";
        out += sql_quoter::boolean(r.mutating);
        out += ", ";
        out += sql_quoter::boolean(r.reversible);
        out += ", ";
        out += q.text_array(r.target_functions);
        out += ')';
    }
}

std::string catalog_values(sql_quoter& q, const std::vector<catalog_row>& rows) {
    std::string out;
    append_catalog_values(q, out, rows);
    return out;
}

/// The catalog's columns as the table names them (schema.catalog.columns), in catalog order.
std::string column_list(sql_quoter& q, const definition& d) {
    std::vector<std::string> names;
    for (const auto& c : catalog_columns)
        names.push_back(q.ident(d.schema.catalog.columns.of(c.name)));
    return join(names, ", ");
}

/// A catalog column of alias `c`, as the table names it.
std::string catalog_column(sql_quoter& q, const std::string& column) {
    return "c." + q.ident(column);
}

/// `text` between `prefix` and `suffix`, copied once.
std::string enclosed(std::string_view prefix, std::string_view text, std::string_view suffix) {
    std::string out;
    out.reserve(prefix.size() + text.size() + suffix.size());
    out += prefix;
    out += text;
    out += suffix;
    return out;
}

/// An INSERT of rows, and where its VALUES list sits in it: the check that the rows are present
/// reuses that list, so at 100,000 rows it is rendered once, straight into the statement.
struct insert_statement {
    std::string sql;
    std::size_t values_at = 0, values_size = 0;
    std::string_view values() const { return std::string_view(sql).substr(values_at, values_size); }
};

insert_statement insert_rows(sql_quoter& q, const definition& d,
                             const std::vector<catalog_row>& rows) {
    const auto tail =
        "\nON CONFLICT (" + q.ident(d.schema.catalog.columns.command_name) + ") DO NOTHING;";
    insert_statement out;
    out.sql = "INSERT INTO " + q.table(d.schema.catalog.table) + " (" + column_list(q, d) +
              ")\nVALUES\n    ";
    out.values_at = out.sql.size();
    append_catalog_values(q, out.sql, rows, tail.size());
    out.values_size = out.sql.size() - out.values_at;
    out.sql += tail;
    return out;
}

/// Checks over a catalog at some version, in the record's shape.
sql_check rows_check(sql_quoter& q, const definition& d, const std::string& label,
                     std::size_t expected_rows) {
    const auto n = std::to_string(expected_rows);
    return {label,
            "FROM " + q.table(d.schema.catalog.table),
            {{"catalog_rows", "count(*)"}, {"expected_" + n, "count(*) = " + n}},
            "count(*) = " + n,
            n + " catalog rows",
            "count(*)::text || ' catalog rows'"};
}

/// The signatures of `functions` as a VALUES list (fn, identity, regprocedure): each target
/// function resolves by its identity, schema-qualified name plus argument types, never by name.
/// Only the catalog's own targets: a migration's SQL (and checksum) does not change when a later
/// migration adds a signature.
std::string signature_identities(sql_quoter& q, const definition& d,
                                 const std::set<std::string>& functions) {
    std::string out;
    for (const auto& function : functions) {
        const auto* sig = d.find_signature(function);
        if (!sig) continue; // validate() refuses a target without one
        const auto schema = function_schema(d, *sig);
        out += out.empty() ? "(VALUES (" : ",\n        (";
        out += q.lit(sig->name) + ", " + q.lit(function_identity(schema, *sig)) + ", " +
               q.lit(regprocedure_input(q, schema, *sig)) + ")";
    }
    return out.empty() ? "(SELECT NULL::text, NULL::text, NULL::text WHERE false)" : out + ")";
}

/// The targets of `rows` (a catalog at some version): as many distinct as it has, each resolving.
sql_check targets_check(sql_quoter& q, const definition& d, const std::string& label,
                        const catalog& rows) {
    const auto n = std::to_string(rows.distinct_targets());
    const std::string resolvable = "coalesce(bool_and(t.found), true)";
    // One row per distinct live target: whether its identity resolves, and if not, what exists
    // under its name instead (looked up only for the unresolved).
    auto from = "FROM (SELECT l.fn, r.found,\n"
                "        CASE WHEN NOT r.found THEN coalesce(s.identity, l.fn || " +
                q.lit(" (no signature in the definition)") + ") || " + q.lit(" not found; ") +
                " || coalesce(" + q.lit("found ") + " || " + functions_named_sql("l.fn") + ", " +
                q.lit("no function has that name") +
                ") END AS problem\n"
                "      FROM (SELECT DISTINCT f.fn FROM " +
                q.table(d.schema.catalog.table) + " c, unnest(" +
                catalog_column(q, d.schema.catalog.columns.target_functions) +
                ") AS f(fn)) l\n"
                "      LEFT JOIN " +
                signature_identities(q, d, rows.target_functions()) +
                " AS s(fn, identity, regproc) ON s.fn = l.fn\n"
                "      CROSS JOIN LATERAL (SELECT to_regprocedure(s.regproc) IS NOT NULL AS found) "
                "r) t";
    return {label,
            std::move(from),
            {{"distinct_target_functions", "count(*)"}, {"all_resolvable", resolvable}},
            "count(*) = " + n + " AND " + resolvable,
            n + " distinct target functions, all resolvable",
            "count(*)::text || ' distinct target functions, ' || CASE WHEN " + resolvable +
                " THEN 'all resolvable' ELSE 'unresolved: ' || string_agg(t.problem, '; ' ORDER "
                "BY t.fn) FILTER (WHERE NOT t.found) END"};
}

/// Rows equal to the definition in every column: presence alone would let a stale row pass.
/// values: catalog_values() of the `row_count` rows.
sql_check matching_rows_check(sql_quoter& q, const definition& d, const std::string& label,
                              const std::string& column_name, std::size_t row_count,
                              std::string_view values) {
    const auto n = std::to_string(row_count);
    const auto key = catalog_column(q, d.schema.catalog.columns.command_name);
    return {label,
            enclosed("FROM " + q.table(d.schema.catalog.table) + " c WHERE (" + column_list(q, d) +
                         ") IN (VALUES\n    ",
                     values, ")"),
            {{column_name, "array_agg(" + key + " ORDER BY " + key + ")"}},
            "count(*) = " + n,
            n + " rows equal to the definition",
            "count(*)::text || ' rows equal to the definition'"};
}

sql_check absent_check(sql_quoter& q, const definition& d, const std::string& label,
                       const std::vector<std::string>& names) {
    return {label,
            "FROM " + q.table(d.schema.catalog.table) + " c WHERE " +
                catalog_column(q, d.schema.catalog.columns.command_name) + " = ANY (" +
                q.text_array(names) + ")",
            {{"rows_remaining", "count(*)"}},
            "count(*) = 0",
            "0 of the removed rows remaining",
            "count(*)::text || ' of the removed rows remaining'"};
}

std::string verify_block(sql_quoter& q, const std::vector<sql_check>& checks) {
    std::string body = "\nDECLARE\n    v_ok boolean;\n    v_actual text;\nBEGIN\n";
    std::size_t size = body.size() + 16 + 64; // 64: "DO " and the delimiters, added in place
    for (const auto& c : checks)
        size += c.ok.size() + c.actual.size() + c.from.size() + c.label.size() + c.expected.size() +
                256;
    body.reserve(size); // one allocation, however long a check's FROM (a seed's rows) is
    for (const auto& c : checks) {
        body += "    SELECT ";
        body += c.ok;
        body += ", ";
        body += c.actual;
        body += "\n      INTO v_ok, v_actual\n    ";
        body += c.from;
        body += ";\n";
        body += "    IF NOT coalesce(v_ok, false) THEN\n        RAISE EXCEPTION USING ERRCODE = " +
                q.lit(sqlstate::check_failed) + ",\n            MESSAGE = " +
                q.lit(c.label + " failed: expected " + c.expected + ", found ") +
                " || v_actual;\n    END IF;\n";
    }
    body += "END\n";
    // The statement is made in the body's own buffer: a seed's body is megabytes long.
    const auto delim = dollar_quote_delimiter(body, "verify");
    body.insert(0, "DO " + delim);
    body += delim;
    body += ';';
    return body;
}

void add_checks(rendered_sql& out, sql_quoter& q, std::vector<sql_check> checks) {
    // select_sql() would throw on a label that cannot be quoted: record it for finish() instead.
    for (const auto& c : checks)
        q.lit(c.label);
    if (!q.status()) return;
    for (const auto& c : checks)
        out.statements.push_back(c.select_sql());
    out.statements.push_back(verify_block(q, checks));
    out.checks = std::move(checks);
}

std::string header(const definition& d, std::string_view what) {
    return "-- " + std::string(what) + "\n-- Rendered by iucore from definition \"" + d.name +
           "\". Do not edit: change the definition and render again.\n";
}

result<rendered_sql> finish(rendered_sql out, const sql_quoter& q) {
    BOOST_OUTCOME_TRY(q.status());
    return out;
}

} // namespace

std::string function_schema(const definition& d, const signature& sig) {
    if (!sig.schema.empty()) return sig.schema;
    if (const auto* known = d.find_signature(sig.name); known && !known->schema.empty())
        return known->schema; // a requirement parsed from regprocedure text names no schema
    return std::string(schema_of_qualified(d.schema.catalog.table));
}

std::string function_identity(const definition& d, const signature& sig) {
    return function_identity(function_schema(d, sig), sig);
}

result<std::string> regprocedure_text(const definition& d, const signature& sig) {
    sql_quoter q;
    auto text = regprocedure_input(q, function_schema(d, sig), sig);
    BOOST_OUTCOME_TRY(q.status());
    return text;
}

std::string functions_named_sql(std::string_view name_sql) {
    // Spelled as function_identity spells one: schema.fn(type,type).
    return "(SELECT string_agg(n.nspname || '.' || p.proname || '(' || "
           "replace(pg_catalog.oidvectortypes(p.proargtypes), ', ', ',') || ')', ', ' ORDER BY "
           "n.nspname, p.oid) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = "
           "p.pronamespace WHERE p.proname = " +
           std::string(name_sql) + ")";
}

result<std::string> render_start_check(const definition& d, std::string_view migration_id) {
    BOOST_OUTCOME_TRY(auto previous, d.version_before(migration_id));
    BOOST_OUTCOME_TRY(auto before, d.catalog_at(previous));
    const auto& m = *d.find_migration(migration_id);
    // The migration's own rows may be there already, equal (ON CONFLICT DO NOTHING re-applies
    // them as a no-op); every other row must be exactly the previous version's.
    std::vector<catalog_row> own;
    for (const auto& r : m.adds)
        if (!before.find(r.command_name)) own.push_back(r);
    sql_quoter q;
    const auto table = q.table(d.schema.catalog.table);
    // The expected rows take the live table's own column names (schema.catalog.columns).
    std::vector<std::string> columns;
    for (const auto& c : catalog_columns)
        columns.push_back(q.ident(d.schema.catalog.columns.of(c.name)));
    const auto names = join(columns, ", ");
    const auto& key = columns.front();
    const auto& live = columns;
    const auto& live_key = key;
    auto expected_rows = [&](const std::vector<catalog_row>& rows, bool must_exist) {
        const auto flag = std::string(sql_quoter::boolean(must_exist));
        if (rows.empty())
            return "SELECT " + names + ", " + flag + " FROM " + table + " WHERE false";
        std::string out = "SELECT v.*, " + flag + " FROM (VALUES\n    ";
        append_catalog_values(q, out, rows);
        return out + ") AS v(" + names + ")";
    };
    std::string fields_differ = "false", field_changes;
    if (columns.size() > 1) {
        std::string expected_fields, live_fields;
        for (std::size_t i = 1; i < columns.size(); ++i) {
            const auto& c = columns[i];
            expected_fields += (i > 1 ? ", e." : "e.") + c;
            live_fields += (i > 1 ? ", l." : "l.") + live[i];
            field_changes +=
                ",\n               CASE WHEN e." + c + " IS DISTINCT FROM l." + live[i] + " THEN " +
                q.lit(d.schema.catalog.columns.of(catalog_columns[i].name) + ": expected ") +
                " || quote_nullable(e." + c + "::text) || ', found ' || quote_nullable(l." +
                live[i] + "::text) END";
        }
        fields_differ = "ROW(" + expected_fields + ") IS DISTINCT FROM ROW(" + live_fields + ")";
    }
    const auto shown = std::to_string(start_differences_shown);
    auto text =
        "WITH expected (" + names + ", must_exist) AS (\n  " + expected_rows(before.rows(), true) +
        "\n  UNION ALL\n  " + expected_rows(own, false) +
        "),\ndifferences AS (\n  SELECT coalesce(e." + key + ", l." + live_key +
        ") AS key,\n         CASE WHEN l." + live_key + " IS NULL THEN 'missing' WHEN e." + key +
        " IS NULL THEN 'unexpected'\n         ELSE concat_ws('; '" + field_changes +
        ") END AS difference\n    FROM expected e FULL JOIN " + table + " l ON l." + live_key +
        " = e." + key + "\n   WHERE CASE WHEN l." + live_key +
        " IS NULL THEN e.must_exist WHEN e." + key + " IS NULL THEN true\n         ELSE " +
        fields_differ +
        " END)\nSELECT count(*) AS differing,\n       CASE WHEN count(*) > 0 THEN " +
        q.lit("REFUSED: migration " + m.id + " starts from the catalog at " + previous + "; " +
              d.schema.catalog.table + " differs from it in ") +
        " || count(*) || ' rows: ' ||\n         (SELECT string_agg(f.key || ' (' || f.difference "
        "|| "
        "')', ', ' ORDER BY f.key)\n            FROM (SELECT * FROM differences ORDER BY key "
        "LIMIT " +
        shown + ") f) ||\n         CASE WHEN count(*) > " + shown +
        " THEN ', \u2026' ELSE '' END || " + q.lit("; nothing was changed") +
        " END AS refusal\n  FROM differences";
    BOOST_OUTCOME_TRY(q.status());
    return text;
}

std::string sql_check::select_sql() const {
    std::string out = "SELECT " + quote_literal(label).value() + " AS \"check\"";
    for (const auto& [name, expression] : columns)
        out += ", " + expression + " AS " + quote_identifier(name).value();
    out.reserve(out.size() + from.size() + 4);
    out += "\n  ";
    out += from;
    out += ';';
    return out;
}

std::string sql_check::report_sql() const {
    std::string out;
    append_report_sql(out);
    return out;
}

void sql_check::append_report_sql(std::string& out) const {
    const auto head = "SELECT " + quote_literal(label).value() + " AS \"check\", " +
                      quote_literal(expected).value() + " AS expected, " + actual + " AS actual, " +
                      ok + " AS ok\n  ";
    out.reserve(out.size() + head.size() + from.size());
    out += head;
    out += from;
}

std::string rendered_sql::body() const {
    std::string out;
    append_joined(out, statements, "\n\n", 1);
    out += "\n";
    return out;
}

std::string rendered_sql::text() const {
    constexpr std::string_view begin = "\nBEGIN;\n\n", commit = "\n\nCOMMIT;\n";
    std::string out;
    out.reserve(header.size() + begin.size());
    out += header;
    out += begin;
    append_joined(out, statements, "\n\n", commit.size());
    out += commit;
    return out;
}

std::string rendered_sql::checksum() const {
    return detail::sha256_hex(body());
}

void tag_invoke(json::value_from_tag, json::value& v, const rendered_sql& r) {
    v = {{"file", r.file_name},
         {"checksum", r.checksum()},
         {"checksum_algorithm", checksum_algorithm},
         {"sql", r.text()}};
}

result<rendered_sql> render_forward(const definition& d, std::string_view migration_id) {
    BOOST_OUTCOME_TRY(auto e, d.expectations(migration_id));
    BOOST_OUTCOME_TRY(auto after, d.catalog_at(migration_id));
    const auto& m = *d.find_migration(migration_id);
    sql_quoter q;
    rendered_sql out;
    out.file_name = m.file_stem() + ".sql";
    out.header = header(d, m.file_stem() + ": forward (preflight, insert, verification)");

    // Preflight: every required function by its identity (schema-qualified name and argument
    // types); a missing one is named with what exists under its name instead.
    std::string body =
        "\nDECLARE\n    v_missing text[] := ARRAY[]::text[];\n    v_refusal text;\nBEGIN\n";
    for (const auto& f : m.requires_functions)
        body += "    IF to_regprocedure(" + q.lit(regprocedure_input(q, function_schema(d, f), f)) +
                ") IS NULL THEN\n        v_missing := array_append(v_missing, " +
                q.lit(function_identity(function_schema(d, f), f) + " (") + " || coalesce(" +
                q.lit("found ") + " || " + functions_named_sql(q.lit(f.name)) + ", " +
                q.lit("no function has that name") + ") || ')');\n    END IF;\n";
    const auto requirement = m.requires_migrations.empty()
                                 ? std::string("its required functions")
                                 : "migration " + join(m.requires_migrations, ", ") + " substrate";
    const auto remedy = m.requires_migrations.empty()
                            ? std::string("create them first")
                            : "apply " + join(m.requires_migrations, ", ") + " first";
    body += "    IF cardinality(v_missing) > 0 THEN\n        RAISE EXCEPTION USING ERRCODE = " +
            q.lit(sqlstate::preflight_failed) +
            ",\n            MESSAGE = " + q.lit(m.id + " preflight: " + requirement + " missing ") +
            " || array_to_string(v_missing, '; ') || " + q.lit(" \u2014 " + remedy) +
            ";\n    END IF;\n";
    // The catalog it starts from, row for row (the same query apply runs in its first round
    // trip): psql and iucore refuse the same databases.
    BOOST_OUTCOME_TRY(auto start, render_start_check(d, migration_id));
    body += "    SELECT s.refusal INTO v_refusal FROM (" + start +
            ") s;\n    IF v_refusal IS NOT NULL THEN\n        RAISE EXCEPTION USING ERRCODE = " +
            q.lit(sqlstate::refused) + ", MESSAGE = v_refusal;\n    END IF;\nEND\n";
    out.statements.push_back("DO " + dollar_quote(body, "preflight") + ";");
    auto insert = insert_rows(q, d, m.adds);
    auto new_rows = matching_rows_check(q, d, m.id + "_new_rows", "rows_present", m.adds.size(),
                                        insert.values());
    out.statements.push_back(std::move(insert.sql));
    out.statements.push_back("-- " + m.id +
                             " verification: catalog size + every target_function resolvable");
    add_checks(out, q,
               {rows_check(q, d, m.id + "_catalog", e.rows_after),
                targets_check(q, d, m.id + "_targets", after), std::move(new_rows)});
    return finish(std::move(out), q);
}

result<rendered_sql> render_rollback(const definition& d, std::string_view migration_id) {
    BOOST_OUTCOME_TRY(auto e, d.expectations(migration_id));
    const auto& m = *d.find_migration(migration_id);
    sql_quoter q;
    rendered_sql out;
    out.file_name = m.file_stem() + "_rollback.sql";
    out.header = header(d, m.file_stem() + ": rollback (guard, delete, verification)");
    const auto names = m.added_commands();
    const auto run_log = q.table(e.guard.table);
    const auto run_column = q.ident(e.guard.column);

    // Lock order (the same everywhere): the run log first, then catalog rows. SHARE mode waits
    // for every run in flight and holds off new ones until commit, so none slips past the guard.
    out.statements.push_back("LOCK TABLE " + run_log + " IN SHARE MODE;");
    std::string body = "\nDECLARE\n    v_blocked text;\n    v_dependents text;\nBEGIN\n";
    body += "    SELECT string_agg(format('%s (%s runs)', r.command_name, r.runs), ', '\n"
            "                      ORDER BY r.command_name)\n      INTO v_blocked\n"
            "      FROM (SELECT " +
            run_column +
            " AS command_name, count(*) AS runs\n"
            "              FROM " +
            run_log + "\n             WHERE " + run_column + " = ANY (" + q.text_array(names) +
            ")\n             GROUP BY 1) r;\n";
    body += "    IF v_blocked IS NOT NULL THEN\n        RAISE EXCEPTION USING ERRCODE = " +
            q.lit(sqlstate::refused) + ",\n            MESSAGE = " +
            q.lit("REFUSED: " + m.id + " rollback: " + e.guard.table + "." + e.guard.column +
                  " still references ") +
            " || v_blocked;\n    END IF;\n";
    const auto dependents = d.dependents(migration_id);
    if (!dependents.empty()) {
        body += "    IF to_regclass(" + q.lit(q.table(d.schema.ledger.table)) +
                ") IS NOT NULL THEN\n        EXECUTE " +
                q.lit("SELECT string_agg(migration_id, ', ' ORDER BY migration_id) FROM " +
                      q.table(d.schema.ledger.table) + " WHERE migration_id = ANY ($1)") +
                "\n           INTO v_dependents USING " + q.text_array(dependents) +
                ";\n        IF v_dependents IS NOT NULL THEN\n"
                "            RAISE EXCEPTION USING ERRCODE = " +
                q.lit(sqlstate::refused) + ",\n                MESSAGE = " +
                q.lit("REFUSED: " + m.id + " rollback: applied migration(s) ") +
                " || v_dependents || " + q.lit(" require " + m.id) +
                ";\n        END IF;\n    END IF;\n";
    }
    body += "END\n";
    out.statements.push_back("DO " + dollar_quote(body, "guard") + ";");
    out.statements.push_back("DELETE FROM " + q.table(d.schema.catalog.table) + " WHERE " +
                             q.ident(d.schema.catalog.columns.command_name) + " = ANY (" +
                             q.text_array(names) + ");");
    // The ledger, when iucore keeps one, forgets the migration with its rows.
    std::string ledger =
        "\nBEGIN\n    IF to_regclass(" + q.lit(q.table(d.schema.ledger.table)) +
        ") IS NOT NULL THEN\n        EXECUTE " +
        q.lit("DELETE FROM " + q.table(d.schema.ledger.table) + " WHERE migration_id = $1") +
        " USING " + q.lit(m.id) + ";\n    END IF;\nEND\n";
    out.statements.push_back("DO " + dollar_quote(ledger, "ledger") + ";");
    out.statements.push_back("-- " + m.id + " rollback verification: back to " +
                             e.previous_version);
    add_checks(out, q,
               {rows_check(q, d, m.id + "_rollback_catalog", e.rows_before),
                absent_check(q, d, m.id + "_rollback_absent", names)});
    return finish(std::move(out), q);
}

namespace {

/// The checks of version `v`, whose catalog (and its catalog_values()) the caller has already.
result<std::vector<sql_check>> version_checks(const definition& d, const std::string& v,
                                              const catalog& rows, std::string_view values) {
    sql_quoter q;
    std::vector<sql_check> checks{rows_check(q, d, v + "_catalog", rows.size()),
                                  targets_check(q, d, v + "_targets", rows)};
    if (rows.size() > 0)
        checks.push_back(
            matching_rows_check(q, d, v + "_rows_match", "rows_matching", rows.size(), values));
    for (const auto& c : checks)
        q.lit(c.label); // labels are quoted by select_sql(), which must not meet a NUL
    BOOST_OUTCOME_TRY(q.status());
    return checks;
}

} // namespace

result<std::vector<sql_check>> render_version_checks(const definition& d,
                                                     std::string_view version) {
    BOOST_OUTCOME_TRY(auto rows, d.catalog_at(version));
    sql_quoter q;
    const auto values = catalog_values(q, rows.rows());
    BOOST_OUTCOME_TRY(q.status());
    return version_checks(d, std::string(version), rows, values);
}

result<rendered_sql> render_seed(const definition& d, std::string_view version) {
    const auto v = version.empty() ? d.latest_version() : std::string(version);
    BOOST_OUTCOME_TRY(auto rows, d.catalog_at(v));
    sql_quoter q;
    rendered_sql out;
    out.file_name = "seed_" + v + ".sql";
    out.header =
        header(d, "catalog seed at version " + v +
                      " (single source of truth; idempotent: INSERT 0 0 when live matches)");
    auto insert = insert_rows(q, d, rows.rows());
    BOOST_OUTCOME_TRY(auto checks, version_checks(d, v, rows, insert.values()));
    if (rows.size() > 0) out.statements.push_back(std::move(insert.sql));
    add_checks(out, q, std::move(checks));
    return finish(std::move(out), q);
}

result<std::string> render_ledger_ddl(const definition& d) {
    sql_quoter q;
    auto ddl = "CREATE TABLE IF NOT EXISTS " + q.table(d.schema.ledger.table) +
               " (\n    migration_id text PRIMARY KEY,\n    position integer NOT NULL,\n"
               "    checksum text NOT NULL,\n    checksum_algorithm text NOT NULL,\n"
               "    chain_hash text NOT NULL,\n    applied_by text NOT NULL,\n"
               "    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
               "    report jsonb NOT NULL DEFAULT '{}'::jsonb,\n"
               "    repaired_by text,\n    repaired_at timestamptz,\n    repair_reason text\n);";
    BOOST_OUTCOME_TRY(q.status());
    return ddl;
}

} // namespace iucore
