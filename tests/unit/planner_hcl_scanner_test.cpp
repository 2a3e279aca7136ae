// The planner's HCL scanner: the structure it reads, the expressions it recognises, and the
// malformed input it refuses (with the line) instead of guessing.
#include <gtest/gtest.h>

#include <string>

#include "file_facts.hpp"
#include "hcl_scanner.hpp"

namespace strata::planner {
namespace {

using hcl::Value;

hcl::Body scanned(const std::string& text) {
    auto body = hcl::scan(text);
    EXPECT_TRUE(body.ok()) << body.error().message;
    return body.ok() ? *body : hcl::Body{};
}

std::string error_of(const std::string& text) {
    auto body = hcl::scan(text);
    EXPECT_FALSE(body.ok()) << "scanned without error: " << text;
    return body.ok() ? "" : body.error().message;
}

TEST(PlannerHclScanner, ReadsBlocksWithLabelsAttributesAndLines) {
    auto body = scanned(
        "# a comment\n"
        "module \"vpc\" {\n"
        "  source = \"../modules/vpc\"\n"
        "  cidr   = \"10.0.0.0/16\"\n"
        "}\n"
        "\n"
        "resource aws_s3_bucket \"logs\" {\n"
        "  lifecycle { prevent_destroy = true }\n"
        "}\n");
    ASSERT_EQ(body.blocks.size(), 2u);
    const auto& module = body.blocks[0];
    EXPECT_EQ(module.type, "module");
    EXPECT_EQ(module.labels, (std::vector<std::string>{"vpc"}));
    EXPECT_EQ(module.line, 2);
    ASSERT_NE(module.attribute("source"), nullptr);
    EXPECT_EQ(module.attribute("source")->value.kind, Value::Kind::String);
    EXPECT_EQ(module.attribute("source")->value.text, "../modules/vpc");
    EXPECT_EQ(module.attribute("source")->line, 3);
    const auto& resource = body.blocks[1];
    EXPECT_EQ(resource.labels, (std::vector<std::string>{"aws_s3_bucket", "logs"}));
    ASSERT_EQ(resource.blocks.size(), 1u);
    EXPECT_EQ(resource.blocks[0].type, "lifecycle");
    EXPECT_EQ(resource.blocks[0].line, 8);
}

TEST(PlannerHclScanner, DecodesEscapesAndKeepsTemplatesApart) {
    auto body = scanned(
        "a = \"tab\\there \\\"q\\\" \\\\ \\u00e9\"\n"
        "b = \"${var.x}/y\"\n"
        "c = \"$${literal}\"\n"
        "d = \"%{ if true }x%{ endif }\"\n"
        "e = \"nested ${\"}\"} braces\"\n");
    ASSERT_EQ(body.attributes.size(), 5u);
    EXPECT_EQ(body.attributes[0].value.text, "tab\there \"q\" \\ \xc3\xa9");
    EXPECT_EQ(body.attributes[1].value.kind, Value::Kind::Template);
    EXPECT_EQ(body.attributes[1].value.text, "${var.x}/y");
    EXPECT_EQ(body.attributes[2].value.kind, Value::Kind::String);
    EXPECT_EQ(body.attributes[2].value.text, "${literal}");
    EXPECT_EQ(body.attributes[3].value.kind, Value::Kind::Template);
    EXPECT_EQ(body.attributes[4].value.kind, Value::Kind::Template);
}

TEST(PlannerHclScanner, RecognisesListsAndCallsAndSkipsEverythingElseExactly) {
    auto body = scanned(
        "paths = [\"../a\", \"../b\",\n  \"../c\", # trailing comma and comment\n]\n"
        "p = find_in_parent_folders(\"root.hcl\")\n"
        "q = find_in_parent_folders()\n"
        "r = var.enabled ? \"x\" : \"}\"\n"
        "s = { a = \"{\", b = [1, 2, { c = \")\" }] }\n"
        "t = [for s in var.list : upper(s) if s != \"]\"]\n"
        "u = merge(local.a, { x = 1 })\n"
        "v = f(list...)\n");
    ASSERT_EQ(body.attributes.size(), 8u);
    const auto& paths = body.attributes[0].value;
    ASSERT_EQ(paths.kind, Value::Kind::List);
    ASSERT_EQ(paths.items.size(), 3u);
    EXPECT_EQ(paths.items[2].text, "../c");
    const auto& p = body.attributes[1].value;
    EXPECT_EQ(p.kind, Value::Kind::Call);
    EXPECT_EQ(p.text, "find_in_parent_folders");
    ASSERT_EQ(p.items.size(), 1u);
    EXPECT_EQ(p.items[0].text, "root.hcl");
    EXPECT_TRUE(body.attributes[2].value.items.empty());
    EXPECT_EQ(body.attributes[3].value.kind, Value::Kind::Other);
    EXPECT_EQ(body.attributes[4].value.kind, Value::Kind::Other);
    EXPECT_EQ(body.attributes[5].value.kind, Value::Kind::List);
    EXPECT_EQ(body.attributes[6].value.kind, Value::Kind::Call);
    EXPECT_EQ(body.attributes[7].name, "v");
}

TEST(PlannerHclScanner, ReadsHeredocsWhateverTheyHold) {
    auto body = scanned(
        "policy = <<EOF\n"
        "{ \"not\": \"a block\" } }\n"
        "  module \"fake\" { source = \"../nope\" }\n"
        "EOF\n"
        "indented = <<-EOT\n"
        "    ${var.x}\n"
        "    EOT\n"
        "module \"real\" {\n"
        "  source = \"./real\"\n"
        "}\n");
    ASSERT_EQ(body.attributes.size(), 2u);
    EXPECT_EQ(body.attributes[0].value.kind, Value::Kind::String);
    EXPECT_NE(body.attributes[0].value.text.find("module \"fake\""), std::string::npos);
    EXPECT_EQ(body.attributes[1].value.kind, Value::Kind::Template);
    ASSERT_EQ(body.blocks.size(), 1u);
    EXPECT_EQ(body.blocks[0].labels[0], "real");
    EXPECT_EQ(body.blocks[0].line, 8);
}

TEST(PlannerHclScanner, CommentsOfEveryKindHideWhatTheyHold) {
    auto body = scanned(
        "// module \"a\" { source = \"../a\" }\n"
        "/* module \"b\" {\n"
        "     source = \"../b\" } */\n"
        "module \"c\" { # the only one\n"
        "  source = \"../c\" // here\n"
        "}\n");
    ASSERT_EQ(body.blocks.size(), 1u);
    EXPECT_EQ(body.blocks[0].labels[0], "c");
    EXPECT_EQ(body.blocks[0].line, 4);
}

TEST(PlannerHclScanner, AcceptsWindowsLineEndingsAndAnEmptyFile) {
    EXPECT_TRUE(scanned("").blocks.empty());
    auto body = scanned("module \"x\" {\r\n  source = \"./x\"\r\n}\r\n");
    ASSERT_EQ(body.blocks.size(), 1u);
    EXPECT_EQ(body.blocks[0].attribute("source")->value.text, "./x");
}

TEST(PlannerHclScanner, RefusesMalformedInputWithItsLine) {
    EXPECT_EQ(error_of("a = \"open\n"), "line 1: unterminated string");
    EXPECT_EQ(error_of("x {\n  y = 1\n"), "line 1: block opened on line 1 is not closed");
    EXPECT_EQ(error_of("a = 1\n}\n"), "line 2: unexpected '}'");
    EXPECT_EQ(error_of("/* never closed\n\n"), "line 1: unterminated /* comment");
    EXPECT_EQ(error_of("a = <<EOF\nbody\n"), "line 1: heredoc EOF is not closed");
    EXPECT_EQ(error_of("a = [1, 2\n"), "line 2: missing ']'");
    EXPECT_EQ(error_of("a = \"\\q\"\n"), "line 1: unknown escape \\q");
    EXPECT_EQ(error_of("a =\n"), "line 1: expected an expression");
    EXPECT_EQ(error_of("module \"${x}\" {}\n"), "line 1: a block label cannot be a template");
    EXPECT_EQ(error_of("a = (1 ]\n"), "line 1: unexpected ']'");
    EXPECT_EQ(error_of("@ = 1\n"), "line 1: expected an attribute or a block, found '@'");
    EXPECT_EQ(error_of("block x\n"), "line 1: expected '{' after block block");
    EXPECT_EQ(error_of("a = \"${ x\"\n").substr(0, 7), "line 1:");
}

TEST(PlannerHclScanner, BoundsNestingInsteadOfExhaustingTheStack) {
    std::string deep_blocks, deep_lists = "a = ";
    for (int i = 0; i < 10'000; ++i) deep_blocks += "b {\n";
    for (int i = 0; i < 10'000; ++i) deep_lists += "[";
    EXPECT_NE(error_of(deep_blocks).find("nested deeper than"), std::string::npos);
    EXPECT_NE(error_of(deep_lists).find("nested deeper than"), std::string::npos);
    std::string fine;
    for (int i = 0; i < 20; ++i) fine += "b {\n";
    for (int i = 0; i < 20; ++i) fine += "}\n";
    EXPECT_TRUE(hcl::scan(fine).ok());
}

// ---- what the planner reads from a file -------------------------------------------------------

TEST(PlannerFileFacts, TerraformLocalModuleSourcesOnly) {
    auto facts = read_file_facts("main.tf",
                                 "module \"vpc\" { source = \"../modules/vpc\" }\n"
                                 "module \"here\" {\n  source = \"./sub\"\n}\n"
                                 "module \"registry\" { source = \"hashicorp/consul/aws\" }\n"
                                 "module \"git\" { source = \"git::https://x/y.git//m\" }\n"
                                 "module \"computed\" { source = \"${path.module}/x\" }\n");
    ASSERT_EQ(facts.modules.size(), 2u);
    EXPECT_EQ(facts.modules[0].path, "../modules/vpc");
    EXPECT_EQ(facts.modules[1].path, "./sub");
    EXPECT_EQ(facts.modules[1].line, 3);
    EXPECT_TRUE(facts.error.empty());
}

TEST(PlannerFileFacts, TerragruntSourcesDependenciesAndIncludes) {
    auto facts =
        read_file_facts("terragrunt.hcl",
                        "include \"root\" {\n  path = find_in_parent_folders(\"root.hcl\")\n}\n"
                        "terraform {\n  source = \"../../modules//vpc\"\n}\n"
                        "dependency \"network\" {\n  config_path = \"../network\"\n}\n"
                        "dependency \"db\" {\n"
                        "  config_path = \"${get_terragrunt_dir()}/../db\"\n}\n"
                        "dependencies {\n  paths = [\"../iam\", \"../kms\"]\n}\n"
                        "locals {\n  env = read_terragrunt_config(\"../env.hcl\")\n}\n");
    EXPECT_TRUE(facts.terraform_block);
    EXPECT_TRUE(facts.include_block);
    ASSERT_EQ(facts.modules.size(), 1u);
    EXPECT_EQ(facts.modules[0].path, "../../modules/vpc");
    ASSERT_EQ(facts.dependencies.size(), 2u);
    EXPECT_EQ(facts.dependencies[0].path, "../network");
    EXPECT_EQ(facts.dependencies[0].line, 7);
    EXPECT_EQ(facts.dependencies[1].path, "./../db");
    ASSERT_EQ(facts.ordering.size(), 2u);
    EXPECT_EQ(facts.ordering[1].path, "../kms");
    ASSERT_EQ(facts.includes.size(), 2u);
    EXPECT_EQ(facts.includes[0].find_in_parents, "root.hcl");
    EXPECT_EQ(facts.includes[1].path, "../env.hcl");
}

TEST(PlannerFileFacts, ARepoRootTemplateIsResolvedFromTheTop) {
    auto facts = read_file_facts("terragrunt.hcl",
                                 "terraform { source = \"${get_repo_root()}/modules//app\" }\n");
    ASSERT_EQ(facts.modules.size(), 1u);
    EXPECT_TRUE(facts.modules[0].from_top);
    EXPECT_EQ(facts.modules[0].path, "./modules/app");
}

TEST(PlannerFileFacts, AFileThatDoesNotScanSaysWhyAndYieldsNothing) {
    auto facts = read_file_facts("main.tf", "module \"x\" {\n  source = \"../x\n}\n");
    EXPECT_EQ(facts.error, "line 2: unterminated string");
    EXPECT_TRUE(facts.modules.empty());
}

}  // namespace
}  // namespace strata::planner
