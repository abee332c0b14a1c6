#pragma once
// What each operation reports: value types with JSON and their verdicts (ok()), the same for
// C++, the CLI (--json) and the C ABI. Pure values: the engine fills them, the core judges them.

#include <iucore/catalog.hpp>
#include <iucore/config.hpp>
#include <iucore/gate.hpp>
#include <iucore/ledger.hpp>
#include <iucore/mode.hpp>
#include <iucore/surface.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iucore {

/// The version of the reports' JSON. Every report (a JSON object with an "operation") carries
/// it as "format", first; its JSON Schemas are capi/schemas/<operation>.json. A change that
/// removes, renames or retypes a member makes it iucore-report/2.
inline constexpr std::string_view report_format = "iucore-report/1";

/// A value as the JSON a host reads: json::value_from, and, for a report (an object with an
/// "operation"), "format": report_format first. The one place the format is added: the C ABI
/// and the CLI's --json write reports through it.
template <class T>
json::value report_json(const T& report, json::storage_ptr storage = {}) {
    json::value v = json::value_from(report, storage);
    if (!v.is_object() || !v.as_object().contains("operation")) return v;
    json::object out(storage);
    out.reserve(v.as_object().size() + 1);
    out.emplace("format", report_format);
    for (auto& member : v.as_object())
        out.emplace(member.key(), std::move(member.value()));
    return out;
}

/// One named check with what was expected and what live holds.
struct check_result {
    std::string name;
    std::string expected;
    std::string actual;
    bool ok = false;
    std::vector<std::pair<std::string, std::string>> columns; // as psql would print them
    friend bool operator==(const check_result&, const check_result&) = default;
};

inline void tag_invoke(json::value_from_tag, json::value& v, const check_result& c) {
    json::object columns(v.storage());
    for (const auto& [name, value] : c.columns)
        columns[name] = value;
    v = {{"check", c.name},
         {"expected", c.expected},
         {"actual", c.actual},
         {"ok", c.ok},
         {"columns", columns}};
}

enum class apply_outcome { applied, already_applied, would_apply, drift };

constexpr std::string_view name(apply_outcome o) {
    switch (o) {
    case apply_outcome::applied:
        return "applied";
    case apply_outcome::already_applied:
        return "already_applied";
    case apply_outcome::would_apply:
        return "would_apply";
    case apply_outcome::drift:
        return "drift";
    }
    return "";
}

struct apply_report {
    std::string migration;
    apply_outcome outcome = apply_outcome::applied;
    bool dry_run = false;
    std::int64_t inserted = 0;
    std::string insert_status; // "INSERT 0 2"
    std::vector<check_result> checks;
    std::string checksum;
    std::string checksum_algorithm;
    std::string chain_hash;
    std::string message;
    int round_trips = 0;
    /// The verdict: applied, already applied or would apply; drift fails.
    bool ok() const { return outcome != apply_outcome::drift; }
};

inline void tag_invoke(json::value_from_tag, json::value& v, const apply_report& r) {
    v = {{"operation", "apply"},
         {"migration", r.migration},
         {"outcome", name(r.outcome)},
         {"dry_run", r.dry_run},
         {"inserted", r.inserted},
         {"insert_status", r.insert_status},
         {"checks", json::value_from(r.checks, v.storage())},
         {"checksum", r.checksum},
         {"checksum_algorithm", r.checksum_algorithm},
         {"chain_hash", r.chain_hash},
         {"message", r.message},
         {"round_trips", r.round_trips}};
}

struct rollback_report {
    std::string migration;
    std::string back_to;
    std::int64_t deleted = 0;
    std::vector<check_result> checks;
    int round_trips = 0;
};

inline void tag_invoke(json::value_from_tag, json::value& v, const rollback_report& r) {
    v = {{"operation", "rollback"},
         {"migration", r.migration},
         {"back_to", r.back_to},
         {"deleted", r.deleted},
         {"checks", json::value_from(r.checks, v.storage())},
         {"round_trips", r.round_trips}};
}

struct verify_report {
    std::string version;
    std::vector<check_result> checks;
    bool ok() const {
        for (const auto& c : checks)
            if (!c.ok) return false;
        return true;
    }
};

inline void tag_invoke(json::value_from_tag, json::value& v, const verify_report& r) {
    v = {{"operation", "verify"},
         {"version", r.version},
         {"ok", r.ok()},
         {"checks", json::value_from(r.checks, v.storage())}};
}

struct prove_step {
    std::string step;    // apply, rollback, re-apply
    std::string outcome; // what the operation reported
    std::int64_t expected_rows = 0;
    std::int64_t catalog_rows = 0; // counted afterwards on a new connection
    int backend_pid = 0;           // the connection the step ran on
    bool ok = false;
};

struct prove_report {
    std::string migration;
    std::vector<prove_step> steps;
    bool ok() const {
        for (const auto& s : steps)
            if (!s.ok) return false;
        return !steps.empty();
    }
};

inline void tag_invoke(json::value_from_tag, json::value& v, const prove_step& s) {
    v = {{"step", s.step},
         {"outcome", s.outcome},
         {"expected_rows", s.expected_rows},
         {"catalog_rows", s.catalog_rows},
         {"backend_pid", s.backend_pid},
         {"ok", s.ok}};
}

inline void tag_invoke(json::value_from_tag, json::value& v, const prove_report& r) {
    v = {{"operation", "prove"},
         {"migration", r.migration},
         {"ok", r.ok()},
         {"steps", json::value_from(r.steps, v.storage())}};
}

struct diff_report {
    std::string version;
    std::size_t expected_rows = 0;
    std::size_t live_rows = 0;
    catalog_diff differences;
    /// The verdict: live equals the SSOT row by row.
    bool ok() const { return differences.empty(); }
};

inline void tag_invoke(json::value_from_tag, json::value& v, const diff_report& r) {
    v = {{"operation", "diff"},
         {"version", r.version},
         {"expected_rows", r.expected_rows},
         {"live_rows", r.live_rows},
         {"diff", json::value_from(r.differences, v.storage())}};
}

struct surface_report {
    std::string version;
    surface expected;
    surface live;
    std::vector<surface_difference> differences;
    /// The verdict: every kind counts what the definition says.
    bool ok() const { return differences.empty(); }
};

inline void tag_invoke(json::value_from_tag, json::value& v, const surface_report& r) {
    v = {{"operation", "surface"},
         {"version", r.version},
         {"expected", json::value_from(r.expected, v.storage())},
         {"live", json::value_from(r.live, v.storage())},
         {"differences", json::value_from(r.differences, v.storage())},
         {"ok", r.ok()}};
}

/// What init read and wrote, and its check of its own output against the database it read.
struct init_report {
    std::string version; // the new definition's baseline
    std::string output;  // the file written (empty until written)
    std::string command_prefix;
    std::size_t catalog_rows = 0;
    std::size_t signatures = 0;
    std::size_t configs = 0;
    std::size_t gates = 0;
    std::vector<std::string> notes; // optional objects not found, what is not logged or counted
    verify_report verified;
    diff_report diffed;
    surface_report surfaced;
    /// The verdict: the new definition verifies, diffs clean and counts the surface it read.
    bool ok() const { return verified.ok() && diffed.ok() && surfaced.ok(); }
};

inline void tag_invoke(json::value_from_tag, json::value& v, const init_report& r) {
    v = {{"operation", "init"},
         {"version", r.version},
         {"output", r.output.empty() ? json::value(nullptr) : json::value(r.output)},
         {"command_prefix", r.command_prefix},
         {"catalog_rows", r.catalog_rows},
         {"signatures", r.signatures},
         {"configs", r.configs},
         {"gates", r.gates},
         {"notes", json::value_from(r.notes, v.storage())},
         {"verify", json::value_from(r.verified, v.storage())},
         {"diff", json::value_from(r.diffed, v.storage())},
         {"surface", json::value_from(r.surfaced, v.storage())},
         {"ok", r.ok()}};
}

/// What baseline or repair wrote to the ledger, after checking the live post-conditions.
struct ledger_report {
    std::string operation; // "baseline" or "repair"
    std::string migration;
    std::string checked_at;            // the version whose post-conditions were checked live
    std::vector<std::string> recorded; // the migrations whose ledger rows were written
    verify_report verified;            // those post-conditions; nothing is written unless ok
    std::string message;
    bool ok() const { return verified.ok(); }
};

inline void tag_invoke(json::value_from_tag, json::value& v, const ledger_report& r) {
    v = {{"operation", r.operation},
         {"migration", r.migration},
         {"checked_at", r.checked_at},
         {"recorded", json::value_from(r.recorded, v.storage())},
         {"checks", json::value_from(r.verified.checks, v.storage())},
         {"message", r.message},
         {"ok", r.ok()}};
}

struct status_report {
    std::vector<migration_status> migrations;
    bool ledger_exists = false;
    /// The verdict: no migration drifted (pending and unknown ones are reported, not failed).
    bool ok() const { return count(migration_state::drifted) == 0; }
    std::size_t count(migration_state state) const {
        return std::size_t(std::count_if(migrations.begin(), migrations.end(),
                                         [state](const auto& m) { return m.state == state; }));
    }
    /// The latest migration whose rows are in the catalog, recorded or not; `base` when none.
    std::string version_reached(const std::string& base) const {
        std::string out = base;
        for (const auto& m : migrations)
            if (m.state == migration_state::applied || m.state == migration_state::unrecorded)
                out = m.migration_id;
        return out;
    }
    /// One line: "at 034, 1 pending", with the unrecorded, drifted and unknown ones counted.
    std::string summary(const std::string& base) const {
        std::string out = "at " + version_reached(base) + ", " +
                          std::to_string(count(migration_state::pending)) + " pending";
        for (auto state :
             {migration_state::unrecorded, migration_state::drifted, migration_state::unknown})
            if (const auto n = count(state))
                out += ", " + std::to_string(n) + " " + std::string(name(state));
        return out;
    }
};

inline void tag_invoke(json::value_from_tag, json::value& v, const status_report& r) {
    v = {{"operation", "status"},
         {"ledger_exists", r.ledger_exists},
         {"migrations", json::value_from(r.migrations, v.storage())}};
}

enum class run_outcome { ok, refused, error };

constexpr std::string_view name(run_outcome o) {
    switch (o) {
    case run_outcome::ok:
        return "ok";
    case run_outcome::refused:
        return "refused";
    case run_outcome::error:
        return "error";
    }
    return "";
}

struct run_report {
    std::string command;
    mode selected = mode::live;
    run_outcome outcome = run_outcome::refused;
    std::string message;
    std::string result_json; // what the function returned (JSON text), empty when not called
    std::optional<std::int64_t> run_id; // the run-log row; none when the run log has no id column
    /// What of the committed run's answer could not be read (e.g. its result), empty when all
    /// was: the run happened all the same, and the report says so.
    std::string unreadable;
    gate_decision decision;
    int round_trips = 0;
    /// The verdict: the function ran (a refusal or an error is a failed run).
    bool ok() const { return outcome == run_outcome::ok; }
};

void tag_invoke(json::value_from_tag, json::value& v, const run_report& r);

struct gates_report {
    config_set live;                          // every config in the registry
    std::vector<config_evaluation> evaluated; // every config a gate reads
    std::vector<gate> gates;
};

void tag_invoke(json::value_from_tag, json::value& v, const gates_report& r);

} // namespace iucore
