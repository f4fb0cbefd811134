using System.Net.Http.Json;
using Corrections.Data;
using Corrections.Features.Digests;
using Corrections.Features.Replies;
using Corrections.Tests.Infrastructure;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Corrections.Tests.Digests;

public sealed class DigestTests : ServiceTest
{
    private const string Politics = "politics@news.example.org";

    /// <summary>07:00 in Kyiv (UTC+2 in winter): the last digest time, 17:00 the day before, has nothing to send.</summary>
    private static readonly DateTimeOffset Morning = new(2026, 12, 7, 5, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, string?> DigestSettings(string times = "09:00,17:00") => new()
    {
        ["Sites:0:Mail:Mode"] = "digest",
        ["Sites:0:Mail:DigestTimes"] = times,
        ["Sites:0:TimeZone"] = "Europe/Kyiv",
        ["Mail:Replies:Address"] = "corrections@news.example.org",
        ["Mail:Replies:AllowUnauthenticated"] = "true",
    };

    private CorrectionsApp Start(DateTimeOffset at, Dictionary<string, string?>? settings = null) =>
        StartApp(settings ?? DigestSettings(), new FakeTimeProvider(at));

    private static DigestScheduler Scheduler(CorrectionsApp app) => app.Services.GetServices<IHostedService>().OfType<DigestScheduler>().Single();

    /// <summary>Moves the clock and queues what is due (the scheduler's own loop may get there first); returns how many digest times are queued in all.</summary>
    private static async Task<int> QueueAtAsync(CorrectionsApp app, DateTimeOffset at)
    {
        app.Time.SetUtcNow(at);
        await Scheduler(app).QueueDueAsync(CancellationToken.None);
        return await app.QueryAsync(db => db.Outbox.CountAsync(m => m.Type == "DigestDue"));
    }

    private static async Task WaitForOutboxAsync(CorrectionsApp app) =>
        await app.WaitUntilAsync(async () => (await app.OutboxAsync()).All(m => m.State != OutboxState.Pending));

    /// <summary>A report without a reader's address (no thank-you mail), a second after the one before.</summary>
    private static async Task<Guid> SubmitAsync(CorrectionsApp app, string exact, string article = "a")
    {
        var report = Infrastructure.Reports.Valid(exact: exact, url: $"https://news.example.org/2026/{article}");
        report.Remove("readerEmail");
        var id = await app.SubmitAcceptedAsync(report);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        return id;
    }

    [Fact]
    public async Task In_digest_mode_the_reports_are_mailed_once_at_the_digest_time_grouped_by_article_and_numbered()
    {
        var app = Start(Morning);
        await SubmitAsync(app, "first mistake", "a");
        await SubmitAsync(app, "second mistake", "b");
        await SubmitAsync(app, "third mistake", "a");
        await WaitForOutboxAsync(app);
        Assert.Empty(Smtp.Messages);

        Assert.Equal(2, await QueueAtAsync(app, Morning.AddHours(2))); // 09:00 in Kyiv, after 17:00 the day before
        var digest = (await Smtp.WaitForMessagesAsync(1)).Single();
        Assert.Equal(2, await QueueAtAsync(app, Morning.AddHours(2.5)));
        Assert.Equal(3, await QueueAtAsync(app, Morning.AddHours(10))); // 17:00: nothing new since
        await WaitForOutboxAsync(app);
        await Task.Delay(200);

        Assert.Single(Smtp.Messages);
        Assert.Equal(Infrastructure.Reports.DemoEditor, digest.To.Mailboxes.Single().Address);
        Assert.Equal("[Demo News] Digest: 3 reports on 2 articles", digest.Subject);
        var text = digest.TextBody!;
        Assert.True(text.IndexOf("[[first mistake]]") < text.IndexOf("[[third mistake]]") && text.IndexOf("[[third mistake]]") < text.IndexOf("[[second mistake]]"),
            "grouped by article, the article reported first first:\n" + text);
        Assert.Contains("[1] 1 reader:", text);
        Assert.Contains("[3] 1 reader:", text);
        Assert.Matches(@"\[-[^\]]*mistake-\]", text);
        Assert.Contains("{+", text);
        Assert.Contains("Open at the passage: https://news.example.org/2026/a#:~:text=", text);
        Assert.Equal(3 * 4, System.Text.RegularExpressions.Regex.Matches(text, @"^  (Fixed|Reject|Duplicate|Spam): http://localhost:5080/triage/", System.Text.RegularExpressions.RegexOptions.Multiline).Count);
        Assert.Contains("Reply with a report's number", text);
        Assert.StartsWith("corrections+", digest.ReplyTo.Mailboxes.Single().Address);
        Assert.Contains("<mark", digest.HtmlBody);
    }

    [Fact]
    public async Task A_report_closed_before_its_digest_is_built_is_left_out_and_nothing_new_sends_no_digest()
    {
        var app = Start(Morning);
        var closed = await SubmitAsync(app, "first mistake");
        await SubmitAsync(app, "second mistake");
        await app.CreateAdminClient().PostAsJsonAsync($"/api/reports/{closed}/triage", new { action = "fixed" });

        await QueueAtAsync(app, Morning.AddHours(2));
        var digest = (await Smtp.WaitForMessagesAsync(1)).Single();

        Assert.Equal("[Demo News] Digest: 1 report on 1 article", digest.Subject);
        Assert.DoesNotContain("first mistake", digest.TextBody);
    }

    [Fact]
    public async Task A_reply_to_a_digest_triages_the_report_its_number_names()
    {
        var app = Start(Morning);
        var first = await SubmitAsync(app, "first mistake");
        var second = await SubmitAsync(app, "second mistake");
        await QueueAtAsync(app, Morning.AddHours(2));
        await Smtp.WaitForMessagesAsync(1);
        var token = await app.QueryAsync(db => db.Digests.Select(d => d.ReplyToken).SingleAsync());

        async Task<ReplyOutcome> ReplyAsync(string line)
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new HandleEditorReply(
                $"<{Guid.NewGuid()}@news.example.org>", token, Infrastructure.Reports.DemoEditor, line, "Re: digest", SenderCheck.NotRequired));
        }

        Assert.Equal(ReplyOutcome.Applied, await ReplyAsync("2 spam"));
        Assert.Equal(ReplyOutcome.UnknownCommand, await ReplyAsync("7 fixed"));
        Assert.Equal(ReplyOutcome.UnknownCommand, await ReplyAsync("fixed"));

        var statuses = await app.QueryAsync(db => db.Reports.ToDictionaryAsync(r => r.Id, r => r.Status));
        Assert.Equal(ReportStatus.New, statuses[first]);
        Assert.Equal(ReportStatus.Spam, statuses[second]);
    }

    [Fact]
    public async Task A_digest_missed_while_the_service_was_down_is_sent_at_the_next_start_once()
    {
        var before = Start(Morning);
        await SubmitAsync(before, "first mistake");
        await WaitForOutboxAsync(before);
        await before.DisposeAsync();

        var after = Start(Morning.AddHours(5)); // 12:00 in Kyiv: 09:00 was missed
        await Smtp.WaitForMessagesAsync(1);
        await WaitForOutboxAsync(after);
        await after.DisposeAsync();
        var again = Start(Morning.AddHours(6));
        await Task.Delay(500);
        await WaitForOutboxAsync(again);

        Assert.Single(Smtp.Messages);
        Assert.Equal(2, await again.QueryAsync(db => db.Outbox.CountAsync(m => m.Type == "DigestDue"))); // 17:00 the day before, and 09:00
    }

    [Fact]
    public async Task Two_instances_queue_a_digest_time_once()
    {
        var one = Start(Morning);
        var two = Start(Morning);
        await WaitForOutboxAsync(one);

        one.Time.SetUtcNow(Morning.AddHours(2));
        two.Time.SetUtcNow(Morning.AddHours(2));
        await Task.WhenAll(Scheduler(one).QueueDueAsync(CancellationToken.None), Scheduler(two).QueueDueAsync(CancellationToken.None));

        var key = DigestDue.KeyOf("demo", null, Morning.AddHours(2));
        Assert.Equal(1, await one.QueryAsync(db => db.Outbox.CountAsync(m => m.UniqueKey == key)));
    }

    [Fact]
    public async Task Across_the_change_to_summer_time_the_digest_comes_at_the_same_local_time()
    {
        // Kyiv moves from UTC+2 to UTC+3 at 03:00 on 29 March 2026: 09:00 is 07:00Z on the 28th and 06:00Z on the 29th.
        var app = Start(new DateTimeOffset(2026, 3, 28, 8, 0, 0, TimeSpan.Zero), DigestSettings("09:00"));
        await WaitForOutboxAsync(app);
        await SubmitAsync(app, "first mistake");

        Assert.Equal(1, await QueueAtAsync(app, new DateTimeOffset(2026, 3, 29, 5, 59, 0, TimeSpan.Zero)));
        await WaitForOutboxAsync(app);
        Assert.Empty(Smtp.Messages);
        Assert.Equal(2, await QueueAtAsync(app, new DateTimeOffset(2026, 3, 29, 6, 0, 0, TimeSpan.Zero)));
        await Smtp.WaitForMessagesAsync(1);
    }

    [Fact]
    public async Task A_desk_in_digest_mode_waits_for_its_digest_while_the_sites_editors_get_each_report()
    {
        var app = Start(Morning, new()
        {
            ["Sites:0:Desks:0:Name"] = "Politics",
            ["Sites:0:Desks:0:Editors:0"] = Politics,
            ["Sites:0:Desks:0:Paths:0"] = "/politics/",
            ["Sites:0:Desks:0:Mail:Mode"] = "digest",
            ["Sites:0:Desks:0:Mail:DigestTimes"] = "09:00",
            ["Sites:0:Desks:0:TimeZone"] = "Europe/Kyiv",
        });
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "desk mistake", url: "https://news.example.org/politics/a"));
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "site mistake"));
        var each = (await Smtp.WaitForMessagesAsync(1)).Single();

        await QueueAtAsync(app, Morning.AddHours(2));
        var messages = await Smtp.WaitForMessagesAsync(2);

        Assert.Equal(Infrastructure.Reports.DemoEditor, each.To.Mailboxes.Single().Address);
        Assert.Contains("site mistake", each.TextBody);
        var digest = messages.Single(m => m != each);
        Assert.Equal(Politics, digest.To.Mailboxes.Single().Address);
        Assert.Equal("[Demo News · Politics] Digest: 1 report on 1 article", digest.Subject);
        Assert.Contains("desk mistake", digest.TextBody);
    }
}
