#pragma once
// What each operation reports: value types with JSON and their verdicts (ok()), the same for
// C++, the CLI (--json) and the C ABI. Pure values: the engine fills them, the core judges them.

#include <iucore/catalog.hpp>
#include <iucore/config.hpp>
#include <iucore/definition.hpp>
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

void tag_invoke(json::value_from_tag, json::value& v, const check_result& c);

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

void tag_invoke(json::value_from_tag, json::value& v, const apply_report& r);

struct rollback_report {
    std::string migration;
    std::string back_to;
    std::int64_t deleted = 0;
    std::vector<check_result> checks;
    int round_trips = 0;
};

void tag_invoke(json::value_from_tag, json::value& v, const rollback_report& r);

/// A walk along the chain (iucore/chain.hpp): apply without an id or with --to, rollback --to.
/// Each step is a transaction of its own; the walk stops at the first step that fails, and the
/// steps before it stay committed.
struct chain_report {
    std::string operation;                    // "apply" or "rollback"
    std::string to;                           // the version the walk ends at
    std::vector<apply_report> applied;        // apply's steps, in order
    std::vector<rollback_report> rolled_back; // rollback's steps, latest first
    std::string stopped_at;                   // the migration whose step failed; empty if none
    std::optional<failure> stopped;           // why it stopped
    bool ok() const { return !stopped; }
};

void tag_invoke(json::value_from_tag, json::value& v, const chain_report& r);

struct verify_report {
    std::string version;
    std::vector<check_result> checks;
    bool ok() const {
        for (const auto& c : checks)
            if (!c.ok) return false;
        return true;
    }
};

void tag_invoke(json::value_from_tag, json::value& v, const verify_report& r);

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

void tag_invoke(json::value_from_tag, json::value& v, const prove_step& s);

void tag_invoke(json::value_from_tag, json::value& v, const prove_report& r);

struct diff_report {
    std::string version;
    std::size_t expected_rows = 0;
    std::size_t live_rows = 0;
    catalog_diff differences;
    /// The verdict: live equals the SSOT row by row.
    bool ok() const { return differences.empty(); }
};

void tag_invoke(json::value_from_tag, json::value& v, const diff_report& r);

struct surface_report {
    std::string version;
    surface expected;
    surface live;
    std::vector<surface_difference> differences;
    /// The verdict: every kind counts what the definition says.
    bool ok() const { return differences.empty(); }
};

void tag_invoke(json::value_from_tag, json::value& v, const surface_report& r);

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

void tag_invoke(json::value_from_tag, json::value& v, const init_report& r);

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

void tag_invoke(json::value_from_tag, json::value& v, const ledger_report& r);

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

void tag_invoke(json::value_from_tag, json::value& v, const status_report& r);

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

/// What promote did: the migration it added the command to, its derived expectations, the new
/// definition and where it was written (empty when it was not).
struct promote_report {
    definition promoted;
    std::string path;
    std::string migration; // the id of the migration the command went into
};

void tag_invoke(json::value_from_tag, json::value& v, const promote_report& r);

/// Every version's figures and, with --check, what each pin site says.
struct pins_report {
    std::vector<figures> by_version; // every version's figures
    std::size_t checked_sites = 0;
    std::vector<pin_mismatch> mismatches;
    bool ok() const { return mismatches.empty(); }
};

void tag_invoke(json::value_from_tag, json::value& v, const pins_report& r);

} // namespace iucore
