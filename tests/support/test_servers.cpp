#include "support/test_servers.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include "strata/loop.hpp"

namespace strata::testing {
namespace {

const char* const kServersScript = STRATA_SOURCE_DIR "/tools/strata-servers";

// Runs tools/strata-servers with args and waits for it. The child closes every inherited
// descriptor but stdout/stderr, so the servers it starts hold none of this process' sockets.
int run_script(const std::vector<std::string>& args) {
    std::vector<std::string> all{"/bin/bash", kServersScript};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    long max_fd = sysconf(_SC_OPEN_MAX);
    pid_t pid = fork();
    if (pid < 0) throw std::system_error(errno, std::generic_category(), "forking strata-servers");
    if (pid == 0) {  // only async-signal-safe calls until exec
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0) dup2(null_fd, 0);
        for (long fd = 3; fd < (max_fd > 0 ? max_fd : 1024); ++fd) close(static_cast<int>(fd));
        execv(argv[0], argv.data());
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string make_temp_dir(const std::string& prefix, const std::string& base_dir) {
    std::filesystem::path base =
        base_dir.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(base_dir);
    std::string templ = (base / (prefix + "-XXXXXX")).string();
    if (mkdtemp(templ.data()) == nullptr) {
        throw std::system_error(errno, std::generic_category(), "creating " + templ);
    }
    return templ;
}

}  // namespace

int free_port() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "free_port: socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        int err = errno;
        ::close(fd);
        throw std::system_error(err, std::generic_category(), "free_port: bind");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

// ---- TestServer ---------------------------------------------------------------------------

TestServer::TestServer(std::string kind, std::string dir_prefix, const std::string& base_dir)
    : kind_(std::move(kind)), dir_(make_temp_dir(dir_prefix, base_dir)), port_(free_port()) {}

TestServer::TestServer(TestServer&& other) noexcept
    : kind_(std::move(other.kind_)),
      dir_(std::exchange(other.dir_, {})),
      port_(std::exchange(other.port_, 0)),
      running_(std::exchange(other.running_, false)) {}

TestServer& TestServer::operator=(TestServer&& other) noexcept {
    if (this != &other) {
        release();
        kind_ = std::move(other.kind_);
        dir_ = std::exchange(other.dir_, {});
        port_ = std::exchange(other.port_, 0);
        running_ = std::exchange(other.running_, false);
    }
    return *this;
}

TestServer::~TestServer() { release(); }

void TestServer::release() {
    if (dir_.empty()) return;
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
}

void TestServer::start() {
    int rc = run_script({kind_, dir_, std::to_string(port_)});
    if (rc != 0) {
        throw std::runtime_error("starting " + kind_ + " in " + dir_ + " on port " +
                                 std::to_string(port_) + ": strata-servers exited with " +
                                 std::to_string(rc) + " (its output is above)");
    }
    running_ = true;
}

void TestServer::stop() {
    if (!running_) return;
    running_ = false;
    run_script({"stop", dir_});
}

void TestServer::restart() {
    stop();
    start();
}

void TestServer::kill_hard() {
    if (!running_) return;
    if (kind_ != "redis") throw std::logic_error("kill_hard: only a redis test server");
    std::ifstream in(dir_ + "/redis.pid");
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 0) throw std::runtime_error("kill_hard: no pid in " + dir_);
    ::kill(pid, SIGKILL);
    // Not this process's child (the script's shell started it and exited): gone once no such
    // process exists, or it is a zombie its new parent has yet to reap.
    auto gone = [pid] {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string pid_field, comm, state;
        return ::kill(pid, 0) != 0 || !(stat >> pid_field >> comm >> state) || state == "Z";
    };
    for (int i = 0; i < 1000 && !gone(); ++i) ::usleep(2000);
    run_script({"stop", dir_});  // forgets the dead server's pid files
    running_ = false;
}

RedisServer::RedisServer(const std::string& base_dir)
    : TestServer("redis", "strata-redis", base_dir) {}

RedisServer RedisServer::start(const std::string& base_dir) {
    RedisServer server(base_dir);
    server.TestServer::start();
    return server;
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port()); }

RabbitServer::RabbitServer() : TestServer("rabbitmq", "strata-rabbitmq", "") {}

RabbitServer RabbitServer::start() {
    RabbitServer server;
    server.TestServer::start();
    return server;
}

std::string RabbitServer::url() const {
    return "amqp://guest:guest@127.0.0.1:" + std::to_string(port()) + "/";
}

// ---- shared servers and helpers -----------------------------------------------------------

std::string shared_redis_url() {
    if (const char* url = std::getenv("STRATA_TEST_REDIS_URL"); url != nullptr && *url != '\0') {
        return url;
    }
    static const RedisServer server = RedisServer::start();  // stopped at exit
    return server.url();
}

std::string shared_amqp_url() {
    if (const char* url = std::getenv("STRATA_TEST_AMQP_URL"); url != nullptr && *url != '\0') {
        return url;
    }
    static const RabbitServer server = RabbitServer::start();
    return server.url();
}

std::string unique_name(std::string_view prefix) {
    static std::atomic<unsigned> counter{0};
    static const unsigned seed = std::random_device{}();
    static std::mutex mutex;
    static std::mt19937 rng(seed);
    unsigned random = 0;
    {
        std::lock_guard lock(mutex);
        random = rng() & 0xffffffu;
    }
    char tail[16];
    std::snprintf(tail, sizeof tail, "%06x", random);
    return std::string(prefix) + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter) +
           "-" + tail;
}

bool run_until(Loop& loop, std::function<bool()> pred, std::chrono::milliseconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    if (pred()) return true;
    {
        Timer tick(loop);  // wakes UV_RUN_ONCE at least every 5 ms
        tick.start_repeating(std::chrono::milliseconds(5), [] {});
        while (!pred() && std::chrono::steady_clock::now() < end) {
            uv_run(loop.raw(), UV_RUN_ONCE);
        }
    }
    uv_run(loop.raw(), UV_RUN_NOWAIT);  // completes the tick timer's close
    return pred();
}

}  // namespace strata::testing
