#include "text_output.hpp"

#include <algorithm>

namespace iucore::cli {

namespace {
/// Display width in code points, so the em dash and arrows do not skew alignment.
std::size_t width(const std::string& s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}
std::string pad(const std::string& s, std::size_t w, bool right) {
    const std::string fill(w > width(s) ? w - width(s) : 0, ' ');
    return right ? fill + s : s + fill;
}
bool numeric(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
std::string checks_text(const std::vector<check_result>& checks) {
    std::string out;
    for (const auto& c : checks) {
        std::vector<std::string> columns{"check"};
        std::vector<std::string> row{c.name};
        for (const auto& [name, value] : c.columns) {
            columns.push_back(name);
            row.push_back(value);
        }
        out += table(columns, {row}) + "\n";
    }
    return out;
}
} // namespace

std::string table(const std::vector<std::string>& columns,
                  const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& c : columns)
        widths.push_back(width(c));
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], width(r[i]));
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const auto left = (widths[i] - width(columns[i])) / 2;
        out +=
            (i ? " | " : " ") + std::string(left, ' ') + pad(columns[i], widths[i] - left, false);
    }
    out += "\n";
    for (std::size_t i = 0; i < columns.size(); ++i)
        out += (i ? "-+-" : "-") + std::string(widths[i], '-');
    out += "-\n";
    for (const auto& r : rows) {
        for (std::size_t i = 0; i < r.size(); ++i)
            out += (i ? " | " : " ") + pad(r[i], widths[i], numeric(r[i]));
        out += "\n";
    }
    return out;
}

std::string text(const apply_report& r) {
    switch (r.outcome) {
    case apply_outcome::already_applied:
    case apply_outcome::drift:
        return r.message + "\n";
    default:
        break;
    }
    std::string out = "BEGIN\nDO\n" + r.insert_status + "\n-- " + r.migration +
                      " verification: catalog size + every target_function resolvable\n";
    out += checks_text(r.checks);
    out += r.dry_run ? "ROLLBACK\n" : "COMMIT\n";
    out += "-- " + r.message + "; checksum " + r.checksum_algorithm + ":" +
           r.checksum.substr(0, 16) + "…, " + std::to_string(r.round_trips) + " round trips\n";
    return out;
}

std::string text(const rollback_report& r) {
    return "BEGIN\nLOCK TABLE\nDO\nDELETE " + std::to_string(r.deleted) + "\n-- " + r.migration +
           " rollback verification: back to " + r.back_to + "\n" + checks_text(r.checks) +
           "COMMIT\n";
}

std::string text(const chain_report& r) {
    std::string out;
    std::vector<std::string> done;
    for (const auto& step : r.applied) {
        out += text(step);
        if (!step.ok()) continue;
        std::string outcome(name(step.outcome)); // already_applied → already applied
        std::replace(outcome.begin(), outcome.end(), '_', ' ');
        done.push_back(step.migration + " " + outcome);
    }
    for (const auto& step : r.rolled_back) {
        out += text(step);
        done.push_back(step.migration + " rolled back");
    }
    std::string steps;
    for (const auto& d : done)
        steps += (steps.empty() ? "" : ", ") + d;
    out += r.operation + (r.operation == "apply" ? " up to " : " back to ") + r.to + ": " +
           (done.empty() ? std::string("nothing to do") : steps) + "\n";
    if (r.stopped)
        out += r.operation + ": STOPPED at " + r.stopped_at + ": " + r.stopped->message +
               " (the steps before it are committed; nothing of " + r.stopped_at + " is)\n";
    return out;
}

std::string text(const verify_report& r) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r.checks)
        rows.push_back({c.name, c.expected, c.actual, c.ok ? "t" : "f"});
    return table({"check", "expected", "actual", "ok"}, rows) +
           (r.ok() ? "verify " + r.version + ": every check holds\n"
                   : "verify " + r.version + ": FAILED\n");
}

std::string text(const prove_report& r) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : r.steps)
        rows.push_back({s.step, s.outcome, std::to_string(s.catalog_rows),
                        std::to_string(s.expected_rows), std::to_string(s.backend_pid),
                        s.ok ? "t" : "f"});
    std::string path;
    for (const auto& s : r.steps)
        path += (path.empty() ? "" : " \u2192 ") + std::to_string(s.catalog_rows);
    return table({"step", "outcome", "catalog_rows", "expected", "backend_pid", "ok"}, rows) +
           "prove " + r.migration + ": catalog " + path + (r.ok() ? " (proved)\n" : " (FAILED)\n");
}

std::string text(const diff_report& r) {
    if (r.differences.empty())
        return "diff: live catalog matches the SSOT at " + r.version + " row for row (" +
               std::to_string(r.live_rows) + " rows)\n";
    std::string out = "diff: live catalog differs from the SSOT at " + r.version + "\n";
    for (const auto& m : r.differences.missing)
        out += "  missing  " + m + "\n";
    for (const auto& e : r.differences.extra)
        out += "  extra    " + e + "\n";
    for (const auto& c : r.differences.changed)
        for (const auto& col : c.columns)
            out += "  changed  " + c.command_name + "." + col.column + ": expected " +
                   col.expected + ", live " + col.actual + "\n";
    return out;
}

std::string text(const surface_report& r) {
    std::vector<std::vector<std::string>> rows;
    for (auto k : all_surface_kinds)
        rows.push_back({std::string(name(k)), std::to_string(r.expected[k]),
                        std::to_string(r.live[k]), r.expected[k] == r.live[k] ? "t" : "f"});
    rows.push_back({"total", std::to_string(r.expected.total()), std::to_string(r.live.total()),
                    r.expected.total() == r.live.total() ? "t" : "f"});
    return table({"kind", "expected", "live", "ok"}, rows) +
           (r.differences.empty() ? "surface: " + std::to_string(r.live.total()) +
                                        " objects, as expected at " + r.version + "\n"
                                  : "surface: DIFFERS from the definition at " + r.version + "\n");
}

std::string text(const init_report& r) {
    std::string out = "init: the database at " + r.version + ": " + std::to_string(r.catalog_rows) +
                      " catalog rows (commands named " + r.command_prefix + "…), " +
                      std::to_string(r.signatures) + " target signatures, " +
                      std::to_string(r.configs) + " configs, " + std::to_string(r.gates) +
                      " gates, " + std::to_string(r.surfaced.live.total()) + " surface objects\n";
    for (const auto& note : r.notes)
        out += "  note: " + note + "\n";
    if (!r.ok())
        return out + text(r.verified) + text(r.diffed) + text(r.surfaced) +
               "init: FAILED: the definition read does not check against the database it was "
               "read from; nothing was written\n";
    return out + "init: checked against the database: verify " + r.version + " holds (" +
           std::to_string(r.verified.checks.size()) +
           " checks), diff clean, surface as counted\ninit: wrote " + r.output + "\n";
}

std::string text(const ledger_report& r) {
    return text(r.verified) + r.operation + " " + r.migration + ": " + r.message + "\n";
}

std::string text(const status_report& r) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& m : r.migrations)
        rows.push_back({m.migration_id, std::string(name(m.state)),
                        m.expected_checksum.substr(0, 12), m.stored_checksum.substr(0, 12),
                        m.applied_at, m.detail});
    return table({"migration", "state", "checksum", "stored", "applied_at", "detail"}, rows);
}

} // namespace iucore::cli

namespace iucore::cli {

std::string text(const plan& p) {
    std::string out =
        "command   " + p.command + (p.governed ? " (governed)" : " (NOT governed)") + "\n";
    if (p.row)
        out += "catalog   category=" + p.row->category +
               " mutating=" + (p.row->mutating ? "t" : "f") +
               " reversible=" + (p.row->reversible ? "t" : "f") +
               " target_functions=" + detail::pg_array_text(p.row->target_functions) + "\n";
    out += "target    " + p.target.record_text() + "\n";
    out += "mode      " + std::string(name(p.arguments.selected)) + "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& spec : p.specs) {
        std::string value = "(default)";
        for (const auto& a : p.arguments.values)
            if (a.name == spec.name) value = a.value;
        std::string notes = spec.required ? "required" : "optional";
        if (!spec.allowed.empty()) {
            notes += "; one of";
            for (const auto& a : spec.allowed)
                notes += " " + a;
        }
        if (spec.selects_mode) notes += "; selects the mode";
        rows.push_back({spec.name, std::string(short_name(spec.type)), value, notes});
    }
    out += table({"argument", "type", "value", "notes"}, rows);
    out += "sql       " + p.sql.select() + "\n";
    for (std::size_t i = 0; i < p.sql.params.size(); ++i)
        out += "          $" + std::to_string(i + 1) + " = " + p.sql.params[i] + "\n";
    if (p.gates.empty()) out += "gates     none hold this command in this mode\n";
    for (const auto& g : p.gates)
        out += "gate      requires " + g.config + "=true\n";
    if (p.decision)
        for (const auto& e : p.decision->evaluations)
            out += "config    " + e.describe() + " (" + std::string(name(e.reason)) +
                   (e.error == evaluation_error::none ? "" : ", " + std::string(name(e.error))) +
                   ")\n";
    out += "verdict   " + verdict(p) + "\n";
    out += "reverse   " + p.reverse + "\n";
    out += "note      " + p.not_simulated + "\n";
    for (const auto& note : p.not_logged)
        out += "note      " + note + "\n";
    return out;
}

std::string text(const run_report& r) {
    std::string out = r.message + "\n";
    if (!r.result_json.empty()) out += "result    " + r.result_json + "\n";
    out += "run log   id " + (r.run_id ? std::to_string(*r.run_id) : std::string("not logged")) +
           ", outcome " + std::string(name(r.outcome)) + ", mode " + std::string(name(r.selected)) +
           ", " + std::to_string(r.round_trips) + " round trip(s)\n";
    return out;
}

std::string text(const gates_report& r) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r.live.entries())
        rows.push_back({c.key, c.value.value_or("NULL"), c.type});
    std::string out = table({"config", "value", "type"}, rows) + "\n";
    rows.clear();
    for (const auto& g : r.gates) {
        auto evaluated = std::find_if(r.evaluated.begin(), r.evaluated.end(),
                                      [&](const auto& e) { return e.key == g.config; });
        std::string modes, commands;
        // Appended piece by piece: GCC 12 at -O2/-O3 warns (-Wrestrict, a false positive) on
        // `const char* + std::string&&`.
        for (auto m : g.modes) {
            if (!modes.empty()) modes += ',';
            modes += name(m);
        }
        for (const auto& c : g.commands) {
            if (!commands.empty()) commands += ", ";
            commands += c;
        }
        rows.push_back({g.config, modes, commands,
                        evaluated != r.evaluated.end() ? evaluated->describe() : "?"});
    }
    return out + table({"gate", "modes", "holds", "now"}, rows);
}

} // namespace iucore::cli

namespace iucore::cli {

std::string text(const pins_report& r) {
    std::string out;
    for (const auto& f : r.by_version) {
        out += "version " + f.version + ": catalog_rows " + std::to_string(f.catalog_rows) +
               ", distinct_targets " + std::to_string(f.distinct_targets) + ", governed_commands " +
               std::to_string(f.governed_commands) + ", registry_entries " +
               std::to_string(f.registry_entries) + ", surface";
        for (auto k : all_surface_kinds) { // appended piece by piece: see text(gates_report)
            out += ' ';
            out += name(k);
            out += '=';
            out += std::to_string(f.inventory[k]);
        }
        out += " total=" + std::to_string(f.inventory.total()) + "\n";
    }
    for (const auto& m : r.mismatches)
        out += "MISMATCH " + m.file + ":" + std::to_string(m.line) + ": " + m.figure + " found " +
               m.found + ", expected " + std::to_string(m.expected) + "\n";
    if (r.checked_sites > 0 || !r.mismatches.empty())
        out += "pins --check: " + std::to_string(r.checked_sites) + " sites, " +
               std::to_string(r.mismatches.size()) + " mismatches\n";
    return out;
}

std::string text(const fleet_report& r) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : r.targets) {
        char ms[32];
        std::snprintf(ms, sizeof ms, "%.1f", t.milliseconds);
        rows.push_back({t.target, std::string(name(t.outcome)), t.version_before, t.version_after,
                        ms, t.message});
    }
    return table({"target", "outcome", "before", "after", "ms", "message"}, rows) + "\nfleet " +
           r.operation + ": " + std::to_string(r.targets.size()) + " targets, " +
           std::to_string(r.count(fleet_outcome::ok)) + " ok, " +
           std::to_string(r.count(fleet_outcome::failed)) + " failed, " +
           std::to_string(r.count(fleet_outcome::error)) + " errors, " +
           std::to_string(r.count(fleet_outcome::skipped)) + " skipped" +
           (r.canary ? " (canaries: " + std::to_string(r.canary) + ")" : "") + "\n";
}

} // namespace iucore::cli
