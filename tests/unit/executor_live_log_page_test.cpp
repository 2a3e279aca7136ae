// The live log page ingest serves for the check run's details link: the HTML and the
// Server-Sent Events it follows.
#include <gtest/gtest.h>

#include "job_log_page.hpp"
#include "strata/job_log_store.hpp"

namespace strata::ingest {
namespace {

TEST(LiveLogPage, RunningDeploymentFollowsItsEventsWithAScript) {
    auto html = render_log_page("dep-1", {}, true);
    EXPECT_NE(html.find("new EventSource("), std::string::npos);
    EXPECT_NE(html.find("'/events'"), std::string::npos);
    EXPECT_NE(html.find("running"), std::string::npos);
}

TEST(LiveLogPage, FinishedDeploymentShowsItsLinesEscapedWithoutAScript) {
    auto html =
        render_log_page("dep-1", {"Plan: 1 to add", "<script>alert(1)</script> & co"}, false);
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_NE(html.find("Plan: 1 to add\n&lt;script&gt;alert(1)&lt;/script&gt; &amp; co\n"),
              std::string::npos);
    EXPECT_NE(html.find("finished"), std::string::npos);
}

TEST(LiveLogEvents, EachLineIsAnEventWithItsStreamIdAndTheEndMarkerEndsIt) {
    auto body = render_events(
        {{"1-0", "Initializing...", false}, {"2-0", "with\rreturn", false}, {"3-0", "", true}},
        false);
    EXPECT_EQ(body,
              "retry: 250\n\n"
              "id: 1-0\ndata: Initializing...\n\n"
              "id: 2-0\ndata: with return\n\n"
              "id: 3-0\nevent: end\ndata: end\n\n");
}

TEST(LiveLogEvents, NothingNewIsACommentAndAFinishedDeploymentAnEnd) {
    EXPECT_EQ(render_events({}, false), "retry: 250\n\n: nothing new yet\n\n");
    EXPECT_EQ(render_events({}, true), "retry: 250\n\nevent: end\ndata: end\n\n");
}

TEST(LogIds, OnlyPlainIdsNameLogs) {
    EXPECT_TRUE(valid_log_id("4f1c2a9e-0b7d-4c43-9a51-1f0e6a7b8c9d"));
    EXPECT_TRUE(valid_log_id("dep-1:3:apply"));
    for (const char* bad : {"", "..", ".hidden", "a/b", "a b", "x%2Fy"})
        EXPECT_FALSE(valid_log_id(bad)) << bad;
    EXPECT_FALSE(valid_log_id(std::string(201, 'a')));
}

}  // namespace
}  // namespace strata::ingest
