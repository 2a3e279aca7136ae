// Prints every benchmark beside its baseline: benchmarks are named "<group>/<subject>" and each
// group has one "<group>/baseline" measured in the same run. The ratio subject/baseline is what
// to quote (these machines are noisy; absolute times drift between runs, ratios much less).
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace strata::bench {

class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override;
    void Finalize() override;

private:
    struct Figure {
        double ns_per_op = 0;
        double items_per_second = 0;
    };
    std::map<std::string, std::map<std::string, Figure>> groups_;
    std::vector<std::string> order_;
};

}  // namespace strata::bench
