// iucore: the command-line host over the iucore library.

#include "cli.hpp"
#include "text_output.hpp"

#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/render.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace iucore::cli {

int exit_for(const failure& f) {
    switch (code_of(f)) {
    case errc::refused:
    case errc::check_failed:
    case errc::drift:
        return refused_or_failed;
    case errc::database:
    case errc::connection:
        return database_error;
    default:
        return usage_error;
    }
}

int report_failure(const context& ctx, const failure& f) {
    if (ctx.json)
        std::cout << boost::json::serialize(boost::json::object{{"error", f.code.message()},
                                                                {"message", f.message},
                                                                {"exit", exit_for(f)}})
                  << "\n";
    else
        std::cerr << "iucore: " << f.message << "\n";
    return exit_for(f);
}

namespace {

struct verb {
    std::string usage;
    std::string help;
    bool needs_db;
    std::function<int(context&, const std::vector<std::string>&)> run;
};

/// Runs `operation` on a new session and prints its report; exit 1 when `failed(report)`.
template <class Op, class Failed>
int with_session(context& ctx, Op operation, Failed failed) {
    auto s = session::connect(ctx.conninfo);
    if (!s) return report_failure(ctx, s.error());
    auto report = operation(s.value());
    if (!report) return report_failure(ctx, report.error());
    return print(
        ctx, report.value(), [](const auto& r) { return text(r); },
        failed(report.value()) ? refused_or_failed : done);
}

constexpr auto never = [](const auto&) { return false; };

int usage(const std::string& message) {
    std::cerr << "iucore: " << message << " (see iucore --help)\n";
    return usage_error;
}

std::string arg_or(const std::vector<std::string>& args, std::size_t i, std::string fallback) {
    return i < args.size() ? args[i] : std::move(fallback);
}

int render_verb(context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) return usage("render: expected forward|rollback|seed");
    const auto& what = args[0];
    result<rendered_sql> out = fail(errc::invalid_argument, "");
    if (what == "forward" || what == "rollback") {
        if (args.size() < 2) return usage("render " + what + ": expected a MIGRATION id");
        out = what == "forward" ? render_forward(ctx.def, args[1])
                                : render_rollback(ctx.def, args[1]);
    } else if (what == "seed") {
        out = render_seed(ctx.def, arg_or(args, 1, ""));
    } else {
        return usage("render: \"" + what + "\" is not one of forward, rollback, seed");
    }
    if (!out) return report_failure(ctx, out.error());
    return print(ctx, out.value(), [](const rendered_sql& r) { return r.text(); });
}

int pins_verb(context& ctx, const std::vector<std::string>& args) {
    const bool check = !args.empty() && args[0] == "--check";
    auto report =
        pins(ctx.def, check, std::filesystem::path(ctx.definition_path).parent_path().string());
    if (!report) return report_failure(ctx, report.error());
    return print(
        ctx, report.value(), [](const pins_report& r) { return text(r); },
        report.value().ok() ? done : refused_or_failed);
}

/// Arguments after the command name, and the actor (`actor=` is a function argument for some
/// commands, so the run log's actor comes from --actor, else $IUCORE_ACTOR, else $USER).
std::string actor_of(std::vector<std::string>& args) {
    for (auto it = args.begin(); it != args.end(); ++it)
        if (*it == "--actor" && it + 1 != args.end()) {
            auto actor = *(it + 1);
            args.erase(it, it + 2);
            return actor;
        }
    for (const auto& token : args)
        if (token.starts_with("actor=") && token.size() > 6) return token.substr(6);
    for (const char* var : {"IUCORE_ACTOR", "USER"})
        if (const char* value = std::getenv(var)) return value;
    return "iucore";
}

int explain_verb(context& ctx, const std::vector<std::string>& args) {
    if (args.empty()) return usage("explain: expected a COMMAND and key=value arguments");
    const std::vector<std::string> tokens(args.begin() + 1, args.end());
    result<plan> p = fail(errc::invalid_argument, "");
    if (ctx.db_given || std::getenv("PGHOST") || std::getenv("PGSERVICE")) {
        auto s = session::connect(ctx.conninfo);
        if (!s) return report_failure(ctx, s.error());
        p = explain_live(s.value(), ctx.def, args[0], tokens);
    } else {
        p = explain(ctx.def, args[0], tokens);
    }
    if (!p) return report_failure(ctx, p.error());
    return print(ctx, p.value(), [](const plan& x) { return text(x); });
}

int run_verb(context& ctx, const std::vector<std::string>& given) {
    auto args = given;
    const auto actor = actor_of(args);
    if (args.empty()) return usage("run: expected a COMMAND and key=value arguments");
    const std::vector<std::string> tokens(args.begin() + 1, args.end());
    return with_session(
        ctx, [&](session& s) { return run_command(s, ctx.def, args[0], tokens, actor); },
        [](const run_report& r) { return r.outcome != run_outcome::ok; });
}

int promote_verb(context& ctx, const std::vector<std::string>& args) {
    promote_options options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--mutating") {
            options.mutating = true;
        } else if (args[i] == "--reversible") {
            options.reversible = true;
        } else if ((args[i] == "--command" || args[i] == "--category") && i + 1 < args.size()) {
            (args[i] == "--command" ? options.command : options.category) = args[i + 1];
            ++i;
        } else if (!args[i].starts_with("--") && options.function.empty()) {
            options.function = args[i];
        } else {
            return usage("promote: unexpected \"" + args[i] + "\"");
        }
    }
    if (options.function.empty() || options.command.empty() || options.category.empty())
        return usage("promote: expected FUNCTION --command NAME --category C");
    auto s = session::connect(ctx.conninfo);
    if (!s) return report_failure(ctx, s.error());
    auto promoted = promote(s.value(), ctx.def, options);
    if (!promoted) return report_failure(ctx, promoted.error());
    const auto& m = promoted.value().migrations.back();
    if (auto saved = save_definition_file(promoted.value(), ctx.definition_path); !saved)
        return report_failure(ctx, saved.error());
    const auto e = promoted.value().expectations(m.id).value();
    if (ctx.json)
        std::cout << boost::json::serialize(boost::json::value_from(
                         promote_report{promoted.value(), ctx.definition_path}))
                  << "\n";
    else
        std::cout << "promoted " << options.function << " as " << options.command << ": migration "
                  << m.id << " (" << m.slug << ") written to " << ctx.definition_path
                  << "\n  requires " << m.requires_functions[0].record_text() << "\n  catalog "
                  << e.rows_before << " -> " << e.rows_after << " rows, "
                  << e.distinct_targets_after << " distinct targets\n";
    return done;
}

std::map<std::string, verb> verbs() {
    std::map<std::string, verb> v;
    v["render"] = {"render forward|rollback MIGRATION | render seed [VERSION]",
                   "Print the SQL iucore derives from the definition (runs under psql -v "
                   "ON_ERROR_STOP=on -f).",
                   false, render_verb};
    v["apply"] = {"apply MIGRATION [--dry-run]",
                  "Apply one migration in one transaction: advisory lock, preflight, insert, "
                  "verification, ledger row. --dry-run reports and rolls back.",
                  true, [](context& ctx, const std::vector<std::string>& args) {
                      if (args.empty()) return usage("apply: expected a MIGRATION id");
                      apply_options options;
                      options.dry_run = args.size() > 1 && args[1] == "--dry-run";
                      return with_session(
                          ctx, [&](session& s) { return apply(s, ctx.def, args[0], options); },
                          [](const apply_report& r) { return r.outcome == apply_outcome::drift; });
                  }};
    v["verify"] = {"verify [VERSION]",
                   "Check live against the definition's expectations at VERSION.", true,
                   [](context& ctx, const std::vector<std::string>& args) {
                       return with_session(
                           ctx, [&](session& s) { return verify(s, ctx.def, arg_or(args, 0, "")); },
                           [](const verify_report& r) { return !r.ok(); });
                   }};
    v["rollback"] = {"rollback MIGRATION",
                     "Delete the migration's rows under the run-log guard; refused while runs "
                     "reference them or a later applied migration requires it.",
                     true, [](context& ctx, const std::vector<std::string>& args) {
                         if (args.empty()) return usage("rollback: expected a MIGRATION id");
                         return with_session(
                             ctx, [&](session& s) { return rollback(s, ctx.def, args[0]); }, never);
                     }};
    v["prove"] = {"prove MIGRATION",
                  "apply, rollback, re-apply on live, each step on a new connection, asserting "
                  "the catalog size after each.",
                  true, [](context& ctx, const std::vector<std::string>& args) {
                      if (args.empty()) return usage("prove: expected a MIGRATION id");
                      auto report = prove(ctx.conninfo, ctx.def, args[0]);
                      if (!report) return report_failure(ctx, report.error());
                      return print(
                          ctx, report.value(), [](const auto& r) { return text(r); },
                          report.value().ok() ? done : refused_or_failed);
                  }};
    v["status"] = {"status", "Every migration: applied, pending or drifted, with checksums.", true,
                   [](context& ctx, const std::vector<std::string>&) {
                       return with_session(
                           ctx, [&](session& s) { return status(s, ctx.def); },
                           [](const status_report& r) {
                               return std::any_of(r.migrations.begin(), r.migrations.end(),
                                                  [](const auto& m) {
                                                      return m.state == migration_state::drifted;
                                                  });
                           });
                   }};
    v["diff"] = {"diff", "Live catalog against the SSOT, row by row.", true,
                 [](context& ctx, const std::vector<std::string>&) {
                     return with_session(
                         ctx, [&](session& s) { return diff_live(s, ctx.def); },
                         [](const diff_report& r) { return !r.differences.empty(); });
                 }};
    v["surface"] = {"surface", "Live inventory by kind against the definition.", true,
                    [](context& ctx, const std::vector<std::string>&) {
                        return with_session(
                            ctx, [&](session& s) { return surface_live(s, ctx.def); },
                            [](const surface_report& r) { return !r.differences.empty(); });
                    }};
    v["snapshot"] = {"snapshot",
                     "Read the live catalog, surface, configs and signatures into a definition "
                     "(JSON), to adopt iucore on an existing database.",
                     true, [](context& ctx, const std::vector<std::string>&) {
                         auto s = session::connect(ctx.conninfo);
                         if (!s) return report_failure(ctx, s.error());
                         auto d = snapshot(s.value(), ctx.def);
                         if (!d) return report_failure(ctx, d.error());
                         std::cout << boost::json::serialize(boost::json::value_from(d.value()))
                                   << "\n";
                         return int(done);
                     }};
    v["pins"] = {"pins [--check]",
                 "Print every derived figure; --check reads each pin site and names every one "
                 "that disagrees.",
                 false, pins_verb};
    v["explain"] = {
        "explain COMMAND key=value...",
        "The plan of a DOT command: catalog row, target signature, bound arguments, "
        "the SQL, the gates of its mode; with a database, live configs and the verdict.",
        false, explain_verb};
    v["run"] = {"run COMMAND key=value... [--actor NAME]",
                "Run a governed command: gates checked, the function called, a run-log row "
                "written, in one round trip. Refused attempts are logged and exit 1.",
                true, run_verb};
    v["gates"] = {"gates",
                  "Every config, its value, and which commands each gate holds in each mode.", true,
                  [](context& ctx, const std::vector<std::string>&) {
                      return with_session(
                          ctx, [&](session& s) { return gates_live(s, ctx.def); }, never);
                  }};
    v["promote"] = {"promote FUNCTION --command NAME --category C [--mutating] [--reversible]",
                    "Read FUNCTION's signature from the database and write the next migration "
                    "into the definition file.",
                    true, promote_verb};
    v["demo"] = {"demo",
                 "Replay migration 034 end to end; starts a throwaway PostgreSQL unless --db "
                 "is given.",
                 false, run_demo};
    return v;
}

int help(const std::map<std::string, verb>& all) {
    std::cout << "usage: iucore [--db CONNINFO] [--definition PATH] [--json] VERB ...\n\n"
                 "  --db CONNINFO      libpq connection string (default: PG* environment)\n"
                 "  --definition PATH  definition JSON (default: $IUCORE_DEFINITION or the "
                 "example)\n"
                 "  --json             print reports as JSON\n\nverbs:\n";
    for (const auto& [name, v] : all)
        std::cout << "  " << v.usage << "\n      " << v.help << "\n";
    std::cout << "\nexit codes: 0 done; 1 refused or a check failed; 2 usage or definition "
                 "error; 3 database or connection error\n";
    return done;
}

} // namespace

int main_cli(int argc, char** argv) {
    context ctx;
    const char* env_definition = std::getenv("IUCORE_DEFINITION");
    ctx.definition_path = env_definition ? env_definition : IUCORE_DEFAULT_DEFINITION;
    const auto all = verbs();
    std::vector<std::string> args(argv + 1, argv + argc);
    std::size_t i = 0;
    for (; i < args.size() && args[i].starts_with("--"); ++i) {
        if (args[i] == "--help") return help(all);
        if (args[i] == "--json") {
            ctx.json = true;
        } else if ((args[i] == "--db" || args[i] == "--definition") && i + 1 < args.size()) {
            (args[i] == "--db" ? ctx.conninfo : ctx.definition_path) = args[i + 1];
            ctx.db_given = ctx.db_given || args[i] == "--db";
            ++i;
        } else {
            return usage("unknown or incomplete option \"" + args[i] + "\"");
        }
    }
    if (i >= args.size()) return help(all), usage_error;
    const auto it = all.find(args[i]);
    if (it == all.end()) return usage("unknown verb \"" + args[i] + "\"");
    std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
    if (std::find(rest.begin(), rest.end(), "--help") != rest.end()) {
        std::cout << "usage: iucore [options] " << it->second.usage << "\n\n"
                  << it->second.help << "\n";
        return done;
    }
    auto loaded = load_definition_file(ctx.definition_path);
    if (!loaded) return report_failure(ctx, loaded.error());
    ctx.def = std::move(loaded).value();
    return it->second.run(ctx, rest);
}

} // namespace iucore::cli

int main(int argc, char** argv) {
    try {
        return iucore::cli::main_cli(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "iucore: internal error: " << e.what() << "\n";
        return iucore::cli::usage_error;
    }
}
