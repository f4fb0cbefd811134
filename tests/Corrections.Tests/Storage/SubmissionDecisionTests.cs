using Corrections.Data;
using Corrections.Storage;

namespace Corrections.Tests.Storage;

public sealed class SubmissionDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);

    private static PreparedSubmission Prepared(
        string clientRequestId, string exact = "wrold", string url = "https://news.example.org/a", string site = "demo",
        string prefix = "brave new ", string suffix = " order", bool bot = false, int secondsLater = 0)
    {
        var id = Guid.CreateVersion7(Now);
        var at = Now.AddSeconds(secondsLater);
        var report = new Report
        {
            Id = id, SiteKey = site, Url = url, DuplicateKey = "same-key-for-all", Exact = exact, Prefix = prefix, Suffix = suffix,
            Status = bot ? ReportStatus.Spam : ReportStatus.New, ReaderCount = 1, CreatedAt = at, UpdatedAt = at, ReplyToken = id.ToString("N"),
        };
        var submission = new ReportSubmission { SiteKey = site, ClientRequestId = clientRequestId, ReceivedAt = at };
        ReportEvent[] history = bot ? [new ReportEvent { ReportId = id, Actor = "bot trap", Action = "spam", At = at }] : [];
        OutboxMessage[] mail = bot ? [] : [new OutboxMessage { Type = "ReportSubmitted", Payload = id.ToString(), CreatedAt = at, DueAt = at }];
        return new PreparedSubmission(submission, report, history, mail);
    }

    private static StoredBefore Stored(IEnumerable<OpenReport>? open = null, Dictionary<(string, string), StoredSubmission>? repeats = null) =>
        new(repeats ?? [], (open ?? []).ToList());

    [Fact]
    public void A_first_submission_makes_its_report_with_its_mail()
    {
        var (results, rows) = SubmissionDecision.Decide([Prepared("a")], StoredBefore.Nothing);

        Assert.Equal(SubmissionOutcome.Created, results[0].Outcome);
        Assert.True(results[0].WroteOutbox);
        Assert.Single(rows.Reports);
        Assert.Single(rows.Outbox);
        Assert.Equal(rows.Reports[0].Id, Assert.Single(rows.Submissions).ReportId);
    }

    [Fact]
    public void A_stored_client_request_id_is_a_repeat_that_writes_nothing()
    {
        var stored = new StoredSubmission(Guid.NewGuid(), ReportStatus.Fixed, SubmissionOutcome.Created, WroteOutbox: true);

        var (results, rows) = SubmissionDecision.Decide([Prepared("a")], Stored(repeats: new() { [("demo", "a")] = stored }));

        Assert.Equal(new StoredSubmission(stored.ReportId, ReportStatus.Fixed, SubmissionOutcome.Repeat), results[0]);
        Assert.Empty(rows.Reports);
        Assert.Empty(rows.Submissions);
        Assert.Empty(rows.Outbox);
    }

    [Fact]
    public void The_same_client_request_id_on_another_site_is_no_repeat()
    {
        var stored = new StoredSubmission(Guid.NewGuid(), ReportStatus.New, SubmissionOutcome.Created);

        var (results, _) = SubmissionDecision.Decide([Prepared("a", site: "other")], Stored(repeats: new() { [("demo", "a")] = stored }));

        Assert.Equal(SubmissionOutcome.Created, results[0].Outcome);
    }

    [Fact]
    public void Another_reader_of_the_same_open_passage_joins_the_stored_report_and_adds_a_reader()
    {
        var open = Prepared("first");
        var openReport = new OpenReport(Guid.NewGuid(), open.Passage!);

        var (results, rows) = SubmissionDecision.Decide([Prepared("second", secondsLater: 5)], Stored(open: [openReport]));

        Assert.Equal(new StoredSubmission(openReport.Id, ReportStatus.New, SubmissionOutcome.Joined), results[0]);
        Assert.Empty(rows.Reports);
        Assert.Empty(rows.Outbox);
        Assert.Equal(openReport.Id, Assert.Single(rows.Submissions).ReportId);
        Assert.Equal((1, Now.AddSeconds(5)), rows.Joined[openReport.Id]);
    }

    [Theory]
    [InlineData("exact")]
    [InlineData("prefix")]
    [InlineData("suffix")]
    [InlineData("page")]
    [InlineData("site")]
    public void A_report_that_shares_only_the_duplicate_key_is_not_joined(string differs)
    {
        var stored = Prepared("first");
        var other = differs switch
        {
            "exact" => Prepared("second", exact: "world"),
            "prefix" => Prepared("second", prefix: "a brave new "),
            "suffix" => Prepared("second", suffix: " orders"),
            "page" => Prepared("second", url: "https://news.example.org/b"),
            _ => Prepared("second", site: "other"),
        };
        Assert.Equal(stored.Report.DuplicateKey, other.Report.DuplicateKey); // a collision of the truncated hash

        var (results, rows) = SubmissionDecision.Decide([other], Stored(open: [new OpenReport(Guid.NewGuid(), stored.Passage!)]));

        Assert.Equal(SubmissionOutcome.Created, results[0].Outcome);
        Assert.Single(rows.Reports);
    }

    [Fact]
    public void The_same_page_with_another_query_is_the_same_passage()
    {
        var stored = Prepared("first", url: "https://news.example.org/a?utm_source=x");
        var openReport = new OpenReport(Guid.NewGuid(), stored.Passage!);

        var (results, _) = SubmissionDecision.Decide([Prepared("second", url: "https://news.example.org/a?ref=y")], Stored(open: [openReport]));

        Assert.Equal(SubmissionOutcome.Joined, results[0].Outcome);
    }

    [Fact]
    public void Within_a_group_a_resend_is_a_repeat_and_another_reader_joins_the_report_the_group_made()
    {
        var first = Prepared("a");
        var group = new[] { first, Prepared("a"), Prepared("b", secondsLater: 3) };

        var (results, rows) = SubmissionDecision.Decide(group, StoredBefore.Nothing);

        Assert.Equal([SubmissionOutcome.Created, SubmissionOutcome.Repeat, SubmissionOutcome.Joined], results.Select(r => r.Outcome));
        Assert.All(results, r => Assert.Equal(first.Report.Id, r.ReportId));
        var report = Assert.Single(rows.Reports);
        Assert.Equal(2, report.ReaderCount);
        Assert.Equal(Now.AddSeconds(3), report.UpdatedAt);
        Assert.Equal(2, rows.Submissions.Count);
        Assert.Single(rows.Outbox);
        Assert.Empty(rows.Joined);
    }

    [Fact]
    public void A_bots_report_is_kept_as_spam_and_neither_joins_nor_is_joined()
    {
        var open = new OpenReport(Guid.NewGuid(), Prepared("first").Passage!);
        var group = new[] { Prepared("bot", bot: true), Prepared("reader") };

        var (results, rows) = SubmissionDecision.Decide(group, Stored(open: [open]));

        Assert.Equal(SubmissionOutcome.Created, results[0].Outcome);
        Assert.Equal(ReportStatus.Spam, results[0].Status);
        Assert.False(results[0].WroteOutbox);
        Assert.Equal(new StoredSubmission(open.Id, ReportStatus.New, SubmissionOutcome.Joined), results[1]);
        Assert.Single(rows.History);
    }

    [Fact]
    public void A_group_decided_again_after_a_failure_counts_its_readers_afresh()
    {
        var group = new[] { Prepared("a"), Prepared("b") };
        SubmissionDecision.Decide(group, StoredBefore.Nothing);

        var (_, again) = SubmissionDecision.Decide(group, StoredBefore.Nothing);

        Assert.Equal(2, Assert.Single(again.Reports).ReaderCount);
    }

    [Fact]
    public void Reports_without_context_join_none_and_none_joins_them()
    {
        var typed = Prepared("typed", prefix: "", suffix: "");
        var stored = new OpenReport(Guid.NewGuid(), new Passage("demo", "https://news.example.org/a", "", "wrold", ""));

        var (results, rows) = SubmissionDecision.Decide([typed, Prepared("typed again", prefix: "", suffix: "")], Stored(open: [stored]));

        Assert.All(results, r => Assert.Equal(SubmissionOutcome.Created, r.Outcome));
        Assert.Equal(2, rows.Reports.Count);
        Assert.All(rows.Reports, r => Assert.Equal(1, r.ReaderCount));
    }
}
