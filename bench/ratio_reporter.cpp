#include "ratio_reporter.hpp"

#include <cstdio>

namespace strata::bench {

void RatioReporter::ReportRuns(const std::vector<Run>& runs) {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& run : runs) {
        if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
        std::string name = run.run_name.function_name;
        auto slash = name.find('/');
        std::string group = slash == std::string::npos ? name : name.substr(0, slash);
        std::string subject = slash == std::string::npos ? "" : name.substr(slash + 1);
        if (!groups_.count(group)) order_.push_back(group);
        Figure f;
        f.ns_per_op = run.GetAdjustedRealTime();  // in the benchmark's time unit (ns by default)
        auto it = run.counters.find("items_per_second");
        if (it != run.counters.end()) f.items_per_second = it->second;
        groups_[group][subject] = f;
    }
}

void RatioReporter::Finalize() {
    ConsoleReporter::Finalize();
    std::printf("\n%-28s %-34s %14s %14s %9s\n", "group", "subject", "time/op (ns)",
                "baseline (ns)", "ratio");
    for (const auto& group : order_) {
        const auto& subjects = groups_[group];
        auto base = subjects.find("baseline");
        for (const auto& [subject, f] : subjects) {
            if (subject == "baseline") continue;
            if (base == subjects.end()) {
                std::printf("%-28s %-34s %14.0f %14s %9s\n", group.c_str(), subject.c_str(),
                            f.ns_per_op, "(none)", "-");
                continue;
            }
            std::printf("%-28s %-34s %14.0f %14.0f %8.2fx\n", group.c_str(), subject.c_str(),
                        f.ns_per_op, base->second.ns_per_op, f.ns_per_op / base->second.ns_per_op);
        }
    }
    std::printf("(ratio = subject time / baseline time, both measured in this run)\n");
}

}  // namespace strata::bench
