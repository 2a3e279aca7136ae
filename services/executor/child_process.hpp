// A child process on the loop (uv_spawn): argv without a shell, its own process group, a minimal
// environment, output delivered line by line, a timeout that sends SIGTERM to the whole group and
// SIGKILL after a grace period. Callbacks run on the loop thread; on_exit runs exactly once.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "strata/result.hpp"

namespace strata {
class Loop;
}

namespace strata::executor {

struct ProcessSpec {
    std::vector<std::string> argv;  // argv[0] is looked up in the PATH of env
    std::string cwd;
    std::vector<std::string> env;  // "NAME=value"
    std::chrono::milliseconds timeout{60 * 60 * 1000};
    std::chrono::milliseconds kill_grace{10'000};
};

struct ProcessExit {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    bool timed_out = false;
};

class ChildProcess {
public:
    using LineHandler = std::function<void(std::string_view line, bool is_stderr)>;
    using ExitHandler = std::function<void(ProcessExit)>;

    // Starts the process; an error when it cannot be started (no such binary, bad cwd).
    static Result<std::shared_ptr<ChildProcess>> spawn(Loop& loop, const ProcessSpec& spec,
                                                       LineHandler on_line, ExitHandler on_exit);

    // SIGTERM to the group now, SIGKILL after the grace period.
    void terminate();
    // SIGKILL to the group now (the job is no longer ours: nothing of it may go on).
    void kill_now();
    int pid() const;

    struct Impl;
    explicit ChildProcess(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace strata::executor
