// Test repositories for the planner's tests: a working repository built with the git CLI in a
// temporary directory (removed afterwards), fetched by mirrors over its file:// URL.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace strata::planner::testing {

namespace fs = std::filesystem;

// Runs a shell command; returns its exit code and output (trailing newlines trimmed).
inline std::pair<int, std::string> shell(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return {-1, ""};
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    int status = ::pclose(pipe);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Spins until pred() holds or 10 s pass (for threads, where there is no loop to run); returns
// pred().
template <class Pred>
bool spin_until(Pred pred) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return pred();
        std::this_thread::yield();
    }
    return true;
}

// Turns a bare repository's packs into loose objects, so that single objects can be removed.
inline void explode_packs(const std::string& repo, const std::string& scratch) {
    auto [rc, out] = shell("cd '" + repo + "' && for p in objects/pack/*.pack; do " +
                           "mv \"$p\" '" + scratch + "/x.pack' && git unpack-objects -q < '" +
                           scratch + "/x.pack' || exit 1; done; rm -f objects/pack/*");
    ASSERT_EQ(rc, 0) << out;
}

class TempDir {
public:
    explicit TempDir(const std::string& prefix) {
        std::string templ = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp " + templ);
        path_ = templ;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// A working repository with a `main` branch; its URL is file://<dir>.
class Upstream {
public:
    explicit Upstream(std::string dir) : dir_(std::move(dir)) {
        fs::create_directories(dir_);
        git("init -q -b main .");
    }

    std::string url() const { return "file://" + dir_; }
    const std::string& dir() const { return dir_; }

    Upstream& write(const std::string& path, const std::string& content) {
        fs::path p = fs::path(dir_) / path;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
        return *this;
    }
    Upstream& remove(const std::string& path) {
        fs::remove_all(fs::path(dir_) / path);
        return *this;
    }
    Upstream& move(const std::string& from, const std::string& to) {
        fs::create_directories((fs::path(dir_) / to).parent_path());
        git("mv " + from + " " + to);
        return *this;
    }
    Upstream& symlink(const std::string& target, const std::string& path) {
        fs::path p = fs::path(dir_) / path;
        fs::create_directories(p.parent_path());
        fs::create_symlink(target, p);
        return *this;
    }

    // Commits everything in the work tree; returns the new commit's sha.
    std::string commit(const std::string& message = "change") {
        git("add -A");
        git("commit -q --allow-empty -m '" + message + "'");
        return git("rev-parse HEAD");
    }

    std::string git(const std::string& args) {
        auto [rc, out] = shell("git -C '" + dir_ +
                               "' -c user.name=strata-test -c user.email=test@strata.invalid "
                               "-c commit.gpgsign=false -c init.defaultBranch=main " +
                               args);
        EXPECT_EQ(rc, 0) << "git " << args << ": " << out;
        return out;
    }

private:
    std::string dir_;
};

}  // namespace strata::planner::testing
