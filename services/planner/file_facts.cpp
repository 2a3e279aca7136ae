#include "file_facts.hpp"

#include <optional>
#include <utility>

#include "hcl_scanner.hpp"

namespace strata::planner {
namespace {

using hcl::Value;

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool local_path(std::string_view p) {
    return p == "." || p == ".." || p.starts_with("./") || p.starts_with("../");
}

// Terragrunt's "dir//subdir" (copy dir, run in subdir) names, for our purpose, dir/subdir.
std::string drop_double_slash(std::string path) {
    for (std::size_t at; (at = path.find("//")) != std::string::npos;) path.erase(at, 1);
    return path;
}

// A literal local path, or a template whose only interpolation is a leading
// ${get_terragrunt_dir()} (the file's dir) or ${get_repo_root()} (the repository's top).
std::optional<PathRef> terragrunt_path(const Value& v, int line) {
    if (v.kind == Value::Kind::String) {
        if (!local_path(v.text)) return std::nullopt;
        return PathRef{drop_double_slash(v.text), line, false, ""};
    }
    if (v.kind != Value::Kind::Template) return std::nullopt;
    for (auto [prefix, from_top] :
         {std::pair<std::string_view, bool>{"${get_terragrunt_dir()}", false},
          {"${get_repo_root()}", true}}) {
        if (!v.text.starts_with(prefix)) continue;
        std::string rest = v.text.substr(prefix.size());
        if (rest.find("${") != std::string::npos || rest.find("%{") != std::string::npos)
            return std::nullopt;
        return PathRef{drop_double_slash("." + rest), line, from_top, ""};
    }
    return std::nullopt;
}

// find_in_parent_folders() / find_in_parent_folders("name"); nullopt for anything else.
std::optional<PathRef> parent_lookup(const Value& v, int line) {
    if (v.kind != Value::Kind::Call || v.text != "find_in_parent_folders") return std::nullopt;
    if (v.items.empty()) return PathRef{"", line, false, "terragrunt.hcl"};
    if (v.items[0].kind != Value::Kind::String || v.items[0].text.empty() ||
        v.items[0].text.find('/') != std::string::npos)
        return std::nullopt;
    return PathRef{"", line, false, v.items[0].text};
}

void read_terraform(const hcl::Body& body, FileFacts& facts) {
    for (const auto& block : body.blocks) {
        if (block.type != "module") continue;
        const auto* source = block.attribute("source");
        if (source && source->value.kind == Value::Kind::String && local_path(source->value.text))
            facts.modules.push_back({source->value.text, source->line, false, ""});
    }
}

// read_terragrunt_config(<path or find_in_parent_folders(...)>) as a whole attribute value.
void read_config_call(const Value& v, int line, FileFacts& facts) {
    if (v.kind != Value::Kind::Call || v.text != "read_terragrunt_config" || v.items.empty())
        return;
    if (auto p = parent_lookup(v.items[0], line))
        facts.includes.push_back(*p);
    else if (auto q = terragrunt_path(v.items[0], line))
        facts.includes.push_back(*q);
}

void read_terragrunt(const hcl::Body& body, FileFacts& facts) {
    for (const auto& block : body.blocks) {
        if (block.type == "terraform") {
            facts.terraform_block = true;
            if (const auto* a = block.attribute("source"))
                if (auto p = terragrunt_path(a->value, a->line)) facts.modules.push_back(*p);
        } else if (block.type == "dependency") {
            if (const auto* a = block.attribute("config_path"))
                if (auto p = terragrunt_path(a->value, block.line))
                    facts.dependencies.push_back(*p);
        } else if (block.type == "dependencies") {
            const auto* a = block.attribute("paths");
            if (a && a->value.kind == Value::Kind::List)
                for (const auto& item : a->value.items)
                    if (auto p = terragrunt_path(item, a->line)) facts.ordering.push_back(*p);
        } else if (block.type == "include") {
            facts.include_block = true;
            if (const auto* a = block.attribute("path")) {
                if (auto p = parent_lookup(a->value, a->line))
                    facts.includes.push_back(*p);
                else if (auto q = terragrunt_path(a->value, a->line))
                    facts.includes.push_back(*q);
            }
        } else if (block.type == "locals") {
            for (const auto& a : block.attributes) read_config_call(a.value, a.line, facts);
        }
    }
}

}  // namespace

FileFacts read_file_facts(const std::string& name, std::string_view content) {
    FileFacts facts;
    auto body = hcl::scan(content);
    if (!body) {
        facts.error = body.error().message;
        return facts;
    }
    if (ends_with(name, ".tf"))
        read_terraform(*body, facts);
    else if (ends_with(name, ".hcl"))
        read_terragrunt(*body, facts);
    return facts;
}

std::shared_ptr<const FileFacts> ScanCache::find(const std::string& blob_id) const {
    std::lock_guard lock(mutex_);
    auto it = facts_.find(blob_id);
    return it == facts_.end() ? nullptr : it->second;
}

void ScanCache::put(const std::string& blob_id, std::shared_ptr<const FileFacts> facts) {
    std::lock_guard lock(mutex_);
    if (facts_.size() >= capacity_) facts_.clear();
    facts_[blob_id] = std::move(facts);
}

}  // namespace strata::planner
