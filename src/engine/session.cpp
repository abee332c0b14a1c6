#include <iucore/engine/session.hpp>
#include <iucore/render.hpp>
#include <iucore/statements.hpp>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <poll.h>
#include <thread>

namespace iucore {

namespace {

using result_ptr = session::result_ptr;

result_ptr own(PGresult* r) {
    return {r, &PQclear};
}

std::string trimmed_message(const char* text) {
    std::string m = text ? text : "";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' '))
        m.pop_back();
    return m;
}

bool succeeded(const PGresult* res) {
    const auto status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/// One field of a server error (PQresultErrorField), "" when the result has none.
std::string diagnostic(const PGresult* res, int field) {
    const char* value = res ? PQresultErrorField(res, field) : nullptr;
    return value ? value : "";
}

bool is_missing_statement(const PGresult* res) {
    return diagnostic(res, PG_DIAG_SQLSTATE) == "26000"; // invalid_sql_statement_name
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

namespace {

// The cancel registry: one slot per live session, read by cancel_running_statements() from a
// signal handler, so only lock-free atomics are touched there.
constexpr int cancel_slot_count = 256;
std::atomic<PGcancel*> cancel_registry[cancel_slot_count];
std::atomic<int> cancels_in_flight{0};
// Set by cancel_running_statements(): a statement not yet sent when the signal came is not sent.
std::atomic<bool> cancel_requested{false};

int take_cancel_slot(PGconn* conn) {
    PGcancel* cancel = PQgetCancel(conn);
    if (!cancel) return -1;
    for (int i = 0; i < cancel_slot_count; ++i) {
        PGcancel* empty = nullptr;
        if (cancel_registry[i].compare_exchange_strong(empty, cancel)) return i;
    }
    PQfreeCancel(cancel); // more live sessions than slots: this one cannot be cancelled
    return -1;
}

std::string milliseconds_setting(std::chrono::milliseconds value) {
    return std::to_string(value.count());
}

/// The server options the user gave (conninfo, else PGOPTIONS), so ours add to them.
std::string user_server_options(const std::string& conninfo) {
    std::string found;
    if (PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), nullptr)) {
        for (auto* o = parsed; o->keyword; ++o)
            if (std::string_view(o->keyword) == "options" && o->val) found = o->val;
        PQconninfoFree(parsed);
    }
    if (found.empty())
        if (const char* env = std::getenv("PGOPTIONS")) found = env;
    return found;
}

/// Opens a connection: the conninfo (expanded, so a URI or keywords work), then iucore's
/// application name as a fallback and its timeouts added to the user's server options.
/// client_encoding is UTF8 whatever the conninfo or PGCLIENTENCODING say: iucore's texts (the
/// arguments it sends, the JSON it reads back) are UTF-8. A keyword after the expanded dbname
/// overrides the conninfo's, and the environment only fills what no keyword gave.
PGconn* open_connection(const std::string& conninfo, const connection_options& options) {
    std::vector<const char*> keys{"dbname", "client_encoding"};
    std::vector<const char*> values{conninfo.c_str(), "UTF8"};
    if (!options.application_name.empty()) {
        keys.push_back("fallback_application_name");
        values.push_back(options.application_name.c_str());
    }
    std::string server_options;
    if (options.lock_timeout.count() >= 0)
        server_options += " -c lock_timeout=" + milliseconds_setting(options.lock_timeout);
    if (options.statement_timeout.count() >= 0)
        server_options +=
            " -c statement_timeout=" + milliseconds_setting(options.statement_timeout);
    if (!server_options.empty()) {
        server_options = user_server_options(conninfo) + server_options;
        keys.push_back("options");
        values.push_back(server_options.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    return PQconnectdbParams(keys.data(), values.data(), 1);
}

} // namespace

std::string describe_conninfo(const std::string& conninfo) {
    if (conninfo.empty()) return "the PG* environment";
    PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), nullptr);
    if (!parsed) return conninfo; // a bare word: a database name, with no secret in it
    std::string out;
    for (auto* o = parsed; o->keyword; ++o) {
        const std::string_view key = o->keyword;
        if (o->val && *o->val &&
            (key == "host" || key == "hostaddr" || key == "port" || key == "dbname" ||
             key == "service"))
            out += (out.empty() ? "" : " ") + std::string(key) + "=" + o->val;
    }
    PQconninfoFree(parsed);
    return out.empty() ? "the PG* environment" : out;
}

std::string libpq_version() {
    const int v = PQlibVersion(); // e.g. 150018
    return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
}

void cancel_running_statements() noexcept {
    cancel_requested.store(true);
    cancels_in_flight.fetch_add(1);
    char message[256];
    for (auto& slot : cancel_registry)
        if (PGcancel* cancel = slot.load()) PQcancel(cancel, message, sizeof message);
    cancels_in_flight.fetch_sub(1);
}

void session::cancel() const noexcept {
    const int slot = cancel_slot_;
    if (slot < 0) return;
    cancels_in_flight.fetch_add(1);
    if (PGcancel* cancel = cancel_registry[slot].load()) {
        char message[256];
        PQcancel(cancel, message, sizeof message);
    }
    cancels_in_flight.fetch_sub(1);
}

result<session> session::connect(const std::string& conninfo, const connection_options& options) {
    conn_ptr conn(open_connection(conninfo, options), &PQfinish);
    if (!conn) return fail(errc::connection, "could not allocate a libpq connection");
    if (PQstatus(conn.get()) != CONNECTION_OK)
        return fail(errc::connection,
                    "could not connect to PostgreSQL" +
                        (conninfo.empty() ? std::string(" (from the PG* environment)")
                                          : std::string(" with the given conninfo")) +
                        ": " + trimmed_message(PQerrorMessage(conn.get())));
    // in_hot_standby is reported at connect (PostgreSQL 14 and later): no round trip.
    const char* standby = PQparameterStatus(conn.get(), "in_hot_standby");
    if (options.writes && standby && std::string_view(standby) == "on")
        return fail(errc::connection,
                    describe_conninfo(conninfo) +
                        " is a read-only hot standby (in_hot_standby=on) and this writes; "
                        "connect to the primary, or give every node with "
                        "target_session_attrs=read-write");
    // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);
    return session(std::move(conn), conninfo, options);
}

session::session(conn_ptr conn, std::string conninfo, connection_options options)
    : conn_(std::move(conn)), conninfo_(std::move(conninfo)), options_(std::move(options)),
      cancel_slot_(take_cancel_slot(conn_.get())) {}

session::session(session&& other) noexcept
    : conn_(std::move(other.conn_)), conninfo_(std::move(other.conninfo_)),
      options_(std::move(other.options_)), cancel_slot_(std::exchange(other.cancel_slot_, -1)),
      blocking_pids_(std::move(other.blocking_pids_)), round_trips_(other.round_trips_),
      prepared_(std::move(other.prepared_)), next_statement_(other.next_statement_) {}

session& session::operator=(session&& other) noexcept {
    if (this != &other) {
        release_cancel_slot();
        conn_ = std::move(other.conn_);
        conninfo_ = std::move(other.conninfo_);
        options_ = std::move(other.options_);
        cancel_slot_ = std::exchange(other.cancel_slot_, -1);
        blocking_pids_ = std::move(other.blocking_pids_);
        round_trips_ = other.round_trips_;
        prepared_ = std::move(other.prepared_);
        next_statement_ = other.next_statement_;
    }
    return *this;
}

session::~session() {
    release_cancel_slot();
}

void session::release_cancel_slot() noexcept {
    if (cancel_slot_ < 0) return;
    PGcancel* cancel = cancel_registry[cancel_slot_].exchange(nullptr);
    cancel_slot_ = -1;
    // A signal handler on another thread may be using it right now.
    while (cancels_in_flight.load() > 0)
        std::this_thread::yield();
    PQfreeCancel(cancel);
}

void session::await_result() {
    using namespace std::chrono;
    auto shortest_timeout = milliseconds::max();
    for (const auto t : {options_.lock_timeout, options_.statement_timeout})
        if (t.count() > 0) shortest_timeout = std::min(shortest_timeout, t);
    const bool watch_blockers = shortest_timeout != milliseconds::max();
    if (!options_.on_wait && !watch_blockers) return; // libpq's own wait in PQgetResult
    // Ask who blocks us before the server gives up, while the wait is still there to see.
    const auto ask_blockers_after = watch_blockers ? shortest_timeout * 3 / 4 : milliseconds::max();
    const auto started = steady_clock::now();
    auto next_report = milliseconds(250);
    bool asked = false;
    while (PQisBusy(conn_.get())) {
        pollfd ready{PQsocket(conn_.get()), POLLIN, 0};
        const int polled = poll(&ready, 1, 100);
        if (polled < 0 && errno != EINTR) return;
        if (polled > 0 && !PQconsumeInput(conn_.get())) return;
        const auto waited = duration_cast<milliseconds>(steady_clock::now() - started);
        if (options_.on_wait && waited >= next_report) {
            options_.on_wait(waited);
            next_report += milliseconds(250);
        }
        if (!asked && waited >= ask_blockers_after) {
            asked = true;
            look_up_blockers();
        }
    }
}

session::result_ptr session::statement_result() {
    result_ptr last(nullptr, &PQclear);
    for (;;) {
        await_result();
        PGresult* raw = PQgetResult(conn_.get());
        if (!raw) break;
        // Keep an error over whatever follows it, as PQexec does.
        if (!last || succeeded(last.get()))
            last = own(raw);
        else
            PQclear(raw);
    }
    return last;
}

void session::look_up_blockers() {
    connection_options side;
    side.application_name = "iucore lock lookup";
    side.statement_timeout = std::chrono::seconds(5);
    conn_ptr lookup(open_connection(conninfo_, side), &PQfinish);
    if (!lookup || PQstatus(lookup.get()) != CONNECTION_OK) return;
    const auto query = render_blocking_pids(backend_pid());
    const char* values[] = {query.params.at(0)->c_str()};
    auto res = own(
        PQexecParams(lookup.get(), query.text.c_str(), 1, nullptr, values, nullptr, nullptr, 0));
    if (PQresultStatus(res.get()) == PGRES_TUPLES_OK && PQntuples(res.get()) == 1)
        blocking_pids_ = PQgetvalue(res.get(), 0, 0);
}

failure session::error_from(const PGresult* res) const {
    if (PQstatus(conn_.get()) != CONNECTION_OK)
        return fail(errc::connection, "lost the connection to PostgreSQL: " +
                                          trimmed_message(PQerrorMessage(conn_.get())));
    const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message =
        primary ? std::string(primary) : trimmed_message(PQerrorMessage(conn_.get()));
    const std::string code = diagnostic(res, PG_DIAG_SQLSTATE);
    // The server's diagnostics travel with the failure, whichever errc it maps to.
    const auto with_diagnostics = [&](failure f) {
        f.sqlstate = code;
        f.detail = diagnostic(res, PG_DIAG_MESSAGE_DETAIL);
        f.hint = diagnostic(res, PG_DIAG_MESSAGE_HINT);
        return f;
    };
    if (code == sqlstate::refused) return with_diagnostics(fail(errc::refused, message));
    if (code == sqlstate::preflight_failed || code == sqlstate::check_failed)
        return with_diagnostics(fail(errc::check_failed, message));
    // Class 08 is connection exceptions; 57P01..03 are the server shutting the backend down.
    if (code.starts_with("08") || code.starts_with("57P"))
        return with_diagnostics(fail(errc::connection, message + " (SQLSTATE " + code + ")"));
    // lock_not_available, query_canceled: a timeout names whoever held the lock, when known.
    if ((code == "55P03" || code == "57014") && !blocking_pids_.empty())
        message += "; blocked by backend pid " + blocking_pids_;
    return with_diagnostics(
        fail(errc::database, message + (code.empty() ? "" : " (SQLSTATE " + code + ")")));
}

result<std::vector<pg_rows>> session::run(const std::string& sql) {
    if (sql.find('\0') != std::string::npos)
        return fail(errc::invalid_argument, "SQL text contains a NUL byte; nothing was sent");
    ++round_trips_;
    if (cancel_requested.load())
        return fail(errc::database, "canceling statement due to user request (before it was sent)");
    if (!PQsendQuery(conn_.get(), sql.c_str())) return error_from(nullptr);
    std::vector<pg_rows> out;
    std::optional<failure> first_error;
    for (;;) {
        await_result();
        PGresult* raw = PQgetResult(conn_.get());
        if (!raw) break;
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

result<pg_rows> session::run_params(const std::string& sql,
                                    const std::vector<std::optional<std::string>>& params) {
    BOOST_OUTCOME_TRY(auto values, parameter_values(sql, params));
    ++round_trips_;
    if (cancel_requested.load())
        return fail(errc::database, "canceling statement due to user request (before it was sent)");
    if (!PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0))
        return error_from(nullptr);
    auto res = statement_result();
    if (!succeeded(res.get())) return error_from(res.get());
    return copy_rows(res.get());
}

result<pg_rows> session::run_prepared(const std::string& sql,
                                      const std::vector<std::optional<std::string>>& params) {
    BOOST_OUTCOME_TRY(auto values, parameter_values(sql, params));
    const auto known = prepared_.find(sql);
    if (known == prepared_.end()) return prepare_and_execute(sql, values);
    ++round_trips_;
    if (cancel_requested.load())
        return fail(errc::database, "canceling statement due to user request (before it was sent)");
    if (!PQsendQueryPrepared(conn_.get(), known->second.c_str(), static_cast<int>(values.size()),
                             values.data(), nullptr, nullptr, 0))
        return error_from(nullptr);
    auto res = statement_result();
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
    if (cancel_requested.load())
        return fail(errc::database, "canceling statement due to user request (before it was sent)");
    if (!PQenterPipelineMode(conn_.get())) return error_from(nullptr);
    const bool sent =
        PQsendPrepare(conn_.get(), name.c_str(), sql.c_str(), count, nullptr) &&
        PQsendQueryPrepared(conn_.get(), name.c_str(), count, values.data(), nullptr, nullptr, 0) &&
        PQpipelineSync(conn_.get());
    // Results in order: the Parse's, the Execute's (or PIPELINE_ABORTED), then the Sync's.
    std::vector<result_ptr> results;
    int empty_in_a_row = 0;
    while (sent && empty_in_a_row < 2 && PQstatus(conn_.get()) == CONNECTION_OK) {
        await_result();
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

bool session::hot_standby() const {
    const char* standby = PQparameterStatus(conn_.get(), "in_hot_standby");
    return standby && std::string_view(standby) == "on";
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
