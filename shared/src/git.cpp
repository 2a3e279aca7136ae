#include "strata/git.hpp"

#include <git2.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

namespace strata {
namespace fs = std::filesystem;

namespace {

void init_libgit2() {
    static std::once_flag once;
    std::call_once(once, [] { git_libgit2_init(); });
}

Error libgit2_error(const std::string& what) {
    const ::git_error* e = git_error_last();
    return make_error(what + ": " + (e && e->message ? e->message : "unknown libgit2 error"));
}

template <class T, void (*Free)(T*)>
struct Owned {
    T* ptr = nullptr;
    ~Owned() {
        if (ptr) Free(ptr);
    }
    T** out() { return &ptr; }
    T* get() const { return ptr; }
};
using Tree = Owned<git_tree, git_tree_free>;
using Object = Owned<git_object, git_object_free>;

std::string join(const std::string& prefix, const char* name) {
    return prefix.empty() ? std::string(name) : prefix + "/" + name;
}

std::string safe_dir_name(const std::string& repo) {
    std::string out;
    for (char c : repo)
        out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')
                   ? c
                   : '+';
    return out + ".git";
}

struct FetchAuth {
    std::string token;
    int attempts = 0;
};

int credentials(git_credential** out, const char*, const char*, unsigned int allowed,
                void* payload) {
    auto* auth = static_cast<FetchAuth*>(payload);
    if (auth->token.empty() || !(allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) ||
        auth->attempts++ > 0)
        return GIT_PASSTHROUGH;
    return git_credential_userpass_plaintext_new(out, "x-access-token", auth->token.c_str());
}

}  // namespace

struct GitMirror::Impl {
    git_repository* repo = nullptr;
    std::string path;
    std::string url;
    ~Impl() {
        if (repo) git_repository_free(repo);
    }

    Result<git_tree*> tree_of(const std::string& rev) const {
        git_object* obj = nullptr;
        if (git_revparse_single(&obj, repo, (rev + "^{tree}").c_str()) != 0)
            return libgit2_error("resolving " + rev);
        return reinterpret_cast<git_tree*>(obj);
    }

    // Everything below tree, as `kind`.
    void list_all(const git_tree* tree, const std::string& prefix, ChangedPath::Kind kind,
                  std::vector<ChangedPath>& out) const {
        for (std::size_t i = 0, n = git_tree_entrycount(tree); i < n; ++i) {
            const git_tree_entry* e = git_tree_entry_byindex(tree, i);
            std::string path = join(prefix, git_tree_entry_name(e));
            if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
                Tree sub;
                if (git_tree_lookup(sub.out(), repo, git_tree_entry_id(e)) == 0)
                    list_all(sub.get(), path, kind, out);
            } else {
                out.push_back({path, kind});
            }
        }
    }

    void walk(const git_tree* a, const git_tree* b, const std::string& prefix,
              std::vector<ChangedPath>& out) const {
        std::map<std::string, const git_tree_entry*> left, right;
        for (std::size_t i = 0, n = git_tree_entrycount(a); i < n; ++i) {
            auto* e = git_tree_entry_byindex(a, i);
            left[git_tree_entry_name(e)] = e;
        }
        for (std::size_t i = 0, n = git_tree_entrycount(b); i < n; ++i) {
            auto* e = git_tree_entry_byindex(b, i);
            right[git_tree_entry_name(e)] = e;
        }
        for (const auto& [name, le] : left) {
            auto it = right.find(name);
            const git_tree_entry* re = it == right.end() ? nullptr : it->second;
            std::string path = join(prefix, name.c_str());
            if (re && git_oid_equal(git_tree_entry_id(le), git_tree_entry_id(re)) &&
                git_tree_entry_filemode(le) == git_tree_entry_filemode(re))
                continue;
            bool ltree = git_tree_entry_type(le) == GIT_OBJECT_TREE;
            bool rtree = re && git_tree_entry_type(re) == GIT_OBJECT_TREE;
            if (ltree) {
                Tree lt;
                if (git_tree_lookup(lt.out(), repo, git_tree_entry_id(le)) != 0) continue;
                if (rtree) {
                    Tree rt;
                    if (git_tree_lookup(rt.out(), repo, git_tree_entry_id(re)) == 0)
                        walk(lt.get(), rt.get(), path, out);
                    continue;
                }
                list_all(lt.get(), path, ChangedPath::Kind::Deleted, out);
            } else if (!re || rtree) {
                out.push_back({path, ChangedPath::Kind::Deleted});
            }
            if (re && rtree && !ltree) {
                Tree rt;
                if (git_tree_lookup(rt.out(), repo, git_tree_entry_id(re)) == 0)
                    list_all(rt.get(), path, ChangedPath::Kind::Added, out);
            } else if (re && !rtree) {
                out.push_back(
                    {path, ltree ? ChangedPath::Kind::Added : ChangedPath::Kind::Modified});
            }
        }
        for (const auto& [name, re] : right) {
            if (left.count(name)) continue;
            std::string path = join(prefix, name.c_str());
            if (git_tree_entry_type(re) == GIT_OBJECT_TREE) {
                Tree rt;
                if (git_tree_lookup(rt.out(), repo, git_tree_entry_id(re)) == 0)
                    list_all(rt.get(), path, ChangedPath::Kind::Added, out);
            } else {
                out.push_back({path, ChangedPath::Kind::Added});
            }
        }
    }
};

GitMirror::GitMirror(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GitMirror::GitMirror(GitMirror&&) noexcept = default;
GitMirror& GitMirror::operator=(GitMirror&&) noexcept = default;
GitMirror::~GitMirror() = default;

const std::string& GitMirror::path() const { return impl_->path; }

bool is_zero_sha(const std::string& sha) {
    return sha.empty() || sha.find_first_not_of('0') == std::string::npos;
}

Result<GitMirror> GitMirror::open(const std::string& cache_dir, const std::string& repo,
                                  const std::string& url) {
    init_libgit2();
    auto impl = std::make_unique<Impl>();
    impl->path = (fs::path(cache_dir) / safe_dir_name(repo)).string();
    impl->url = url;
    std::error_code ec;
    fs::create_directories(cache_dir, ec);
    if (fs::exists(impl->path) && git_repository_open_bare(&impl->repo, impl->path.c_str()) != 0) {
        impl->repo = nullptr;
        fs::remove_all(impl->path, ec);  // corrupt: start again
    }
    if (!impl->repo && git_repository_init(&impl->repo, impl->path.c_str(), 1) != 0)
        return libgit2_error("creating mirror of " + repo);
    return GitMirror(std::move(impl));
}

Result<void> GitMirror::fetch(const std::string& token) {
    git_remote* remote = nullptr;
    if (git_remote_create_anonymous(&remote, impl_->repo, impl_->url.c_str()) != 0)
        return libgit2_error("fetching " + impl_->url);
    FetchAuth auth{token};
    git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
    opts.callbacks.credentials = credentials;
    opts.callbacks.payload = &auth;
    opts.prune = GIT_FETCH_PRUNE;
    opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    char spec[] = "+refs/heads/*:refs/heads/*";
    char* specs[] = {spec};
    git_strarray refspecs{specs, 1};
    int rc = git_remote_fetch(remote, &refspecs, &opts, nullptr);
    git_remote_free(remote);
    if (rc != 0) return libgit2_error("fetching " + impl_->url);
    return {};
}

bool GitMirror::has_commit(const std::string& sha) const {
    git_oid oid;
    if (git_oid_fromstrn(&oid, sha.c_str(), sha.size()) != 0) return false;
    git_commit* commit = nullptr;
    if (git_commit_lookup(&commit, impl_->repo, &oid) != 0) return false;
    git_commit_free(commit);
    return true;
}

Result<std::vector<ChangedPath>> GitMirror::changed_paths(const std::string& from,
                                                          const std::string& to) const {
    auto b = impl_->tree_of(to);
    if (!b) return b.error();
    Tree right{*b};
    std::vector<ChangedPath> out;
    if (is_zero_sha(from)) {
        impl_->list_all(right.get(), "", ChangedPath::Kind::Added, out);
        return out;
    }
    auto a = impl_->tree_of(from);
    if (!a) return a.error();
    Tree left{*a};
    impl_->walk(left.get(), right.get(), "", out);
    return out;
}

Result<std::vector<std::string>> GitMirror::list_dir(const std::string& rev,
                                                     const std::string& dir) const {
    auto t = impl_->tree_of(rev);
    if (!t) return t.error();
    Tree root{*t};
    std::vector<std::string> names;
    Tree sub;
    const git_tree* tree = root.get();
    if (!dir.empty()) {
        git_tree_entry* entry = nullptr;
        if (git_tree_entry_bypath(&entry, root.get(), dir.c_str()) != 0) return names;
        bool is_tree = git_tree_entry_type(entry) == GIT_OBJECT_TREE;
        int rc = is_tree ? git_tree_lookup(sub.out(), impl_->repo, git_tree_entry_id(entry)) : -1;
        git_tree_entry_free(entry);
        if (rc != 0) return names;
        tree = sub.get();
    }
    for (std::size_t i = 0, n = git_tree_entrycount(tree); i < n; ++i)
        names.emplace_back(git_tree_entry_name(git_tree_entry_byindex(tree, i)));
    return names;
}

Result<void> GitMirror::checkout(const std::string& rev, const std::string& dest) const {
    Object commit;
    if (git_revparse_single(commit.out(), impl_->repo, (rev + "^{commit}").c_str()) != 0)
        return libgit2_error("resolving " + rev);
    std::error_code ec;
    fs::create_directories(dest, ec);
    if (ec) return make_error("creating " + dest + ": " + ec.message());
    git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
    opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
    opts.target_directory = dest.c_str();
    if (git_checkout_tree(impl_->repo, commit.get(), &opts) != 0)
        return libgit2_error("checking out " + rev + " into " + dest);
    return {};
}

struct MirrorCache::Impl {
    std::string cache_dir;
    std::mutex mutex;
    struct Slot {
        std::mutex mutex;
        std::optional<GitMirror> mirror;
    };
    std::map<std::string, std::shared_ptr<Slot>> slots;
};

MirrorCache::MirrorCache(std::string cache_dir) : impl_(std::make_unique<Impl>()) {
    impl_->cache_dir = std::move(cache_dir);
}
MirrorCache::~MirrorCache() = default;

Result<bool> MirrorCache::use(const std::string& repo, const std::string& url,
                              const std::string& want, const std::string& token,
                              const std::function<void(GitMirror&)>& fn) {
    std::shared_ptr<Impl::Slot> slot;
    {
        std::lock_guard lock(impl_->mutex);
        auto& s = impl_->slots[repo];
        if (!s) s = std::make_shared<Impl::Slot>();
        slot = s;
    }
    std::lock_guard lock(slot->mutex);
    if (!slot->mirror) {
        auto opened = GitMirror::open(impl_->cache_dir, repo, url);
        if (!opened) return opened.error();
        slot->mirror.emplace(std::move(*opened));
    }
    if (want.empty() || !slot->mirror->has_commit(want)) {
        if (auto fetched = slot->mirror->fetch(token); !fetched) return fetched.error();
        if (!want.empty() && !slot->mirror->has_commit(want)) return false;
    }
    fn(*slot->mirror);
    return true;
}

}  // namespace strata
