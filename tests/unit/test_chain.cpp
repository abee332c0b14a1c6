// The chain of migrations, without a server: which migrations apply walks (in order, up to
// --to) and which rollback --to undoes (latest first, only those whose rows are in the catalog).

#include <iucore/chain.hpp>

#include <doctest/doctest.h>

#include "support.hpp"

#include <string>
#include <vector>

using iucore::errc;
using iucore::migration_state;
using iucore::migration_status;

namespace {

using iucore_test::failure_code;
using iucore_test::must;

/// The example with `extra` more migrations after its own, each adding nothing new.
iucore::definition with_migrations(std::size_t extra) {
    auto d = iucore_test::example_definition();
    for (std::size_t i = 0; i < extra; ++i) {
        auto next = d.migrations.back();
        next.id = std::to_string(std::stoi(next.id) + 1);
        next.adds.clear();
        next.requires_functions.clear();
        d.migrations.push_back(next);
    }
    return d;
}

std::vector<std::string> ids(const iucore::definition& d) {
    std::vector<std::string> out;
    for (const auto& m : d.migrations)
        out.push_back(m.id);
    return out;
}

std::vector<migration_status> statuses(const iucore::definition& d,
                                       const std::vector<migration_state>& states) {
    std::vector<migration_status> out;
    for (std::size_t i = 0; i < states.size(); ++i) {
        migration_status s;
        s.migration_id = d.migrations.at(i).id;
        s.state = states[i];
        out.push_back(s);
    }
    return out;
}

} // namespace

TEST_CASE("chain_forward: every migration in order, or up to and including --to") {
    const auto d = with_migrations(2);
    const auto all = ids(d);
    REQUIRE(all.size() == 3);
    CHECK(must(iucore::chain_forward(d, "")) == all);
    CHECK(must(iucore::chain_forward(d, all[1])) == std::vector{all[0], all[1]});
    CHECK(must(iucore::chain_forward(d, all[0])) == std::vector{all[0]});
    CHECK(failure_code(iucore::chain_forward(d, "999")) == errc::invalid_argument);
    CHECK(failure_code(iucore::chain_forward(d, d.base.version)) == errc::invalid_argument);
}

TEST_CASE("chain_backward: what is in the catalog after --to, latest first; drift refused") {
    const auto d = with_migrations(2);
    const auto all = ids(d);
    const auto applied = migration_state::applied, pending = migration_state::pending;
    CHECK(
        must(iucore::chain_backward(d, d.base.version, statuses(d, {applied, applied, applied}))) ==
        std::vector{all[2], all[1], all[0]});
    CHECK(must(iucore::chain_backward(d, all[0], statuses(d, {applied, applied, pending}))) ==
          std::vector{all[1]});
    CHECK(
        must(iucore::chain_backward(d, all[2], statuses(d, {applied, applied, applied}))).empty());
    CHECK(must(iucore::chain_backward(
              d, d.base.version, statuses(d, {applied, migration_state::unrecorded, pending}))) ==
          std::vector{all[1], all[0]});
    CHECK(failure_code(iucore::chain_backward(
              d, d.base.version, statuses(d, {applied, migration_state::drifted, pending}))) ==
          errc::drift);
    auto with_unknown = statuses(d, {applied, applied, applied});
    with_unknown.push_back({});
    with_unknown.back().migration_id = "999";
    with_unknown.back().state = migration_state::unknown;
    CHECK(failure_code(iucore::chain_backward(d, all[0], with_unknown)) == errc::refused);
    CHECK(failure_code(iucore::chain_backward(d, "999", {})) == errc::invalid_argument);
}
