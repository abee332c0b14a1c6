// save_definition_file (what `promote` with a write path uses): the file is replaced whole, with
// its permissions, through a synced temporary file beside it that no failure leaves behind.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <iucore/engine/files.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace fs = std::filesystem;

namespace {

struct scratch_dir {
    fs::path path;
    scratch_dir() {
        std::string tmpl = (fs::temp_directory_path() / "iucore-save-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~scratch_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::set<std::string> entries() const {
        std::set<std::string> names;
        for (const auto& e : fs::directory_iterator(path))
            names.insert(e.path().filename().string());
        return names;
    }
};

iucore::definition example() {
    auto d = iucore::load_definition_file(IUCORE_EXAMPLES_DIR "/definition/iu_core.json");
    REQUIRE_MESSAGE(d.has_value(), (d ? "" : d.error().message));
    return d.value();
}

std::string contents(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("a new file: written whole, readable back, nothing else left in the directory") {
    scratch_dir dir;
    const auto d = example();
    const auto path = dir.path / "iucore.json";
    auto saved = iucore::save_definition_file(d, path.string());
    REQUIRE_MESSAGE(saved.has_value(), (saved ? "" : saved.error().message));
    CHECK(dir.entries() == std::set<std::string>{"iucore.json"});
    auto back = iucore::load_definition_file(path.string());
    REQUIRE(back.has_value());
    CHECK(back.value().migrations.size() == d.migrations.size());
}

TEST_CASE("replacing a file keeps its permissions and leaves no temporary file") {
    scratch_dir dir;
    const auto d = example();
    const auto path = dir.path / "iucore.json";
    { std::ofstream(path) << "old"; }
    REQUIRE(::chmod(path.c_str(), 0640) == 0);
    REQUIRE(iucore::save_definition_file(d, path.string()).has_value());
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(contents(path) != "old");
    CHECK(dir.entries() == std::set<std::string>{"iucore.json"});
}

TEST_CASE("a symbolic link: the file it points to is replaced, the link stays") {
    scratch_dir dir;
    const auto d = example();
    fs::create_directory(dir.path / "real");
    { std::ofstream(dir.path / "real" / "def.json") << "old"; }
    fs::create_symlink("real/def.json", dir.path / "link.json");
    REQUIRE(iucore::save_definition_file(d, (dir.path / "link.json").string()).has_value());
    CHECK(fs::is_symlink(dir.path / "link.json"));
    CHECK(contents(dir.path / "real" / "def.json") != "old");
    CHECK(dir.entries() == std::set<std::string>{"link.json", "real"});
}

TEST_CASE("a failed rename (the path is a directory): an io error, and the temporary is gone") {
    scratch_dir dir;
    const auto d = example();
    const auto path = dir.path / "iucore.json";
    fs::create_directory(path);
    {
        std::ofstream(path / "keep") << "x"; // a non-empty directory: rename(2) fails
    }
    auto saved = iucore::save_definition_file(d, path.string());
    REQUIRE_FALSE(saved.has_value());
    CHECK(saved.error().code == iucore::make_error_code(iucore::errc::io));
    CHECK(saved.error().message.find(path.string()) != std::string::npos);
    CHECK(dir.entries() == std::set<std::string>{"iucore.json"});
    CHECK(fs::is_directory(path));
}

TEST_CASE("a directory that does not exist: an io error, nothing created") {
    scratch_dir dir;
    const auto d = example();
    auto saved = iucore::save_definition_file(d, (dir.path / "missing" / "x.json").string());
    REQUIRE_FALSE(saved.has_value());
    CHECK(saved.error().code == iucore::make_error_code(iucore::errc::io));
    CHECK(dir.entries().empty());
}

TEST_CASE("a directory it may not write to: an io error, nothing left (as root: written)") {
    // Root writes anyway; then the case only checks that success leaves nothing else behind.
    scratch_dir dir;
    const auto d = example();
    fs::create_directory(dir.path / "ro");
    REQUIRE(::chmod((dir.path / "ro").c_str(), 0555) == 0);
    auto saved = iucore::save_definition_file(d, (dir.path / "ro" / "x.json").string());
    if (::geteuid() != 0) {
        REQUIRE_FALSE(saved.has_value());
        CHECK(saved.error().code == iucore::make_error_code(iucore::errc::io));
        CHECK(fs::is_empty(dir.path / "ro"));
    } else {
        CHECK(saved.has_value());
        CHECK(fs::directory_iterator(dir.path / "ro")->path().filename() == "x.json");
    }
    ::chmod((dir.path / "ro").c_str(), 0755);
}
