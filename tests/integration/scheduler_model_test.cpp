// The randomised model test: thousands of random sequences of merges, manual deploys, unlocks,
// confirms, rejects, executor deaths, shutdowns and pauses (a frozen executor whose leases expire
// and that reports late on resuming), scheduler crashes (before publishing, after publishing,
// before acking, after a sweep) and restarts, and Redis restarts and crashes (SIGKILL), each run
// against the real
// scheduler on a private Redis and against an in-memory model of the rules (scheduler_model.hpp),
// compared after every step. Invariants: at most one deployment in flight per root, merge items
// leave each root's queue in the order they were accepted, no apply runs twice (nor without a
// Confirm when one is needed), nothing disappears (every request ends in a refusal or a
// deployment that finishes, and the notifier heard its last state).
//
// Runs with a fixed seed, then with a random one (printed; STRATA_MODEL_SEED=<n> replays it).
// STRATA_MODEL_SEQUENCES (default 1000 each) and STRATA_MODEL_STEPS (random steps per sequence
// before it is drained, default 40) scale both runs; STRATA_MODEL_TRACE=1 prints every step.
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>

#include "scheduler_sim.hpp"
#include "support/test_servers.hpp"

namespace strata::scheduler::testing {
namespace {

using strata::testing::RedisServer;

constexpr std::uint64_t kFixedSeed = 20261120;

int sequences(int fallback) {
    const char* v = std::getenv("STRATA_MODEL_SEQUENCES");
    return v ? std::max(1, std::atoi(v)) : fallback;
}

int steps() {
    const char* v = std::getenv("STRATA_MODEL_STEPS");
    return v ? std::max(1, std::atoi(v)) : 40;
}

class SchedulerModelTest : public ::testing::Test {
protected:
    // A private Redis that writes and fsyncs its AOF before it answers (tools/strata-servers
    // reads STRATA_REDIS_APPENDFSYNC at every start): a SIGKILL then loses nothing acknowledged,
    // whatever the disk does (under everysec a slow fsync may postpone writes for up to 2 s).
    // In tmpfs where there is one, where fsync costs nothing.
    static void SetUpTestSuite() {
        ::setenv("STRATA_REDIS_APPENDFSYNC", "always", 1);
        std::error_code ec;
        bool shm = std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0;
        server_ = new RedisServer(RedisServer::start(shm ? "/dev/shm" : ""));
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
        ::unsetenv("STRATA_REDIS_APPENDFSYNC");
    }

    // Runs n sequences from seed; sequence i uses seed + i. Every 20th restarts Redis once, half
    // of those by SIGKILL.
    void run(std::uint64_t seed, int n, int steps) {
        SimStats total;
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < n && !HasFailure(); ++i) {
            StoreHarness h(server_->url());
            World world(h, server_, seed + i, i % 20 == 7);
            world.run(steps);
            const auto& s = world.stats();
            total.steps += s.steps;
            total.messages += s.messages;
            total.crashes += s.crashes;
            total.scheduler_restarts += s.scheduler_restarts;
            total.redis_restarts += s.redis_restarts;
            total.redis_crashes += s.redis_crashes;
            total.executor_deaths += s.executor_deaths;
            total.applies += s.applies;
            for (const auto& [state, n] : s.outcomes) total.outcomes[state] += n;
            total.refused += s.refused;
            total.stale += s.stale;
            total.pauses += s.pauses;
            total.zombie_reports += s.zombie_reports;
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
        std::cout << "model test: seed " << seed << ", " << n << " sequences, " << total.steps
                  << " steps, " << total.messages << " messages handled, " << total.crashes
                  << " scheduler crashes, " << total.scheduler_restarts << " scheduler restarts, "
                  << total.redis_restarts << " Redis restarts (" << total.redis_crashes
                  << " by SIGKILL), " << total.executor_deaths << " executor deaths, "
                  << total.pauses << " executor pauses (" << total.zombie_reports
                  << " late reports on resuming), " << total.applies << " applies, "
                  << total.refused << " requests refused, " << total.stale
                  << " stale reports; deployments:";
        for (const auto& [state, count] : total.outcomes) std::cout << " " << count << " " << state;
        std::cout << "; in " << ms << " ms" << std::endl;
    }

    static RedisServer* server_;
};

RedisServer* SchedulerModelTest::server_ = nullptr;

TEST_F(SchedulerModelTest, RandomSequencesWithAFixedSeedAgreeWithTheModel) {
    run(kFixedSeed, sequences(1000), steps());
}

TEST_F(SchedulerModelTest, RandomSequencesWithARandomSeedAgreeWithTheModel) {
    std::uint64_t seed = std::random_device{}();
    if (const char* v = std::getenv("STRATA_MODEL_SEED")) seed = std::strtoull(v, nullptr, 10);
    std::cout << "model test: random seed " << seed << " (replay: STRATA_MODEL_SEED=" << seed << ")"
              << std::endl;
    run(seed, sequences(1000), steps());
}

}  // namespace
}  // namespace strata::scheduler::testing
