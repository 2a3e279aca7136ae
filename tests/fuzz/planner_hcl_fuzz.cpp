// libFuzzer target: the planner's HCL scanner (services/planner/hcl_scanner.cpp) and what the
// planner reads from a scanned file (file_facts.cpp), over arbitrary bytes, as a Terraform file
// and as a Terragrunt file. Must never crash, hang or overflow the stack, whatever the input;
// a scan either fails with "line N: ..." (N within the input) or yields blocks on real lines.
//   built and run by tests/fuzz/run.sh (target fuzz_planner_hcl; seeds in seeds/planner_hcl)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "file_facts.hpp"
#include "hcl_scanner.hpp"

namespace {

int lines_in(std::string_view s) {
    int n = 1;
    for (char c : s) n += c == '\n';
    return n;
}

void check_lines(const strata::planner::hcl::Body& body, int max_line) {
    for (const auto& a : body.attributes)
        if (a.line < 1 || a.line > max_line) std::abort();
    for (const auto& b : body.blocks) {
        if (b.line < 1 || b.line > max_line) std::abort();
        check_lines({b.attributes, b.blocks}, max_line);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    const int max_line = lines_in(text);
    auto body = strata::planner::hcl::scan(text);
    if (body) {
        check_lines(*body, max_line);
    } else {
        const std::string& m = body.error().message;
        if (m.rfind("line ", 0) != 0) std::abort();
        int line = std::atoi(m.c_str() + 5);
        if (line < 1 || line > max_line) std::abort();
    }
    auto tf = strata::planner::read_file_facts("main.tf", text);
    auto tg = strata::planner::read_file_facts("terragrunt.hcl", text);
    if (body.ok() != tf.error.empty() || body.ok() != tg.error.empty()) std::abort();
    return 0;
}
