// Prometheus metrics: counters and gauges registered once, updated from any thread, rendered in
// the text exposition format for /metrics.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace strata {

class Counter {
public:
    void inc(long long by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
    long long value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<long long> value_{0};
};

class Gauge {
public:
    void set(long long v) { value_.store(v, std::memory_order_relaxed); }
    void add(long long by) { value_.fetch_add(by, std::memory_order_relaxed); }
    long long value() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<long long> value_{0};
};

using Labels = std::map<std::string, std::string>;

class Metrics {
public:
    // The same name and labels give the same instance. Names follow Prometheus conventions
    // (strata_ingest_events_total).
    Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
    Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});

    std::string render() const;

private:
    struct Family;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Family>> families_;
};

}  // namespace strata
