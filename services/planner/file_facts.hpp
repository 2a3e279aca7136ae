// What one Terraform or Terragrunt file says about its directory's dependencies, read with the
// HCL scanner: local module sources (Terraform `module { source }`, Terragrunt
// `terraform { source }`), Terragrunt `dependency { config_path }` (reads outputs: affects and
// orders), `dependencies { paths }` (orders only) and `include { path }` /
// `read_terragrunt_config(...)` (reads another file). Paths are as written, relative to the
// file's directory; remote sources (registry, git::, https://, s3::, ...) are left out.
// Pure; cached by blob id (ScanCache), since a blob's facts never change.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace strata::planner {

struct PathRef {
    std::string path;  // relative to the file's dir, or to the repository's top (from_top)
    int line = 0;
    bool from_top = false;        // "${get_repo_root()}/..."
    std::string find_in_parents;  // find_in_parent_folders("name"): the name; path unused
};

struct FileFacts {
    std::vector<PathRef> modules;
    std::vector<PathRef> dependencies;
    std::vector<PathRef> ordering;
    std::vector<PathRef> includes;
    bool terraform_block = false;  // Terragrunt: `terraform { }` present (the dir is a unit)
    bool include_block = false;    // Terragrunt: includes a parent config (the dir is a unit)
    std::string error;             // scan error ("line 3: unterminated string"), "" when none
};

// name decides the dialect: "terragrunt.hcl" (and other *.hcl) Terragrunt, *.tf Terraform.
FileFacts read_file_facts(const std::string& name, std::string_view content);

// Blob id -> facts, shared by the threads of the planner. Bounded: cleared when full.
class ScanCache {
public:
    explicit ScanCache(std::size_t capacity = 500'000) : capacity_(capacity) {}
    std::shared_ptr<const FileFacts> find(const std::string& blob_id) const;
    void put(const std::string& blob_id, std::shared_ptr<const FileFacts> facts);

private:
    mutable std::mutex mutex_;
    std::size_t capacity_;
    std::unordered_map<std::string, std::shared_ptr<const FileFacts>> facts_;
};

}  // namespace strata::planner
