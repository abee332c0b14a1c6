#include <iucore/engine/session.hpp>
#include <iucore/render.hpp>

#include <cstdlib>

namespace iucore {

namespace {

using result_ptr = std::unique_ptr<PGresult, decltype(&PQclear)>;

result_ptr own(PGresult* r) {
    return {r, &PQclear};
}

std::string trimmed_message(const char* text) {
    std::string m = text ? text : "";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
        m.pop_back();
    return m;
}

pg_rows copy_rows(const PGresult* res) {
    pg_rows out;
    out.command_status = PQcmdStatus(const_cast<PGresult*>(res));
    const char* tuples = PQcmdTuples(const_cast<PGresult*>(res));
    out.affected = (tuples && *tuples) ? std::strtoll(tuples, nullptr, 10) : 0;
    const int fields = PQnfields(res);
    for (int c = 0; c < fields; ++c)
        out.columns.emplace_back(PQfname(res, c));
    const int n = PQntuples(res);
    out.rows.reserve(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) {
        std::vector<std::optional<std::string>> row;
        row.reserve(static_cast<std::size_t>(fields));
        for (int c = 0; c < fields; ++c) {
            if (PQgetisnull(res, r, c))
                row.emplace_back(std::nullopt);
            else
                row.emplace_back(std::string(PQgetvalue(res, r, c),
                                             static_cast<std::size_t>(PQgetlength(res, r, c))));
        }
        out.rows.push_back(std::move(row));
    }
    return out;
}

} // namespace

std::optional<std::string> pg_rows::value(std::size_t row, std::string_view column) const {
    for (std::size_t c = 0; c < columns.size(); ++c)
        if (columns[c] == column && row < rows.size()) return rows[row][c];
    return std::nullopt;
}

std::string pg_rows::text(std::size_t row, std::string_view column) const {
    return value(row, column).value_or("");
}

result<session> session::connect(const std::string& conninfo) {
    conn_ptr conn(PQconnectdb(conninfo.c_str()), &PQfinish);
    if (!conn) return fail(errc::connection, "could not allocate a libpq connection");
    if (PQstatus(conn.get()) != CONNECTION_OK)
        return fail(errc::connection,
                    "could not connect to PostgreSQL" +
                        (conninfo.empty() ? std::string(" (from the PG* environment)")
                                          : std::string(" with the given conninfo")) +
                        ": " + trimmed_message(PQerrorMessage(conn.get())));
    // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);
    return session(std::move(conn));
}

failure session::error_from(const PGresult* res) const {
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        return fail(errc::connection, "lost the connection to PostgreSQL: " +
                                          trimmed_message(PQerrorMessage(conn_.get())));
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message =
        primary ? std::string(primary) : trimmed_message(PQerrorMessage(conn_.get()));
    std::string code = state ? state : "";
    if (code == sqlstate::refused) return fail(errc::refused, message);
    if (code == sqlstate::preflight_failed || code == sqlstate::check_failed)
        return fail(errc::check_failed, message);
    // Class 08 is connection exceptions; 57P01..03 are the server shutting the backend down.
    if (code.starts_with("08") || code.starts_with("57P"))
        return fail(errc::connection, message + " (SQLSTATE " + code + ")");
    return fail(errc::database, message + (code.empty() ? "" : " (SQLSTATE " + code + ")"));
}

result<std::vector<pg_rows>> session::run(const std::string& sql) {
    if (sql.find('\0') != std::string::npos)
        return fail(errc::invalid_argument, "SQL text contains a NUL byte; nothing was sent");
    ++round_trips_;
    if (!PQsendQuery(conn_.get(), sql.c_str())) return error_from(nullptr);
    std::vector<pg_rows> out;
    std::optional<failure> first_error;
    while (PGresult* raw = PQgetResult(conn_.get())) {
        auto res = own(raw);
        const auto status = PQresultStatus(res.get());
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            out.push_back(copy_rows(res.get()));
        } else if (!first_error) {
            first_error = error_from(res.get());
        }
    }
    if (first_error) return *first_error;
    if (PQstatus(conn_.get()) != CONNECTION_OK) return error_from(nullptr);
    return out;
}

result<std::vector<const char*>>
session::parameter_values(const std::string& sql,
                          const std::vector<std::optional<std::string>>& params) const {
    // libpq reads C strings: whatever follows a NUL would be cut off silently.
    if (sql.find('\0') != std::string::npos)
        return fail(errc::invalid_argument, "SQL text contains a NUL byte; nothing was sent");
    std::vector<const char*> values;
    values.reserve(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
        if (params[i] && params[i]->find('\0') != std::string::npos)
            return fail(errc::invalid_argument, "parameter $" + std::to_string(i + 1) +
                                                    " contains a NUL byte; nothing was sent");
        values.push_back(params[i] ? params[i]->c_str() : nullptr);
    }
    return values;
}

namespace {

bool succeeded(const PGresult* res) {
    const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

bool is_missing_statement(const PGresult* res) {
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    return state && std::string_view(state) == "26000"; // invalid_sql_statement_name
}

} // namespace

result<pg_rows> session::run_params(const std::string& sql,
                                    const std::vector<std::optional<std::string>>& params) {
    BOOST_OUTCOME_TRY(auto values, parameter_values(sql, params));
    ++round_trips_;
    auto res = own(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0));
    if (!succeeded(res.get())) return error_from(res.get());
    return copy_rows(res.get());
}

result<pg_rows> session::run_prepared(const std::string& sql,
                                      const std::vector<std::optional<std::string>>& params) {
    BOOST_OUTCOME_TRY(auto values, parameter_values(sql, params));
    const auto known = prepared_.find(sql);
    if (known == prepared_.end()) return prepare_and_execute(sql, values);
    ++round_trips_;
    auto res =
        own(PQexecPrepared(conn_.get(), known->second.c_str(), static_cast<int>(values.size()),
                           values.data(), nullptr, nullptr, 0));
    if (succeeded(res.get())) return copy_rows(res.get());
    // Nothing ran: the server no longer has the statement, so prepare it again.
    if (is_missing_statement(res.get())) {
        prepared_.erase(known);
        return prepare_and_execute(sql, values);
    }
    return error_from(res.get());
}

result<pg_rows> session::prepare_and_execute(const std::string& sql,
                                             const std::vector<const char*>& values) {
    const std::string name = "iucore_statement_" + std::to_string(++next_statement_);
    const int count = static_cast<int>(values.size());
    ++round_trips_;
    // Parse, Bind/Execute and one Sync in a pipeline: one round trip, one implicit transaction.
    if (!PQenterPipelineMode(conn_.get())) return error_from(nullptr);
    const bool sent =
        PQsendPrepare(conn_.get(), name.c_str(), sql.c_str(), count, nullptr) &&
        PQsendQueryPrepared(conn_.get(), name.c_str(), count, values.data(), nullptr, nullptr, 0) &&
        PQpipelineSync(conn_.get());
    // Results in order: the Parse's, the Execute's (or PIPELINE_ABORTED), then the Sync's.
    std::vector<result_ptr> results;
    int empty_in_a_row = 0;
    while (sent && empty_in_a_row < 2 && PQstatus(conn_.get()) == CONNECTION_OK) {
        PGresult* raw = PQgetResult(conn_.get());
        if (!raw) {
            ++empty_in_a_row;
            continue;
        }
        empty_in_a_row = 0;
        const bool sync = PQresultStatus(raw) == PGRES_PIPELINE_SYNC;
        results.push_back(own(raw));
        if (sync) break;
    }
    const bool complete =
        results.size() == 3 && PQresultStatus(results[2].get()) == PGRES_PIPELINE_SYNC;
    PQexitPipelineMode(conn_.get());
    if (!complete) return error_from(results.empty() ? nullptr : results.back().get());
    if (!succeeded(results[0].get())) return error_from(results[0].get());
    prepared_.emplace(sql, name);
    if (!succeeded(results[1].get())) return error_from(results[1].get());
    return copy_rows(results[1].get());
}

result<std::string> session::literal(std::string_view value) const {
    char* escaped = PQescapeLiteral(conn_.get(), value.data(), value.size());
    if (!escaped)
        return fail(errc::invalid_argument, "value cannot be quoted as an SQL literal: " +
                                                trimmed_message(PQerrorMessage(conn_.get())));
    std::string out(escaped);
    PQfreemem(escaped);
    return out;
}

int session::backend_pid() const {
    return PQbackendPID(conn_.get());
}

bool session::in_transaction() const {
    const auto s = PQtransactionStatus(conn_.get());
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

void session::rollback_quietly() {
    if (PQstatus(conn_.get()) != CONNECTION_OK) return;
    ++round_trips_;
    auto res = own(PQexec(conn_.get(), "ROLLBACK"));
}

} // namespace iucore
