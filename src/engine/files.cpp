#include <iucore/detail/json_pretty.hpp>
#include <iucore/engine/files.hpp>

#include <array>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace iucore {

result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(errc::io, "cannot read " + path + ": no such file or not readable");
    // Sized from the file, read in chunks: one copy of a definition of megabytes, not three.
    std::string text;
    std::error_code size_unknown;
    if (const auto size = std::filesystem::file_size(path, size_unknown); !size_unknown)
        text.reserve(size);
    std::array<char, 64 * 1024> chunk;
    while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0)
        text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (in.bad()) return fail(errc::io, "cannot read " + path + ": the read failed");
    return text;
}

result<definition> load_definition_file(const std::string& path) {
    auto text = read_text_file(path);
    if (!text) return fail(errc::invalid_definition, text.error().message);
    return parse_definition(text.value(), path);
}

namespace {

std::string errno_text(int error) {
    return std::error_code(error, std::generic_category()).message();
}

/// Writes all of `text` to `fd`, through short writes and EINTR.
bool write_all(int fd, const std::string& text) {
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        const auto n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return true;
}

/// fsync of a directory, so that a rename into it survives a crash.
bool sync_directory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    int rc;
    do
        rc = ::fsync(fd);
    while (rc != 0 && errno == EINTR);
    const int error = errno;
    ::close(fd);
    errno = error;
    return rc == 0;
}

} // namespace

result<void> save_definition_file(const definition& d, const std::string& path,
                                  existing_file existing) {
    BOOST_OUTCOME_TRY(d.validate());
    const std::string text = detail::pretty(json::value_from(d));

    // A definition reached through a symbolic link is replaced where it lives.
    std::filesystem::path target(path);
    std::error_code ec;
    if (std::filesystem::is_symlink(target, ec)) {
        auto resolved = std::filesystem::weakly_canonical(target, ec);
        if (ec) return fail(errc::io, "cannot resolve " + path + ": " + ec.message());
        target = resolved;
    }
    const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");

    // Written to a uniquely named file beside it (same file system), synced, then renamed into
    // place and the directory synced: a reader sees the old definition or the new one, never a
    // part, and a crash keeps one of the two. Every failure removes the temporary file.
    static std::atomic<unsigned> counter{0};
    std::string temporary;
    int fd = -1;
    for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
        temporary = (dir / ("." + target.filename().string() + "." + std::to_string(::getpid()) +
                            "." + std::to_string(counter.fetch_add(1)) + ".tmp"))
                        .string();
        fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            return fail(errc::io, "cannot write " + path + ": cannot create a file in " +
                                      dir.string() + ": " + errno_text(errno));
    }
    if (fd < 0) return fail(errc::io, "cannot write " + path + ": no unused temporary name");

    const auto abandon = [&](const std::string& what, int error) -> result<void> {
        if (fd >= 0) ::close(fd);
        ::unlink(temporary.c_str());
        return fail(errc::io, "cannot write " + path + ": " + what + ": " + errno_text(error));
    };
    // Keep the permissions of the definition it replaces (a new one gets 0666 less the umask).
    if (struct stat st{}; ::stat(target.c_str(), &st) == 0 && S_ISREG(st.st_mode))
        if (::fchmod(fd, st.st_mode & 07777) != 0) return abandon("chmod", errno);
    if (!write_all(fd, text)) return abandon("write", errno);
    int rc;
    do
        rc = ::fsync(fd);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) return abandon("fsync", errno);
    rc = ::close(fd);
    fd = -1;
    if (rc != 0) return abandon("close", errno);
    if (existing == existing_file::refuse) {
        // link() fails when the name is taken, so a file created meanwhile is not replaced.
        if (::link(temporary.c_str(), target.c_str()) != 0)
            return abandon(errno == EEXIST ? "it exists, and is never replaced" : "link", errno);
        ::unlink(temporary.c_str());
    } else if (::rename(temporary.c_str(), target.c_str()) != 0) {
        return abandon("rename", errno);
    }
    if (!sync_directory(dir.string()))
        return fail(errc::io, "wrote " + path + ", but syncing " + dir.string() +
                                  " failed: " + errno_text(errno));
    return boost::outcome_v2::success();
}

result<pins_report> pins(const definition& d, bool check, const std::string& base_dir) {
    pins_report report;
    for (const auto& v : d.versions())
        report.by_version.push_back(d.figures_at(v).value());
    if (!check) return report;
    for (const auto& site : d.pins) {
        ++report.checked_sites;
        const auto version = site.version.value_or(d.latest_version());
        BOOST_OUTCOME_TRY(auto figures, d.figures_at(version));
        BOOST_OUTCOME_TRY(auto expected, figures.get(site.figure));
        BOOST_OUTCOME_TRY(auto contents,
                          read_text_file((std::filesystem::path(base_dir) / site.file).string()));
        BOOST_OUTCOME_TRY(auto found, check_pin(site, contents, expected));
        report.mismatches.insert(report.mismatches.end(), found.begin(), found.end());
    }
    return report;
}

} // namespace iucore
