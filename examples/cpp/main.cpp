// iucore_example_cpp: the C example's story through the C++ API (iucore::iucore).
//
//   iucore_example_cpp CONNINFO [DEFINITION]
//
// Explains the record's two new DOT commands (offline, then with the live configs), then applies
// migration 034 (a dry run, for real, and again) and verifies the result, printing each report
// as JSON. The database must be in the state before 034. Exit status: 0 done, 1 a call failed,
// 2 usage.

#include <iucore/engine/commands.hpp>
#include <iucore/engine/files.hpp>
#include <iucore/engine/lifecycle.hpp>
#include <iucore/plan.hpp>

#include <boost/json.hpp>

#include <iostream>
#include <string>
#include <vector>

#ifndef IUCORE_EXAMPLE_DEFINITION
#define IUCORE_EXAMPLE_DEFINITION "iu_core.json"
#endif

namespace {

/// Prints a report as JSON (or the failure); returns true when the call succeeded.
template <class T>
bool report(const std::string& label, const iucore::result<T>& r) {
    if (!r) {
        std::cerr << label << ": failed (" << r.error().code.message() << "): " << r.error().message
                  << "\n";
        return false;
    }
    std::cout << label << ": " << boost::json::serialize(boost::json::value_from(r.value()))
              << "\n";
    return true;
}

int run(const std::string& conninfo, const std::string& definition_path) {
    auto loaded = iucore::load_definition_file(definition_path);
    if (!loaded) {
        std::cerr << "load: " << loaded.error().message << "\n";
        return 1;
    }
    const auto& d = loaded.value();
    if (!report("figures", d.figures_at(d.latest_version()))) return 1;
    bool ok = true;

    ok &=
        report("explain (offline)", iucore::explain(d, "dot_iu_auto_instantiate_rollback_by_actor",
                                                    {"actor=operator", "dry_run=true"}));

    auto session = iucore::session::connect(conninfo);
    if (!session) {
        std::cerr << "connect: " << session.error().message << "\n";
        return 1;
    }
    auto& s = session.value();
    const std::vector<std::string> from_event{"event_id=6f1f1f1e-0000-4000-8000-000000000001",
                                              "event_type=template.instance_auto_composed",
                                              "template_collection_id=6f1f1f1e-0000-4000-8000-"
                                              "000000000002",
                                              "instance_key_suffix=demo-001",
                                              "emit_mode=dry_run",
                                              "actor=operator",
                                              "note=trial run"};
    ok &= report("explain (live)",
                 iucore::explain_live(s, d, "dot_iu_auto_instantiate_from_event", from_event));
    iucore::apply_options dry_run;
    dry_run.dry_run = true;
    ok &= report("apply 034 (dry run)", iucore::apply(s, d, "034", dry_run));
    iucore::apply_options for_real;
    for_real.applied_by = "iucore_example_cpp";
    ok &= report("apply 034", iucore::apply(s, d, "034", for_real));
    ok &= report("apply 034 (again)", iucore::apply(s, d, "034"));
    ok &= report("verify", iucore::verify(s, d));
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::cerr << "usage: " << argv[0] << " CONNINFO [DEFINITION]\n";
        return 2;
    }
    try {
        return run(argv[1], argc == 3 ? argv[2] : IUCORE_EXAMPLE_DEFINITION);
    } catch (const std::exception& e) {
        std::cerr << "internal error: " << e.what() << "\n";
        return 1;
    }
}
