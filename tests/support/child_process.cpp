#include "support/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

extern char** environ;

namespace strata::testing {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

}  // namespace

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string entry = *e;
        if (entry.rfind("STRATA_", 0) == 0) continue;
        env.push_back(std::move(entry));
    }
    for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
    return env;
}

std::string daemon_binary(const std::string& name) {
    return std::string(STRATA_BINARY_DIR) + "/bin/strata-" + name;
}

ChildProcess::ChildProcess(std::vector<std::string> argv, std::vector<std::string> env,
                           std::string out_path, std::string err_path)
    : out_path_(std::move(out_path)), err_path_(std::move(err_path)) {
    // Everything the child needs is built before fork: after it, only async-signal-safe calls.
    std::vector<char*> args, envp;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    const char* out = out_path_.c_str();
    const char* err = err_path_.c_str();
    long max_fd = sysconf(_SC_OPEN_MAX);
    pid_ = fork();
    if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid_ == 0) {
        setpgid(0, 0);
        int in_fd = open("/dev/null", O_RDONLY);
        int out_fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int err_fd = open(err, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in_fd < 0 || out_fd < 0 || err_fd < 0) _exit(126);
        dup2(in_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        for (long fd = 3; fd < (max_fd > 0 ? max_fd : 1024); ++fd) close(static_cast<int>(fd));
        execve(args[0], args.data(), envp.data());
        _exit(127);
    }
    setpgid(pid_, pid_);  // also here, so that the group exists before kill(-pid) below
}

ChildProcess ChildProcess::daemon(const std::string& name,
                                  const std::map<std::string, std::string>& settings,
                                  const std::string& log_base) {
    return ChildProcess({daemon_binary(name)}, child_environment(settings), log_base + ".out",
                        log_base + ".log");
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : out_path_(std::move(other.out_path_)),
      err_path_(std::move(other.err_path_)),
      pid_(other.pid_),
      exit_code_(other.exit_code_) {
    other.pid_ = -1;
}

ChildProcess::~ChildProcess() {
    if (exit_code_ || pid_ <= 0) return;
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
}

std::string ChildProcess::out() const { return read_file(out_path_); }
std::string ChildProcess::err() const { return read_file(err_path_); }

void ChildProcess::signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);
}
void ChildProcess::signal_group(int sig) const {
    if (pid_ > 0) kill(-pid_, sig);
}

bool ChildProcess::running() {
    reap(false);
    return pid_ > 0 && !exit_code_;
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (running() && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling waitpid(WNOHANG)
    return exit_code_;
}

std::optional<int> ChildProcess::stop(std::chrono::milliseconds grace) {
    if (!running()) return exit_code_;
    signal(SIGTERM);
    if (auto code = wait_exit(grace)) return code;
    signal_group(SIGKILL);
    reap(true);
    return exit_code_;
}

void ChildProcess::reap(bool block) {
    if (exit_code_ || pid_ <= 0) return;
    int status = 0;
    pid_t r = waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (r == pid_) exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace strata::testing
