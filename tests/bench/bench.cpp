// iucore_bench: the benchmarks of issue 7, against one throwaway PostgreSQL in one run.
//
//   1. governed run overhead: run_command against a raw parameterised SELECT fn(...) (libpq
//      PQexecParams) on the same connection; round trips per call, counted three ways
//   2. apply 034: the engine (fresh connection + apply) against psql -f of the rendered file
//   3. scale: synthetic definitions of 1k, 10k and 100k catalog rows, offline (load, validate,
//      fold, render; peak memory in a child process per size) and live (diff, verify)
//   4. C ABI call cost: explain through libiucore.so.1 in-process and from Python ctypes
//
// It prints one table (operation, iucore, baseline, ratio, target, met?) or, with --json, one
// JSON document. A missed target is reported, not an error: the exit status is 1 only when an
// operation fails (or, with --strict, when a target is missed). --smoke runs every operation a
// few times (for CI); its figures are not meaningful as timings.
//
// The server: $IUCORE_TEST_CONNINFO (or --conninfo), a superuser connection to a maintenance
// database of a throwaway cluster; every benchmark creates its own database and drops it.
//   cmake/pg_throwaway.sh run -- build/ci/tests/iucore_bench

#include <iucore/definition.hpp>
#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/plan.hpp>
#include <iucore/render.hpp>
#include <iucore/sql_text.hpp>

#include "count_occurrences.hpp"
#include "integration/test_database.hpp"

#if IUCORE_BENCH_HAVE_CAPI
#include <iucore.h>
#endif

#include <boost/json.hpp>
#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

namespace json = boost::json;
using iucore::definition;
using iucore::session;
using iucore::testing::must;
using iucore::testing::test_database;
using clock_type = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Options

struct options {
    bool smoke = false;
    bool json = false;
    std::string json_file; // --json-file PATH: the JSON document there as well as the table
    bool strict = false;
    std::set<std::string> sections{"run", "apply", "scale", "capi"};
    std::string examples = IUCORE_EXAMPLES_DIR;
    std::string psql = IUCORE_BENCH_PSQL;
    std::string python = "python3";
    std::string scale_child; // internal: measure one synthetic definition file and exit
    std::string heap_child;  // internal: time explain on a "fresh" or "fragmented" heap and exit
    std::size_t synthetic_rows = 0; // --write-synthetic N FILE: write that definition and exit
    std::string synthetic_file;
    int scale_repetitions = 0;

    int run_calls() const { return smoke ? 200 : 10000; }
    int run_warmup() const { return smoke ? 20 : 500; }
    int trip_calls() const { return smoke ? 20 : 100; }
    int apply_iterations() const { return smoke ? 3 : 30; }
    std::vector<std::size_t> sizes() const {
        return smoke ? std::vector<std::size_t>{1000, 10000}
                     : std::vector<std::size_t>{1000, 10000, 100000};
    }
    int live_repetitions() const { return smoke ? 1 : 5; }
    int explain_calls() const { return smoke ? 200 : 100000; }
};

void usage(std::ostream& out) {
    out << "usage: iucore_bench [--smoke] [--json] [--json-file PATH] [--strict]\n"
           "                    [--only run,apply,scale,capi]\n"
           "                    [--conninfo CONNINFO] [--examples DIR] [--psql PATH]\n"
           "                    [--python PATH]\n"
           "  --smoke     every operation a few times (CI); figures are not timings\n"
           "  --json      one JSON document instead of the table\n"
           "  --json-file PATH   the JSON document written there as well\n"
           "  --strict    exit 2 when a target is missed (default: report only)\n"
           "  --conninfo  a superuser connection of a throwaway cluster (default: "
           "$IUCORE_TEST_CONNINFO)\n"
           "  --write-synthetic N FILE   write the synthetic definition of N rows (for "
           "profiling)\n"
           "  --scale-child FILE [--repetitions R]   measure one definition file offline\n"
           "  --heap-child fresh|fragmented          time explain on that heap\n";
}

// ---------------------------------------------------------------------------------------------
// Measuring

double since_us(clock_type::time_point start) {
    return std::chrono::duration<double, std::micro>(clock_type::now() - start).count();
}

template <class F>
double time_us(F&& f) {
    const auto start = clock_type::now();
    f();
    return since_us(start);
}

struct stats {
    std::size_t n = 0;
    double median = 0, p90 = 0, p99 = 0, mean = 0, min = 0, max = 0;
};

/// Nearest-rank percentiles; the median interpolates between the middle two.
stats summarize(std::vector<double> v) {
    stats s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    s.n = v.size();
    auto rank = [&](double q) {
        auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
        return v[std::min(v.size() - 1, i == 0 ? 0 : i - 1)];
    };
    s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    s.p90 = rank(0.90);
    s.p99 = rank(0.99);
    double sum = 0;
    for (double x : v)
        sum += x;
    s.mean = sum / static_cast<double>(v.size());
    s.min = v.front();
    s.max = v.back();
    return s;
}

json::object to_json(const stats& s, std::string_view unit) {
    return {{"unit", unit}, {"n", s.n},       {"median", s.median}, {"p90", s.p90},
            {"p99", s.p99}, {"mean", s.mean}, {"min", s.min},       {"max", s.max}};
}

/// A field of /proc/self/status in kB (VmHWM: peak resident set; VmRSS: current).
long proc_status_kb(std::string_view field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':')
            return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
    return -1;
}

// ---------------------------------------------------------------------------------------------
// The report: rows of one table, plus details for machines

struct row {
    std::string key;       // machine name, e.g. run.median
    std::string operation; // what people read
    std::string unit;      // us, ms, MB, trips, x
    std::optional<double> iucore;
    std::optional<double> baseline;
    bool ratio = true;       // print iucore / baseline
    std::string target;      // in words
    std::optional<bool> met; // nullopt: no target here, or not measured
    std::string note;
};

struct report {
    std::vector<row> rows;
    json::object details;
    std::vector<std::string> errors;
    std::vector<std::string> notes;

    row& add(row r) {
        rows.push_back(std::move(r));
        return rows.back();
    }
    std::optional<double> ratio(const row& r) const {
        if (!r.ratio || !r.iucore || !r.baseline || *r.baseline == 0) return std::nullopt;
        return *r.iucore / *r.baseline;
    }
};

std::string format_number(double v) {
    char buffer[64];
    const double a = std::fabs(v);
    if (a >= 1000 || v == std::floor(v))
        std::snprintf(buffer, sizeof buffer, "%.0f", v);
    else if (a >= 100)
        std::snprintf(buffer, sizeof buffer, "%.1f", v);
    else
        std::snprintf(buffer, sizeof buffer, "%.2f", v);
    return buffer;
}

std::string format_value(std::optional<double> v, const std::string& unit) {
    if (!v) return "-";
    if (unit == "us") return format_number(*v) + " µs";
    if (unit == "ms") return format_number(*v) + " ms";
    if (unit == "MB") return format_number(*v) + " MB";
    if (unit == "x") return format_number(*v) + "×";
    if (unit == "trips") return format_number(*v);
    return format_number(*v) + " " + unit;
}

std::size_t display_width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

void print_table(const report& r, std::ostream& out) {
    const std::vector<std::string> head{"operation", "iucore", "baseline",
                                        "ratio",     "target", "met?"};
    std::vector<std::vector<std::string>> cells;
    for (const auto& x : r.rows) {
        const auto ratio = r.ratio(x);
        std::string met = x.met ? (*x.met ? "yes" : "NO") : (x.note.empty() ? "-" : x.note);
        cells.push_back({x.operation, format_value(x.iucore, x.unit),
                         format_value(x.baseline, x.unit), ratio ? format_value(ratio, "x") : "-",
                         x.target.empty() ? "-" : x.target, met});
    }
    std::vector<std::size_t> width(head.size());
    for (std::size_t c = 0; c < head.size(); ++c) {
        width[c] = display_width(head[c]);
        for (const auto& line : cells)
            width[c] = std::max(width[c], display_width(line[c]));
    }
    auto print_line = [&](const std::vector<std::string>& line) {
        out << "|";
        for (std::size_t c = 0; c < line.size(); ++c) {
            const auto pad = std::string(width[c] - display_width(line[c]), ' ');
            // Numbers right-aligned, words left-aligned.
            const bool right = c >= 1 && c <= 3;
            out << " " << (right ? pad + line[c] : line[c] + pad) << " |";
        }
        out << "\n";
    };
    print_line(head);
    out << "|";
    for (std::size_t c = 0; c < head.size(); ++c)
        out << std::string(width[c] + 1, '-') << (c >= 1 && c <= 3 ? ":" : "-") << "|";
    out << "\n";
    for (const auto& line : cells)
        print_line(line);
}

json::value rows_json(const report& r) {
    json::array out;
    for (const auto& x : r.rows) {
        json::object o{{"key", x.key},
                       {"operation", x.operation},
                       {"unit", x.unit},
                       {"target", x.target},
                       {"note", x.note}};
        o["iucore"] = x.iucore ? json::value(*x.iucore) : json::value(nullptr);
        o["baseline"] = x.baseline ? json::value(*x.baseline) : json::value(nullptr);
        const auto ratio = r.ratio(x);
        o["ratio"] = ratio ? json::value(*ratio) : json::value(nullptr);
        o["met"] = x.met ? json::value(*x.met) : json::value(nullptr);
        out.push_back(std::move(o));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// The machine

std::string first_match(const std::string& path, std::string_view key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with(key)) {
            auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            auto value = line.substr(colon + 1);
            value.erase(0, value.find_first_not_of(" \t"));
            return value;
        }
    return "";
}

std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

std::string kernel() {
    struct utsname u {};
    if (::uname(&u) != 0) return "";
    return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

json::object machine(const std::string& server_version) {
    const long total_kb =
        std::strtol(first_match("/proc/meminfo", "MemTotal").c_str(), nullptr, 10);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::time_t now = std::time(nullptr);
    char when[64];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
    return {{"nproc", ::sysconf(_SC_NPROCESSORS_ONLN)},
            {"cpu", first_match("/proc/cpuinfo", "model name")},
            {"ram_mb", total_kb / 1024},
            {"kernel", kernel()},
            {"postgresql", server_version},
            {"build_type", IUCORE_BENCH_BUILD_TYPE},
            {"loadavg_end", first_line("/proc/loadavg")},
            {"date", when}};
}

// ---------------------------------------------------------------------------------------------
// Processes and files

/// A file under $TMPDIR (or /tmp), removed when the value goes away.
class temp_file {
  public:
    explicit temp_file(std::string_view stem, std::string_view suffix = "") {
        const char* dir = std::getenv("TMPDIR");
        std::string pattern =
            std::string(dir && *dir ? dir : "/tmp") + "/" + std::string(stem) + ".XXXXXX";
        pattern += suffix;
        std::vector<char> buffer(pattern.begin(), pattern.end());
        buffer.push_back('\0');
        const int fd = ::mkstemps(buffer.data(), static_cast<int>(suffix.size()));
        if (fd < 0) throw std::runtime_error("cannot create a temporary file " + pattern);
        ::close(fd);
        path_ = buffer.data();
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }
    void write(const std::string& text) const {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + path_);
    }
    std::string read() const { return iucore::testing::read_text_file(path_); }

  private:
    std::string path_;
};

struct process_result {
    int exit_code = -1; // -1: killed by a signal
    std::string out;    // stdout when captured
};

/// Runs argv (looked up in PATH) with `extra_env` added; stdout captured or sent to /dev/null,
/// stderr to `stderr_path` (or /dev/null). Waits for it.
process_result run_process(const std::vector<std::string>& argv,
                           const std::vector<std::string>& extra_env, bool capture_stdout,
                           const std::string& stderr_path = {}) {
    std::vector<char*> args;
    for (const auto& a : argv)
        args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_storage;
    for (char** e = environ; *e; ++e) {
        std::string_view entry(*e);
        const auto key = entry.substr(0, entry.find('=') + 1);
        const bool replaced = std::any_of(extra_env.begin(), extra_env.end(),
                                          [&](const auto& x) { return x.starts_with(key); });
        if (!replaced) env_storage.emplace_back(entry);
    }
    env_storage.insert(env_storage.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> env;
    for (auto& e : env_storage)
        env.push_back(e.data());
    env.push_back(nullptr);

    int pipe_fds[2] = {-1, -1};
    if (capture_stdout && ::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (capture_stdout) {
        posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
        posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
        posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    }
    posix_spawn_file_actions_addopen(&actions, 2,
                                     stderr_path.empty() ? "/dev/null" : stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    const int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    process_result result;
    if (capture_stdout) ::close(pipe_fds[1]);
    if (spawned != 0) {
        if (capture_stdout) ::close(pipe_fds[0]);
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(spawned));
    }
    if (capture_stdout) {
        char buffer[65536];
        ssize_t n = 0;
        while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0)
            result.out.append(buffer, static_cast<std::size_t>(n));
        ::close(pipe_fds[0]);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw std::runtime_error("waitpid failed");
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::string self_executable() {
    char buffer[4096];
    const auto n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n <= 0) throw std::runtime_error("cannot read /proc/self/exe");
    return std::string(buffer, static_cast<std::size_t>(n));
}

using iucore_test::count_occurrences;

// ---------------------------------------------------------------------------------------------
// Round trips, counted three ways on one connection

/// Counts LOG notices of executed statements (log_statement = all, client_min_messages = log):
/// the server reports each statement it runs, "statement: …" for a simple query (one per Query
/// message, however many statements it holds) and "execute <unnamed>: …" for an extended one.
void count_statement_logs(void* counter, const PGresult* res) {
    const char* severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char* message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (!severity || !message || std::string_view(severity) != "LOG") return;
    const std::string_view m(message);
    if (m.starts_with("statement: ") || m.starts_with("execute ")) ++*static_cast<long*>(counter);
}

struct trip_counts {
    long calls = 0;
    long session = -1; // session::round_trips() delta (what the engine counts)
    long wire = -1;    // ReadyForQuery messages on the wire (PQtrace): exact round trips
    long server = -1;  // statements the server logged as executed
    std::string server_note;

    json::object to_json() const {
        return {{"calls", calls},
                {"session_round_trips", session},
                {"wire_ready_for_query", wire},
                {"server_logged_statements", server},
                {"server_note", server_note}};
    }
};

/// Runs `op` `calls` times on `s` with the wire traced and the server logging statements back to
/// this connection. Setting up and tearing down are separate round trips outside the count.
template <class F>
trip_counts count_trips(session& s, long calls, F&& op) {
    trip_counts t;
    t.calls = calls;
    PGconn* conn = s.native();
    const bool server_logging =
        s.run("SET log_statement = 'all'; SET client_min_messages = 'log'").has_value();
    if (!server_logging) t.server_note = "log_statement needs a superuser connection";
    long logged = 0;
    const PQnoticeReceiver previous = PQsetNoticeReceiver(conn, count_statement_logs, &logged);
    char* buffer = nullptr;
    std::size_t size = 0;
    FILE* trace = ::open_memstream(&buffer, &size);
    if (!trace) throw std::runtime_error("open_memstream failed");
    PQtrace(conn, trace);
    PQsetTraceFlags(conn, PQTRACE_SUPPRESS_TIMESTAMPS);
    const int before = s.round_trips();
    for (long i = 0; i < calls; ++i)
        op();
    t.session = s.round_trips() - before;
    PQuntrace(conn);
    std::fclose(trace);
    t.wire =
        static_cast<long>(count_occurrences(std::string_view(buffer, size), "\tReadyForQuery"));
    std::free(buffer);
    PQsetNoticeReceiver(conn, previous, nullptr);
    if (server_logging) {
        t.server = logged;
        must(s.run("RESET client_min_messages; RESET log_statement"), "resetting log_statement");
    }
    return t;
}

std::optional<double> per_call(long count, long calls) {
    if (count < 0 || calls <= 0) return std::nullopt;
    return static_cast<double>(count) / static_cast<double>(calls);
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const std::string from_event = "dot_iu_auto_instantiate_from_event";
const std::string event_id = "6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11";
const std::string collection_id = "0b4e7f52-3f0d-4a47-8f0e-5d7f2c9a1e33";

/// dot_iu_auto_instantiate_from_event in dry_run mode: with the composer gate open it returns
/// what it would create and changes nothing.
const std::vector<std::string> from_event_parameters{
    "event_id", "event_type", "template_collection_id", "instance_key_suffix", "emit_mode",
    "actor",    "note"};
const std::vector<std::string> from_event_values{
    event_id, "template.instance_auto_composed", collection_id, "bench-001", "dry_run", "bench",
    "bench"};

/// `name=value` tokens of from_event's parameters.
std::vector<std::string>
from_event_tokens(const std::vector<std::string>& values = from_event_values) {
    std::vector<std::string> tokens;
    tokens.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        tokens.push_back(from_event_parameters.at(i) + "=" + values[i]);
    return tokens;
}

definition load_example(const options& o) {
    return must(iucore::load_definition_file(o.examples + "/definition/iu_core.json"),
                "loading the example definition");
}

std::string server_version() {
    auto s = must(session::connect(iucore::testing::admin_conninfo()), "connecting");
    auto rows = must(s.run_params("SHOW server_version", {}), "SHOW server_version");
    return rows.rows.empty() ? "" : rows.rows[0][0].value_or("");
}

// ---------------------------------------------------------------------------------------------
// 1. Governed run overhead

/// One emit mode's governed runs, raw calls and calls logged by hand, interleaved.
struct run_measurement {
    std::string emit_mode;
    std::vector<std::string> sample_tokens;
    std::string raw_sql, logged_sql;
    stats governed, raw, logged;
    trip_counts governed_trips, raw_trips;

    json::object to_json() const {
        return {{"tokens", json::value_from(sample_tokens)},
                {"baseline_sql", raw_sql},
                {"governed", ::to_json(governed, "us")},
                {"raw", ::to_json(raw, "us")},
                {"logged_sql", logged_sql},
                {"logged", ::to_json(logged, "us")},
                {"governed_trips", governed_trips.to_json()},
                {"raw_trips", raw_trips.to_json()}};
    }
};

/// Each of the three ways of calling gets its own instance keys (`<way>-<n>`): in live mode
/// every call creates an instance, as a real caller's would, instead of finding one.
run_measurement measure_runs(session& s, const definition& d, const options& o,
                             const std::string& emit_mode) {
    run_measurement m;
    m.emit_mode = emit_mode;
    struct call_values {
        std::string prefix;
        long next = 0;
        std::vector<std::string> values = from_event_values;
        /// The next call's values: a fresh instance key suffix, the given emit mode.
        const std::vector<std::string>& advance(const std::string& mode) {
            values[3] = prefix + "-" + std::to_string(next++);
            values[4] = mode;
            return values;
        }
    };
    call_values governed_values{"governed"}, raw_values{"raw"}, logged_values{"logged"};
    auto governed = [&] {
        const auto tokens = from_event_tokens(governed_values.advance(emit_mode));
        if (m.sample_tokens.empty()) m.sample_tokens = tokens;
        auto report = must(iucore::run_command(s, d, from_event, tokens, "bench"), "run_command");
        if (report.outcome != iucore::run_outcome::ok)
            throw std::runtime_error("run_command: " + report.message);
    };
    auto exec = [&](const std::string& sql, const std::vector<std::string>& values,
                    const char* what) {
        std::vector<const char*> pointers;
        for (const auto& v : values)
            pointers.push_back(v.c_str());
        PGresult* res = PQexecParams(s.native(), sql.c_str(), static_cast<int>(pointers.size()),
                                     nullptr, pointers.data(), nullptr, nullptr, 0);
        const bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
        std::string message = ok ? "" : PQresultErrorMessage(res);
        PQclear(res);
        if (!ok) throw std::runtime_error(std::string(what) + ": " + message);
    };
    // The baseline: the same function, the same arguments, one parameterised statement.
    m.raw_sql = "SELECT public.fn_iu_auto_instantiate_from_event($1::uuid, $2, $3::uuid, $4, $5, "
                "$6, $7)";
    auto raw = [&] { exec(m.raw_sql, raw_values.advance(emit_mode), "raw SELECT fn(...)"); };
    // A second, informational baseline: the same call and a run-log row written by hand in one
    // statement, without gates or the catalog check. It separates what logging costs (in dry-run
    // mode a write transaction the read-only raw call does not have) from what iucore adds.
    m.logged_sql =
        "WITH called AS (SELECT to_jsonb(public.fn_iu_auto_instantiate_from_event($1::uuid, $2, "
        "$3::uuid, $4, $5, $6, $7)) AS result)\n"
        "INSERT INTO public.dot_iu_command_run (command_name, actor, args, mode, outcome, result)\n"
        "SELECT $8, $6, $9::jsonb, $5, 'ok', result FROM called RETURNING id";
    const std::string args_json = "{\"event_id\": \"" + event_id + "\"}";
    auto logged = [&] {
        auto values = logged_values.advance(emit_mode);
        values.push_back(from_event);
        values.push_back(args_json);
        exec(m.logged_sql, values, "call + run-log INSERT by hand");
    };

    for (int i = 0; i < o.run_warmup(); ++i) {
        raw();
        governed();
        logged();
    }
    std::vector<double> governed_us, raw_us, logged_us;
    for (auto* v : {&governed_us, &raw_us, &logged_us})
        v->reserve(static_cast<std::size_t>(o.run_calls()));
    // Interleaved, rotating which goes first, so drift and caching hit all alike.
    const std::array<std::function<void()>, 3> order{
        [&] { raw_us.push_back(time_us(raw)); }, [&] { governed_us.push_back(time_us(governed)); },
        [&] { logged_us.push_back(time_us(logged)); }};
    for (int i = 0; i < o.run_calls(); ++i)
        for (std::size_t k = 0; k < order.size(); ++k)
            order[(static_cast<std::size_t>(i) + k) % order.size()]();
    m.governed = summarize(governed_us);
    m.raw = summarize(raw_us);
    m.logged = summarize(logged_us);
    m.governed_trips = count_trips(s, o.trip_calls(), governed);
    m.raw_trips = count_trips(s, o.trip_calls(), raw);
    return m;
}

void bench_run(report& r, const options& o, const definition& d) {
    test_database db("bench_run");
    test_database::at_baseline(db, d);
    auto s = db.connect();
    const auto applied = must(iucore::apply(s, d, "034"), "apply 034");
    if (applied.outcome != iucore::apply_outcome::applied)
        throw std::runtime_error("apply 034: " + applied.message);
    // Open every gate, so the dry run is called (not refused).
    const auto& c = d.schema.configs;
    must(s.run_params(
             "UPDATE " + must(iucore::quote_qualified_name(c.table), "config table") + " SET " +
                 must(iucore::quote_identifier(c.value_column), "column") + " = 'true' WHERE " +
                 must(iucore::quote_identifier(c.key_column), "column") + " = ANY ($1::text[])",
             {iucore::text_array_parameter(d.gates.configs())}),
         "opening the gates");

    const auto dry = measure_runs(s, d, o, "dry_run");
    // Live, the function itself writes (an instance row per new key) and commits, as every
    // mutating command does: the governed run's write is then one more row, not a transaction
    // of its own.
    const auto live = measure_runs(s, d, o, "live");

    // Whether PostgreSQL settled on a generic plan for the prepared governed statement.
    const auto plans = must(s.run_params("SELECT coalesce(sum(generic_plans), 0) AS generic, "
                                         "coalesce(sum(custom_plans), 0) AS custom "
                                         "FROM pg_prepared_statements",
                                         {}),
                            "pg_prepared_statements");
    const auto calls = std::to_string(o.run_calls());
    r.add({"run.median",
           "governed run: run_command vs PQexecParams SELECT fn(…), median of " + calls, "us",
           dry.governed.median, dry.raw.median, true, "≤ 1.15×",
           dry.governed.median <= 1.15 * dry.raw.median, ""});
    r.add({"run.p99", "governed run, p99", "us", dry.governed.p99, dry.raw.p99, true, "",
           std::nullopt, ""});
    r.add({"run.vs_logged", "governed run vs call + run-log INSERT by hand (one statement), median",
           "us", dry.governed.median, dry.logged.median, true, "", std::nullopt, ""});
    r.add({"run_live.median",
           "governed run, live mode (the function writes): vs the raw call, median of " + calls,
           "us", live.governed.median, live.raw.median, true, "", std::nullopt, ""});
    r.add({"run_live.vs_logged", "governed run, live mode, vs call + run-log INSERT by hand", "us",
           live.governed.median, live.logged.median, true, "", std::nullopt, ""});
    const auto session_trips = per_call(dry.governed_trips.session, dry.governed_trips.calls);
    const auto wire_trips = per_call(dry.governed_trips.wire, dry.governed_trips.calls);
    const auto raw_wire = per_call(dry.raw_trips.wire, dry.raw_trips.calls);
    const auto server = per_call(dry.governed_trips.server, dry.governed_trips.calls);
    const auto raw_server = per_call(dry.raw_trips.server, dry.raw_trips.calls);
    r.add({"run.round_trips.session", "governed run: round trips/call (session::round_trips)",
           "trips", session_trips, raw_wire, false, "1", session_trips == 1.0, ""});
    r.add({"run.round_trips.wire", "governed run: round trips/call (wire: ReadyForQuery, PQtrace)",
           "trips", wire_trips, raw_wire, false, "1", wire_trips == 1.0, ""});
    r.add({"run.statements.server", "governed run: statements/call (server: log_statement)",
           "trips", server, raw_server, false, "1",
           server ? std::optional<bool>(*server == 1.0) : std::nullopt,
           server ? "" : "not measured: " + dry.governed_trips.server_note});
    r.details["run"] = {{"command", from_event},
                        {"calls", o.run_calls()},
                        {"warmup", o.run_warmup()},
                        {"dry_run", dry.to_json()},
                        {"live", live.to_json()},
                        {"prepared_plans",
                         {{"generic", std::stoll(plans.text(0, "generic"))},
                          {"custom", std::stoll(plans.text(0, "custom"))}}}};
}

// ---------------------------------------------------------------------------------------------
// 2. Apply 034: the engine against psql -f

std::string find_psql(const options& o) {
    if (!o.psql.empty() && o.psql.find("NOTFOUND") == std::string::npos) return o.psql;
    return "psql";
}

void bench_apply(report& r, const options& o, const definition& d) {
    const std::string id = "034";
    test_database db("bench_apply");
    test_database::at_baseline(db, d);
    const auto forward = must(iucore::render_forward(d, id), "render_forward 034");
    temp_file file("iucore_bench_034", ".sql");
    file.write(forward.text());
    temp_file psql_stderr("iucore_bench_psql", ".err");
    const auto psql = find_psql(o);
    const std::vector<std::string> psql_argv{psql, "-X",          "-v", "ON_ERROR_STOP=on",
                                             "-d", db.conninfo(), "-f", file.path()};

    auto reset = [&] {
        auto s = db.connect();
        const auto back = must(iucore::rollback(s, d, id), "rollback 034 (reset)");
        if (back.deleted != 2)
            throw std::runtime_error("rollback 034 (reset) deleted " +
                                     std::to_string(back.deleted) + " rows, expected 2");
    };
    long engine_trips = -1;
    std::vector<double> connect_ms, apply_only_ms;
    auto engine = [&] {
        const auto start = clock_type::now();
        auto s = must(session::connect(db.conninfo()), "connecting");
        connect_ms.push_back(since_us(start) / 1000);
        const auto applied = clock_type::now();
        const auto report = must(iucore::apply(s, d, id), "apply 034");
        apply_only_ms.push_back(since_us(applied) / 1000);
        if (report.outcome != iucore::apply_outcome::applied || report.inserted != 2)
            throw std::runtime_error("apply 034: " + report.message);
        engine_trips = report.round_trips;
    };
    auto run_psql = [&](const std::vector<std::string>& extra_env) {
        const auto result = run_process(psql_argv, extra_env, false, psql_stderr.path());
        if (result.exit_code != 0)
            throw std::runtime_error(psql + " -f " + file.path() + " exited with " +
                                     std::to_string(result.exit_code) + ": " + psql_stderr.read());
    };

    // Warm-up: one of each (and the ledger table exists from here on for both).
    engine();
    reset();
    run_psql({});
    reset();
    std::vector<double> engine_ms, psql_ms;
    for (int i = 0; i < o.apply_iterations(); ++i) {
        auto one_engine = [&] {
            engine_ms.push_back(time_us(engine) / 1000);
            reset();
        };
        auto one_psql = [&] {
            psql_ms.push_back(time_us([&] { run_psql({}); }) / 1000);
            reset();
        };
        if (i % 2 == 0) {
            one_engine();
            one_psql();
        } else {
            one_psql();
            one_engine();
        }
    }
    // Round trips, counted apart from the timings: the engine's by count_trips on a fresh
    // connection (after connecting), psql's by the statements the server logs back to it.
    trip_counts traced;
    {
        auto s = must(session::connect(db.conninfo()), "connecting");
        traced = count_trips(s, 1, [&] {
            const auto report = must(iucore::apply(s, d, id), "apply 034 (counted)");
            if (report.outcome != iucore::apply_outcome::applied)
                throw std::runtime_error("apply 034 (counted): " + report.message);
        });
    }
    reset();
    std::optional<double> psql_statements;
    try {
        run_psql({"PGOPTIONS=-c log_statement=all -c client_min_messages=log"});
        psql_statements =
            static_cast<double>(count_occurrences(psql_stderr.read(), "LOG:  statement: "));
    } catch (const std::exception& e) {
        r.notes.push_back(std::string("psql statements not counted: ") + e.what());
    }
    reset();

    const auto e = summarize(engine_ms), p = summarize(psql_ms);
    r.add({"apply.median",
           "apply 034: engine (connect + apply) vs psql -f, median of " +
               std::to_string(o.apply_iterations()),
           "ms", e.median, p.median, true, "≤ 0.20× (≥ 5× faster)", e.median * 5 <= p.median, ""});
    const auto wire = per_call(traced.wire, 1);
    r.add({"apply.round_trips", "apply 034: round trips (engine: apply report; psql: statements)",
           "trips", static_cast<double>(engine_trips), psql_statements, false, "≤ 2",
           engine_trips <= 2 && wire && *wire <= 2, ""});
    r.details["apply"] = {
        {"migration", id},
        {"iterations", o.apply_iterations()},
        {"engine", to_json(e, "ms")},
        {"engine_connect", to_json(summarize(connect_ms), "ms")},
        {"engine_apply_call", to_json(summarize(apply_only_ms), "ms")},
        {"psql", to_json(p, "ms")},
        {"psql_command", "psql -X -v ON_ERROR_STOP=on -d <conninfo> -f " + forward.file_name},
        {"engine_round_trips_report", engine_trips},
        {"engine_trips", traced.to_json()},
        {"psql_logged_statements",
         psql_statements ? json::value(*psql_statements) : json::value(nullptr)},
        {"reset", "rollback(034) through the engine after every iteration"}};
}

// ---------------------------------------------------------------------------------------------
// 3. Scale

/// The example definition with a baseline catalog of `n` synthetic rows over the example's
/// resolvable target functions (every 7th row names two), and no pin sites.
std::string synthetic_definition(const definition& example, std::size_t n) {
    json::value v = json::value_from(example);
    auto& o = v.as_object();
    const auto targets = example.ssot().target_functions();
    const std::vector<std::string> functions(targets.begin(), targets.end());
    json::array rows;
    rows.reserve(n);
    char name[64];
    for (std::size_t i = 0; i < n; ++i) {
        std::snprintf(name, sizeof name, "dot_iu_synthetic_%06zu", i);
        json::array fns{json::value(functions[i % functions.size()])};
        if (i % 7 == 0) fns.emplace_back(functions[(i + 1) % functions.size()]);
        rows.push_back(json::object{{"command_name", name},
                                    {"category", example.categories[i % example.categories.size()]},
                                    {"mutating", i % 2 == 0},
                                    {"reversible", i % 3 == 0},
                                    {"target_functions", std::move(fns)}});
    }
    o["name"] = "iu-core synthetic " + std::to_string(n);
    o["baseline"].as_object()["catalog"] = std::move(rows);
    o["pins"] = json::array();
    return json::serialize(v);
}

/// In a child process (so sizes do not share a heap or a high-water mark): load (read the file
/// and parse_definition, which validates), validate again on its own, fold and render one
/// definition file; prints one JSON object.
int scale_child(const std::string& path, int repetitions) {
    const long rss_start = proc_status_kb("VmRSS");
    std::vector<double> load, validate, fold, render;
    std::optional<definition> d;
    std::size_t ssot_rows = 0, seed_bytes = 0;
    // The high-water mark after each step of the first repetition: where the peak is reached.
    json::object peak_after{{"start", proc_status_kb("VmHWM")}};
    for (int i = 0; i < repetitions; ++i) {
        d.reset();
        load.push_back(time_us([&] { d = must(iucore::load_definition_file(path), "load"); }));
        if (i == 0) peak_after["load"] = proc_status_kb("VmHWM");
        validate.push_back(time_us([&] { must(d->validate(), "validate"); }));
        if (i == 0) peak_after["validate"] = proc_status_kb("VmHWM");
        fold.push_back(
            time_us([&] { ssot_rows = must(d->catalog_at(d->latest_version()), "fold").size(); }));
        if (i == 0) peak_after["fold"] = proc_status_kb("VmHWM");
        render.push_back(time_us([&] {
            auto seed = must(iucore::render_seed(*d), "render_seed");
            seed_bytes = seed.text().size();
        }));
        if (i == 0) peak_after["render"] = proc_status_kb("VmHWM");
    }
    auto ms = [](const std::vector<double>& v) { return summarize(v).median / 1000; };
    auto samples_ms = [](const std::vector<double>& v) {
        json::array a;
        for (double us : v)
            a.push_back(us / 1000);
        return a;
    };
    json::object out{{"rows", ssot_rows},
                     {"definition_bytes", iucore::read_text_file(path).value().size()},
                     {"seed_bytes", seed_bytes},
                     {"repetitions", repetitions},
                     {"load_ms", ms(load)},
                     {"validate_ms", ms(validate)},
                     {"fold_ms", ms(fold)},
                     {"render_ms", ms(render)},
                     {"total_ms", ms(load) + ms(fold) + ms(render)},
                     {"rss_start_kb", rss_start},
                     {"peak_rss_kb", proc_status_kb("VmHWM")},
                     {"peak_rss_kb_after", peak_after},
                     {"samples_ms",
                      {{"load_ms", samples_ms(load)},
                       {"validate_ms", samples_ms(validate)},
                       {"fold_ms", samples_ms(fold)},
                       {"render_ms", samples_ms(render)}}}};
    std::cout << json::serialize(out) << "\n";
    return 0;
}

std::string size_label(std::size_t n) {
    return n % 1000 == 0 ? std::to_string(n / 1000) + "k" : std::to_string(n);
}

void bench_scale(report& r, const options& o, const definition& example) {
    const auto sizes = o.sizes();
    json::object offline, live;
    std::vector<json::object> by_size;
    // One definition file per size, written before any timing.
    std::vector<std::unique_ptr<temp_file>> files;
    for (auto n : sizes) {
        files.push_back(
            std::make_unique<temp_file>("iucore_bench_definition_" + size_label(n), ".json"));
        files.back()->write(synthetic_definition(example, n));
    }
    auto child = [&](std::size_t size_index, int repetitions, const std::vector<std::string>& env) {
        const auto run = run_process({self_executable(), "--scale-child", files[size_index]->path(),
                                      "--repetitions", std::to_string(repetitions)},
                                     env, true);
        if (run.exit_code != 0)
            throw std::runtime_error("scale child for " + size_label(sizes[size_index]) +
                                     " rows exited with " + std::to_string(run.exit_code));
        return json::parse(run.out).as_object();
    };
    // Timings: rounds of one child per size, the sizes interleaved, so a slow spell of this
    // shared machine falls on every size alike and the growth ratios compare like with like.
    // Every child repeats the steps the same number of times (its first repetition starts on a
    // fresh heap, as one run of a real process does); the medians are over all rounds' samples.
    const int rounds = o.smoke ? 1 : 5, repetitions = o.smoke ? 1 : 2;
    std::vector<json::object> timed(sizes.size());
    std::vector<std::map<std::string, std::vector<double>>> samples(sizes.size());
    for (int round = 0; round < rounds; ++round)
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            timed[i] = child(i, repetitions, {});
            for (const auto& [key, values] : timed[i].at("samples_ms").as_object())
                for (const auto& v : values.as_array())
                    samples[i][std::string(key)].push_back(v.to_number<double>());
        }
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        auto& t = timed[i];
        t.erase("samples_ms");
        t["repetitions"] = rounds * repetitions;
        for (const auto& [key, values] : samples[i])
            t[key] = summarize(values).median;
        t["total_ms"] = t.at("load_ms").to_number<double>() + t.at("fold_ms").to_number<double>() +
                        t.at("render_ms").to_number<double>();
        // The peak memory of one load, validate, fold and render, as one run of a real process
        // has (repetitions in one process raise the high-water mark by heap fragmentation, not
        // by what they hold).
        const auto once = child(i, 1, {});
        // glibc raises its mmap threshold each time a large mmapped block is freed, after which
        // large blocks come from a heap that does not shrink: the same run with the threshold
        // fixed shows how much of the peak is that slack rather than what iucore holds.
        const auto fixed = child(i, 1, {"MALLOC_MMAP_THRESHOLD_=131072"});
        t["peak_rss_kb_repeated"] = t.at("peak_rss_kb");
        t["peak_rss_kb"] = once.at("peak_rss_kb");
        t["peak_rss_kb_after"] = once.at("peak_rss_kb_after");
        t["peak_rss_kb_fixed_mmap_threshold"] = fixed.at("peak_rss_kb");
        by_size.push_back(t);
        offline[size_label(sizes[i])] = by_size.back();
    }
    // The live side at the two largest sizes: seed through session::run, then diff and verify,
    // the two sizes interleaved as above.
    struct live_size {
        std::string label;
        definition d;
        std::size_t expected = 0;
        std::unique_ptr<test_database> db;
        std::optional<iucore::session> s;
        std::vector<double> diff_ms, verify_ms;
    };
    std::vector<live_size> live_sizes;
    for (auto it = sizes.end() - 2; it != sizes.end(); ++it) {
        live_size l;
        l.label = size_label(*it);
        l.d = must(iucore::parse_definition(synthetic_definition(example, *it), "synthetic"),
                   "synthetic definition");
        l.db = std::make_unique<test_database>("bench_scale_" + l.label);
        l.db->load_substrate();
        const auto status = l.db->seed(l.d, l.d.latest_version());
        l.expected = l.d.ssot().size();
        if (status != "INSERT 0 " + std::to_string(l.expected))
            throw std::runtime_error("seeding " + l.label + " rows reported " + status);
        l.s.emplace(l.db->connect());
        live_sizes.push_back(std::move(l));
    }
    for (int i = 0; i < o.live_repetitions(); ++i)
        for (auto& l : live_sizes) {
            l.diff_ms.push_back(time_us([&] {
                                    const auto diff = must(iucore::diff_live(*l.s, l.d), "diff");
                                    if (!diff.differences.empty() || diff.live_rows != l.expected)
                                        throw std::runtime_error("diff_live found differences");
                                }) /
                                1000);
            l.verify_ms.push_back(time_us([&] {
                                      const auto v = must(iucore::verify(*l.s, l.d), "verify");
                                      for (const auto& c : v.checks)
                                          if (!c.ok)
                                              throw std::runtime_error("verify: " + c.name + ": " +
                                                                       c.actual);
                                  }) /
                                  1000);
        }
    std::vector<std::pair<double, double>> live_ms; // diff, verify
    for (auto& l : live_sizes) {
        const auto dm = summarize(l.diff_ms), vm = summarize(l.verify_ms);
        live_ms.emplace_back(dm.median, vm.median);
        live[l.label] = {
            {"rows", l.expected}, {"diff_live", to_json(dm, "ms")}, {"verify", to_json(vm, "ms")}};
        l.s.reset(); // closed before its database is dropped
    }

    const auto& big = by_size.back();
    const auto& small = by_size[by_size.size() - 2];
    const auto big_label = size_label(sizes.back()),
               small_label = size_label(sizes[sizes.size() - 2]);
    const bool at_100k = sizes.back() == 100000;
    auto num = [](const json::object& x, std::string_view key) {
        return x.at(key).to_number<double>();
    };
    const std::string growth = "≤ 12× (" + small_label + "→" + big_label + ")";
    for (const auto& [key, label] : std::vector<std::pair<std::string, std::string>>{
             {"load_ms", "load (read file + parse_definition)"},
             {"validate_ms", "validate"},
             {"fold_ms", "fold (catalog_at latest)"},
             {"render_ms", "render (render_seed + text)"}}) {
        const double g = num(big, key), s = num(small, key);
        r.add({"scale." + key, label + " @" + big_label + ", baseline @" + small_label, "ms", g, s,
               true, growth, g <= 12 * s, ""});
    }
    const double total = num(big, "total_ms");
    r.add({"scale.offline_total",
           "offline total (load + fold + render) @" + big_label + ", baseline @" + small_label,
           "ms", total, num(small, "total_ms"), true, "< 1000 ms @100k; " + growth,
           at_100k ? std::optional<bool>(total < 1000 && total <= 12 * num(small, "total_ms"))
                   : std::optional<bool>(total <= 12 * num(small, "total_ms")),
           ""});
    const double peak = num(big, "peak_rss_kb") / 1024,
                 peak_small = num(small, "peak_rss_kb") / 1024;
    r.add({"scale.peak_rss",
           "offline peak RSS (VmHWM, own process) @" + big_label + ", baseline @" + small_label,
           "MB", peak, peak_small, true, "< 200 MB @100k",
           at_100k ? std::optional<bool>(peak < 200) : std::nullopt, ""});
    r.add({"scale.peak_rss_fixed_threshold",
           "offline peak RSS, glibc mmap threshold fixed (MALLOC_MMAP_THRESHOLD_=131072) @" +
               big_label + ", baseline @" + small_label,
           "MB", num(big, "peak_rss_kb_fixed_mmap_threshold") / 1024,
           num(small, "peak_rss_kb_fixed_mmap_threshold") / 1024, true, "", std::nullopt, ""});
    const auto [diff_big, verify_big] = live_ms.back();
    const auto [diff_small, verify_small] = live_ms.front();
    r.add({"scale.diff_live", "live diff (diff_live) @" + big_label + ", baseline @" + small_label,
           "ms", diff_big, diff_small, true, "< 2000 ms @100k; " + growth,
           at_100k ? std::optional<bool>(diff_big < 2000 && diff_big <= 12 * diff_small)
                   : std::optional<bool>(diff_big <= 12 * diff_small),
           ""});
    r.add({"scale.verify", "live verify @" + big_label + ", baseline @" + small_label, "ms",
           verify_big, verify_small, true, growth, verify_big <= 12 * verify_small, ""});
    r.details["scale"] = {{"offline", offline}, {"live", live}};
}

// ---------------------------------------------------------------------------------------------
// 4. C ABI call cost

#if IUCORE_BENCH_HAVE_CAPI
std::string tokens_json(const std::vector<std::string>& tokens) {
    return json::serialize(json::value_from(tokens));
}

/// Times explain from Python: through the example module (examples/python/iucore: returns the
/// plan parsed with json.loads) when it loads, through bare ctypes on the same library (the
/// JSON text as bytes), and json.loads of that plan's text alone (the part of the module's share
/// that is the standard library's parser). Prints {"module_us": {...}|null, "ctypes_us": {...},
/// "parse_us": {...}, "plan_bytes": n, "module_error": …}.
const char* python_script = R"PY(
import ctypes, json, statistics, sys, time
lib_path, definition_path, command, args_json, n, module_dir, blocks = sys.argv[1:8]
n, blocks = int(n), int(blocks)

def summary(samples):
    samples.sort()
    return {"n": len(samples), "median": statistics.median(samples),
            "p90": samples[int(0.9 * (len(samples) - 1))], "p99": samples[int(0.99 * (len(samples) - 1))]}

lib = ctypes.CDLL(lib_path)
lib.iucore_definition_load_file.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p]
lib.iucore_definition_load_file.restype = ctypes.c_int
lib.iucore_explain.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_void_p,
                               ctypes.c_char_p, ctypes.c_char_p]
lib.iucore_explain.restype = ctypes.c_int
lib.iucore_free.argtypes = [ctypes.c_void_p]
lib.iucore_free.restype = None
handle = ctypes.c_void_p()
if lib.iucore_definition_load_file(ctypes.byref(handle), definition_path.encode()) != 0:
    sys.exit("iucore_definition_load_file failed")
c_command, c_args = command.encode(), args_json.encode()

def bare():
    out = ctypes.c_void_p()
    if lib.iucore_explain(ctypes.byref(out), None, handle, c_command, c_args) != 0:
        raise RuntimeError("iucore_explain failed")
    text = ctypes.string_at(out.value)
    lib.iucore_free(out)
    return text

def timed(calls):
    # Each call n times, in blocks that alternate between the calls and spread over the run, so
    # a slow spell of the machine falls on all alike (as the C++ side times its calls).
    for call in calls.values():
        for _ in range(min(n, 1000)):
            call()
    samples = {name: [] for name in calls}
    clock = time.perf_counter_ns
    for _ in range(blocks):
        for name, call in calls.items():
            out = samples[name]
            for _ in range(n // blocks):
                t0 = clock()
                call()
                out.append((clock() - t0) / 1000.0)
    return {name: summary(s) for name, s in samples.items()}

plan_text = bare().decode("utf-8")
calls = {"ctypes_us": bare, "parse_us": lambda: json.loads(plan_text)}
result = {"module_us": None, "module_error": None, "plan_bytes": len(plan_text.encode("utf-8"))}
try:
    sys.path.insert(0, module_dir)
    import iucore
    iucore.load_library(lib_path)
    args = json.loads(args_json)
    definition = iucore.Definition.from_file(definition_path)
    calls["module_us"] = lambda: definition.explain(command, args)
except Exception as e:
    result["module_error"] = "%s: %s" % (type(e).__name__, e)
result.update(timed(calls))
print(json.dumps(result))
)PY";
#endif

#if IUCORE_BENCH_HAVE_CAPI
/// The example definition through the C ABI.
iucore_definition* load_through_c_abi(const options& o) {
    const auto path = o.examples + "/definition/iu_core.json";
    iucore_definition* handle = nullptr;
    if (iucore_definition_load_file(&handle, path.c_str()) != IUCORE_OK)
        throw std::runtime_error(std::string("iucore_definition_load_file: ") +
                                 iucore_last_error_message());
    return handle;
}

/// One iucore_explain of from_event with `args` (its tokens as JSON), and iucore_free.
void explain_through_c_abi(const iucore_definition* handle, const std::string& args) {
    char* out = nullptr;
    if (iucore_explain(&out, nullptr, handle, from_event.c_str(), args.c_str()) != IUCORE_OK)
        throw std::runtime_error(std::string("iucore_explain: ") + iucore_last_error_message());
    iucore_free(out);
}

/// In a process of its own: the C ABI's explain, on the heap as loading the definition left it,
/// or after two million small blocks were allocated and every other one freed before the first
/// call, as in a host that has run for a while. Prints the timing's JSON.
int heap_child(const options& o, bool fragmented) {
    iucore_definition* handle = load_through_c_abi(o);
    std::vector<void*> blocks(fragmented ? (o.smoke ? 20000 : 2000000) : 0);
    std::uint32_t state = 1; // a fixed sequence of sizes from 16 to 615 bytes
    for (auto& block : blocks) {
        state = state * 1664525u + 1013904223u;
        block = std::malloc(16 + (state >> 16) % 600);
        if (!block) throw std::bad_alloc();
    }
    // Every other one freed once all are made, so the holes sit between blocks still in use.
    for (std::size_t i = 0; i < blocks.size(); i += 2)
        std::free(std::exchange(blocks[i], nullptr));
    const auto args = tokens_json(from_event_tokens());
    const int n = o.explain_calls();
    std::vector<double> us;
    us.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        us.push_back(time_us([&] { explain_through_c_abi(handle, args); }));
    for (void* block : blocks)
        std::free(block);
    iucore_definition_destroy(&handle);
    std::cout << json::serialize(to_json(summarize(std::move(us)), "us")) << "\n";
    return 0;
}
#endif

void bench_capi(report& r, const options& o, const definition& d) {
    const auto tokens = from_event_tokens();
    const int n = o.explain_calls();
    const auto warmup = std::min(n, 1000);
    // Each operation's calls are timed in blocks that alternate between the operations and
    // spread over the run, so a slow spell of this shared machine falls on all alike. The run
    // is long enough (about 1 s in process) to outlast one: this machine slows down by up to
    // half for 0.2-0.5 s at a time, and 10,000 calls (60 ms) fell into a single spell.
    const int blocks = o.smoke ? 1 : 100;
    struct timed_operation {
        std::function<void()> call;
        std::vector<double> us;
    };
    std::vector<timed_operation> operations;
    operations.push_back({[&] {
                              auto p = iucore::explain(d, from_event, tokens);
                              if (!p) throw std::runtime_error("explain: " + p.error().message);
                          },
                          {}});
#if IUCORE_BENCH_HAVE_CAPI
    const auto definition_path = o.examples + "/definition/iu_core.json";
    iucore_definition* handle = load_through_c_abi(o);
    const auto args = tokens_json(tokens);
    operations.push_back({[&] { explain_through_c_abi(handle, args); }, {}});
#endif
    try {
        for (auto& op : operations)
            for (int i = 0; i < warmup; ++i)
                op.call();
        for (int block = 0; block < blocks; ++block)
            for (auto& op : operations)
                for (int i = 0; i < n / blocks; ++i)
                    op.us.push_back(time_us(op.call));
    } catch (...) {
#if IUCORE_BENCH_HAVE_CAPI
        iucore_definition_destroy(&handle);
#endif
        throw;
    }
    const auto cpp = summarize(operations.front().us);
    json::object details{{"command", from_event},
                         {"tokens", json::value_from(tokens)},
                         {"calls", n},
                         {"blocks", blocks},
                         {"cpp_explain", to_json(cpp, "us")}};
#if IUCORE_BENCH_HAVE_CAPI
    iucore_definition_destroy(&handle);
    const auto c = summarize(operations.back().us);
    details["c_explain"] = to_json(c, "us");
    r.add({"capi.explain",
           "explain via C ABI in-process (incl. iucore_free), baseline C++ explain()", "us",
           c.median, cpp.median, true, "≤ 3.5 µs", c.median <= 3.5, ""});

    // From Python.
    temp_file script("iucore_bench_python", ".py");
    script.write(python_script);
    temp_file python_stderr("iucore_bench_python", ".err");
    std::optional<process_result> py;
    try {
        py = run_process({o.python, script.path(), IUCORE_BENCH_CAPI_LIBRARY, definition_path,
                          from_event, args, std::to_string(n), o.examples + "/python",
                          std::to_string(blocks)},
                         {}, true, python_stderr.path());
    } catch (const std::exception& e) {
        r.notes.push_back(std::string("python not run: ") + e.what());
    }
    if (py && py->exit_code == 0) {
        const auto result = json::parse(py->out).as_object();
        details["python"] = result;
        const auto ctypes_median = result.at("ctypes_us").at("median").to_number<double>();
        if (result.at("module_us").is_object()) {
            const auto module_median = result.at("module_us").at("median").to_number<double>();
            r.add({"python.module",
                   "explain from Python: iucore module (plan parsed to a dict), "
                   "baseline C ABI in-process",
                   "us", module_median, c.median, true, "≤ 15 µs", module_median <= 15, ""});
        } else {
            r.add({"python.module", "explain from Python (examples/python iucore module)", "us",
                   std::nullopt, std::nullopt, true, "≤ 15 µs", std::nullopt,
                   "not measured (module)"});
            r.notes.push_back("python module not measured: " +
                              std::string(result.at("module_error").as_string()));
        }
        r.add({"python.ctypes",
               "explain from Python: bare ctypes (JSON text), baseline C ABI in-process", "us",
               ctypes_median, c.median, true, "", std::nullopt, ""});
        // The floor of the module's share: the standard library parsing the plan it returns.
        r.add({"python.parse",
               "explain from Python: json.loads of the plan alone (" +
                   std::to_string(result.at("plan_bytes").to_number<std::int64_t>()) +
                   " bytes), baseline bare ctypes",
               "us", result.at("parse_us").at("median").to_number<double>(), ctypes_median, true,
               "", std::nullopt, ""});
    } else if (py) {
        r.add({"python.ctypes", "explain from Python ctypes", "us", std::nullopt, std::nullopt,
               true, "", std::nullopt, "not measured"});
        r.notes.push_back("python exited with " + std::to_string(py->exit_code) + ": " +
                          python_stderr.read());
    }

    // A long-running host's heap: explain in child processes on a fresh and on a fragmented
    // heap, alternating, the median of each kind's medians.
    std::map<std::string, std::vector<double>> heap_medians;
    json::array heap_runs;
    for (int round = 0; round < (o.smoke ? 1 : 3); ++round)
        for (const std::string kind : {"fresh", "fragmented"}) {
            std::vector<std::string> argv{self_executable(), "--heap-child", kind, "--examples",
                                          o.examples};
            if (o.smoke) argv.push_back("--smoke");
            const auto child = run_process(argv, {}, true);
            if (child.exit_code != 0)
                throw std::runtime_error(kind + " heap child exited with " +
                                         std::to_string(child.exit_code));
            auto timing = json::parse(child.out).as_object();
            heap_medians[kind].push_back(timing.at("median").to_number<double>());
            timing["heap"] = kind;
            heap_runs.push_back(std::move(timing));
        }
    details["heap_children"] = std::move(heap_runs);
    r.add({"capi.explain_fragmented",
           "explain via C ABI, heap fragmented first (2M blocks, every other freed), baseline "
           "fresh heap (children)",
           "us", summarize(heap_medians["fragmented"]).median,
           summarize(heap_medians["fresh"]).median, true, "", std::nullopt, ""});
#else
    r.add({"capi.explain", "explain via C ABI in-process, baseline C++ explain()", "us",
           std::nullopt, cpp.median, true, "≤ 3.5 µs", std::nullopt, "not measured"});
    r.add({"python.module", "explain from Python (examples/python iucore module)", "us",
           std::nullopt, std::nullopt, true, "≤ 15 µs", std::nullopt, "not measured"});
    r.notes.push_back("C ABI rows not measured: this build has no iucore_c target (capi/)");
#endif
    r.details["capi"] = std::move(details);
}

// ---------------------------------------------------------------------------------------------

int parse_options(int argc, char** argv, options& o) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(std::string(a) + " needs a value");
            return argv[++i];
        };
        if (a == "--smoke")
            o.smoke = true;
        else if (a == "--json")
            o.json = true;
        else if (a == "--json-file")
            o.json_file = value();
        else if (a == "--strict")
            o.strict = true;
        else if (a == "--only") {
            o.sections.clear();
            std::stringstream list(value());
            for (std::string item; std::getline(list, item, ',');) {
                if (item != "run" && item != "apply" && item != "scale" && item != "capi")
                    throw std::invalid_argument("--only: unknown section \"" + item +
                                                "\" (expected run, apply, scale, capi)");
                o.sections.insert(item);
            }
        } else if (a == "--conninfo")
            ::setenv("IUCORE_TEST_CONNINFO", value().c_str(), 1);
        else if (a == "--examples")
            o.examples = value();
        else if (a == "--psql")
            o.psql = value();
        else if (a == "--python")
            o.python = value();
        else if (a == "--scale-child")
            o.scale_child = value();
        else if (a == "--heap-child")
            o.heap_child = value();
        else if (a == "--write-synthetic") {
            o.synthetic_rows = std::stoul(value());
            o.synthetic_file = value();
        } else if (a == "--repetitions")
            o.scale_repetitions = std::stoi(value());
        else if (a == "-h" || a == "--help") {
            usage(std::cout);
            return 0;
        } else
            throw std::invalid_argument("unknown argument \"" + std::string(a) + "\"");
    }
    return -1;
}

} // namespace

int main(int argc, char** argv) {
    options o;
    try {
        if (const int done = parse_options(argc, argv, o); done >= 0) return done;
    } catch (const std::exception& e) {
        std::cerr << "iucore_bench: " << e.what() << "\n";
        usage(std::cerr);
        return 2;
    }
    if (!o.synthetic_file.empty()) {
        try {
            std::ofstream out(o.synthetic_file, std::ios::binary | std::ios::trunc);
            out << synthetic_definition(load_example(o), o.synthetic_rows);
            return out ? 0 : 1;
        } catch (const std::exception& e) {
            std::cerr << "iucore_bench --write-synthetic: " << e.what() << "\n";
            return 1;
        }
    }
#if IUCORE_BENCH_HAVE_CAPI
    if (!o.heap_child.empty()) {
        try {
            return heap_child(o, o.heap_child == "fragmented");
        } catch (const std::exception& e) {
            std::cerr << "iucore_bench --heap-child: " << e.what() << "\n";
            return 1;
        }
    }
#endif
    if (!o.scale_child.empty()) {
        try {
            return scale_child(o.scale_child, std::max(1, o.scale_repetitions));
        } catch (const std::exception& e) {
            std::cerr << "iucore_bench --scale-child: " << e.what() << "\n";
            return 1;
        }
    }

    report r;
    std::string pg_version;
    try {
        pg_version = server_version();
    } catch (const std::exception& e) {
        r.errors.push_back(e.what());
    }
    const auto started = clock_type::now();
    const auto load_at_start = first_line("/proc/loadavg");
    std::optional<definition> example;
    try {
        example = load_example(o);
    } catch (const std::exception& e) {
        r.errors.push_back(e.what());
    }
    const std::vector<std::pair<std::string, void (*)(report&, const options&, const definition&)>>
        sections{{"run", bench_run},
                 {"apply", bench_apply},
                 {"scale", bench_scale},
                 {"capi", bench_capi}};
    for (const auto& [name, run] : sections) {
        if (!example || !o.sections.contains(name)) continue;
        if (!o.json) std::cerr << "iucore_bench: " << name << " ..." << std::endl;
        try {
            run(r, o, *example);
        } catch (const std::exception& e) {
            r.errors.push_back(name + ": " + e.what());
            r.add({name + ".error", name, "", std::nullopt, std::nullopt, false, "", std::nullopt,
                   "ERROR"});
        }
    }
    const double seconds = since_us(started) / 1e6;

    r.notes.insert(r.notes.begin(),
                   "round trips: session = session::round_trips() delta; wire = ReadyForQuery "
                   "messages in a PQtrace of the connection (exactly one per round trip); server "
                   "= statements the server logged back with log_statement=all, "
                   "client_min_messages=log (one per Query or Execute message)");
    const bool missed =
        std::any_of(r.rows.begin(), r.rows.end(), [](const row& x) { return x.met && !*x.met; });
    auto m = machine(pg_version);
    m["loadavg_start"] = load_at_start;
    const json::object doc{{"mode", o.smoke ? "smoke" : "full"},
                           {"machine", m},
                           {"seconds", seconds},
                           {"rows", rows_json(r)},
                           {"details", r.details},
                           {"notes", json::value_from(r.notes)},
                           {"errors", json::value_from(r.errors)}};
    if (!o.json_file.empty()) {
        std::ofstream out(o.json_file, std::ios::trunc);
        out << json::serialize(doc) << "\n";
        if (!out) r.errors.push_back("cannot write " + o.json_file);
    }
    if (o.json) {
        std::cout << json::serialize(doc) << "\n";
    } else {
        std::cout << "iucore_bench ("
                  << (o.smoke ? "smoke run: figures are not timings" : "full run") << ") on "
                  << m.at("nproc").to_number<long>() << " × " << m.at("cpu").as_string().c_str()
                  << ", " << m.at("ram_mb").to_number<long>() << " MB RAM, PostgreSQL "
                  << pg_version << ", build " << IUCORE_BENCH_BUILD_TYPE << ", "
                  << format_number(seconds) << " s; /proc/loadavg at start " << load_at_start
                  << ", at end " << m.at("loadavg_end").as_string().c_str() << "\n\n";
        print_table(r, std::cout);
        std::cout << "\n";
        for (const auto& n : r.notes)
            std::cout << "note: " << n << "\n";
        for (const auto& e : r.errors)
            std::cout << "ERROR: " << e << "\n";
    }
    if (!r.errors.empty()) return 1;
    return o.strict && missed ? 2 : 0;
}
