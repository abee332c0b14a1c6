// `iucore demo`: the migration record replayed end to end, on a throwaway PostgreSQL it starts
// itself (or on the database given with --db).

#include "cli.hpp"
#include "locations.hpp"
#include "text_output.hpp"

#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/render.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <unistd.h>

namespace iucore::cli {

namespace {

namespace fs = std::filesystem;

/// Where the throwaway-cluster script is: $IUCORE_PG_THROWAWAY, else the bundled one.
result<std::string> throwaway_script() {
    if (const char* env = std::getenv("IUCORE_PG_THROWAWAY"); env && *env) return std::string(env);
    BOOST_OUTCOME_TRY(auto share, bundled_data_dir());
    return share + "/pg_throwaway.sh";
}

/// The substrate the demo loads on an empty database: $IUCORE_SUBSTRATE, else the one beside
/// the definition (definition/../substrate, as in examples/ and share/iucore).
std::string substrate_path(const std::string& definition_path) {
    if (const char* env = std::getenv("IUCORE_SUBSTRATE"); env && *env) return env;
    return (fs::path(definition_path).parent_path().parent_path() / "substrate" /
            "033_substrate.sql")
        .string();
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

/// A throwaway cluster for the demo's lifetime: started by the project's script, stopped and
/// removed when the demo ends, however it ends.
class throwaway_cluster {
  public:
    static result<throwaway_cluster> start() {
        BOOST_OUTCOME_TRY(auto script, throwaway_script());
        char pattern[] = "/tmp/iucore-demo-XXXXXX";
        if (!mkdtemp(pattern)) return fail(errc::io, "cannot create a temporary directory");
        throwaway_cluster c(pattern, script);
        const auto command = "bash " + shell_quote(script) + " start " + shell_quote(c.dir_) +
                             " >" + shell_quote(c.dir_ + ".log") + " 2>&1";
        if (std::system(command.c_str()) != 0)
            return fail(errc::connection,
                        "could not start a throwaway PostgreSQL (log: " + c.dir_ + ".log)");
        auto conninfo = read_text_file(c.dir_ + "/conninfo");
        if (!conninfo) return conninfo.error();
        c.conninfo_ = conninfo.value();
        while (!c.conninfo_.empty() && c.conninfo_.back() == '\n')
            c.conninfo_.pop_back();
        return c;
    }
    throwaway_cluster(throwaway_cluster&& other) noexcept
        : dir_(std::exchange(other.dir_, {})), script_(std::move(other.script_)),
          conninfo_(std::move(other.conninfo_)) {}
    throwaway_cluster& operator=(throwaway_cluster&&) = delete;
    ~throwaway_cluster() {
        if (dir_.empty()) return;
        const auto command =
            "bash " + shell_quote(script_) + " stop " + shell_quote(dir_) + " >/dev/null 2>&1";
        if (std::system(command.c_str()) != 0)
            std::fprintf(stderr, "iucore: could not stop %s\n", dir_.c_str());
        std::remove((dir_ + ".log").c_str());
    }
    const std::string& dir() const { return dir_; }
    const std::string& conninfo() const { return conninfo_; }

  private:
    throwaway_cluster(std::string dir, std::string script)
        : dir_(std::move(dir)), script_(std::move(script)) {}
    std::string dir_;
    std::string script_;
    std::string conninfo_;
};

void section(const std::string& title) {
    std::cout << "\n== " << title << " ==\n";
}
void note(const std::string& line) {
    std::cout << "-- " << line << "\n";
}

/// The story; every step must come out as the record says, or the demo fails.
result<void> story(const definition& d, const std::string& conninfo, const std::string& substrate,
                   const connection_options& options) {
    const auto& m = d.migrations.front();
    BOOST_OUTCOME_TRY(auto e, d.expectations(m.id));
    BOOST_OUTCOME_TRY(auto s, session::connect(conninfo, options));
    BOOST_OUTCOME_TRY(auto present, table_exists(s, d.schema.catalog.table));
    if (!present) {
        note("loading the " + e.previous_version + " substrate: " + substrate);
        BOOST_OUTCOME_TRY(auto sql, read_text_file(substrate));
        BOOST_OUTCOME_TRY(s.run(sql));
        BOOST_OUTCOME_TRY(auto seeded, apply_seed(s, d, e.previous_version));
        note("seeding the baseline catalog at " + e.previous_version + ": " + seeded);
    }

    section("1. apply " + m.id + " (one transaction: preflight, insert, verification)");
    BOOST_OUTCOME_TRY(auto applied, apply(s, d, m.id));
    std::cout << text(applied);
    if (!applied.ok()) return fail(errc::drift, applied.message);

    section("2. verify " + m.id + " against live");
    BOOST_OUTCOME_TRY(auto verified, verify(s, d, m.id));
    std::cout << text(verified);
    if (!verified.ok()) return fail(errc::check_failed, "verify " + m.id + " failed");

    section("3. re-apply " + m.id + " and the SSOT seed: both no-ops");
    BOOST_OUTCOME_TRY(auto again, apply(s, d, m.id));
    std::cout << text(again);
    BOOST_OUTCOME_TRY(auto reseeded, apply_seed(s, d, d.latest_version()));
    note("SSOT seed re-applied: " + reseeded);
    if (reseeded != "INSERT 0 0")
        return fail(errc::check_failed, "the SSOT seed inserted rows: live did not match");
    BOOST_OUTCOME_TRY(auto differences, diff_live(s, d));
    std::cout << text(differences);
    if (!differences.ok()) return fail(errc::check_failed, "live differs from the SSOT");

    section("4. a run references " + e.new_rows.front() + ": the rollback is refused");
    BOOST_OUTCOME_TRY(auto gates, gates_live(s, d));
    std::cout << text(gates);
    const std::vector<std::string> run_args{
        "event_id=6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11",
        "event_type=template.instance_auto_composed",
        "template_collection_id=0b4e7f52-3f0d-4a47-8f0e-5d7f2c9a1e33",
        "instance_key_suffix=demo-001",
        "emit_mode=dry_run",
        "actor=operator",
        "note=trial run"};
    BOOST_OUTCOME_TRY(
        auto ran, run_command(s, d, "dot_iu_auto_instantiate_from_event", run_args, "operator"));
    std::cout << "$ iucore run dot_iu_auto_instantiate_from_event emit_mode=dry_run …\n"
              << text(ran);
    auto refused = rollback(s, d, m.id);
    if (refused) return fail(errc::check_failed, "the rollback was not refused while a run exists");
    std::cout << "$ iucore rollback " << m.id << "\n" << refused.error().message << "\n";
    BOOST_OUTCOME_TRY(auto still, read_catalog(s, d));
    note("catalog still has " + std::to_string(still.size()) +
         " rows: the refusal changed nothing");
    if (still.size() != e.rows_after)
        return fail(errc::check_failed, "the refusal changed the catalog");
    if (!ran.run_id) return fail(errc::internal, "the demo's run log has no id column");
    BOOST_OUTCOME_TRY(delete_run(s, d, *ran.run_id));
    note("the demo removes its own run-log row (id " + std::to_string(*ran.run_id) +
         ") so the proof can proceed");

    section("5. prove the rollback: apply → rollback → re-apply, each on a new connection");
    prove_options proving;
    proving.connection = options;
    BOOST_OUTCOME_TRY(auto proved, prove(conninfo, d, m.id, proving));
    std::cout << text(proved);

    section("6. surface: " + m.id + " is " + std::string(name(m.kind)));
    BOOST_OUTCOME_TRY(auto inventory, surface_live(s, d));
    std::cout << text(inventory);
    if (!inventory.ok()) return fail(errc::check_failed, "the surface differs");
    return boost::outcome_v2::success();
}

} // namespace

int run_demo(context& ctx) {
    if (ctx.def.migrations.empty())
        return report_failure(
            ctx, fail(errc::invalid_definition, "the definition has no migration to replay"));
    std::cout << "iucore demo: migration " << ctx.def.migrations.front().id << " replayed from "
              << ctx.definition_path << "\n";
    std::optional<throwaway_cluster> cluster;
    std::string conninfo = ctx.conninfo;
    if (!ctx.db_given) {
        auto started = throwaway_cluster::start();
        if (!started) return report_failure(ctx, started.error());
        cluster.emplace(std::move(started).value());
        conninfo = cluster->conninfo();
        note("started a throwaway PostgreSQL in " + cluster->dir());
    }
    auto told = story(ctx.def, conninfo, substrate_path(ctx.definition_path), ctx.connection);
    if (cluster) note("stopping the throwaway PostgreSQL and removing " + cluster->dir());
    if (!told) return report_failure(ctx, told.error());
    std::cout << "\ndemo: every step came out as the record says\n";
    return done;
}

} // namespace iucore::cli
