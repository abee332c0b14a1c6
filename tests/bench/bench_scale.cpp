// iucore_bench suite 3. Scale

#include "harness.hpp"

namespace iucore_bench {
namespace {} // namespace

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

namespace {} // namespace

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

namespace {

std::string size_label(std::size_t n) {
    return n % 1000 == 0 ? std::to_string(n / 1000) + "k" : std::to_string(n);
}

} // namespace

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

} // namespace iucore_bench
