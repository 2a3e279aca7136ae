// A small, strict scanner of HCL's native syntax (Terraform *.tf, Terragrunt *.hcl): enough
// structure to read the blocks the planner follows (`module { source }`, Terragrunt
// `terraform { source }`, `dependency { config_path }`, `dependencies { paths }`,
// `include { path }`), with strings, escapes, interpolations, heredocs, comments and nesting
// handled exactly, and anything malformed reported with its line rather than guessed at.
//
// Expressions are only recognised in the simple forms the planner needs (a literal string, a
// template, a list, a function call); anything else is skipped, correctly, as Kind::Other.
// Pure and thread-safe; bounded nesting (kMaxDepth) so hostile input cannot exhaust the stack.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/result.hpp"

namespace strata::planner::hcl {

inline constexpr int kMaxDepth = 64;

struct Value {
    enum class Kind { String, Template, List, Call, Other } kind = Kind::Other;
    // String: the decoded literal. Template: the source between the quotes (or the heredoc
    // body) with its ${...} parts. Call: the function name.
    std::string text;
    std::vector<Value> items;  // List: the elements; Call: the arguments
};

struct Attribute {
    std::string name;
    Value value;
    int line = 0;
};

struct Block {
    std::string type;
    std::vector<std::string> labels;
    int line = 0;
    std::vector<Attribute> attributes;
    std::vector<Block> blocks;

    const Attribute* attribute(std::string_view name) const;
};

struct Body {
    std::vector<Attribute> attributes;
    std::vector<Block> blocks;
};

// Errors read "line N: what" (1-based lines).
Result<Body> scan(std::string_view source);

}  // namespace strata::planner::hcl
