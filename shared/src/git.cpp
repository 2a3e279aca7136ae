#include "strata/git.hpp"

#include <cctype>
#include <filesystem>
#include <mutex>
#include <optional>

#include "git_internal.hpp"

namespace strata {
namespace fs = std::filesystem;

namespace git_detail {

void init_libgit2() {
    static std::once_flag once;
    std::call_once(once, [] {
        git_libgit2_init();
        // libgit2 caches no tree over 4 KiB by default; a directory of a few hundred entries is
        // bigger, and the planner reads the same directories event after event (bounded by the
        // cache's total, 256 MiB by default).
        git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE,
                         static_cast<std::size_t>(1) << 20);
    });
}

Error libgit2_error(const std::string& what) {
    const ::git_error* e = git_error_last();
    return make_error(what + ": " + (e && e->message ? e->message : "unknown libgit2 error"));
}

bool parse_oid(const std::string& sha, git_oid& out) {
    if (sha.empty() || sha.size() > GIT_OID_HEXSZ) return false;
    for (char c : sha)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return git_oid_fromstrn(&out, sha.c_str(), sha.size()) == 0;
}

std::string oid_hex(const git_oid* oid) {
    char buf[GIT_OID_HEXSZ + 1];
    git_oid_tostr(buf, sizeof buf, oid);
    return buf;
}

// A mirror can open and still be unusable: config and HEAD are read lazily, and a branch may
// point at an object that is missing or unreadable, which a fetch never repairs (the ref already
// matches the remote, so nothing is downloaded). Checks those, reading each branch's commit and
// root tree; deeper damage (a blob, a subtree) is found when it is read.
bool usable(git_repository* repo) {
    git_config* config = nullptr;
    if (git_repository_config_snapshot(&config, repo) != 0) return false;
    git_config_free(config);
    git_reference* head = nullptr;
    int rc = git_repository_head(&head, repo);
    git_reference_free(head);
    if (rc != 0 && rc != GIT_EUNBORNBRANCH && rc != GIT_ENOTFOUND) return false;
    git_reference_iterator* refs = nullptr;
    if (git_reference_iterator_glob_new(&refs, repo, "refs/heads/*") != 0) return false;
    bool ok = true;
    git_reference* ref = nullptr;
    while (ok && (rc = git_reference_next(&ref, refs)) == 0) {
        if (const git_oid* target = git_reference_target(ref)) {
            git_commit* commit = nullptr;
            git_tree* tree = nullptr;
            ok = git_commit_lookup(&commit, repo, target) == 0 &&
                 git_commit_tree(&tree, commit) == 0;
            git_tree_free(tree);
            git_commit_free(commit);
        }
        git_reference_free(ref);
    }
    git_reference_iterator_free(refs);
    return ok && rc == GIT_ITEROVER;
}

}  // namespace git_detail

namespace {

using namespace git_detail;

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

TreeEntry::Kind entry_kind(const git_tree_entry* e) {
    switch (git_tree_entry_filemode(e)) {
        case GIT_FILEMODE_TREE:
            return TreeEntry::Kind::Directory;
        case GIT_FILEMODE_BLOB_EXECUTABLE:
            return TreeEntry::Kind::Executable;
        case GIT_FILEMODE_LINK:
            return TreeEntry::Kind::Symlink;
        case GIT_FILEMODE_COMMIT:
            return TreeEntry::Kind::Submodule;
        default:
            return TreeEntry::Kind::File;
    }
}

// Points the mirror's HEAD at the branch the remote calls its default, so default_branch()
// answers after a restart too.
void remember_default_branch(git_repository* repo, git_remote* remote) {
    git_buf name = GIT_BUF_INIT;
    if (git_remote_default_branch(&name, remote) == 0 && name.ptr &&
        std::string_view(name.ptr).starts_with("refs/heads/"))
        git_repository_set_head(repo, name.ptr);
    git_buf_dispose(&name);
}

}  // namespace

Result<git_tree*> GitMirror::Impl::tree_of(const std::string& rev) const {
    git_object* obj = nullptr;
    git_oid oid;
    // A full SHA skips revparse's name lookup (the common case, and the fast one).
    if (rev.size() == GIT_OID_HEXSZ && parse_oid(rev, oid)) {
        Commit commit;
        if (git_commit_lookup(commit.out(), repo, &oid) != 0 ||
            git_commit_tree(reinterpret_cast<git_tree**>(&obj), commit.get()) != 0)
            return libgit2_error("resolving " + rev);
        return reinterpret_cast<git_tree*>(obj);
    }
    if (git_revparse_single(&obj, repo, (rev + "^{tree}").c_str()) != 0)
        return libgit2_error("resolving " + rev);
    return reinterpret_cast<git_tree*>(obj);
}

Result<git_tree*> GitMirror::Impl::subtree(const git_tree* root, const std::string& dir) const {
    git_tree* out = nullptr;
    if (dir.empty() || dir == ".") {
        if (git_tree_dup(&out, const_cast<git_tree*>(root)) != 0)
            return libgit2_error("reading tree");
        return out;
    }
    git_tree_entry* entry = nullptr;
    if (git_tree_entry_bypath(&entry, root, dir.c_str()) != 0) return nullptr;
    bool is_tree = git_tree_entry_type(entry) == GIT_OBJECT_TREE;
    int rc = is_tree ? git_tree_lookup(&out, repo, git_tree_entry_id(entry)) : 0;
    git_tree_entry_free(entry);
    if (rc != 0) return libgit2_error("reading tree " + dir);
    return out;
}

GitMirror::GitMirror(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GitMirror::GitMirror(GitMirror&&) noexcept = default;
GitMirror& GitMirror::operator=(GitMirror&&) noexcept = default;
GitMirror::~GitMirror() = default;

const std::string& GitMirror::path() const { return impl_->path; }

bool is_zero_sha(const std::string& sha) {
    return sha.empty() || sha.find_first_not_of('0') == std::string::npos;
}

std::string pull_request_refspec(long long number) {
    std::string ref = "refs/pull/" + std::to_string(number) + "/head";
    return "+" + ref + ":" + ref;
}

Result<GitMirror> GitMirror::open(const std::string& cache_dir, const std::string& repo,
                                  const std::string& url) {
    init_libgit2();
    auto impl = std::make_unique<Impl>();
    impl->path = (fs::path(cache_dir) / safe_dir_name(repo)).string();
    impl->url = url;
    std::error_code ec;
    fs::create_directories(cache_dir, ec);
    if (fs::exists(impl->path)) {
        if (git_repository_open_bare(&impl->repo, impl->path.c_str()) != 0) {
            impl->repo = nullptr;
        } else if (!usable(impl->repo)) {
            git_repository_free(impl->repo);
            impl->repo = nullptr;
        }
        if (!impl->repo) fs::remove_all(impl->path, ec);  // corrupt: start again
    }
    if (!impl->repo && git_repository_init(&impl->repo, impl->path.c_str(), 1) != 0)
        return libgit2_error("creating mirror of " + repo);
    return GitMirror(std::move(impl));
}

Result<void> GitMirror::fetch(const std::string& token) { return fetch(token, {}); }

Result<void> GitMirror::fetch(const std::string& token,
                              const std::vector<std::string>& extra_refspecs) {
    git_remote* remote = nullptr;
    if (git_remote_create_anonymous(&remote, impl_->repo, impl_->url.c_str()) != 0)
        return libgit2_error("fetching " + impl_->url);
    FetchAuth auth{token};
    git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
    opts.callbacks.credentials = credentials;
    opts.callbacks.payload = &auth;
    opts.prune = GIT_FETCH_PRUNE;
    opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    std::vector<std::string> specs{"+refs/heads/*:refs/heads/*"};
    specs.insert(specs.end(), extra_refspecs.begin(), extra_refspecs.end());
    std::vector<char*> raw;
    for (auto& s : specs) raw.push_back(s.data());
    git_strarray refspecs{raw.data(), raw.size()};
    int rc = git_remote_fetch(remote, &refspecs, &opts, nullptr);
    if (rc == 0) remember_default_branch(impl_->repo, remote);
    auto error = rc == 0 ? std::optional<Error>() : libgit2_error("fetching " + impl_->url);
    git_remote_free(remote);
    if (error) return *error;
    return {};
}

bool GitMirror::has_commit(const std::string& sha) const {
    git_oid oid;
    if (!parse_oid(sha, oid)) return false;
    git_commit* commit = nullptr;
    if (git_commit_lookup_prefix(&commit, impl_->repo, &oid, sha.size()) != 0) return false;
    git_commit_free(commit);
    return true;
}

bool GitMirror::intact() const { return usable(impl_->repo); }

Result<std::vector<std::string>> GitMirror::list_dir(const std::string& rev,
                                                     const std::string& dir) const {
    auto listed = entries(rev, dir);
    if (!listed) return listed.error();
    std::vector<std::string> names;
    names.reserve(listed->size());
    for (auto& e : *listed) names.push_back(std::move(e.name));
    return names;
}

Result<std::vector<TreeEntry>> GitMirror::entries(const std::string& rev,
                                                  const std::string& dir) const {
    auto t = impl_->tree_of(rev);
    if (!t) return t.error();
    Tree root{*t};
    auto sub = impl_->subtree(root.get(), dir);
    if (!sub) return sub.error();
    Tree tree{*sub};
    std::vector<TreeEntry> out;
    if (!tree.get()) return out;
    const std::size_t n = git_tree_entrycount(tree.get());
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const git_tree_entry* e = git_tree_entry_byindex(tree.get(), i);
        out.push_back({git_tree_entry_name(e), oid_hex(git_tree_entry_id(e)), entry_kind(e)});
    }
    return out;
}

Result<std::vector<TreeEntry>> GitMirror::tree_entries(const std::string& tree_id) const {
    git_oid oid;
    if (!parse_oid(tree_id, oid)) return make_error("reading tree " + tree_id + ": not an id");
    Tree tree;
    if (git_tree_lookup(tree.out(), impl_->repo, &oid) != 0)
        return libgit2_error("reading tree " + tree_id);
    const std::size_t n = git_tree_entrycount(tree.get());
    std::vector<TreeEntry> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const git_tree_entry* e = git_tree_entry_byindex(tree.get(), i);
        out.push_back({git_tree_entry_name(e), oid_hex(git_tree_entry_id(e)), entry_kind(e)});
    }
    return out;
}

Result<std::string> GitMirror::read_blob(const std::string& id) const {
    git_oid oid;
    if (!parse_oid(id, oid)) return make_error("reading blob " + id + ": not an object id");
    git_blob* blob = nullptr;
    if (git_blob_lookup(&blob, impl_->repo, &oid) != 0) return libgit2_error("reading blob " + id);
    std::string content(static_cast<const char*>(git_blob_rawcontent(blob)),
                        static_cast<std::size_t>(git_blob_rawsize(blob)));
    git_blob_free(blob);
    return content;
}

Result<std::string> GitMirror::resolve(const std::string& rev) const {
    Object obj;
    if (rev.empty() ||
        git_revparse_single(obj.out(), impl_->repo, (rev + "^{commit}").c_str()) != 0)
        return libgit2_error("resolving " + rev);
    return oid_hex(git_object_id(obj.get()));
}

Result<std::string> GitMirror::merge_base(const std::string& a, const std::string& b) const {
    auto ra = resolve(a);
    if (!ra) return ra.error();
    auto rb = resolve(b);
    if (!rb) return rb.error();
    git_oid oa, ob, base;
    parse_oid(*ra, oa);
    parse_oid(*rb, ob);
    if (git_merge_base(&base, impl_->repo, &oa, &ob) != 0)
        return libgit2_error("finding the merge base of " + a + " and " + b);
    return oid_hex(&base);
}

bool GitMirror::is_ancestor(const std::string& ancestor, const std::string& descendant) const {
    auto a = resolve(ancestor);
    auto d = resolve(descendant);
    if (!a || !d) return false;
    if (*a == *d) return true;
    git_oid oa, od;
    parse_oid(*a, oa);
    parse_oid(*d, od);
    return git_graph_descendant_of(impl_->repo, &od, &oa) == 1;
}

Result<std::string> GitMirror::first_parent(const std::string& commit) const {
    Object obj;
    if (git_revparse_single(obj.out(), impl_->repo, (commit + "^{commit}").c_str()) != 0)
        return libgit2_error("resolving " + commit);
    auto* c = reinterpret_cast<git_commit*>(obj.get());
    if (git_commit_parentcount(c) == 0) return std::string();
    return oid_hex(git_commit_parent_id(c, 0));
}

std::string GitMirror::default_branch() const {
    git_reference* head = nullptr;
    if (git_reference_lookup(&head, impl_->repo, "HEAD") != 0) return "";
    std::string target = git_reference_type(head) == GIT_REFERENCE_SYMBOLIC
                             ? git_reference_symbolic_target(head)
                             : "";
    git_reference_free(head);
    git_reference* branch = nullptr;
    if (!target.starts_with("refs/heads/") ||
        git_reference_lookup(&branch, impl_->repo, target.c_str()) != 0)
        return "";
    git_reference_free(branch);
    return target.substr(std::string_view("refs/heads/").size());
}

Result<void> GitMirror::checkout(const std::string& rev, const std::string& dest) const {
    Object commit;
    if (git_revparse_single(commit.out(), impl_->repo, (rev + "^{commit}").c_str()) != 0)
        return libgit2_error("resolving " + rev);
    // A leftover directory would mix stale files into the tree (and FORCE overwrites silently).
    std::error_code ec;
    if (fs::exists(fs::symlink_status(dest, ec)))
        return make_error("checking out " + rev + " into " + dest + ": it exists already");
    fs::create_directories(dest, ec);
    if (ec) return make_error("creating " + dest + ": " + ec.message());
    git_checkout_options opts = GIT_CHECKOUT_OPTIONS_INIT;
    opts.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
    opts.target_directory = dest.c_str();
    if (git_checkout_tree(impl_->repo, commit.get(), &opts) != 0)
        return libgit2_error("checking out " + rev + " into " + dest);
    return {};
}

}  // namespace strata
