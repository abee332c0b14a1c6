#pragma once
// One libpq connection. The only place iucore talks to PostgreSQL: owns the PGconn, counts
// round trips, maps server errors (by SQLSTATE) to iucore errors, and rolls back any
// transaction it began unless it was committed.

#include <iucore/error.hpp>

#include <libpq-fe.h>

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

class session {
  public:
    /// Connects with a libpq conninfo string; empty means the PG* environment and service files.
    static result<session> connect(const std::string& conninfo);

    session(session&&) noexcept = default;
    session& operator=(session&&) noexcept = default;
    ~session() = default;

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

    int round_trips() const { return round_trips_; }
    int backend_pid() const;
    PGconn* native() const { return conn_.get(); }
    bool in_transaction() const;
    /// Rolls back whatever transaction is open (after a failure mid-way): one round trip.
    void rollback_quietly();

  private:
    using conn_ptr = std::unique_ptr<PGconn, decltype(&PQfinish)>;
    explicit session(conn_ptr conn) : conn_(std::move(conn)) {}
    failure error_from(const PGresult* res) const;
    result<std::vector<const char*>>
    parameter_values(const std::string& sql,
                     const std::vector<std::optional<std::string>>& params) const;
    result<pg_rows> prepare_and_execute(const std::string& sql,
                                        const std::vector<const char*>& values);
    conn_ptr conn_;
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
