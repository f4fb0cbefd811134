using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Reliability;

/// <summary>The service as a real process against an SMTP relay that is down, refuses, stalls or rejects the login.</summary>
[Collection(ServiceProcessCollection.Name)]
public sealed class SmtpFaultTests() : ServiceTest(TestRelay.Down)
{
    [Fact]
    public async Task Reports_accepted_while_SMTP_is_down_are_each_mailed_once_when_it_is_back()
    {
        var service = await StartProcessAsync();

        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
            ids.Add(await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake number {i}")));
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).Any(m => m.Attempts > 0 && m.LastError != null), what: "A failed attempt");
        Assert.All(await Data.OutboxAsync(), m => Assert.Equal(OutboxState.Pending, m.State));

        Smtp.Start();
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).All(m => m.State == OutboxState.Done), what: "Every row done");

        Assert.Equal(ids.Order(), Smtp.MailedReports.Order());
        Assert.Equal(5, await Data.QueryAsync(db => db.Outbox.CountAsync()));
    }

    [Fact]
    public async Task Replies_421_and_451_are_retried_with_back_off_and_then_delivered_once()
    {
        Smtp.Start();
        Smtp.ReplyNext(421, 451);
        var service = await StartProcessAsync();

        var id = await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).Single().State == OutboxState.Done, what: "The row done");

        var row = (await Data.OutboxAsync()).Single();
        Assert.Equal(3, row.Attempts);
        Assert.Equal(id, Assert.Single(Smtp.MailedReports));
        Assert.Equal(3, Smtp.Deliveries);
        // Outbox:FirstRetrySeconds=1 and MaxRetrySeconds=2 with ±20 % jitter: about 1 s, then about 2 s.
        var times = Smtp.DeliveryTimes;
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(0.8), $"first retry after {times[1] - times[0]}");
        Assert.True(times[2] - times[1] >= TimeSpan.FromSeconds(1.6), $"second retry after {times[2] - times[1]}");
        Assert.Contains("attempt 1; retrying at", service.Output);
        Assert.Contains("attempt 2; retrying at", service.Output);
    }

    [Fact]
    public async Task A_550_reply_parks_the_message_which_is_listed_with_its_error_not_retried_and_can_be_re_queued()
    {
        Smtp.Start();
        Smtp.ReplyNext(550);
        var service = await StartProcessAsync();

        var id = await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).Single().State == OutboxState.Parked, what: "The row parked");

        using var admin = service.CreateAdminClient();
        using var list = await admin.GetAsync("/api/outbox?state=parked");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var parked = Assert.Single((await list.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray())!;
        Assert.Contains("SMTP 550", (string?)parked["lastError"]);
        Assert.Equal(1, (int?)parked["attempts"]);
        Assert.Equal(id, Guid.Parse((string)parked["payload"]!["ReportId"]!));
        await service.WaitForOutputAsync("parked after 1 attempt(s)");
        Assert.Contains("\"LogLevel\":\"Warning\",\"Category\":\"Corrections.Outbox.OutboxDispatcher\"", service.Output);

        // Past the longest back-off (2 s) and a poll interval (1 s): a parked message is left alone.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(1, Smtp.Deliveries);
        Assert.Equal(OutboxState.Parked, (await Data.OutboxAsync()).Single().State);

        using var retry = await admin.PostAsync($"/api/outbox/{(long)parked["id"]!}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        Assert.Equal(id, TestSmtpServer.ReportOf(Assert.Single(await Smtp.WaitForMessagesAsync(1))));
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).Single().State == OutboxState.Done, what: "The re-queued row done");
    }

    [Fact]
    public async Task A_refused_login_logs_an_error_sends_nothing_and_mail_goes_out_once_the_login_works()
    {
        Smtp.RequireLogin("corrections", "relay-password");
        Smtp.RefuseLogins = true;
        Smtp.Start();
        var service = await StartProcessAsync(new Dictionary<string, string?>
        {
            ["Mail:Smtp:UserName"] = "corrections",
            ["Mail:Smtp:Password"] = "relay-password",
        });

        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
            ids.Add(await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake number {i}")));
        await service.WaitForOutputAsync("refused the login of corrections");
        Assert.Contains("\"LogLevel\":\"Error\",\"Category\":\"Corrections.Email.SmtpMailTransport\"", service.Output);
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).Any(m => m.LastError?.Contains("Authentication") == true), what: "The login failure recorded");
        Assert.Equal(0, Smtp.Deliveries);
        Assert.All(await Data.OutboxAsync(), m => Assert.Equal(OutboxState.Pending, m.State));

        Smtp.RefuseLogins = false;
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).All(m => m.State == OutboxState.Done), what: "Every row done");

        Assert.Equal(ids.Order(), Smtp.MailedReports.Order());
    }

    [Fact]
    public async Task A_relay_that_accepts_and_never_answers_is_timed_out_and_retried_until_the_mail_is_delivered()
    {
        Smtp.Start();
        Smtp.Silent = true;
        var service = await StartProcessAsync(new Dictionary<string, string?> { ["Mail:Smtp:TimeoutSeconds"] = "1" });

        var id = await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await service.WaitUntilAsync(() => Task.FromResult(Smtp.Connections >= 2), what: "A second connection after the first timed out");
        var waiting = (await Data.OutboxAsync()).Single();
        Assert.Equal(OutboxState.Pending, waiting.State);
        Assert.Contains("did not answer within 1 s", waiting.LastError);

        Smtp.Silent = false;
        await service.WaitUntilAsync(async () => (await Data.OutboxAsync()).Single().State == OutboxState.Done, what: "The row done");

        Assert.Equal(id, Assert.Single(Smtp.MailedReports));
    }

    [Fact]
    public async Task Submissions_are_answered_and_stored_while_the_relay_hangs()
    {
        Smtp.Start();
        Smtp.Silent = true;
        var service = await StartProcessAsync(new Dictionary<string, string?> { ["Mail:Smtp:TimeoutSeconds"] = "600" });

        var first = await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: "the first mistake"));
        await service.WaitUntilAsync(() => Task.FromResult(Smtp.OpenSilentConnections == 1), what: "The dispatcher waiting on the silent relay");

        var more = new List<Guid>();
        for (var i = 0; i < 5; i++)
            more.Add(await service.Client.SubmitAcceptedAsync(Infrastructure.Reports.Valid(exact: $"mistake number {i}")));

        // Every answer came while the one connection to the relay was still open and silent.
        Assert.Equal(1, Smtp.Connections);
        Assert.Equal(1, Smtp.OpenSilentConnections);
        var stored = await Data.QueryAsync(db => db.Reports.Select(r => r.Id).ToListAsync());
        Assert.Equal(more.Append(first).Order(), stored.Order());
        Assert.Equal(6, (await Data.OutboxAsync()).Count);
    }
}
