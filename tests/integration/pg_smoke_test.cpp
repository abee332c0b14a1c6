// Smoke test for the throwaway PostgreSQL fixture (cmake/IucorePostgresFixture.cmake):
// connects with $IUCORE_TEST_CONNINFO, checks the server is PostgreSQL 15 and prints
// version() and current_user. Exit status 0 on success, 1 on any failure.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace {

constexpr int expected_major = 15;

struct ConnCloser {
    void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct ResultClearer {
    void operator()(PGresult* res) const noexcept { PQclear(res); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Result = std::unique_ptr<PGresult, ResultClearer>;

int fail(const char* what, const char* detail) {
    std::fprintf(stderr, "pg_smoke_test: %s: %s\n", what, detail != nullptr ? detail : "");
    return EXIT_FAILURE;
}

} // namespace

int main() {
    const char* conninfo = std::getenv("IUCORE_TEST_CONNINFO");
    if (conninfo == nullptr || *conninfo == '\0') {
        return fail("IUCORE_TEST_CONNINFO is not set",
                    "run through ctest (fixture `postgres`) or pg_throwaway.sh run");
    }

    Conn conn{PQconnectdb(conninfo)};
    if (!conn) {
        return fail("PQconnectdb", "out of memory");
    }
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        return fail("connection failed", PQerrorMessage(conn.get()));
    }

    const int server_version = PQserverVersion(conn.get());
    if (server_version / 10000 != expected_major) {
        std::fprintf(stderr, "pg_smoke_test: server version %d, expected major %d\n",
                     server_version, expected_major);
        return EXIT_FAILURE;
    }

    Result res{PQexec(conn.get(), "SELECT version(), current_user")};
    if (!res || PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
        return fail("SELECT version(), current_user failed", PQerrorMessage(conn.get()));
    }
    if (PQntuples(res.get()) != 1 || PQnfields(res.get()) != 2) {
        return fail("unexpected result shape", "expected 1 row with 2 columns");
    }

    std::printf("server_version_num: %d\n", server_version);
    std::printf("version():          %s\n", PQgetvalue(res.get(), 0, 0));
    std::printf("current_user:       %s\n", PQgetvalue(res.get(), 0, 1));
    return EXIT_SUCCESS;
}
