#pragma once
// The benchmark harness shared by the suites (bench_*.cpp): options, statistics, the report
// table, machine facts, child processes, round-trip counting and the fixtures.

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

namespace iucore_bench {

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

inline void usage(std::ostream& out) {
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

inline double since_us(clock_type::time_point start) {
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
inline stats summarize(std::vector<double> v) {
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

inline json::object to_json(const stats& s, std::string_view unit) {
    return {{"unit", unit}, {"n", s.n},       {"median", s.median}, {"p90", s.p90},
            {"p99", s.p99}, {"mean", s.mean}, {"min", s.min},       {"max", s.max}};
}

/// A field of /proc/self/status in kB (VmHWM: peak resident set; VmRSS: current).
inline long proc_status_kb(std::string_view field) {
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

inline std::string format_number(double v) {
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

inline std::string format_value(std::optional<double> v, const std::string& unit) {
    if (!v) return "-";
    if (unit == "us") return format_number(*v) + " µs";
    if (unit == "ms") return format_number(*v) + " ms";
    if (unit == "MB") return format_number(*v) + " MB";
    if (unit == "x") return format_number(*v) + "×";
    if (unit == "trips") return format_number(*v);
    return format_number(*v) + " " + unit;
}

inline std::size_t display_width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

inline void print_table(const report& r, std::ostream& out) {
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

inline json::value rows_json(const report& r) {
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

inline std::string first_match(const std::string& path, std::string_view key) {
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

inline std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

inline std::string kernel() {
    struct utsname u {};
    if (::uname(&u) != 0) return "";
    return std::string(u.sysname) + " " + u.release + " " + u.machine;
}

inline json::object machine(const std::string& server_version) {
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
inline process_result run_process(const std::vector<std::string>& argv,
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

inline std::string self_executable() {
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
inline void count_statement_logs(void* counter, const PGresult* res) {
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

inline std::optional<double> per_call(long count, long calls) {
    if (count < 0 || calls <= 0) return std::nullopt;
    return static_cast<double>(count) / static_cast<double>(calls);
}

// ---------------------------------------------------------------------------------------------
// Fixtures

inline const std::string from_event = "dot_iu_auto_instantiate_from_event";
inline const std::string event_id = "6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11";
inline const std::string collection_id = "0b4e7f52-3f0d-4a47-8f0e-5d7f2c9a1e33";

/// dot_iu_auto_instantiate_from_event in dry_run mode: with the composer gate open it returns
/// what it would create and changes nothing.
inline const std::vector<std::string> from_event_parameters{
    "event_id", "event_type", "template_collection_id", "instance_key_suffix", "emit_mode",
    "actor",    "note"};
inline const std::vector<std::string> from_event_values{
    event_id, "template.instance_auto_composed", collection_id, "bench-001", "dry_run", "bench",
    "bench"};

/// `name=value` tokens of from_event's parameters.
inline std::vector<std::string>
from_event_tokens(const std::vector<std::string>& values = from_event_values) {
    std::vector<std::string> tokens;
    tokens.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
        tokens.push_back(from_event_parameters.at(i) + "=" + values[i]);
    return tokens;
}

inline definition load_example(const options& o) {
    return must(iucore::load_definition_file(o.examples + "/definition/iu_core.json"),
                "loading the example definition");
}

inline std::string server_version() {
    auto s = must(session::connect(iucore::testing::admin_conninfo()), "connecting");
    auto rows = must(s.run_params("SHOW server_version", {}), "SHOW server_version");
    return rows.rows.empty() ? "" : rows.rows[0][0].value_or("");
}

} // namespace iucore_bench
