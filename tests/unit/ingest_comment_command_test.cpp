// `strata plan|apply|unlock|confirm|reject [args]` on the first line of a pull-request comment.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "comment_command.hpp"

namespace strata::ingest {
namespace {

TEST(IngestCommentCommand, EachCommandIsRecognisedWithItsArguments) {
    for (const char* command : {"plan", "apply", "unlock", "confirm", "reject"}) {
        auto c = parse_comment_command(std::string("strata ") + command + " -p app  --verbose");
        ASSERT_TRUE(c.ok()) << command;
        EXPECT_EQ(c->command, command);
        EXPECT_EQ(c->args, (std::vector<std::string>{"-p", "app", "--verbose"}));
    }
}

TEST(IngestCommentCommand, SurroundingBlanksAndWindowsLineEndsDoNotMatter) {
    auto c = parse_comment_command(" \tstrata\tapply \r\nPlease apply this.\r\n");
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->command, "apply");
    EXPECT_TRUE(c->args.empty());
}

TEST(IngestCommentCommand, OnlyTheFirstLineIsACommand) {
    EXPECT_FALSE(parse_comment_command("LGTM\nstrata apply").ok());
}

TEST(IngestCommentCommand, OtherTextIsNotACommandAndSaysWhy) {
    auto plain = parse_comment_command("Looks good to me");
    ASSERT_FALSE(plain.ok());
    EXPECT_EQ(plain.error().message, "comment is not a strata command");
    EXPECT_FALSE(parse_comment_command("").ok());
    EXPECT_FALSE(parse_comment_command("stratas plan").ok());
    EXPECT_FALSE(parse_comment_command("Strata plan").ok());
    auto bare = parse_comment_command("strata");
    ASSERT_FALSE(bare.ok());
    EXPECT_EQ(bare.error().message, "comment names no strata command");
    auto unknown = parse_comment_command("strata destroy everything");
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().message, "unknown strata command 'destroy'");
}

TEST(IngestCommentCommand, TooManyArgumentsAreRefused) {
    std::string body = "strata plan";
    for (std::size_t i = 0; i <= kMaxCommandArgs; ++i) body += " x";
    EXPECT_FALSE(parse_comment_command(body).ok());
}

}  // namespace
}  // namespace strata::ingest
