#include "strata/metrics.hpp"

#include <sstream>

namespace strata {

struct Metrics::Family {
    std::string help;
    std::string type;  // "counter" | "gauge"
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
};

namespace {

std::string escape_label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

// HELP text: only backslash and newline are escaped (quotes are not, unlike label values).
std::string escape_help(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string render_labels(const Labels& labels) {
    if (labels.empty()) return "";
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : labels) {
        if (!first) out += ",";
        first = false;
        out += k + "=\"" + escape_label(v) + "\"";
    }
    return out + "}";
}

}  // namespace

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mutex_);
    auto& family = families_[name];
    if (!family) family = std::make_shared<Family>(Family{help, "counter", {}, {}});
    auto& slot = family->counters[labels];
    if (!slot) slot = std::make_unique<Counter>();
    return *slot;
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels) {
    std::lock_guard lock(mutex_);
    auto& family = families_[name];
    if (!family) family = std::make_shared<Family>(Family{help, "gauge", {}, {}});
    auto& slot = family->gauges[labels];
    if (!slot) slot = std::make_unique<Gauge>();
    return *slot;
}

std::string Metrics::render() const {
    std::lock_guard lock(mutex_);
    std::ostringstream out;
    for (const auto& [name, family] : families_) {
        out << "# HELP " << name << ' ' << escape_help(family->help) << '\n';
        out << "# TYPE " << name << ' ' << family->type << '\n';
        for (const auto& [labels, c] : family->counters)
            out << name << render_labels(labels) << ' ' << c->value() << '\n';
        for (const auto& [labels, g] : family->gauges)
            out << name << render_labels(labels) << ' ' << g->value() << '\n';
    }
    return out.str();
}

}  // namespace strata
