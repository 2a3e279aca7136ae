#include "support/git_daemon.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "support/test_servers.hpp"

namespace strata::testing {
namespace {

bool accepts(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

GitDaemon::GitDaemon(const std::string& base_dir) {
    using namespace std::chrono_literals;
    // The port is picked, then bound by git daemon: another process may take it in between, so
    // a daemon that exits at once is tried again on another port.
    for (int attempt = 0; attempt < 3; ++attempt) {
        port_ = free_port();
        process_.emplace(
            std::vector<std::string>{"/usr/bin/git", "daemon", "--export-all", "--reuseaddr",
                                     "--listen=127.0.0.1", "--port=" + std::to_string(port_),
                                     "--base-path=" + base_dir, base_dir},
            child_environment({}), base_dir + "/git-daemon.log", base_dir + "/git-daemon.log");
        auto end = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < end && process_->running()) {
            if (accepts(port_)) return;
            std::this_thread::sleep_for(10ms);  // polling a port: no event tells us it listens
        }
        if (process_->running()) break;
    }
    throw std::runtime_error("git daemon on " + base_dir + " did not listen within 10 s");
}

std::string GitDaemon::url(const std::string& path) const {
    return "git://127.0.0.1:" + std::to_string(port_) + "/" + path;
}

}  // namespace strata::testing
