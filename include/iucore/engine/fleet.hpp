#pragma once
// Many databases at once: one operation on every target, at most `parallel` at a time, each
// target on a connection of its own; one target's failure never stops the others. Canaries go
// first, and a failing canary stops the rest before they are touched.

#include <iucore/definition.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/engine/session.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace iucore {

/// What an operation tells about one target.
struct fleet_step {
    bool ok = false;
    std::string version_before; // empty when the operation does not say
    std::string version_after;
    std::string summary; // one line for people
    json::value report;  // the operation's own report
};

/// failed: refused or a check failed; error: the database, the connection or the input.
enum class fleet_outcome { ok, failed, error, skipped };
std::string_view name(fleet_outcome o);

struct fleet_result {
    std::string target; // describe_conninfo(): no password
    fleet_outcome outcome = fleet_outcome::skipped;
    std::string version_before;
    std::string version_after;
    double milliseconds = 0;
    std::string message;
    json::value report;
};

struct fleet_report {
    std::string operation;
    std::size_t canary = 0;
    std::vector<fleet_result> targets;
    bool ok() const;
    /// How many targets came out as `o`.
    std::size_t count(fleet_outcome o) const;
};
void tag_invoke(json::value_from_tag, json::value& v, const fleet_report& r);

struct fleet_options {
    std::size_t parallel = 16;
    std::size_t canary = 0; // the first N targets, before any other
    connection_options connection;
};

using fleet_operation = std::function<result<fleet_step>(session&)>;

fleet_report run_fleet(const std::vector<std::string>& conninfos, std::string operation,
                       const fleet_options& options, const fleet_operation& op);

/// The fleet operations: apply one migration, status, verify, diff.
fleet_operation fleet_apply(const definition& d, std::string migration_id, apply_options options);
fleet_operation fleet_status(const definition& d);
fleet_operation fleet_verify(const definition& d, std::string version);
fleet_operation fleet_diff(const definition& d);

/// A fleet file: one conninfo, URI or service name per line; blank lines and lines starting
/// with # are skipped. `source` names the file in errors.
result<std::vector<std::string>> parse_fleet(std::string_view text, std::string_view source);

} // namespace iucore
