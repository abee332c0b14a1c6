// iucore: the command-line host over the iucore library. The command line is parsed by CLI11;
// everything that can be checked without a database is checked before one is connected.

#include "cli.hpp"
#include "interrupts.hpp"
#include "locations.hpp"
#include "text_output.hpp"

#include <iucore/actor.hpp>
#include <iucore/arguments.hpp>
#include <iucore/chain.hpp>
#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/fleet.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/engine/standby.hpp>
#include <iucore/render.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string_view>
#include <unistd.h>

#ifndef IUCORE_CLI_VERSION
#error "IUCORE_CLI_VERSION: the build passes the project version"
#endif
#ifndef IUCORE_CLI_ABI_VERSION
#error "IUCORE_CLI_ABI_VERSION: the build passes the C ABI version"
#endif

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

namespace {

/// An error as the CLI prints it: the message, and the server's SQLSTATE, DETAIL and HINT when
/// the server reported it (psql's DETAIL: and HINT: lines; members of the JSON error object).
int print_error(bool json, const std::string& code_name, const std::string& message, int exit,
                const failure& server = {}) {
    if (json) {
        const auto text_or_null = [](const std::string& s) {
            return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
        };
        std::cout << boost::json::serialize(
                         boost::json::object{{"error", code_name},
                                             {"message", message},
                                             {"sqlstate", text_or_null(server.sqlstate)},
                                             {"detail", text_or_null(server.detail)},
                                             {"hint", text_or_null(server.hint)},
                                             {"exit", exit}})
                  << "\n";
    } else {
        std::cerr << "iucore: " << message << "\n";
        if (!server.detail.empty()) std::cerr << "DETAIL: " << server.detail << "\n";
        if (!server.hint.empty()) std::cerr << "HINT: " << server.hint << "\n";
    }
    return exit;
}

} // namespace

int report_failure(const context& ctx, const failure& f) {
    if (const int signal = interrupting_signal()) {
        const std::string what = ctx.verb == "prove"
                                     ? "cancelled: the step in progress was rolled back and "
                                       "nothing of it was committed"
                                     : "cancelled: nothing was committed";
        return print_error(ctx.json, "cancelled", what + " (" + f.message + ")", 128 + signal);
    }
    return print_error(ctx.json, f.code.message(), f.message, exit_for(f), f);
}

/// `message` led by the verb's name, once: the library's own messages may name it already
/// ("promote --migration 036: …", "init: --gate …").
std::string naming_verb(const std::string& verb, const std::string& message) {
    const bool named = message.starts_with(verb) && message.size() > verb.size() &&
                       (message[verb.size()] == ':' || message[verb.size()] == ' ');
    return named ? message : verb + ": " + message;
}

int report_usage(bool json, const std::string& message) {
    return print_error(json, make_error_code(errc::invalid_argument).message(),
                       message + (json ? "" : " (see iucore --help)"), usage_error);
}

namespace {

/// Progress on a terminal: one line on stderr, rewritten, once a wait passes about a second.
struct progress_line {
    static bool wanted(const context& ctx) { return !ctx.json && isatty(STDERR_FILENO); }
    static void show(const std::string& verb, std::chrono::milliseconds waited) {
        if (waited < std::chrono::seconds(1)) return;
        std::fprintf(stderr, "\riucore %s: waiting on the server, %.1f s ", verb.c_str(),
                     static_cast<double>(waited.count()) / 1000.0);
        std::fflush(stderr);
    }
    static void clear() { std::fputs("\r\033[K", stderr); }
};

} // namespace

result<session> connect(const context& ctx) {
    auto s = session::connect(ctx.conninfo, ctx.connection);
    if (s && interrupting_signal())
        return fail(errc::connection, "interrupted before anything was sent");
    if (s && s.value().hot_standby()) {
        // Read verbs work on a standby; say so, and how far behind it is.
        auto lag = replay_lag_seconds(s.value());
        std::string behind = "replay lag unknown";
        if (lag && lag.value()) {
            char seconds[32];
            std::snprintf(seconds, sizeof seconds, "%.3f", *lag.value());
            behind = std::string("replay lags ") + seconds + " s behind the primary";
        }
        std::cerr << "iucore: note: " << describe_conninfo(ctx.conninfo)
                  << " is a read-only hot standby; " << behind << "\n";
    }
    return s;
}

namespace {

/// What the command line said, verb by verb.
struct inputs {
    std::string migration;
    std::string to; // apply --to, rollback --to: where a walk along the chain ends
    std::string version;
    std::string render_what;
    std::string command;
    std::vector<std::string> tokens;
    std::string actor;
    bool dry_run = false;
    bool check = false;
    bool with_ledger = false;
    std::string reason; // repair
    promote_options promote;
    init_options init;
    std::vector<std::string> init_columns; // LOGICAL=COLUMN, as typed
    std::vector<std::string> init_gates;   // CONFIG=MODES[:COMMANDS], as typed
    std::string output = "iucore.json";
};

struct verb {
    std::string name;
    std::string help;
    /// Adds the verb's own positionals and options.
    std::function<void(CLI::App&, inputs&)> declare;
    /// Everything checkable without a database; runs before any connection.
    std::function<result<void>(const context&, const inputs&)> check_offline;
    std::function<int(context&, const inputs&)> run;
    /// init writes a definition; every other verb reads one.
    bool reads_definition = true;
};

/// Runs `operation` on a new session and prints its report; exit 1 when `failed(report)`.
template <class Op, class Failed>
int with_session(context& ctx, Op operation, Failed failed) {
    auto s = connect(ctx);
    if (!s) return report_failure(ctx, s.error());
    auto report = operation(s.value());
    if (progress_line::wanted(ctx)) progress_line::clear();
    if (!report) return report_failure(ctx, report.error());
    return print(
        ctx, report.value(), [](const auto& r) { return text(r); },
        failed(report.value()) ? refused_or_failed : done);
}

constexpr auto never = [](const auto&) { return false; };
const auto nothing_to_check = [](const context&, const inputs&) -> result<void> {
    return boost::outcome_v2::success();
};

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items)
        out += (out.empty() ? "" : ", ") + item;
    return out;
}

result<void> known_migration(const definition& d, const std::string& id) {
    if (d.find_migration(id)) return boost::outcome_v2::success();
    std::vector<std::string> ids;
    for (const auto& m : d.migrations)
        ids.push_back(m.id);
    return fail(errc::invalid_argument, "unknown migration \"" + id + "\": the definition has " +
                                            (ids.empty() ? "no migrations" : joined(ids)));
}

result<void> known_version(const definition& d, const std::string& version) {
    if (version.empty() || d.knows_version(version)) return boost::outcome_v2::success();
    return fail(errc::invalid_argument,
                "unknown version \"" + version + "\": the definition has " + joined(d.versions()));
}

const auto migration_is_known = [](const context& ctx, const inputs& in) {
    return known_migration(ctx.def, in.migration);
};

void migration_positional(CLI::App& app, inputs& in) {
    app.add_option("MIGRATION", in.migration, "a migration id of the definition")->required();
}

/// apply's and rollback's words: one MIGRATION, or a walk along the chain ending at --to.
void chain_words(CLI::App& app, inputs& in, const std::string& to_help) {
    app.add_option("MIGRATION", in.migration, "one migration id of the definition");
    app.add_option("--to", in.to, to_help)->option_text("VERSION");
}

/// The chain's report, then the exit status of the step that stopped it (0 when none did).
int print_chain(context& ctx, const result<chain_report>& report) {
    if (progress_line::wanted(ctx)) progress_line::clear();
    if (!report) return report_failure(ctx, report.error());
    const auto& r = report.value();
    const int printed = print(
        ctx, r, [](const chain_report& x) { return text(x); }, done);
    if (!r.stopped) return printed;
    if (interrupting_signal()) return report_failure(ctx, *r.stopped);
    return exit_for(*r.stopped);
}

std::optional<std::string_view> environment(const char* name) {
    const char* value = std::getenv(name);
    return value ? std::optional<std::string_view>(value) : std::nullopt;
}

/// The run log's actor, by the library's rule (iucore/actor.hpp); empty: current_user.
std::string actor_of(const inputs& in) {
    return run_actor(in.actor, environment("IUCORE_ACTOR"));
}

void command_positionals(CLI::App& app, inputs& in) {
    app.add_option("COMMAND", in.command, "a governed DOT command")->required();
    app.add_option("ARGUMENTS", in.tokens, "key=value arguments of the command's function");
}

const auto command_binds_offline = [](const context& ctx, const inputs& in) -> result<void> {
    BOOST_OUTCOME_TRY(explain(ctx.def, in.command, in.tokens));
    return boost::outcome_v2::success();
};

int render_verb(context& ctx, const inputs& in) {
    auto out = in.with_ledger                 ? render_forward_with_ledger(ctx.def, in.migration)
               : in.render_what == "forward"  ? render_forward(ctx.def, in.migration)
               : in.render_what == "rollback" ? render_rollback(ctx.def, in.migration)
                                              : render_seed(ctx.def, in.migration);
    if (!out) return report_failure(ctx, out.error());
    return print(ctx, out.value(), [](const rendered_sql& r) { return r.text(); });
}

int explain_verb(context& ctx, const inputs& in) {
    if (!(ctx.db_given || std::getenv("PGHOST") || std::getenv("PGSERVICE"))) {
        auto p = explain(ctx.def, in.command, in.tokens);
        if (!p) return report_failure(ctx, p.error());
        return print(ctx, p.value(), [](const plan& x) { return text(x); });
    }
    return with_session(
        ctx, [&](session& s) { return explain_live(s, ctx.def, in.command, in.tokens); }, never);
}

int promote_verb(context& ctx, const inputs& in) {
    auto s = connect(ctx);
    if (!s) return report_failure(ctx, s.error());
    auto promoted = promote_and_save(s.value(), ctx.def, in.promote, ctx.definition_path);
    if (!promoted) return report_failure(ctx, promoted.error());
    const auto& m = *promoted.value().promoted.find_migration(promoted.value().migration);
    const auto e = promoted.value().promoted.expectations(m.id).value();
    if (ctx.json)
        std::cout << boost::json::serialize(report_json(promoted.value())) << "\n";
    else
        std::cout << "promoted " << in.promote.function << " as " << in.promote.command
                  << (in.promote.migration.empty() ? ": new migration " : ": added to migration ")
                  << m.id << " (" << m.slug << ") written to " << ctx.definition_path
                  << "\n  requires "
                  << promoted.value().promoted.find_signature(in.promote.function)->record_text()
                  << "\n  catalog " << e.rows_before << " -> " << e.rows_after << " rows, "
                  << e.distinct_targets_after << " distinct targets\n";
    return done;
}

result<void> promote_offline(const context& ctx, const inputs& in) {
    return check_promote(ctx.def, in.promote);
}

/// init's --column LOGICAL=COLUMN and --gate words into its options.
result<void> read_init_words(inputs& in) {
    for (const auto& word : in.init_columns) {
        const auto eq = word.find('=');
        if (eq == std::string::npos)
            return fail(errc::invalid_argument, "--column " + detail::quote_for_message(word) +
                                                    ": expected LOGICAL=COLUMN, e.g. "
                                                    "catalog.category=kind");
        in.init.columns[word.substr(0, eq)] = word.substr(eq + 1);
    }
    for (const auto& word : in.init_gates) {
        BOOST_OUTCOME_TRY(auto g, parse_init_gate(word));
        in.init.gates.push_back(std::move(g));
    }
    return boost::outcome_v2::success();
}

result<void> init_offline(const context&, const inputs& in) {
    BOOST_OUTCOME_TRY(check_init_options(in.init));
    std::error_code ec;
    if (std::filesystem::symlink_status(in.output, ec).type() !=
        std::filesystem::file_type::not_found)
        return fail(errc::invalid_argument,
                    "init: --output " + in.output + " exists; init never overwrites a file");
    return boost::outcome_v2::success();
}

int init_verb(context& ctx, const inputs& in) {
    auto s = connect(ctx);
    if (!s) return report_failure(ctx, s.error());
    auto made = init(s.value(), in.init);
    if (!made) return report_failure(ctx, made.error());
    auto& [d, report] = made.value();
    if (report.ok()) {
        if (auto saved = save_definition_file(d, in.output, existing_file::refuse); !saved)
            return report_failure(ctx, saved.error());
        report.output = in.output;
    }
    return print(
        ctx, report, [](const init_report& r) { return text(r); },
        report.ok() ? done : refused_or_failed);
}

/// The report's own verdict (its ok()): exit 1 when it fails.
constexpr auto fails = [](const auto& report) { return !report.ok(); };

/// A verb that reads a live report with no arguments of its own; exit 1 when `failed`.
template <class Report, class Failed>
verb live_report_verb(std::string name, std::string help,
                      result<Report> (*read)(session&, const definition&), Failed failed) {
    return {std::move(name),
            std::move(help),
            {},
            nothing_to_check,
            [read, failed](context& ctx, const inputs&) {
                return with_session(
                    ctx, [&](session& s) { return read(s, ctx.def); }, failed);
            }};
}

std::vector<verb> verbs() {
    std::vector<verb> v;
    v.push_back({"render",
                 "Print the SQL derived from the definition: render forward|rollback MIGRATION "
                 "[--with-ledger], or render seed [VERSION] (runs under psql -v ON_ERROR_STOP=on "
                 "-f).",
                 [](CLI::App& app, inputs& in) {
                     app.add_option("WHAT", in.render_what, "forward, rollback or seed")
                         ->required()
                         ->check(CLI::IsMember({"forward", "rollback", "seed"}));
                     app.add_option("ID", in.migration,
                                    "the MIGRATION (forward, rollback) or VERSION (seed)");
                     app.add_flag("--with-ledger", in.with_ledger,
                                  "forward: take apply's lock and write its ledger row too, so a "
                                  "migration applied by psql is recorded");
                 },
                 [](const context& ctx, const inputs& in) -> result<void> {
                     if (in.with_ledger && in.render_what != "forward")
                         return fail(errc::invalid_argument,
                                     "--with-ledger goes with render forward, not render " +
                                         in.render_what);
                     if (in.render_what == "seed") return known_version(ctx.def, in.migration);
                     if (in.migration.empty())
                         return fail(errc::invalid_argument,
                                     "render " + in.render_what + ": expected a MIGRATION id");
                     return known_migration(ctx.def, in.migration);
                 },
                 render_verb});
    v.push_back({"apply",
                 "Apply one migration in one transaction: advisory lock, preflight, insert, "
                 "verification, ledger row. --dry-run does all of it, reports, and rolls back. "
                 "Without MIGRATION: every migration in order (--to: up to that one), each in "
                 "its own transaction, stopping at the first that fails.",
                 [](CLI::App& app, inputs& in) {
                     chain_words(app, in, "apply every migration up to and including this one");
                     app.add_flag("--dry-run", in.dry_run, "report, then roll back");
                 },
                 [](const context& ctx, const inputs& in) -> result<void> {
                     if (!in.migration.empty() && !in.to.empty())
                         return fail(errc::invalid_argument,
                                     "give MIGRATION or --to, not both (MIGRATION applies one "
                                     "migration; --to every one up to it)");
                     if (!in.migration.empty()) return known_migration(ctx.def, in.migration);
                     if (in.dry_run)
                         return fail(errc::invalid_argument,
                                     "--dry-run takes one MIGRATION: each migration of a chain "
                                     "starts where the one before it ends, which a dry run "
                                     "does not commit");
                     BOOST_OUTCOME_TRY(chain_forward(ctx.def, in.to));
                     return boost::outcome_v2::success();
                 },
                 [](context& ctx, const inputs& in) {
                     apply_options options;
                     options.dry_run = in.dry_run;
                     options.applied_by = actor_of(in);
                     if (in.migration.empty()) {
                         auto s = connect(ctx);
                         if (!s) return report_failure(ctx, s.error());
                         return print_chain(ctx, apply_chain(s.value(), ctx.def, in.to, options));
                     }
                     return with_session(
                         ctx, [&](session& s) { return apply(s, ctx.def, in.migration, options); },
                         fails);
                 }});
    v.push_back(
        {"verify", "Check live against the definition's expectations at VERSION.",
         [](CLI::App& app, inputs& in) {
             app.add_option("VERSION", in.version, "a version (default: the latest)");
         },
         [](const context& ctx, const inputs& in) { return known_version(ctx.def, in.version); },
         [](context& ctx, const inputs& in) {
             return with_session(
                 ctx, [&](session& s) { return verify(s, ctx.def, in.version); }, fails);
         }});
    v.push_back({"rollback",
                 "Delete the migration's rows under the run-log guard; refused while runs "
                 "reference them or a later applied migration requires it. --to VERSION: every "
                 "migration after VERSION whose rows are in the catalog, latest first, each in "
                 "its own transaction, stopping at the first refused.",
                 [](CLI::App& app, inputs& in) {
                     chain_words(app, in,
                                 "roll back every migration after this version (a migration or "
                                 "the baseline)");
                 },
                 [](const context& ctx, const inputs& in) -> result<void> {
                     if (in.migration.empty() == in.to.empty())
                         return fail(errc::invalid_argument,
                                     "give one MIGRATION, or --to VERSION (rollback never walks "
                                     "the chain unless told where to stop)");
                     if (!in.migration.empty()) return known_migration(ctx.def, in.migration);
                     return known_version(ctx.def, in.to);
                 },
                 [](context& ctx, const inputs& in) {
                     if (!in.to.empty()) {
                         auto s = connect(ctx);
                         if (!s) return report_failure(ctx, s.error());
                         return print_chain(ctx, rollback_chain(s.value(), ctx.def, in.to));
                     }
                     return with_session(
                         ctx, [&](session& s) { return rollback(s, ctx.def, in.migration); },
                         never);
                 }});
    v.push_back(
        {"baseline",
         "Record migrations applied outside iucore (psql, by hand): every one up to and "
         "including MIGRATION without a ledger row, once the live catalog is what the "
         "definition has at MIGRATION.",
         migration_positional, migration_is_known, [](context& ctx, const inputs& in) {
             return with_session(
                 ctx, [&](session& s) { return baseline(s, ctx.def, in.migration, actor_of(in)); },
                 fails);
         }});
    v.push_back(
        {"repair",
         "Accept an intentional change to an applied migration's definition: its ledger row "
         "takes the new checksum, with who, when and --reason, once the live catalog is what "
         "the definition has.",
         [](CLI::App& app, inputs& in) {
             migration_positional(app, in);
             app.add_option("--reason", in.reason,
                            "why the definition changed (kept in the ledger)")
                 ->required()
                 ->check([](const std::string& text) {
                     return text.find_first_not_of(" \t\n") == std::string::npos
                                ? std::string("the reason is empty")
                                : std::string();
                 });
         },
         migration_is_known,
         [](context& ctx, const inputs& in) {
             return with_session(
                 ctx,
                 [&](session& s) {
                     return repair(s, ctx.def, in.migration, in.reason, actor_of(in));
                 },
                 fails);
         }});
    v.push_back({"prove",
                 "apply, rollback, re-apply on live, each step on a new connection, asserting "
                 "the catalog size after each.",
                 migration_positional, migration_is_known, [](context& ctx, const inputs& in) {
                     prove_options options;
                     options.connection = ctx.connection;
                     if (progress_line::wanted(ctx))
                         options.on_step = [](std::string_view step) {
                             progress_line::clear();
                             std::cerr << "iucore prove: " << step << "…\n";
                         };
                     auto report = prove(ctx.conninfo, ctx.def, in.migration, options);
                     if (!report) return report_failure(ctx, report.error());
                     return print(
                         ctx, report.value(), [](const auto& r) { return text(r); },
                         report.value().ok() ? done : refused_or_failed);
                 }});
    v.push_back(live_report_verb(
        "status", "Every migration: applied, pending or drifted, with checksums.", &status, fails));
    v.push_back(
        live_report_verb("diff", "Live catalog against the SSOT, row by row.", &diff_live, fails));
    v.push_back(live_report_verb("surface", "Live inventory by kind against the definition.",
                                 &surface_live, fails));
    v.push_back({"snapshot",
                 "Read the live catalog, surface, configs and signatures into a definition "
                 "(JSON), to adopt iucore on an existing database.",
                 {},
                 nothing_to_check,
                 [](context& ctx, const inputs&) {
                     auto s = connect(ctx);
                     if (!s) return report_failure(ctx, s.error());
                     auto d = snapshot(s.value(), ctx.def);
                     if (!d) return report_failure(ctx, d.error());
                     std::cout << boost::json::serialize(boost::json::value_from(d.value()))
                               << "\n";
                     return int(done);
                 }});
    v.push_back(
        {"init",
         "Write a new definition (--output, default iucore.json, never overwritten) of the "
         "database as it is, at --as-version: catalog rows, target signatures, run log, configs, "
         "surface; checked against the same database before it is written.",
         [](CLI::App& app, inputs& in) {
             auto& o = in.init;
             app.add_option("--as-version", o.as_version,
                            "the version the database is at (e.g. 033)")
                 ->required();
             app.add_option("--catalog", o.catalog_table, "the catalog table")
                 ->option_text("SCHEMA.TABLE")
                 ->capture_default_str();
             app.add_option("--run-log", o.run_log_table, "the run log table")
                 ->option_text("SCHEMA.TABLE")
                 ->capture_default_str();
             app.add_option("--configs", o.config_table,
                            "the config table (optional: none, no configs)")
                 ->option_text("SCHEMA.TABLE")
                 ->capture_default_str();
             std::string keys;
             for (const auto& k : init_column_keys())
                 keys += (keys.empty() ? "" : ", ") + k;
             app.add_option("--column", in.init_columns,
                            "a column named otherwise, e.g. catalog.category=kind (repeated); "
                            "LOGICAL is one of " +
                                keys)
                 ->option_text("LOGICAL=COLUMN")
                 ->allow_extra_args(false);
             app.add_option("--command-prefix", o.command_prefix,
                            "what every command's name starts with (default: read from the "
                            "catalog)");
             app.add_option("--name", o.name, "the definition's name (default: the catalog's)");
             app.add_option("--gate", in.init_gates,
                            "a gate to write (repeated): CONFIG is a boolean config that must be "
                            "true for COMMANDs (default: every catalog command) to run in MODEs "
                            "(dry_run, live)")
                 ->option_text("CONFIG=MODE[,MODE][:COMMAND,...]")
                 ->allow_extra_args(false);
             app.add_option("--output", in.output, "the file to write")
                 ->option_text("FILE")
                 ->capture_default_str();
         },
         init_offline, init_verb, false});
    v.push_back({"pins",
                 "Print every derived figure; --check reads each pin site (paths relative to "
                 "the definition) and names every one that disagrees.",
                 [](CLI::App& app, inputs& in) {
                     app.add_flag("--check", in.check, "read every pin site and compare");
                 },
                 nothing_to_check,
                 [](context& ctx, const inputs& in) {
                     const auto base =
                         std::filesystem::path(ctx.definition_path).parent_path().string();
                     auto report = pins(ctx.def, in.check, base);
                     if (!report) return report_failure(ctx, report.error());
                     return print(
                         ctx, report.value(), [](const pins_report& r) { return text(r); },
                         report.value().ok() ? done : refused_or_failed);
                 }});
    v.push_back({"explain",
                 "The plan of a DOT command: catalog row, target signature, bound arguments, the "
                 "SQL, the gates of its mode; with a database, live configs and the verdict.",
                 command_positionals, command_binds_offline, explain_verb});
    v.push_back(
        {"run",
         "Run a governed command: gates checked, the function called, a run-log row "
         "written, in one round trip. Refused attempts are logged and exit 1.",
         command_positionals, command_binds_offline, [](context& ctx, const inputs& in) {
             const auto actor = actor_of(in);
             return with_session(
                 ctx,
                 [&](session& s) { return run_command(s, ctx.def, in.command, in.tokens, actor); },
                 fails);
         }});
    v.push_back(live_report_verb(
        "gates", "Every config, its value, and which commands each gate holds in each mode.",
        &gates_live, never));
    v.push_back({"promote",
                 "Read FUNCTION's signature from the database and add it as a command to the "
                 "next migration (or to --migration ID) in the definition file.",
                 [](CLI::App& app, inputs& in) {
                     auto& o = in.promote;
                     app.add_option("FUNCTION", o.function, "the function to govern")->required();
                     app.add_option("--command", o.command, "the DOT command's name")->required();
                     app.add_option("--category", o.category, "one of the definition's categories")
                         ->required();
                     app.add_flag("--mutating", o.mutating, "the command changes data");
                     app.add_flag("--reversible", o.reversible, "the command can be undone");
                     app.add_option("--migration", o.migration,
                                    "add to this migration of the definition (not applied yet) "
                                    "instead of a new one");
                 },
                 promote_offline, promote_verb});
    v.push_back({"demo",
                 "Replay migration 034 end to end with the bundled example; starts a throwaway "
                 "PostgreSQL unless --db is given.",
                 {},
                 nothing_to_check,
                 [](context& ctx, const inputs&) { return run_demo(ctx); }});
    return v;
}

/// "unknown verb" with the closest verb, when one is close.
std::string unknown_verb_message(const std::string& word, const std::vector<verb>& all) {
    std::vector<std::string> names;
    for (const auto& v : all)
        names.push_back(v.name);
    const auto best = detail::nearest(word, names);
    const bool close = detail::edit_distance(word.substr(0, 128), best) <= 2;
    return "unknown verb \"" + word + "\"" + (close ? "; did you mean \"" + best + "\"?" : "");
}

/// A duration such as 500ms, 10s, 2min or 1h; 0 alone means no limit.
result<std::chrono::milliseconds> parse_duration(const std::string& option,
                                                 const std::string& text) {
    long long number = 0;
    const auto* end = text.data() + text.size();
    const auto [rest, ec] = std::from_chars(text.data(), end, number);
    const std::string unit(rest, end);
    const auto bad =
        fail(errc::invalid_argument,
             option + " \"" + text +
                 "\": expected a duration such as 500ms, 10s, 2min or 1h (0: no limit)");
    if (ec != std::errc() || number < 0 || number > 1'000'000'000) return bad;
    if (unit.empty() && number == 0) return std::chrono::milliseconds(0);
    if (unit == "ms") return std::chrono::milliseconds(number);
    if (unit == "s") return std::chrono::seconds(number);
    if (unit == "min") return std::chrono::minutes(number);
    if (unit == "h") return std::chrono::hours(number);
    return bad;
}

std::string version_text() {
    return "iucore " IUCORE_CLI_VERSION " (C ABI " + std::to_string(IUCORE_CLI_ABI_VERSION) +
           ", libpq " + libpq_version() + ")";
}

bool fleet_verb_allowed(const std::string& verb) {
    return verb == "apply" || verb == "status" || verb == "verify" || verb == "diff";
}

/// Verbs that write to the database: refused on a hot standby before anything is sent.
bool writes(const std::string& verb) {
    return verb == "apply" || verb == "rollback" || verb == "prove" || verb == "run" ||
           verb == "demo" || verb == "baseline" || verb == "repair";
}

/// One row per target; exit 0 only when every target succeeded, else 3 when any target had a
/// database or connection error, else 1.
int run_fleet_verb(context& ctx, const inputs& in, const std::vector<std::string>& targets,
                   const fleet_options& options) {
    apply_options apply_with;
    apply_with.dry_run = in.dry_run;
    apply_with.applied_by = actor_of(in);
    const auto op = ctx.verb == "apply"    ? fleet_apply(ctx.def, in.migration, apply_with)
                    : ctx.verb == "status" ? fleet_status(ctx.def)
                    : ctx.verb == "verify" ? fleet_verify(ctx.def, in.version)
                                           : fleet_diff(ctx.def);
    const auto report = run_fleet(targets, ctx.verb, options, op);
    const int code = report.ok()                              ? done
                     : report.count(fleet_outcome::error) > 0 ? database_error
                                                              : refused_or_failed;
    return print(
        ctx, report, [](const fleet_report& r) { return text(r); }, code);
}

/// The command line as typed, before any definition is read.
struct command_line {
    std::vector<std::string> db;
    std::string fleet;
    std::size_t parallel = 16;
    std::size_t canary = 0;
    std::string definition;
    std::string lock_timeout;
    std::string statement_timeout;
    bool json = false;
};

constexpr auto footer =
    "Global options are accepted anywhere on the line, as --opt value or --opt=value.\n\n"
    "The definition: --definition FILE, else $IUCORE_DEFINITION, else iucore.json in the current\n"
    "directory or its nearest parent. Only `iucore demo` uses the bundled example.\n\n"
    "Exit codes: 0 done; 1 refused or a check failed; 2 usage or definition error (nothing is\n"
    "connected); 3 database or connection error, a lock or statement timeout included; 130 or\n"
    "143 when SIGINT or SIGTERM cancelled the statement in flight (nothing was committed).";

} // namespace

int main_cli(int argc, char** argv) {
    const auto all = verbs();
    // Whether usage errors are JSON must be known even when parsing fails.
    const bool json_requested = std::any_of(
        argv + 1, argv + argc, [](const char* a) { return std::string_view(a) == "--json"; });
    CLI::App app{"iucore: the governance core of an operator runtime on PostgreSQL.", "iucore"};
    app.footer(footer);
    app.require_subcommand(1, 1);
    app.fallthrough();
    command_line line;
    app.add_option("--db", line.db,
                   "libpq conninfo or URI (default: the PG* environment); repeated, a fleet")
        ->option_text("CONNINFO")
        ->allow_extra_args(false); // one value per --db: the next word is not a second one
    app.add_option("--fleet", line.fleet,
                   "apply, status, verify or diff on every target of FILE (one conninfo, URI or "
                   "service name per line)")
        ->option_text("FILE");
    app.add_option("--parallel", line.parallel, "fleet: at most N targets at once (default 16)")
        ->option_text("N")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
    app.add_option("--canary", line.canary,
                   "fleet: the first N targets go first; if any fails, no other is touched")
        ->option_text("N");
    app.add_option("--definition", line.definition, "the definition JSON")->option_text("FILE");
    app.add_flag("--json", line.json, "print reports, and errors, as JSON on stdout");
    app.add_option("--lock-timeout", line.lock_timeout,
                   "give up waiting for a lock (default 10s for apply, rollback, prove, baseline "
                   "and repair; 0 waits forever)")
        ->option_text("DURATION");
    app.add_option("--statement-timeout", line.statement_timeout,
                   "give up on any statement after this long (default: no limit)")
        ->option_text("DURATION");
    app.set_version_flag("--version", version_text());
    inputs in;
    app.add_option("--actor", in.actor,
                   "who a governed run is logged as, and apply, baseline and repair record in the "
                   "ledger (default: $IUCORE_ACTOR, else the session's current_user)")
        ->option_text("NAME");
    for (const auto& v : all) {
        auto* sub = app.add_subcommand(v.name, v.help);
        sub->fallthrough();
        if (v.declare) v.declare(*sub, in);
    }
    if (argc <= 1) {
        std::cerr << app.help();
        return usage_error;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) { // --help, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        if (app.get_subcommands().empty()) {
            // The first word that is not an option is the verb the user meant.
            for (const auto& word : app.remaining())
                if (!word.starts_with("-"))
                    return report_usage(json_requested, unknown_verb_message(word, all));
        }
        return report_usage(json_requested, e.what());
    }
    const auto* chosen = app.get_subcommands().front();
    const auto& v = *std::find_if(all.begin(), all.end(),
                                  [&](const verb& x) { return x.name == chosen->get_name(); });

    context ctx;
    ctx.verb = v.name;
    ctx.json = line.json;
    ctx.db_given = !line.db.empty();
    const bool fleet = !line.fleet.empty() || line.db.size() > 1;
    if (fleet && !fleet_verb_allowed(v.name))
        return report_usage(ctx.json, v.name +
                                          " takes one database; a fleet (--fleet FILE or a "
                                          "repeated --db) takes apply, status, verify or diff");
    if (!fleet && (app.count("--parallel") || app.count("--canary")))
        return report_usage(ctx.json, "--parallel and --canary need a fleet (--fleet FILE or a "
                                      "repeated --db)");
    if (line.db.size() == 1) ctx.conninfo = line.db.front();
    ctx.connection.application_name = "iucore " + v.name;
    ctx.connection.writes = writes(v.name);
    if (v.name == "apply" || v.name == "rollback" || v.name == "prove" || v.name == "baseline" ||
        v.name == "repair")
        ctx.connection.lock_timeout = std::chrono::seconds(10);
    for (const auto& [option, text, target] :
         {std::tuple{"--lock-timeout", &line.lock_timeout, &ctx.connection.lock_timeout},
          std::tuple{"--statement-timeout", &line.statement_timeout,
                     &ctx.connection.statement_timeout}}) {
        if (app.count(option) == 0) continue;
        auto parsed = parse_duration(option, *text);
        if (!parsed) return report_usage(ctx.json, parsed.error().message);
        *target = parsed.value();
    }
    if (progress_line::wanted(ctx) && !fleet)
        ctx.connection.on_wait = [verb = v.name](std::chrono::milliseconds waited) {
            progress_line::show(verb, waited);
        };

    if (!v.reads_definition) {
        if (!line.definition.empty())
            return report_usage(ctx.json, v.name + " writes a definition (--output); it reads none "
                                                   "(--definition is not for it)");
        if (auto words = read_init_words(in); !words)
            return report_usage(ctx.json, naming_verb(v.name, words.error().message));
        if (auto checked = v.check_offline(ctx, in); !checked)
            return report_usage(ctx.json, naming_verb(v.name, checked.error().message));
        install_interrupt_handlers();
        return v.run(ctx, in);
    }
    if (v.name == "demo" && line.definition.empty()) {
        auto share = bundled_data_dir();
        if (!share) return report_failure(ctx, share.error());
        ctx.definition_path = share.value() + "/definition/iu_core.json";
    } else {
        auto found = find_definition(line.definition);
        if (!found) return report_usage(ctx.json, found.error().message);
        ctx.definition_path = found.value();
    }
    auto loaded = load_definition_file(ctx.definition_path);
    if (!loaded) return report_failure(ctx, loaded.error());
    ctx.def = std::move(loaded).value();
    if (auto checked = v.check_offline(ctx, in); !checked)
        return report_usage(ctx.json, naming_verb(v.name, checked.error().message));
    if (fleet && v.name == "apply" && in.migration.empty())
        return report_usage(ctx.json, "apply: a fleet applies one MIGRATION (the chain, without "
                                      "one or with --to, is for one database)");
    std::vector<std::string> targets = line.db;
    if (!line.fleet.empty()) {
        auto text = read_text_file(line.fleet);
        if (!text) return report_usage(ctx.json, "--fleet: " + text.error().message);
        auto listed = parse_fleet(text.value(), line.fleet);
        if (!listed) return report_usage(ctx.json, "--fleet: " + listed.error().message);
        targets.insert(targets.end(), listed.value().begin(), listed.value().end());
    }
    install_interrupt_handlers();
    if (fleet) {
        fleet_options options;
        options.parallel = line.parallel;
        options.canary = line.canary;
        options.connection = ctx.connection;
        return run_fleet_verb(ctx, in, targets, options);
    }
    return v.run(ctx, in);
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
