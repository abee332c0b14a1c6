#pragma once
// SQL rendering, pure: every migration artifact (forward, rollback, seed) is derived from the
// definition alone, with identifiers and literals quoted by PostgreSQL's rules. The same text
// runs under `psql -v ON_ERROR_STOP=on -f` and through the engine.

#include <iucore/definition.hpp>

#include <string>
#include <vector>

namespace iucore {

/// SQLSTATEs the rendered SQL raises, so callers tell a refusal from a failure.
namespace sqlstate {
inline constexpr std::string_view preflight_failed = "IUPRE"; // a requirement is missing
inline constexpr std::string_view check_failed = "IUCHK";     // a verification check is false
inline constexpr std::string_view refused = "IUREF";          // a guard refused the change
} // namespace sqlstate

/// One verification check: printed as the record prints it, and enforced in the same
/// transaction by a DO block that raises when `ok` is false.
struct sql_check {
    std::string label;                                        // 034_catalog
    std::string from;                                         // FROM … WHERE …
    std::vector<std::pair<std::string, std::string>> columns; // printed name, expression
    std::string ok;                                           // boolean expression
    std::string expected;                                     // in words, for reports
    std::string actual;                                       // text expression, for reports

    std::string select_sql() const; // the printed SELECT
    std::string report_sql() const; // SELECT label, ok, actual
    /// report_sql() appended to `out`: verify joins every check's into one statement, and a
    /// seed's check holds the whole catalog, so it is not copied again.
    void append_report_sql(std::string& out) const;
};

/// A rendered artifact: body statements plus the transaction psql runs them in.
struct rendered_sql {
    std::string file_name; // 034_auto_instantiate_dot_registration.sql
    std::string header;    // comment lines naming the source
    std::vector<std::string> statements;
    std::vector<sql_check> checks;

    /// The whole file: header, BEGIN, statements, COMMIT.
    std::string text() const;
    /// The statements only, for the engine to send inside its own transaction.
    std::string body() const;
    /// sha256 of body(): what the ledger records. It covers exactly what the migration does —
    /// its statements, the checks with their expected figures — and not the header, so
    /// renaming the definition or editing its comments does not make an applied migration drift.
    std::string checksum() const;
};

inline constexpr std::string_view checksum_algorithm = "sha256";

/// `{file, checksum, checksum_algorithm, sql}`: what `render --json` and the C ABI return.
void tag_invoke(json::value_from_tag, json::value& v, const rendered_sql& r);

result<rendered_sql> render_forward(const definition& d, std::string_view migration_id);
result<rendered_sql> render_rollback(const definition& d, std::string_view migration_id);
/// The whole catalog at `version` (latest when empty) as one idempotent seed.
result<rendered_sql> render_seed(const definition& d, std::string_view version = {});
/// The checks of `version` against live (catalog size, targets, SSOT rows), for verify.
result<std::vector<sql_check>> render_version_checks(const definition& d, std::string_view version);

/// How many differing rows a start-state refusal names (it gives the count of all).
inline constexpr std::size_t start_differences_shown = 5;

/// The live catalog against the one `migration_id` starts from (the previous version's rows,
/// plus any of its own rows already there and equal): one row, `differing` (how many rows
/// differ: missing, unexpected, or a field changed) and `refusal` (the message naming the first
/// start_differences_shown of them; NULL when none). The forward's preflight raises it, and
/// apply runs it in its first round trip.
result<std::string> render_start_check(const definition& d, std::string_view migration_id);

/// The schema a function lives in: its signature's, else the catalog's.
std::string function_schema(const definition& d, const signature& sig);
/// A target function's identity as messages name it: `public.fn(uuid,text)`, regprocedure's
/// text qualified by the catalog's schema (where iucore calls it).
std::string function_identity(const definition& d, const signature& sig);
/// The same identity as to_regprocedure reads it, each name quoted by PostgreSQL's rules.
result<std::string> regprocedure_text(const definition& d, const signature& sig);
/// An SQL expression: every function named by the text expression `name_sql`, in any schema,
/// spelled as function_identity spells one and joined by ", "; NULL when there is none. What
/// a failing resolution names as existing instead.
std::string functions_named_sql(std::string_view name_sql);

/// The DDL of the migration ledger (created on first use by the engine).
result<std::string> render_ledger_ddl(const definition& d);

} // namespace iucore
