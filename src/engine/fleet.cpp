#include <iucore/engine/fleet.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

namespace iucore {

std::string_view name(fleet_outcome o) {
    switch (o) {
    case fleet_outcome::ok:
        return "ok";
    case fleet_outcome::failed:
        return "failed";
    case fleet_outcome::error:
        return "error";
    case fleet_outcome::skipped:
        return "skipped";
    }
    return "";
}

std::size_t fleet_report::count(fleet_outcome o) const {
    return static_cast<std::size_t>(std::count_if(
        targets.begin(), targets.end(), [o](const fleet_result& t) { return t.outcome == o; }));
}

bool fleet_report::ok() const {
    return !targets.empty() && count(fleet_outcome::ok) == targets.size();
}

void tag_invoke(json::value_from_tag, json::value& v, const fleet_report& r) {
    json::array targets(v.storage());
    for (const auto& t : r.targets)
        targets.push_back(json::object{{"target", t.target},
                                       {"outcome", name(t.outcome)},
                                       {"version_before", t.version_before},
                                       {"version_after", t.version_after},
                                       {"milliseconds", t.milliseconds},
                                       {"message", t.message},
                                       {"report", t.report}});
    v = {{"operation", "fleet"},
         {"verb", r.operation},
         {"ok", r.ok()},
         {"canary", r.canary},
         {"succeeded", r.count(fleet_outcome::ok)},
         {"failed", r.count(fleet_outcome::failed)},
         {"errors", r.count(fleet_outcome::error)},
         {"skipped", r.count(fleet_outcome::skipped)},
         {"targets", std::move(targets)}};
}

namespace {

fleet_result run_one(const std::string& conninfo, const fleet_options& options,
                     const fleet_operation& op) {
    fleet_result out;
    out.target = describe_conninfo(conninfo);
    const auto started = std::chrono::steady_clock::now();
    auto step = [&]() -> result<fleet_step> {
        BOOST_OUTCOME_TRY(auto s, session::connect(conninfo, options.connection));
        return op(s);
    }();
    out.milliseconds =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    if (!step) {
        const auto code = code_of(step.error());
        const bool refused =
            code == errc::refused || code == errc::check_failed || code == errc::drift;
        out.outcome = refused ? fleet_outcome::failed : fleet_outcome::error;
        out.message = step.error().message;
        return out;
    }
    out.outcome = step.value().ok ? fleet_outcome::ok : fleet_outcome::failed;
    out.version_before = std::move(step.value().version_before);
    out.version_after = std::move(step.value().version_after);
    out.message = std::move(step.value().summary);
    out.report = std::move(step.value().report);
    return out;
}

/// Targets [first, last) of `conninfos`, at most `parallel` at a time, into `results`.
void run_range(const std::vector<std::string>& conninfos, std::size_t first, std::size_t last,
               const fleet_options& options, const fleet_operation& op,
               std::vector<fleet_result>& results) {
    std::atomic<std::size_t> next{first};
    const auto worker = [&] {
        for (std::size_t i = next++; i < last; i = next++)
            results[i] = run_one(conninfos[i], options, op);
    };
    const auto workers = std::min(std::max<std::size_t>(options.parallel, 1), last - first);
    std::vector<std::jthread> pool;
    for (std::size_t w = 0; w < workers; ++w)
        pool.emplace_back(worker);
}

} // namespace

fleet_report run_fleet(const std::vector<std::string>& conninfos, std::string operation,
                       const fleet_options& options, const fleet_operation& op) {
    fleet_report report;
    report.operation = std::move(operation);
    report.canary = std::min(options.canary, conninfos.size());
    report.targets.resize(conninfos.size());
    for (std::size_t i = 0; i < conninfos.size(); ++i) {
        report.targets[i].target = describe_conninfo(conninfos[i]);
        report.targets[i].message = "not started: a canary failed";
    }
    run_range(conninfos, 0, report.canary, options, op, report.targets);
    const bool canaries_ok = std::all_of(
        report.targets.begin(), report.targets.begin() + static_cast<std::ptrdiff_t>(report.canary),
        [](const fleet_result& t) { return t.outcome == fleet_outcome::ok; });
    if (canaries_ok)
        run_range(conninfos, report.canary, conninfos.size(), options, op, report.targets);
    return report;
}

namespace {

/// A step from a report: its verdict, one line for people, and the report itself.
template <class Report>
fleet_step step_of(const Report& r, bool ok, std::string summary) {
    fleet_step step;
    step.ok = ok;
    step.summary = std::move(summary);
    step.report = json::value_from(r);
    return step;
}

} // namespace

fleet_operation fleet_apply(const definition& d, std::string migration_id, apply_options options) {
    return [&d, id = std::move(migration_id), options](session& s) -> result<fleet_step> {
        BOOST_OUTCOME_TRY(auto before, d.version_before(id));
        BOOST_OUTCOME_TRY(auto r, apply(s, d, id, options));
        fleet_step step;
        step.ok = r.outcome != apply_outcome::drift;
        step.version_before = r.outcome == apply_outcome::already_applied ? id : before;
        step.version_after =
            r.outcome == apply_outcome::applied || r.outcome == apply_outcome::already_applied
                ? id
                : step.version_before;
        step.summary = std::string(name(r.outcome)) + (r.message.empty() ? "" : ": " + r.message);
        step.report = json::value_from(r);
        return step;
    };
}

fleet_operation fleet_status(const definition& d) {
    return [&d](session& s) -> result<fleet_step> {
        BOOST_OUTCOME_TRY(auto r, status(s, d));
        fleet_step step;
        step.ok = r.ok();
        step.version_before = step.version_after = r.version_reached(d.base.version);
        step.summary = r.summary(d.base.version);
        step.report = json::value_from(r);
        return step;
    };
}

fleet_operation fleet_verify(const definition& d, std::string version) {
    return [&d, version = std::move(version)](session& s) -> result<fleet_step> {
        BOOST_OUTCOME_TRY(auto r, verify(s, d, version));
        return step_of(r, r.ok(),
                       "verify " + r.version + (r.ok() ? ": every check holds" : ": failed"));
    };
}

fleet_operation fleet_diff(const definition& d) {
    return [&d](session& s) -> result<fleet_step> {
        BOOST_OUTCOME_TRY(auto r, diff_live(s, d));
        const bool same = r.differences.empty();
        return step_of(r, same,
                       std::to_string(r.live_rows) + " live rows, " +
                           (same ? "no differences" : "differs from the SSOT"));
    };
}

result<std::vector<std::string>> parse_fleet(std::string_view text, std::string_view source) {
    std::vector<std::string> targets;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string_view::npos || line[first] == '#') continue;
        line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
        const bool conninfo = line.find('=') != std::string_view::npos ||
                              line.starts_with("postgres://") || line.starts_with("postgresql://");
        if (!conninfo && line.find_first_of(" \t") != std::string_view::npos)
            return fail(errc::invalid_argument,
                        std::string(source) + ":" + std::to_string(line_number) +
                            ": expected a conninfo, a URI or a service name, got \"" +
                            std::string(line.substr(0, 200)) + "\"");
        targets.push_back(conninfo ? std::string(line) : "service=" + std::string(line));
    }
    if (targets.empty())
        return fail(errc::invalid_argument, std::string(source) + ": no targets in the fleet file");
    return targets;
}

} // namespace iucore
