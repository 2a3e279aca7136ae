// bench/planner.sh's driver: generates the monorepo, then times changed-root detection for its
// 10-file pushes three ways in one run:
//   planner   the planner's own analysis on a warm mirror (MirrorCache::prepare finds both
//             commits present, no fetch; analyse() diffs the two trees walking only the subtrees
//             that differ, moves the dependency index along, reads the config, matches roots,
//             follows modules, orders): what every event costs a running planner;
//   (a)       `git diff --name-only before after` plus matching the paths to root dirs (a root
//             list computed beforehand, untimed);
//   (b)       what the peers do per event: `git clone --depth 5` over file://, then (a) in it.
// Also reported, once: the first fetch into an empty cache and the first event after a restart
// (the dependency index built from the whole tree).
//
//   strata-planner-bench DIR ROOTS FILES [PUSHES] [CLONES]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "planner_repo_gen.hpp"
#include "repo_work.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using namespace strata;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::vector<std::string> lines_of(const std::string& command) {
    FILE* p = ::popen(command.c_str(), "r");
    std::vector<std::string> out;
    if (!p) return out;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) {
        std::string line(buf);
        while (!line.empty() && line.back() == '\n') line.pop_back();
        out.push_back(std::move(line));
    }
    ::pclose(p);
    return out;
}

std::string parent(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool terraform_file(const std::string& path) {
    return path.ends_with(".tf") || path.ends_with(".tfvars") || path.ends_with(".hcl");
}

// (a)'s matching: changed Terraform files directly in a root's dir.
std::size_t match(const std::vector<std::string>& changed, const std::set<std::string>& roots) {
    std::set<std::string> hit;
    for (const auto& path : changed)
        if (terraform_file(path) && roots.count(parent(path))) hit.insert(parent(path));
    return hit.size();
}

struct Stats {
    double median, p90;
};
Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v[std::min(v.size() - 1, v.size() * 9 / 10)]};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: strata-planner-bench DIR ROOTS FILES [ITERATIONS] [CLONES]\n";
        return 2;
    }
    const std::string dir = argv[1];
    const int roots = std::stoi(argv[2]), files = std::stoi(argv[3]);
    const int iterations = argc > 4 ? std::stoi(argv[4]) : 50;
    const int clones = argc > 5 ? std::stoi(argv[5]) : 3;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is known

    auto t = Clock::now();
    auto repo = bench::generate_monorepo(dir + "/mono.git", roots, files, iterations);
    std::printf(
        "generated %d roots, %d files and %d pushes of 10 files with git fast-import in "
        "%.1f s\n",
        roots, repo.files, iterations, ms_since(t) / 1000);
    const std::string url = "file://" + repo.dir;
    const auto& commits = repo.commits;

    MirrorCache mirrors(dir + "/cache");
    planner::RepoState state;
    planner::ScanCache scans;
    double first_fetch = 0, first_event = 0;
    t = Clock::now();
    auto prepared =
        mirrors.prepare({"bench/mono", url, "", commits, {}, false}, [&](GitMirror& mirror) {
            first_fetch = ms_since(t);
            planner::RepoContext ctx{mirror, state, scans};
            t = Clock::now();
            auto index = planner::index_at(ctx, commits[0]);  // the planner saw the base last
            first_event = ms_since(t);
            if (!index) std::cerr << index.error().message << '\n';
        });
    if (!prepared) {
        std::cerr << prepared.error().message << '\n';
        return 1;
    }
    // Each push once, in order, as a running planner meets them: its changed files are blobs it
    // has never seen (scanned now), everything else is as the previous event left it.
    std::vector<double> ours;
    std::size_t affected = 0;
    auto all = [](const planner::RootConfig&) { return true; };
    for (std::size_t i = 1; i < commits.size(); ++i) {
        t = Clock::now();
        bool ok = false;
        auto r = mirrors.prepare({"bench/mono", url, "", {commits[i - 1], commits[i]}, {}, false},
                                 [&](GitMirror& mirror) {
                                     planner::RepoContext ctx{mirror, state, scans};
                                     auto analysis =
                                         planner::analyse(ctx, commits[i - 1], commits[i], all);
                                     ok = analysis.ok() && analysis->roots;
                                     if (ok) affected += analysis->changes.roots.size();
                                 });
        ours.push_back(ms_since(t));
        if (!r || !ok) {
            std::cerr << "planner analysis failed\n";
            return 1;
        }
    }
    if (mirrors.fetch_count() != 1) std::cerr << "warning: the warm rounds fetched\n";

    // (a) git diff --name-only + matching, the root dirs listed beforehand.
    std::set<std::string> root_dirs;
    for (const auto& path :
         lines_of("git -C '" + repo.dir + "' ls-tree -r --name-only " + commits[0]))
        if (path.ends_with(".tf") && path.find("modules/") != 0) root_dirs.insert(parent(path));
    std::vector<double> diff_times;
    std::size_t diff_affected = 0;
    for (std::size_t i = 1; i < commits.size(); ++i) {
        t = Clock::now();
        auto changed = lines_of("git -C '" + repo.dir + "' diff --name-only " + commits[i - 1] +
                                " " + commits[i]);
        diff_affected += match(changed, root_dirs);
        diff_times.push_back(ms_since(t));
    }

    // (b) a fresh shallow clone per event, then the same diff and matching (the last push).
    std::vector<double> clone_times;
    const std::string& before = commits[commits.size() - 2];
    const std::string& after = commits.back();
    for (int i = 0; i < clones; ++i) {
        std::string into = dir + "/clone-" + std::to_string(i);
        t = Clock::now();
        lines_of("git clone -q --depth 5 '" + url + "' '" + into + "' 2>&1");
        auto changed = lines_of("git -C '" + into + "' diff --name-only " + before + " " + after);
        std::size_t n = match(changed, root_dirs);
        clone_times.push_back(ms_since(t));
        if (changed.size() != 10 || n == 0) std::cerr << "warning: the clone's diff is wrong\n";
        fs::remove_all(into);
    }
    const double pushes = static_cast<double>(commits.size() - 1);
    const double per_push = static_cast<double>(affected) / pushes;
    const double per_push_a = static_cast<double>(diff_affected) / pushes;

    auto p = stats(ours), a = stats(diff_times), b = stats(clone_times);
    std::printf(
        "first fetch into an empty cache: %.0f ms; first event after a restart (index of "
        "the whole tree): %.0f ms\n",
        first_fetch, first_event);
    std::printf(
        "planner, warm mirror:                     median %8.3f ms  p90 %8.3f ms  (%.1f "
        "roots affected per push: direct and through modules)\n",
        p.median, p.p90, per_push);
    std::printf(
        "(a) git diff --name-only + matching:      median %8.3f ms  p90 %8.3f ms  (%.1f "
        "roots per push: direct only)\n",
        a.median, a.p90, per_push_a);
    std::printf("(b) git clone --depth 5 + diff + match:   median %8.1f ms  (%d clones)\n",
                b.median, clones);
    std::printf("ratio planner/(a): %.3f   ratio (b)/planner: %.0fx\n", p.median / a.median,
                b.median / p.median);
    return 0;
}
