// GitMirror::changed_paths: a diff of two trees that reads only the subtrees whose ids differ.
// libgit2's git_diff_tree_to_tree visits every entry of both trees (about 90 ms on a 500k-file
// tree); here both entry lists, already in Git's order, are merged side by side, so a small
// change to a large tree costs a few tree reads per level.
#include <cstring>

#include "git_internal.hpp"

namespace strata {
namespace {

using git_detail::Tree;

bool is_tree(const git_tree_entry* e) { return git_tree_entry_filemode(e) == GIT_FILEMODE_TREE; }

// Git's tree order: byte-wise by name, a directory's name compared as if it ended in '/'.
int git_order(const git_tree_entry* a, const git_tree_entry* b) {
    const char* an = git_tree_entry_name(a);
    const char* bn = git_tree_entry_name(b);
    std::size_t al = std::strlen(an), bl = std::strlen(bn);
    std::size_t common = al < bl ? al : bl;
    if (int c = std::memcmp(an, bn, common); c != 0) return c;
    auto next = [](const git_tree_entry* e, const char* name, std::size_t len, std::size_t at) {
        return static_cast<unsigned char>(at < len ? name[at] : is_tree(e) ? '/' : '\0');
    };
    return static_cast<int>(next(a, an, al, common)) - static_cast<int>(next(b, bn, bl, common));
}

std::string join(const std::string& prefix, const char* name) {
    return prefix.empty() ? std::string(name) : prefix + "/" + name;
}

// Thrown inside the walk when a subtree does not read (a damaged or incomplete mirror): a diff
// with a hole in it would silently under-report changes. Caught in changed_paths.
struct UnreadableTree {
    std::string message;
};

}  // namespace

void GitMirror::Impl::list_all(const git_tree* tree, const std::string& prefix,
                               ChangedPath::Kind kind, std::vector<ChangedPath>& out) const {
    for (std::size_t i = 0, n = git_tree_entrycount(tree); i < n; ++i) {
        const git_tree_entry* e = git_tree_entry_byindex(tree, i);
        std::string path = join(prefix, git_tree_entry_name(e));
        if (!is_tree(e)) {
            out.push_back({std::move(path), kind});
            continue;
        }
        Tree sub;
        if (git_tree_lookup(sub.out(), repo, git_tree_entry_id(e)) != 0)
            throw UnreadableTree{git_detail::libgit2_error("reading tree " + path).message};
        list_all(sub.get(), path, kind, out);
    }
}

void GitMirror::Impl::walk(const git_tree* a, const git_tree* b, const std::string& prefix,
                           std::vector<ChangedPath>& out) const {
    auto one_side = [&](const git_tree_entry* e, ChangedPath::Kind kind) {
        std::string path = join(prefix, git_tree_entry_name(e));
        if (!is_tree(e)) return out.push_back({std::move(path), kind});
        Tree sub;
        if (git_tree_lookup(sub.out(), repo, git_tree_entry_id(e)) != 0)
            throw UnreadableTree{git_detail::libgit2_error("reading tree " + path).message};
        list_all(sub.get(), path, kind, out);
    };
    std::size_t i = 0, j = 0;
    const std::size_t na = git_tree_entrycount(a), nb = git_tree_entrycount(b);
    while (i < na || j < nb) {
        const git_tree_entry* le = i < na ? git_tree_entry_byindex(a, i) : nullptr;
        const git_tree_entry* re = j < nb ? git_tree_entry_byindex(b, j) : nullptr;
        int order = !le ? 1 : !re ? -1 : git_order(le, re);
        if (order < 0) {
            one_side(le, ChangedPath::Kind::Deleted);
            ++i;
            continue;
        }
        if (order > 0) {
            one_side(re, ChangedPath::Kind::Added);
            ++j;
            continue;
        }
        ++i, ++j;  // same name, both directories or both not
        if (git_oid_equal(git_tree_entry_id(le), git_tree_entry_id(re)) &&
            git_tree_entry_filemode(le) == git_tree_entry_filemode(re))
            continue;
        std::string path = join(prefix, git_tree_entry_name(le));
        if (!is_tree(le)) {
            out.push_back({std::move(path), ChangedPath::Kind::Modified});
            continue;
        }
        Tree lt, rt;
        if (git_tree_lookup(lt.out(), repo, git_tree_entry_id(le)) != 0 ||
            git_tree_lookup(rt.out(), repo, git_tree_entry_id(re)) != 0)
            throw UnreadableTree{git_detail::libgit2_error("reading tree " + path).message};
        walk(lt.get(), rt.get(), path, out);
    }
}

Result<std::vector<ChangedPath>> GitMirror::changed_paths(const std::string& from,
                                                          const std::string& to) const {
    auto b = impl_->tree_of(to);
    if (!b) return b.error();
    Tree right{*b};
    std::vector<ChangedPath> out;
    try {
        if (is_zero_sha(from)) {
            impl_->list_all(right.get(), "", ChangedPath::Kind::Added, out);
            return out;
        }
        auto a = impl_->tree_of(from);
        if (!a) return a.error();
        Tree left{*a};
        if (git_oid_equal(git_tree_id(left.get()), git_tree_id(right.get()))) return out;
        impl_->walk(left.get(), right.get(), "", out);
    } catch (const UnreadableTree& e) {
        return make_error("diffing " + from + ".." + to + ": " + e.message);
    }
    return out;
}

}  // namespace strata
