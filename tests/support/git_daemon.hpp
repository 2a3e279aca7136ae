// `git daemon` serving the repositories below a directory over git:// on a free loopback port,
// for tests of what a fetch brings. Over git:// the server sends only what the fetched refs
// reach, as GitHub does; libgit2's file:// transport copies every commit the remote has, which
// would hide a missing refspec (a fork's pull request head, say).
#pragma once

#include <optional>
#include <string>

#include "support/child_process.hpp"

namespace strata::testing {

class GitDaemon {
public:
    // Serves every repository below base_dir; returns once it accepts connections. Throws when
    // it does not within 10 s. Its log goes to base_dir/git-daemon.log.
    explicit GitDaemon(const std::string& base_dir);

    // git://127.0.0.1:PORT/<path>, path relative to base_dir (a repository's directory).
    std::string url(const std::string& path) const;

private:
    int port_ = 0;
    std::optional<ChildProcess> process_;
};

}  // namespace strata::testing
