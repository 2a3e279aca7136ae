// What the executor's integration tests share: a Git repository of roots, the executor as a real
// process (build/bin/strata-executor with the terraform test double), and the scheduler's side of
// the job protocol played by the test (docs/job-protocol.md): it writes the deployment's fence in
// P:dep:<id>, publishes job.run, and collects the job.state messages from the scheduler's queue.
// Each test has its own exchange and Redis prefix on the shared test servers.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "strata/amqp.hpp"
#include "strata/http_client.hpp"
#include "strata/loop.hpp"
#include "strata/messages.hpp"
#include "strata/redis.hpp"
#include "strata/topology.hpp"
#include "support/test_servers.hpp"

extern char** environ;

namespace strata::executor_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

inline void write_file(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

// Runs a shell command line (test set-up only: git); throws when it fails.
inline std::string sh(const std::string& command) {
    std::string out;
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    if (!p) throw std::runtime_error("popen " + command);
    char buf[4096];
    while (auto n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    if (pclose(p) != 0) throw std::runtime_error(command + ": " + out);
    return out;
}

class TempDir {
public:
    explicit TempDir(const std::string& prefix) {
        std::string t = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (!mkdtemp(t.data())) throw std::runtime_error("mkdtemp " + t);
        path_ = t;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// A repository of roots, committed with the git CLI; clone_url is a file:// URL.
class GitRepo {
public:
    explicit GitRepo(std::string dir) : dir_(std::move(dir)) {
        fs::create_directories(dir_);
        git("init -q -b main");
    }
    // Writes files (path -> text) and commits them; the new commit's SHA.
    std::string commit(const std::map<std::string, std::string>& files,
                       const std::string& message = "change") {
        for (const auto& [path, text] : files) write_file(dir_ + "/" + path, text);
        git("add -A");
        git("commit -q --allow-empty -m '" + message + "'");
        return head();
    }
    std::string head() {
        auto sha = git("rev-parse HEAD");
        return sha.substr(0, sha.find('\n'));
    }
    std::string git(const std::string& args) {
        return sh("git -C '" + dir_ + "' -c user.name=t -c user.email=t@example.com " + args);
    }
    std::string url() const { return "file://" + dir_; }
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
};

// A daemon in its own process group, stderr (its JSON log) in a file. Killed with its group when
// it goes out of scope still running.
class Process {
public:
    Process(const std::string& binary, const std::map<std::string, std::string>& env,
            std::string log_path)
        : log_path_(std::move(log_path)) {
        std::vector<std::string> envs;
        for (char** e = environ; e && *e; ++e)
            if (std::string(*e).rfind("STRATA_", 0) != 0) envs.emplace_back(*e);
        for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
        std::vector<char*> envp, argv{const_cast<char*>(binary.c_str()), nullptr};
        for (auto& e : envs) envp.push_back(e.data());
        envp.push_back(nullptr);
        const char* log = log_path_.c_str();
        pid_ = fork();
        if (pid_ < 0) throw std::runtime_error("fork");
        if (pid_ == 0) {
            setpgid(0, 0);
            int in = open("/dev/null", O_RDONLY);
            int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
            dup2(in, 0);
            dup2(out, 1);
            dup2(out, 2);
            for (int fd = 3; fd < 1024; ++fd) close(fd);
            execve(argv[0], argv.data(), envp.data());
            _exit(127);
        }
        setpgid(pid_, pid_);
    }
    ~Process() {
        if (exit_code_ || pid_ <= 0) return;
        kill(-pid_, SIGKILL);
        kill(pid_, SIGKILL);
        int status;
        waitpid(pid_, &status, 0);
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    void signal(int sig) { kill(pid_, sig); }
    bool running() {
        if (exit_code_) return false;
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_)
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return !exit_code_;
    }
    std::optional<int> wait_exit(std::chrono::milliseconds deadline) {
        auto end = std::chrono::steady_clock::now() + deadline;
        while (running() && std::chrono::steady_clock::now() < end)
            std::this_thread::sleep_for(10ms);
        return exit_code_;
    }
    std::string log() const { return read_file(log_path_); }
    pid_t pid() const { return pid_; }

private:
    std::string log_path_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

// Pids of the processes whose working directory is inside dir (terraform runs in the root's
// directory).
inline std::vector<pid_t> pids_in(const std::string& dir) {
    std::vector<pid_t> pids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        auto name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        auto cwd = fs::read_symlink(entry.path() / "cwd", ec);
        if (!ec && cwd.string().rfind(dir, 0) == 0) pids.push_back(std::stoi(name));
    }
    return pids;
}

inline int processes_in(const std::string& dir) { return static_cast<int>(pids_in(dir).size()); }

// SIGKILLs every process whose working directory is inside dir (what a test left running).
inline void kill_processes_in(const std::string& dir) {
    for (pid_t pid : pids_in(dir)) ::kill(pid, SIGKILL);
}

inline std::string fake_terraform() {
    return std::string(STRATA_SOURCE_DIR) + "/tools/fake-terraform";
}

// The scheduler's side of the protocol, on the test's own loop.
class SchedulerSide {
public:
    explicit SchedulerSide(const std::string& redis_url = testing::shared_redis_url())
        : exchange(testing::unique_name("exec")),
          prefix(testing::unique_name("exec")),
          amqp_(loop, make_options(exchange)),
          redis_(loop, RedisOptions{redis_url}) {
        amqp_.declare(topology::scheduler(), [this](const Delivery& d, auto control) {
            control->ack();
            if (d.routing_key != "job.state") return;
            raw_states.push_back(d.body);
            if (auto m = decode<JobState>(d.body)) states.push_back(m->payload);
        });
        auto work = topology::executor_work();
        work.consume = false;  // declared so that job.run routes before an executor started
        amqp_.declare(work);
        amqp_.start();
        redis_.connect();
        if (!testing::run_until(
                loop, [&] { return amqp_.healthy() && redis_.healthy(); }, 30s))
            throw std::runtime_error("the test servers are not reachable");
    }
    ~SchedulerSide() {
        amqp_.close(1s);
        redis_.close();
        loop.close();
    }

    // P:dep:<id> with its current fence, as the scheduler keeps it.
    void set_fence(const std::string& deployment_id, long long fence) {
        redis({"HSET", prefix + ":dep:" + deployment_id, "fence", std::to_string(fence), "state",
               "planning"});
    }

    void publish(const JobRun& job, const std::string& routing_key = "job.run") {
        auto id = derived_uuid("job|" + job.job_id + "|" + std::to_string(job.attempt));
        auto body = encode(make_message(job, Origin{"scheduler", "test-" + job.job_id, ""}, id));
        publish_raw(routing_key, body, id);
    }
    // Any body, as a broken or hostile publisher would send it; confirmed by the broker.
    void publish_raw(const std::string& routing_key, const std::string& body,
                     const std::string& message_id) {
        std::optional<Result<void>> sent;
        amqp_.publish({routing_key, body, message_id, "test-" + message_id, "application/json", {}},
                      [&](Result<void> r) { sent = std::move(r); });
        if (!testing::run_until(
                loop, [&] { return sent.has_value(); }, 10s) ||
            !*sent)
            throw std::runtime_error("publishing " + routing_key + " " + message_id);
    }
    // Takes one message off this exchange's queue `queue` ("executor.work.dlq", say) with
    // amqp-get, polling until the deadline; its body, or nullopt.
    std::optional<std::string> take_from_queue(const std::string& queue,
                                               std::chrono::milliseconds deadline = 10s) {
        auto url = testing::shared_amqp_url();
        if (url.ends_with('/')) url.pop_back();
        std::optional<std::string> body;
        auto next = std::chrono::steady_clock::now();
        testing::run_until(
            loop,
            [&] {
                if (std::chrono::steady_clock::now() < next) return false;
                next = std::chrono::steady_clock::now() + 200ms;
                try {
                    body = sh("amqp-get --url '" + url + "' -q '" + exchange + "." + queue + "'");
                } catch (const std::runtime_error&) {  // empty: amqp-get exits non-zero
                }
                return body.has_value();
            },
            deadline);
        return body;
    }

    RedisReply redis(std::vector<std::string> argv) {
        std::optional<Result<RedisReply>> reply;
        redis_.command(std::move(argv), [&](Result<RedisReply> r) { reply = std::move(r); });
        if (!testing::run_until(
                loop, [&] { return reply.has_value(); }, 10s) ||
            !*reply)
            throw std::runtime_error("redis command failed");
        return **reply;
    }

    // Waits for job.state `state` of job_id; the state, or nullopt at the deadline.
    std::optional<JobState> wait_state(const std::string& job_id, const std::string& state,
                                       std::chrono::milliseconds deadline = 30s) {
        std::optional<JobState> found;
        testing::run_until(
            loop,
            [&] {
                for (const auto& s : states)
                    if (s.job_id == job_id && s.state == state) found = s;
                return found.has_value();
            },
            deadline);
        return found;
    }
    // The states of job_id in the order they arrived.
    std::vector<std::string> states_of(const std::string& job_id) const {
        std::vector<std::string> out;
        for (const auto& s : states)
            if (s.job_id == job_id) out.push_back(s.state);
        return out;
    }
    // Runs the loop for a while (to see that nothing more arrives).
    void settle(std::chrono::milliseconds d) {
        testing::run_until(
            loop, [] { return false; }, d);
    }

    Loop loop;
    std::string exchange;
    std::string prefix;
    std::vector<JobState> states;
    std::vector<std::string> raw_states;

private:
    static AmqpOptions make_options(const std::string& exchange) {
        AmqpOptions o;
        o.url = testing::shared_amqp_url();
        o.exchange = exchange;
        o.connection_name = "executor-test";
        return o;
    }
    AmqpClient amqp_;
    RedisClient redis_;
};

// A deploy (or plan) job of root `root` (dir = its name) at revision.
inline JobRun make_job(const std::string& deployment_id, long long fence, const GitRepo& repo,
                       const std::string& root, const std::string& revision,
                       const std::string& kind = "deploy") {
    JobRun j;
    j.deployment_id = deployment_id;
    j.fencing_token = fence;
    j.job_id = deployment_id + ":" + std::to_string(fence);
    j.kind = kind;
    j.repo.full_name = "acme/infra";
    j.repo.clone_url = repo.url();
    j.repo.default_branch = "main";
    j.root.name = root;
    j.root.dir = root;
    j.revision = revision;
    return j;
}

inline JobRun follow_up(const JobRun& planned, const std::string& kind) {
    JobRun j = planned;
    j.kind = kind;
    j.job_id = planned.job_id + ":" + kind;
    return j;
}

// An executor process for `side`, with short leases; extra env overrides the defaults.
class Executor {
public:
    Executor(const SchedulerSide& side, const TempDir& dir, const std::string& id,
             std::map<std::string, std::string> extra = {})
        : id(id),
          work_dir(dir / (id + "-work")),
          log_dir(dir / "job-logs"),
          http_port(testing::free_port()) {
        std::map<std::string, std::string> env = {
            {"STRATA_AMQP_URL", testing::shared_amqp_url()},
            {"STRATA_AMQP_EXCHANGE", side.exchange},
            {"STRATA_REDIS_URL", testing::shared_redis_url()},
            {"STRATA_REDIS_PREFIX", side.prefix},
            {"STRATA_EXECUTOR_ID", id},
            {"STRATA_CACHE_DIR", dir / (id + "-mirrors")},
            {"STRATA_WORK_DIR", work_dir},
            {"STRATA_JOB_LOG_DIR", log_dir},
            {"STRATA_TERRAFORM_BIN", fake_terraform()},
            {"STRATA_TERRAFORM_ENV", "FAKE_TERRAFORM_LOG=" + (dir / "terraform-calls.log")},
            {"STRATA_HEARTBEAT_INTERVAL", "200ms"},
            {"STRATA_LEASE_TIMEOUT", "2s"},
            {"STRATA_KILL_GRACE", "2s"},
            {"STRATA_SHUTDOWN_DEADLINE", "20s"},
            {"STRATA_LOG_LEVEL", "debug"},
            {"STRATA_HTTP_PORT", std::to_string(http_port)},
        };
        for (auto& [k, v] : extra) env[k] = v;
        process.emplace(std::string(STRATA_BINARY_DIR) + "/bin/strata-executor", env,
                        dir / (id + ".log"));
    }

    // True once /healthz answers 200 (connected to the broker and Redis, queues declared).
    bool wait_healthy(std::chrono::milliseconds deadline = 30s) {
        auto end = std::chrono::steady_clock::now() + deadline;
        while (std::chrono::steady_clock::now() < end) {
            HttpClientRequest req;
            req.url = "http://127.0.0.1:" + std::to_string(http_port) + "/healthz";
            req.timeout = 1s;
            auto r = http_request_blocking(req);
            if (r && r->status == 200) return true;
            if (!process->running()) return false;
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    std::string id;
    std::string work_dir;
    std::string log_dir;
    int http_port;
    std::optional<Process> process;
};

// The ground most executor tests stand on: a temporary directory, a git repository in it (the
// test commits its roots), and the scheduler's side of the protocol.
class ExecutorTest : public ::testing::Test {
protected:
    // A job of root at `revision`, with the deployment's fence set as the scheduler would.
    JobRun job(const std::string& root, long long fence = 1, const std::string& kind = "deploy") {
        auto j = make_job(testing::unique_name("dep"), fence, repo, root, revision, kind);
        side.set_fence(j.deployment_id, fence);
        return j;
    }
    // Every terraform command the stand-in ran, a line each (FAKE_TERRAFORM_LOG).
    std::string terraform_calls() { return read_file(dir / "terraform-calls.log"); }

    TempDir dir{"strata-executor"};
    GitRepo repo{dir / "infra"};
    std::string revision;
    SchedulerSide side;
};

}  // namespace strata::executor_test
