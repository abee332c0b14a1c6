// Fault injection on a real PostgreSQL (issue 6, part 1). For apply, rollback, prove and run,
// the operation is stopped at a precise step and its backend is terminated
// (pg_terminate_backend from a second connection), or the whole server is stopped with
// `pg_ctl stop -m immediate` and started again. Afterwards the catalog, the ledger and the run
// log must be exactly the state before the operation or exactly the state after it, the call
// must have returned a connection error (exit code 3 through the CLI), and a retry must succeed.
//
// How an operation is stopped at a step: test-only triggers (installed per fault, dropped
// before the retry) call iucore_fault_wait(hit), which on the hit-th firing blocks on an
// advisory lock the test holds. The test waits until the operation's backend waits on that lock
// (pg_locks joined with pg_stat_activity), then injects the fault.
//
//   apply     after preflight   BEFORE INSERT statement trigger on the catalog
//             after the insert  AFTER INSERT statement trigger on the catalog
//             verification      BEFORE INSERT row trigger on the ledger (the ledger row is
//                               written after the verification block, with its counts)
//             before commit     DEFERRABLE INITIALLY DEFERRED constraint trigger on the ledger
//   rollback  after the guard   BEFORE DELETE statement trigger on the catalog
//             after the delete  AFTER DELETE statement trigger on the catalog
//             ledger delete     BEFORE DELETE row trigger on the ledger (verification follows)
//             before commit     deferred constraint trigger on the ledger's DELETE
//   run       in the call       a wrapper with the target function's signature
//             before the log    BEFORE INSERT row trigger on the run log
//             after the log     AFTER INSERT row trigger on the run log
//             before commit     deferred constraint trigger on the run log
//   prove     in each of its three steps: the apply step after preflight and after the insert,
//             the rollback step at each of its points, the re-apply step at verification and
//             just before commit (its points block on their second firing).
//
// Every fault gets a database of its own, copied from a template (CREATE DATABASE … TEMPLATE).
// The server-stop faults run on a private cluster (cmake/pg_throwaway.sh start) so that stopping
// it does not disturb tests running in parallel on the fixture's cluster.
//
// Prints: faults: N injected, N left the database whole, N retries succeeded
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "test_database.hpp"

#include <iucore/engine/commands.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/render.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace iucore;
using iucore::testing::must;
using iucore::testing::scalar;

namespace {

// ---------------------------------------------------------------------------------------------
// Figures and small helpers

struct fault_figures {
    int injected = 0; // the operation was seen blocked at its step and the fault was injected
    int whole = 0;    // afterwards the database was exactly the before or the after state
    int retried = 0;  // the retry succeeded
};

fault_figures tally;

const definition& def() {
    static const definition d = iucore::testing::example_definition();
    return d;
}

constexpr const char* from_event = "dot_iu_auto_instantiate_from_event";
const std::string catalog_table = "public.dot_iu_command_catalog";
const std::string ledger_table = "public.iucore_migration_ledger";
const std::string run_log_table = "public.dot_iu_command_run";

/// The arguments of every governed run here: a dry run, cheap and deterministic.
const std::vector<std::string> run_tokens{"event_id=6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11",
                                          "event_type=template.instance_auto_composed",
                                          "template_collection_id=0b4e7f52-3f0d-4a47-8f0e-"
                                          "5d7f2c9a1e33",
                                          "instance_key_suffix=fault-001",
                                          "emit_mode=dry_run",
                                          "actor=operator",
                                          "note=fault injection"};
constexpr const char* run_actor = "fault-tester";

void exec(session& s, const std::string& sql) {
    must(s.run(sql), sql.substr(0, 120));
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

/// Runs a shell command; returns its exit code and what it printed (stdout and stderr).
std::pair<int, std::string> shell(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>&1").c_str(), "r"), ::pclose);
    if (!pipe) throw std::runtime_error("cannot run: " + command);
    std::string output;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe.get()))
        output += buffer;
    const int status = ::pclose(pipe.release());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), output};
}

std::string throwaway_script() {
    const char* env = std::getenv("IUCORE_PG_THROWAWAY");
    return env && *env ? env : IUCORE_PG_THROWAWAY_SCRIPT;
}

// ---------------------------------------------------------------------------------------------
// Clusters and databases

/// A PostgreSQL cluster the tests create databases on: the fixture's, or a private one that the
/// server-stop faults may stop and start.
class cluster {
  public:
    virtual ~cluster() = default;
    virtual const std::string& admin_conninfo() const = 0;
    virtual void stop_immediately() { throw std::logic_error("not a private cluster"); }
    virtual void start() { throw std::logic_error("not a private cluster"); }
};

class fixture_cluster final : public cluster {
  public:
    fixture_cluster() : conninfo_(iucore::testing::admin_conninfo()) {}
    const std::string& admin_conninfo() const override { return conninfo_; }

  private:
    std::string conninfo_;
};

/// A cluster of its own (cmake/pg_throwaway.sh start), removed on destruction.
class private_cluster final : public cluster {
  public:
    private_cluster() {
        char dir[] = "/tmp/iucore_faults_XXXXXX";
        if (!::mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
        state_ = dir;
        const auto [rc, out] =
            shell("bash " + shell_quote(throwaway_script()) + " start " + shell_quote(state_));
        if (rc != 0) throw std::runtime_error("starting a private cluster failed:\n" + out);
        conninfo_ = iucore::testing::read_text_file(state_ + "/conninfo");
        while (!conninfo_.empty() && (conninfo_.back() == '\n' || conninfo_.back() == ' '))
            conninfo_.pop_back();
        // pg_throwaway runs with synchronous_commit off: an immediate stop could then lose a
        // transaction committed just before, which is not the fault under test here.
        auto s = must(session::connect(conninfo_), "connecting to the private cluster");
        exec(s, "ALTER SYSTEM SET synchronous_commit = on");
        exec(s, "SELECT pg_reload_conf()");
    }
    private_cluster(const private_cluster&) = delete;
    private_cluster& operator=(const private_cluster&) = delete;
    ~private_cluster() override {
        const auto [rc, out] =
            shell("bash " + shell_quote(throwaway_script()) + " stop " + shell_quote(state_));
        if (rc != 0) std::fprintf(stderr, "stopping the private cluster failed:\n%s", out.c_str());
    }

    const std::string& admin_conninfo() const override { return conninfo_; }

    void stop_immediately() override {
        const auto [rc, out] = pg_ctl({"-m", "immediate", "-w", "-s", "stop"});
        if (rc != 0) throw std::runtime_error("pg_ctl stop -m immediate failed:\n" + out);
    }
    void start() override {
        const auto [rc, out] =
            pg_ctl({"-l", state_ + "/server.log", "-w", "-t", "60", "-s", "start"});
        if (rc != 0) throw std::runtime_error("pg_ctl start failed:\n" + out);
    }

  private:
    /// pg_ctl on this cluster's data directory, as the postgres user when we are root (as
    /// pg_throwaway.sh does).
    std::pair<int, std::string> pg_ctl(const std::vector<std::string>& args) const {
        const std::string script =
            "bindir=${PG_BINDIR:-$(printf '%s\\n' /usr/lib/postgresql/*/bin | sort -V | tail -n "
            "1)}; cd / && if [ \"$(id -u)\" = 0 ]; then exec runuser -u postgres -- "
            "\"$bindir/pg_ctl\" \"$@\"; else exec \"$bindir/pg_ctl\" \"$@\"; fi";
        std::string command =
            "bash -c " + shell_quote(script) + " pg_ctl -D " + shell_quote(state_ + "/data");
        for (const auto& a : args)
            command += " " + shell_quote(a);
        return shell(command);
    }

    std::string state_;
    std::string conninfo_;
};

std::string unique_name(const std::string& tag) {
    static int counter = 0;
    return "iucore_fault_" + std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" +
           tag;
}

/// A database on a cluster, created empty or from a template, dropped WITH (FORCE) afterwards.
class scratch_db {
  public:
    scratch_db(const cluster& c, const std::string& tag, const std::string& from_template = {})
        : cluster_(&c), name_(unique_name(tag)) {
        auto admin = must(session::connect(c.admin_conninfo()), "connecting to the cluster");
        must(admin.run("CREATE DATABASE \"" + name_ + "\"" +
                       (from_template.empty() ? "" : " TEMPLATE \"" + from_template + "\"")),
             "creating database " + name_);
        conninfo_ = iucore::testing::conninfo_with_dbname(c.admin_conninfo(), name_);
    }
    scratch_db(const scratch_db&) = delete;
    scratch_db& operator=(const scratch_db&) = delete;
    ~scratch_db() {
        auto admin = session::connect(cluster_->admin_conninfo());
        if (!admin || !admin.value().run("DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)"))
            std::fprintf(stderr, "cannot drop database %s\n", name_.c_str());
    }
    const std::string& name() const { return name_; }
    const std::string& conninfo() const { return conninfo_; }
    session connect() const { return must(session::connect(conninfo_), "connecting to " + name_); }

  private:
    const cluster* cluster_;
    std::string name_;
    std::string conninfo_;
};

// ---------------------------------------------------------------------------------------------
// Snapshots: the catalog, the ledger and the run log as text

struct snapshot {
    std::vector<std::string> catalog, ledger, runs; // one JSON text per row, sorted
    friend bool operator==(const snapshot&, const snapshot&) = default;
};

std::vector<std::string> rows_as_text(session& s, const std::string& sql) {
    auto rows = must(s.run_params(sql, {}), sql);
    std::vector<std::string> out;
    for (const auto& r : rows.rows)
        out.push_back(r[0].value_or("NULL"));
    std::sort(out.begin(), out.end());
    return out;
}

/// The ledger without applied_at, the run log without id, created_at and duration_ms: a retry
/// cannot reproduce a clock or a sequence value, and nothing else may differ.
const std::string run_row_sql =
    "SELECT (to_jsonb(r) - 'id' - 'created_at' - 'duration_ms')::text FROM " + run_log_table + " r";

snapshot take_snapshot(session& s) {
    snapshot out;
    out.catalog = rows_as_text(s, "SELECT to_jsonb(c)::text FROM " + catalog_table + " c");
    out.ledger =
        rows_as_text(s, "SELECT (to_jsonb(l) - 'applied_at')::text FROM " + ledger_table + " l");
    out.runs = rows_as_text(s, run_row_sql);
    return out;
}

std::string describe(const snapshot& s) {
    std::ostringstream out;
    out << s.catalog.size() << " catalog rows, " << s.ledger.size() << " ledger rows ("
        << (s.ledger.empty() ? std::string("none") : s.ledger.front().substr(0, 40)) << "…), "
        << s.runs.size() << " runs";
    return out.str();
}

// ---------------------------------------------------------------------------------------------
// Templates

/// What every fault database starts from: the 033 substrate and the baseline seed, the ledger
/// table (so its triggers can be installed before the first apply), both gates open (so a run
/// calls its function), and the fault helpers. `applied` templates also have 034 applied.
const char* fault_helpers_sql = R"sql(
CREATE SEQUENCE public.iucore_fault_hits;
-- Blocks on the test's advisory lock on the p_hit-th call (counted across transactions: a
-- sequence is not rolled back), so a point can be chosen in the second of two operations.
CREATE FUNCTION public.iucore_fault_wait(p_hit bigint) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    IF nextval('public.iucore_fault_hits') = p_hit THEN
        PERFORM pg_advisory_xact_lock(4242, 4242);
    END IF;
END
$f$;
CREATE FUNCTION public.iucore_fault_trigger() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM public.iucore_fault_wait(TG_ARGV[0]::bigint);
    IF TG_LEVEL = 'ROW' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RETURN NULL;
END
$f$;
UPDATE public.iu_core_config SET config_value = 'true'
 WHERE config_key IN ('iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled');
)sql";

snapshot build_template(const scratch_db& db, bool applied) {
    auto s = db.connect();
    must(s.run(iucore::testing::read_text_file(
             iucore::testing::examples_path("substrate/033_substrate.sql"))),
         "loading the 033 substrate");
    must(s.run(must(render_seed(def(), def().base.version), "render the baseline seed").text()),
         "seeding the baseline");
    exec(s, must(render_ledger_ddl(def()), "render the ledger DDL"));
    exec(s, fault_helpers_sql);
    if (applied) {
        const auto r = must(apply(s, def(), "034"), "apply 034 in the template");
        if (r.outcome != apply_outcome::applied)
            throw std::runtime_error("apply 034 in the template: " + r.message);
    }
    return take_snapshot(s);
}

/// The two templates of a cluster, the baseline (033) and 034 applied, and their states: what
/// every operation here starts from and must end in.
struct templates {
    explicit templates(const cluster& c) : baseline(c, "tpl_033"), applied(c, "tpl_034") {
        baseline_state = build_template(baseline, false);
        applied_state = build_template(applied, true);
    }
    scratch_db baseline;
    scratch_db applied;
    snapshot baseline_state; // 24 catalog rows, no ledger row, no run
    snapshot applied_state;  // 26 catalog rows, the ledger row of 034, no run
};

// ---------------------------------------------------------------------------------------------
// Operations and fault points

enum class operation { apply, rollback, prove, run };

const char* name(operation op) {
    switch (op) {
    case operation::apply:
        return "apply";
    case operation::rollback:
        return "rollback";
    case operation::prove:
        return "prove";
    case operation::run:
        return "run";
    }
    return "";
}

/// What an operation returned, from the library or from the CLI.
struct op_result {
    bool ok = false;
    std::optional<errc> code; // library: the failure's code
    int exit_code = -1;       // CLI: the process's exit code
    std::string message;
};

op_result from_failure(const failure& f) {
    op_result r;
    r.code = code_of(f);
    r.message = f.message;
    return r;
}

op_result perform_library(operation op, const std::string& conninfo) {
    if (op == operation::prove) {
        auto r = prove(conninfo, def(), "034");
        if (!r) return from_failure(r.error());
        return {r.value().ok(), std::nullopt, -1, "prove ok"};
    }
    auto s = session::connect(conninfo);
    if (!s) return from_failure(s.error());
    switch (op) {
    case operation::apply: {
        auto r = apply(s.value(), def(), "034");
        if (!r) return from_failure(r.error());
        const bool ok = r.value().outcome == apply_outcome::applied ||
                        r.value().outcome == apply_outcome::already_applied;
        return {ok, std::nullopt, -1, r.value().message};
    }
    case operation::rollback: {
        auto r = rollback(s.value(), def(), "034");
        if (!r) return from_failure(r.error());
        return {true, std::nullopt, -1, "deleted " + std::to_string(r.value().deleted)};
    }
    case operation::run: {
        auto r = run_command(s.value(), def(), from_event, run_tokens, run_actor);
        if (!r) return from_failure(r.error());
        return {r.value().outcome == run_outcome::ok, std::nullopt, -1, r.value().message};
    }
    case operation::prove:
        break;
    }
    return {};
}

op_result perform_cli(operation op, const std::string& conninfo) {
#ifdef IUCORE_CLI_PATH
    std::string command = shell_quote(IUCORE_CLI_PATH) + " --db " + shell_quote(conninfo) +
                          " --definition " +
                          shell_quote(iucore::testing::examples_path("definition/iu_core.json"));
    switch (op) {
    case operation::apply:
    case operation::rollback:
    case operation::prove:
        command += std::string(" ") + name(op) + " 034";
        break;
    case operation::run:
        command += std::string(" run ") + from_event;
        for (const auto& t : run_tokens)
            command += " " + shell_quote(t);
        command += std::string(" --actor ") + run_actor;
        break;
    }
    const auto [rc, out] = shell(command);
    op_result r;
    r.ok = rc == 0;
    r.exit_code = rc;
    r.message = out;
    return r;
#else
    (void)op;
    (void)conninfo;
    throw std::runtime_error("built without the CLI (IUCORE_BUILD_EXAMPLES off)");
#endif
}

enum class point {
    after_preflight, // apply: BEFORE INSERT on the catalog
    after_insert,    // apply: AFTER INSERT on the catalog
    verification,    // apply: BEFORE INSERT on the ledger
    apply_commit,    // apply: deferred constraint trigger on the ledger's INSERT
    after_guard,     // rollback: BEFORE DELETE on the catalog
    after_delete,    // rollback: AFTER DELETE on the catalog
    ledger_delete,   // rollback: BEFORE DELETE on the ledger
    rollback_commit, // rollback: deferred constraint trigger on the ledger's DELETE
    in_call,         // run: a wrapper of the target function
    before_log,      // run: BEFORE INSERT on the run log
    after_log,       // run: AFTER INSERT on the run log
    run_commit,      // run: deferred constraint trigger on the run log's INSERT
};

const char* name(point p) {
    switch (p) {
    case point::after_preflight:
        return "after preflight";
    case point::after_insert:
        return "after the insert";
    case point::verification:
        return "verification (ledger insert)";
    case point::apply_commit:
        return "just before commit";
    case point::after_guard:
        return "after the guard";
    case point::after_delete:
        return "after the delete";
    case point::ledger_delete:
        return "ledger delete";
    case point::rollback_commit:
        return "just before commit";
    case point::in_call:
        return "in the target function";
    case point::before_log:
        return "before the run-log insert";
    case point::after_log:
        return "after the run-log insert";
    case point::run_commit:
        return "just before commit";
    }
    return "";
}

const std::vector<point> apply_points{point::after_preflight, point::after_insert,
                                      point::verification, point::apply_commit};
const std::vector<point> rollback_points{point::after_guard, point::after_delete,
                                         point::ledger_delete, point::rollback_commit};
const std::vector<point> run_points{point::in_call, point::before_log, point::after_log,
                                    point::run_commit};

std::string trigger(const std::string& timing, const std::string& table, const std::string& level,
                    int hit) {
    return "CREATE TRIGGER iucore_fault " + timing + " ON " + table + " FOR EACH " + level +
           " EXECUTE FUNCTION public.iucore_fault_trigger('" + std::to_string(hit) + "');";
}

std::string deferred_trigger(const std::string& event, const std::string& table, int hit) {
    return "CREATE CONSTRAINT TRIGGER iucore_fault AFTER " + event + " ON " + table +
           " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "
           "public.iucore_fault_trigger('" +
           std::to_string(hit) + "');";
}

const std::string from_event_args = "(uuid, text, uuid, text, text, text, text)";

std::string install_sql(point p, int hit) {
    switch (p) {
    case point::after_preflight:
        return trigger("BEFORE INSERT", catalog_table, "STATEMENT", hit);
    case point::after_insert:
        return trigger("AFTER INSERT", catalog_table, "STATEMENT", hit);
    case point::verification:
        return trigger("BEFORE INSERT", ledger_table, "ROW", hit);
    case point::apply_commit:
        return deferred_trigger("INSERT", ledger_table, hit);
    case point::after_guard:
        return trigger("BEFORE DELETE", catalog_table, "STATEMENT", hit);
    case point::after_delete:
        return trigger("AFTER DELETE", catalog_table, "STATEMENT", hit);
    case point::ledger_delete:
        return trigger("BEFORE DELETE", ledger_table, "ROW", hit);
    case point::rollback_commit:
        return deferred_trigger("DELETE", ledger_table, hit);
    case point::in_call:
        // Same name, parameter names and types (run_command calls with named notation).
        return "ALTER FUNCTION public.fn_iu_auto_instantiate_from_event" + from_event_args +
               " RENAME TO iucore_fault_from_event;\n"
               "CREATE FUNCTION public.fn_iu_auto_instantiate_from_event(event_id uuid, "
               "event_type text, template_collection_id uuid, instance_key_suffix text, "
               "emit_mode text, actor text, note text DEFAULT NULL) RETURNS jsonb "
               "LANGUAGE plpgsql AS $w$\nBEGIN\n    PERFORM public.iucore_fault_wait(" +
               std::to_string(hit) +
               ");\n    RETURN public.iucore_fault_from_event($1, $2, $3, $4, $5, $6, $7);\n"
               "END\n$w$;";
    case point::before_log:
        return trigger("BEFORE INSERT", run_log_table, "ROW", hit);
    case point::after_log:
        return trigger("AFTER INSERT", run_log_table, "ROW", hit);
    case point::run_commit:
        return deferred_trigger("INSERT", run_log_table, hit);
    }
    return "";
}

const std::string uninstall_sql =
    "DROP TRIGGER IF EXISTS iucore_fault ON " + catalog_table +
    ";\n"
    "DROP TRIGGER IF EXISTS iucore_fault ON " +
    ledger_table +
    ";\n"
    "DROP TRIGGER IF EXISTS iucore_fault ON " +
    run_log_table +
    ";\n"
    "DO $u$\nBEGIN\n    IF to_regproc('public.iucore_fault_from_event') IS NOT NULL THEN\n"
    "        DROP FUNCTION public.fn_iu_auto_instantiate_from_event" +
    from_event_args + ";\n        ALTER FUNCTION public.iucore_fault_from_event" + from_event_args +
    " RENAME TO fn_iu_auto_instantiate_from_event;\n    END IF;\nEND\n$u$;";

enum class fault_kind { terminate_backend, stop_server };

struct fault {
    fault(operation o, point p, int h = 1, std::string s = {},
          fault_kind k = fault_kind::terminate_backend, bool cli = false)
        : op(o), where(p), hit(h), step(std::move(s)), kind(k), via_cli(cli) {}
    operation op;
    point where;
    int hit;          // block on the hit-th firing (2: prove's re-apply)
    std::string step; // prove: which of its steps the point is in
    fault_kind kind;
    bool via_cli;

    std::string label() const {
        std::string out = std::string(name(op)) + (step.empty() ? "" : " (" + step + ")") + ", " +
                          name(where) + ", " +
                          (kind == fault_kind::terminate_backend ? "backend terminated"
                                                                 : "server stopped (immediate)");
        return out + (via_cli ? ", through the CLI" : "");
    }
};

/// The pid of the backend of `database` waiting on the fault lock; 0 if `done` came first or
/// 30 s passed.
template <class Future>
int wait_until_blocked(session& control, const std::string& database, Future& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        const auto rows = must(
            control.run_params(
                "SELECT l.pid FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON "
                "a.pid = l.pid WHERE l.locktype = 'advisory' AND NOT l.granted AND l.classid = "
                "4242 AND l.objid = 4242 AND l.objsubid = 2 AND l.database = (SELECT oid FROM "
                "pg_catalog.pg_database WHERE datname = $1) AND a.wait_event_type = 'Lock' AND "
                "a.wait_event = 'advisory'",
                {database}),
            "looking for the blocked backend");
        if (!rows.rows.empty()) return std::stoi(rows.rows[0][0].value_or("0"));
        if (done.wait_for(std::chrono::milliseconds(5)) == std::future_status::ready) return 0;
    }
    return 0;
}

/// The state after a successful run: `before` plus the newest run-log row.
snapshot after_run(session& s, snapshot before) {
    auto newest =
        rows_as_text(s, run_row_sql + " WHERE r.id = (SELECT max(id) FROM " + run_log_table + ")");
    before.runs.insert(before.runs.end(), newest.begin(), newest.end());
    std::sort(before.runs.begin(), before.runs.end());
    return before;
}

void inject(cluster& c, const templates& t, const fault& f) {
    INFO("fault: " << f.label());
    const bool from_applied = f.op == operation::rollback || f.op == operation::run;
    scratch_db db(c, name(f.op), (from_applied ? t.applied : t.baseline).name());
    auto control = db.connect();
    const auto before = take_snapshot(control);
    REQUIRE(before == (from_applied ? t.applied_state : t.baseline_state));
    exec(control, install_sql(f.where, f.hit));
    exec(control, "SELECT pg_advisory_lock(4242, 4242)");

    auto running = std::async(std::launch::async, [&] {
        return f.via_cli ? perform_cli(f.op, db.conninfo()) : perform_library(f.op, db.conninfo());
    });
    const int pid = wait_until_blocked(control, db.name(), running);
    if (pid == 0) {
        exec(control, "SELECT pg_advisory_unlock_all()");
        const auto r = running.get();
        FAIL("the operation never blocked at its fault point; it returned "
             << (r.ok ? "success" : "failure") << ": " << r.message);
    }
    ++tally.injected;
    if (f.kind == fault_kind::terminate_backend) {
        CHECK(scalar(control, "SELECT pg_terminate_backend($1::int, 10000)",
                     {std::to_string(pid)}) == "t");
    } else {
        c.stop_immediately();
    }
    REQUIRE_MESSAGE(running.wait_for(std::chrono::seconds(60)) == std::future_status::ready,
                    "the operation did not return after the fault");
    const auto failed = running.get();
    CAPTURE(failed.message);
    CHECK_FALSE(failed.ok);
    if (f.via_cli) {
        CHECK(failed.exit_code == 3);
    } else {
        REQUIRE(failed.code.has_value());
        CHECK(*failed.code == errc::connection); // a lost backend is a connection error
        CHECK(failed.message.find("connection") != std::string::npos);
    }
    if (f.kind == fault_kind::stop_server) {
        c.start();
        control = db.connect();
    } else {
        exec(control, "SELECT pg_advisory_unlock_all()");
    }
    exec(control, uninstall_sql);
    const auto mid = take_snapshot(control);

    const auto retry =
        f.via_cli ? perform_cli(f.op, db.conninfo()) : perform_library(f.op, db.conninfo());
    CAPTURE(retry.message);
    CHECK(retry.ok);
    // The after state, independently of the retry: the templates' states, and for a run the
    // state before plus the retry's run-log row.
    const auto final_state = take_snapshot(control);
    const auto after = f.op == operation::run        ? after_run(control, before)
                       : f.op == operation::rollback ? t.baseline_state
                                                     : t.applied_state;
    CHECK_MESSAGE(final_state == after, "after the retry: " << describe(final_state)
                                                            << "; expected: " << describe(after));
    if (retry.ok && final_state == after) ++tally.retried;

    const bool whole = mid == before || mid == after;
    CHECK_MESSAGE(whole, "after the fault: " << describe(mid) << "; before: " << describe(before)
                                             << "; after: " << describe(after));
    if (whole) ++tally.whole;
    std::cout << "  " << f.label() << ": "
              << (mid == before  ? "before state"
                  : mid == after ? "after state"
                                 : "BROKEN state")
              << "; error: " << failed.message.substr(0, failed.message.find('\n')) << "\n";
}

fixture_cluster& shared_cluster() {
    static fixture_cluster c;
    return c;
}

const templates& shared_templates() {
    static templates t(shared_cluster());
    return t;
}

} // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("terminate the backend of apply at each step") {
    for (auto p : apply_points)
        inject(shared_cluster(), shared_templates(), {operation::apply, p});
}

TEST_CASE("terminate the backend of rollback at each step") {
    for (auto p : rollback_points)
        inject(shared_cluster(), shared_templates(), {operation::rollback, p});
}

TEST_CASE("terminate the backend of prove in each of its steps") {
    // Every point of apply once across the apply and re-apply steps (the same code as apply
    // above, on prove's new connections), every point of the rollback step.
    inject(shared_cluster(), shared_templates(),
           {operation::prove, point::after_preflight, 1, "apply"});
    inject(shared_cluster(), shared_templates(),
           {operation::prove, point::after_insert, 1, "apply"});
    for (auto p : rollback_points)
        inject(shared_cluster(), shared_templates(), {operation::prove, p, 1, "rollback"});
    inject(shared_cluster(), shared_templates(),
           {operation::prove, point::verification, 2, "re-apply"});
    inject(shared_cluster(), shared_templates(),
           {operation::prove, point::apply_commit, 2, "re-apply"});
}

TEST_CASE("terminate the backend of a governed run at each step") {
    for (auto p : run_points)
        inject(shared_cluster(), shared_templates(), {operation::run, p});
}

#ifdef IUCORE_CLI_PATH
TEST_CASE("through the CLI: a terminated backend exits 3, the retry exits 0") {
    inject(shared_cluster(), shared_templates(),
           {operation::apply, point::after_insert, 1, "", fault_kind::terminate_backend, true});
    inject(shared_cluster(), shared_templates(),
           {operation::rollback, point::after_delete, 1, "", fault_kind::terminate_backend, true});
    inject(shared_cluster(), shared_templates(),
           {operation::run, point::in_call, 1, "", fault_kind::terminate_backend, true});
}
#endif

TEST_CASE("stop the server (immediate) mid-operation, start it again") {
    private_cluster c;
    const templates t(c);
    inject(c, t, {operation::apply, point::after_insert, 1, "", fault_kind::stop_server});
    inject(c, t, {operation::rollback, point::after_delete, 1, "", fault_kind::stop_server});
    inject(c, t, {operation::prove, point::after_delete, 1, "rollback", fault_kind::stop_server});
    inject(c, t, {operation::prove, point::apply_commit, 2, "re-apply", fault_kind::stop_server});
    inject(c, t, {operation::run, point::in_call, 1, "", fault_kind::stop_server});
#ifdef IUCORE_CLI_PATH
    inject(c, t, {operation::apply, point::apply_commit, 1, "", fault_kind::stop_server, true});
#endif
}

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int rc = context.run();
    if (context.shouldExit()) return rc;
    std::cout << "faults: " << tally.injected << " injected, " << tally.whole
              << " left the database whole, " << tally.retried << " retries succeeded\n";
    const bool figures_hold =
        tally.injected > 0 && tally.whole == tally.injected && tally.retried == tally.injected;
    return rc != 0 ? rc : (figures_hold ? 0 : 1);
}
