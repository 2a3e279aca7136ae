#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "git_internal.hpp"

namespace strata {

struct MirrorCache::Impl {
    std::string cache_dir;
    std::mutex mutex;  // guards `slots`
    struct Slot {
        std::mutex mutex;  // held while the mirror is in use
        std::optional<GitMirror> mirror;
        // Fetches started on this slot so far; read without the lock by arriving callers.
        std::atomic<long long> started{0};
        long long last_completed = 0;  // number of the last fetch that succeeded (under mutex)
        std::atomic<int> waiting{0};   // callers that arrived and wait for the mutex
    };
    std::map<std::string, std::shared_ptr<Slot>> slots;
    std::atomic<long long> fetches{0};

    std::shared_ptr<Slot> slot(const std::string& repo) {
        std::lock_guard lock(mutex);
        auto& s = slots[repo];
        if (!s) s = std::make_shared<Slot>();
        return s;
    }

    // Fetches into the slot's mirror; when that fails on a mirror that is no longer intact,
    // re-creates the mirror and fetches once more. Called with the slot locked.
    Result<void> fetch(Slot& slot, const MirrorRequest& request) {
        long long number = ++slot.started;
        ++fetches;
        auto fetched = slot.mirror->fetch(request.token, request.refspecs);
        if (!fetched && !slot.mirror->intact()) {
            slot.mirror.reset();
            auto reopened = GitMirror::open(cache_dir, request.repo, request.url);
            if (!reopened) return reopened.error();
            slot.mirror.emplace(std::move(*reopened));
            ++fetches;
            fetched = slot.mirror->fetch(request.token, request.refspecs);
        }
        if (fetched) slot.last_completed = number;
        return fetched;
    }
};

MirrorCache::MirrorCache(std::string cache_dir) : impl_(std::make_unique<Impl>()) {
    impl_->cache_dir = std::move(cache_dir);
}
MirrorCache::~MirrorCache() = default;

long long MirrorCache::fetch_count() const { return impl_->fetches.load(); }

int MirrorCache::waiting(const std::string& repo) const {
    std::lock_guard lock(impl_->mutex);
    auto it = impl_->slots.find(repo);
    return it == impl_->slots.end() ? 0 : it->second->waiting.load();
}

Result<void> MirrorCache::prepare(const MirrorRequest& request,
                                  const std::function<void(GitMirror&)>& fn) {
    auto slot = impl_->slot(request.repo);
    // Any fetch numbered above `arrival` started after this call did, so it brought everything
    // the caller could want.
    const long long arrival = slot->started.load();
    ++slot->waiting;
    std::unique_lock lock(slot->mutex);
    --slot->waiting;
    if (!slot->mirror) {
        auto opened = GitMirror::open(impl_->cache_dir, request.repo, request.url);
        if (!opened) return opened.error();
        slot->mirror.emplace(std::move(*opened));
    }
    bool fresh = slot->last_completed > arrival;
    bool missing =
        std::any_of(request.want.begin(), request.want.end(),
                    [&](const std::string& sha) { return !slot->mirror->has_commit(sha); });
    if (!fresh && (request.refresh || missing)) {
        if (auto fetched = impl_->fetch(*slot, request); !fetched) return fetched.error();
    }
    fn(*slot->mirror);
    return {};
}

void MirrorCache::discard(const std::string& repo) {
    auto slot = impl_->slot(repo);
    std::lock_guard lock(slot->mutex);
    if (!slot->mirror) return;
    std::string path = slot->mirror->path();
    slot->mirror.reset();
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
}

Result<bool> MirrorCache::use(const std::string& repo, const std::string& url,
                              const std::string& want, const std::string& token,
                              const std::function<void(GitMirror&)>& fn) {
    MirrorRequest request{repo, url, token, {}, {}, want.empty()};
    if (!want.empty()) request.want.push_back(want);
    bool present = false;
    auto prepared = prepare(request, [&](GitMirror& mirror) {
        present = want.empty() || mirror.has_commit(want);
        if (present) fn(mirror);
    });
    if (!prepared) return prepared.error();
    return present;
}

}  // namespace strata
