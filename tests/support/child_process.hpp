// A program under test as a real child process: its own process group (so a kill reaches the
// terraform it spawned too), stdin from /dev/null, stdout and stderr appended to files, and an
// environment without the caller's STRATA_* variables (a developer's settings never leak into a
// daemon under test). Destroying it while it runs kills the whole group (SIGKILL) and reaps it,
// so nothing outlives a failed ASSERT.
//
// Not thread-safe: one test thread owns it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace strata::testing {

// This process' environment without any STRATA_* variable, then `extra` (NAME=value entries).
std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra);

// <build>/bin/strata-<name>
std::string daemon_binary(const std::string& name);

class ChildProcess {
public:
    ChildProcess(std::vector<std::string> argv, std::vector<std::string> env, std::string out_path,
                 std::string err_path);
    // A daemon (strata-<name>, no arguments) with `settings` added to child_environment().
    static ChildProcess daemon(const std::string& name,
                               const std::map<std::string, std::string>& settings,
                               const std::string& log_base);
    ~ChildProcess();
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ChildProcess& operator=(ChildProcess&&) = delete;

    pid_t pid() const { return pid_; }
    std::string out() const;
    std::string err() const;

    void signal(int sig) const;        // to the process
    void signal_group(int sig) const;  // to its whole group
    bool running();

    // Waits up to `deadline` for the process to exit: its exit status (128 + N when killed by
    // signal N), or nullopt when it still runs.
    std::optional<int> wait_exit(std::chrono::milliseconds deadline);

    // SIGTERM, then SIGKILL to the group when it has not exited within `grace`.
    std::optional<int> stop(std::chrono::milliseconds grace);

private:
    void reap(bool block);

    std::string out_path_, err_path_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

}  // namespace strata::testing
