#pragma once
// One libpq connection. The only place iucore talks to PostgreSQL: owns the PGconn, counts
// round trips, maps server errors (by SQLSTATE) to iucore errors, and rolls back any
// transaction it began unless it was committed.

#include <iucore/error.hpp>

#include <libpq-fe.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace iucore {

/// One result set or command status, copied out of a PGresult as text.
struct pg_rows {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;
    std::string command_status; // e.g. "INSERT 0 2"
    std::int64_t affected = 0;  // PQcmdTuples as a number

    std::optional<std::string> value(std::size_t row, std::string_view column) const;
    std::string text(std::size_t row, std::string_view column) const; // NULL → ""
};

/// How a session presents itself and how long its statements may wait. Everything travels in
/// the connection's startup packet: no extra round trip.
struct connection_options {
    /// Shown in pg_stat_activity unless the conninfo or PGAPPNAME names the session already.
    std::string application_name;
    /// lock_timeout and statement_timeout; negative leaves the server's setting, 0 waits forever.
    std::chrono::milliseconds lock_timeout{-1};
    std::chrono::milliseconds statement_timeout{-1};
    /// Called about four times a second while a statement runs, with the time it has waited.
    std::function<void(std::chrono::milliseconds)> on_wait;
    /// The session will write: connecting to a read-only hot standby fails before anything is
    /// sent (a multi-host conninfo with target_session_attrs=read-write finds the primary).
    bool writes = false;
};

/// A conninfo or URI as people may see it: host, port, dbname and service, never a password.
std::string describe_conninfo(const std::string& conninfo);

/// Sends a cancel request to the server for the statement each live session is running, so
/// the server aborts it and rolls its transaction back. Async-signal-safe: made to be called
/// from a SIGINT or SIGTERM handler. Sessions keep running; their pending call fails.
void cancel_running_statements() noexcept;

/// The version of the libpq this program runs with, e.g. "15.18".
std::string libpq_version();

class session {
  public:
    using result_ptr = std::unique_ptr<PGresult, decltype(&PQclear)>;

    /// Connects with a libpq conninfo string or URI; empty means the PG* environment and service
    /// files.
    static result<session> connect(const std::string& conninfo,
                                   const connection_options& options = {});

    session(session&&) noexcept;
    session& operator=(session&&) noexcept;
    ~session();

    /// Sends one simple-protocol query text (several statements allowed): one round trip.
    result<std::vector<pg_rows>> run(const std::string& sql);
    /// One statement with $n parameters bound as text (NULL for nullopt): one round trip.
    result<pg_rows> run_params(const std::string& sql,
                               const std::vector<std::optional<std::string>>& params);
    /// As run_params, for a statement run again and again: the first call prepares it under a
    /// name (Parse pipelined with its Execute: still one round trip), later calls execute it by
    /// name, so PostgreSQL stops parsing it and, once it settles on a generic plan, planning it.
    /// A statement the server forgot (DISCARD ALL, a pooler) is prepared again.
    result<pg_rows> run_prepared(const std::string& sql,
                                 const std::vector<std::optional<std::string>>& params);
    /// How many statements this session has prepared on the server.
    std::size_t prepared_statements() const { return prepared_.size(); }

    /// A literal quoted by libpq's own escaping for this connection.
    result<std::string> literal(std::string_view value) const;

    /// Asks the server to cancel the statement this session is running (PQcancel through the
    /// session's slot of the cancel registry); nothing when none runs. Async-signal-safe and
    /// safe from any thread while the session lives: the pending call fails (SQLSTATE 57014,
    /// errc::database) and its transaction is rolled back.
    void cancel() const noexcept;

    int round_trips() const { return round_trips_; }
    /// Whether the server is a hot standby in recovery (read-only), as it reported at connect.
    bool hot_standby() const;
    int backend_pid() const;
    PGconn* native() const { return conn_.get(); }
    bool in_transaction() const;
    /// Rolls back whatever transaction is open (after a failure mid-way): one round trip.
    void rollback_quietly();

  private:
    using conn_ptr = std::unique_ptr<PGconn, decltype(&PQfinish)>;
    session(conn_ptr conn, std::string conninfo, connection_options options);
    failure error_from(const PGresult* res) const;
    /// Waits for the statement in flight, calling on_wait and, once the wait nears the lock or
    /// statement timeout, asking the server (on a second connection) who blocks it.
    void await_result();
    /// The one statement's result (its error, if any), once the server is done with it.
    result_ptr statement_result();
    void look_up_blockers();
    void release_cancel_slot() noexcept;
    result<std::vector<const char*>>
    parameter_values(const std::string& sql,
                     const std::vector<std::optional<std::string>>& params) const;
    result<pg_rows> prepare_and_execute(const std::string& sql,
                                        const std::vector<const char*>& values);
    conn_ptr conn_;
    std::string conninfo_;
    connection_options options_;
    int cancel_slot_ = -1;      // this session's place in the cancel registry
    std::string blocking_pids_; // who held the lock this session waited on, when looked up
    int round_trips_ = 0;
    std::unordered_map<std::string, std::string> prepared_; // SQL text → statement name
    int next_statement_ = 0;
};

/// Holds a transaction open on a session; rolls it back on scope exit unless committed.
class transaction_guard {
  public:
    explicit transaction_guard(session& s) : session_(&s) {}
    transaction_guard(const transaction_guard&) = delete;
    transaction_guard& operator=(const transaction_guard&) = delete;
    ~transaction_guard() {
        if (session_ && session_->in_transaction()) session_->rollback_quietly();
    }
    void release() { session_ = nullptr; }

  private:
    session* session_;
};

} // namespace iucore
