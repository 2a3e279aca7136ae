#include "strata/job_log_store.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace strata {
namespace fs = std::filesystem;

std::string live_log_key(const std::string& redis_prefix, const std::string& deployment_id) {
    return redis_prefix + ":log:" + deployment_id;
}

bool valid_log_id(std::string_view id) {
    if (id.empty() || id.size() > 200 || id.front() == '.') return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
               c == ':';
    });
}

namespace {

class DirectoryLogStore : public JobLogStore {
public:
    explicit DirectoryLogStore(std::string dir) : dir_(std::move(dir)) {}

    Result<void> put(const std::string& deployment_id, const std::string& job_id,
                     std::string_view text) override {
        if (!valid_log_id(deployment_id) || !valid_log_id(job_id))
            return make_error("storing job log: invalid id '" + deployment_id + "/" + job_id + "'");
        fs::path dir = fs::path(dir_) / deployment_id;
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) return make_error("storing job log in " + dir.string() + ": " + ec.message());
        // The sequence keeps the order jobs were first stored; a job stored again keeps its own.
        auto existing = find(dir, job_id);
        std::string name = existing.empty() ? sequence() + "-" + job_id + ".log" : existing;
        fs::path tmp = dir / ("." + name + ".tmp" + std::to_string(::getpid()));
        {
            std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
            out.write(text.data(), static_cast<std::streamsize>(text.size()));
            out.flush();
            if (!out) return make_error("storing job log: writing " + tmp.string());
        }
        fs::rename(tmp, dir / name, ec);
        if (ec)
            return make_error("storing job log: renaming " + tmp.string() + ": " + ec.message());
        return {};
    }

    Result<std::vector<StoredJobLog>> get(const std::string& deployment_id) const override {
        std::vector<StoredJobLog> out;
        if (!valid_log_id(deployment_id))
            return make_error("reading job logs: invalid deployment id");
        fs::path dir = fs::path(dir_) / deployment_id;
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) return out;
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            auto name = entry.path().filename().string();
            if (name.front() != '.' && name.size() > 4 && name.ends_with(".log"))
                names.push_back(name);
        }
        if (ec) return make_error("reading job logs in " + dir.string() + ": " + ec.message());
        std::sort(names.begin(), names.end());
        for (const auto& name : names) {
            std::ifstream in(dir / name, std::ios::binary);
            std::ostringstream text;
            text << in.rdbuf();
            auto dash = name.find('-');
            out.push_back({name.substr(dash + 1, name.size() - dash - 5), text.str()});
        }
        return out;
    }

private:
    // "<sequence>-<job id>.log" of this job in dir, or "".
    static std::string find(const fs::path& dir, const std::string& job_id) {
        std::error_code ec;
        std::string suffix = "-" + job_id + ".log";
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            auto name = entry.path().filename().string();
            if (name.front() != '.' && name.ends_with(suffix) &&
                name.find('-') == name.size() - suffix.size())
                return name;
        }
        return "";
    }

    // Microseconds since the epoch, zero-padded so names sort by it, plus a counter so two
    // puts in the same microsecond stay ordered.
    static std::string sequence() {
        static std::atomic<unsigned> counter{0};
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
        char buf[40];
        std::snprintf(buf, sizeof buf, "%017lld%03u", static_cast<long long>(us),
                      counter.fetch_add(1) % 1000);
        return buf;
    }

    std::string dir_;
};

}  // namespace

std::unique_ptr<JobLogStore> make_directory_log_store(std::string dir) {
    return std::make_unique<DirectoryLogStore>(std::move(dir));
}

}  // namespace strata
