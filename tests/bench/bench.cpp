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

#include "harness.hpp"

namespace iucore_bench {

// Suites, each in its own file, and the entry points of their child processes.
void bench_run(report& r, const options& o, const definition& d);
void bench_apply(report& r, const options& o, const definition& d);
void bench_scale(report& r, const options& o, const definition& d);
void bench_capi(report& r, const options& o, const definition& d);
std::string synthetic_definition(const definition& example, std::size_t n);
int scale_child(const std::string& path, int repetitions);
int heap_child(const options& o, bool fragmented);

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

} // namespace iucore_bench

using namespace iucore_bench;

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
