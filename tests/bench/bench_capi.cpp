// iucore_bench suite 4. C ABI call cost

#include "harness.hpp"

namespace iucore_bench {
namespace {

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

} // namespace

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

namespace {
#endif

} // namespace

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

} // namespace iucore_bench
