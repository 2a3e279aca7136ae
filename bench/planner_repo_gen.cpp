// The planner benchmark's monorepo: `roots` Terraform roots under envs/, a shared modules/ tree
// that roots call (and modules call modules), about `files` files in all; written with one
// `git fast-import` stream into a bare repository (seconds for 100,000 files, where a loop of
// `git add` would take minutes). Then a series of pushes of 10 changed files each.
#include "planner_repo_gen.hpp"

#include <cstdio>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

namespace strata::bench {
namespace {

void put(FILE* out, const std::string& path, const std::string& content) {
    std::fprintf(out, "M 100644 inline %s\ndata %zu\n", path.c_str(), content.size());
    std::fwrite(content.data(), 1, content.size(), out);
    std::fputc('\n', out);
}

std::string root_dir(int i) {
    return "envs/env" + std::to_string(i % 10) + "/team" + std::to_string(i / 50) + "/svc" +
           std::to_string(i);
}

std::string module_dir(int m) { return "modules/m" + std::to_string(m); }

std::string run(const std::string& command) {
    FILE* p = ::popen(command.c_str(), "r");
    if (!p) throw std::runtime_error("running " + command);
    std::string out;
    char buf[256];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    if (::pclose(p) != 0) throw std::runtime_error(command + " failed");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

}  // namespace

GeneratedRepo generate_monorepo(const std::string& dir, int roots, int files, int pushes) {
    run("git init -q --bare -b main '" + dir + "' && echo ok");
    FILE* out = ::popen(("git -C '" + dir + "' fast-import --quiet").c_str(), "w");
    if (!out) throw std::runtime_error("starting git fast-import");
    const int modules = std::max(20, roots / 25);
    std::mt19937 rng(42);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    std::fprintf(out,
                 "commit refs/heads/main\nmark :1\n"
                 "committer Bench <bench@strata.invalid> 1700000000 +0000\n"
                 "data 4\nbase\n");
    int written = 0;
    for (int m = 0; m < modules; ++m) {
        std::string body =
            "variable \"name\" {}\nresource \"null_resource\" \"m" + std::to_string(m) + "\" {}\n";
        if (m % 4 == 1)  // some modules call another module
            body += "module \"inner\" {\n  source = \"../m" + std::to_string(pick(m)) + "\"\n}\n";
        put(out, module_dir(m) + "/main.tf", body);
        put(out, module_dir(m) + "/variables.tf", "variable \"m" + std::to_string(m) + "\" {}\n");
        put(out, module_dir(m) + "/outputs.tf",
            "output \"id\" { value = " + std::to_string(m) + " }\n");
        written += 3;
    }
    const int per_root = std::max(8, (files - written) / roots);
    const int remainder = std::max(0, files - written - per_root * roots);
    for (int i = 0; i < roots; ++i) {
        const int root_files = per_root + (i < remainder ? 1 : 0);
        std::string d = root_dir(i), n = std::to_string(i);
        std::string main = "terraform {\n  required_version = \">= 1.5\"\n}\n";
        main += "module \"a\" {\n  source = \"../../../../" + module_dir(pick(modules)) +
                "\"\n  name = \"svc" + n + "\"\n}\n";
        if (i % 3 == 0)
            main += "module \"b\" {\n  source = \"../../../../" + module_dir(pick(modules)) +
                    "\"\n  name = \"svc" + n + "-b\"\n}\n";
        put(out, d + "/main.tf", main);
        put(out, d + "/variables.tf", "variable \"region\" { default = \"eu-" + n + "\" }\n");
        put(out, d + "/outputs.tf", "output \"svc\" { value = \"" + n + "\" }\n");
        put(out, d + "/terraform.tfvars", "region = \"eu-west-" + std::to_string(i % 3) + "\"\n");
        put(out, d + "/backend.tf", "terraform {\n  backend \"s3\" { key = \"" + d + "\" }\n}\n");
        put(out, d + "/.terraform.lock.hcl", "provider \"registry.terraform.io/x/y\" {}\n");
        put(out, d + "/README.md", "# svc" + n + "\n");
        for (int f = 7; f < root_files; ++f)
            put(out, d + "/files/config-" + std::to_string(f) + ".json",
                "{\"svc\": " + n + ", \"file\": " + std::to_string(f) + "}\n");
        written += root_files;
    }
    // The pushes, 10 files each with content never seen before: seven roots' main.tf, one
    // module (its callers are affected too), a README (affects nothing), a new tfvars file.
    for (int p = 1; p <= pushes; ++p) {
        std::string n = std::to_string(p);
        std::fprintf(out,
                     "commit refs/heads/main\nmark :%d\n"
                     "committer Bench <bench@strata.invalid> %d +0000\n"
                     "data 4\npush\nfrom :%d\n",
                     p + 1, 1700000000 + p, p);
        std::set<int> touched;
        while (touched.size() < 9) touched.insert(pick(roots));
        auto next = touched.begin();
        for (int k = 0; k < 7; ++k, ++next)
            put(out, root_dir(*next) + "/main.tf",
                "# push " + n + " file " + std::to_string(k) + "\n");
        put(out, module_dir(pick(modules)) + "/variables.tf", "variable \"v" + n + "\" {}\n");
        put(out, root_dir(*next++) + "/README.md", "# push " + n + "\n");
        put(out, root_dir(*next) + "/push-" + n + ".auto.tfvars", "push = " + n + "\n");
    }
    if (::pclose(out) != 0) throw std::runtime_error("git fast-import failed");
    GeneratedRepo repo;
    repo.dir = dir;
    repo.files = written;
    for (int p = pushes; p >= 0; --p)
        repo.commits.push_back(run("git -C '" + dir + "' rev-parse main~" + std::to_string(p)));
    return repo;
}

}  // namespace strata::bench
