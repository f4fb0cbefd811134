using Corrections.Data;
using Corrections.Features.Replies;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MimeKit;

namespace Corrections.Tests.Triage;

/// <summary>Editors triage by replying; the replies are read from a real IMAP server.</summary>
public sealed class ReplyTriageTests : ServiceTest
{
    private DovecotServer imap = null!;
    private CorrectionsApp app = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        imap = Track(await DovecotServer.StartAsync());
        app = NewAppReadingImap(imap.Port);
    }

    /// <summary>The receiving server, as it names itself in its Authentication-Results headers.</summary>
    private const string ReceivingServer = "mx.example.org";

    /// <summary>What the receiving server writes on top of a reply from an editor of the demo site that it has verified.</summary>
    private const string VouchedFor = ReceivingServer + "; spf=pass smtp.mailfrom=news.example.org; dkim=pass header.d=news.example.org header.s=s1; dmarc=pass header.from=news.example.org";

    private CorrectionsApp NewAppReadingImap(int imapPort, Dictionary<string, string?>? settings = null) => NewApp(new Dictionary<string, string?>
    {
        ["Mail:Replies:Address"] = "corrections@example.org",
        ["Mail:Replies:TrustedAuthServId"] = ReceivingServer,
        ["Mail:Imap:Host"] = "127.0.0.1",
        ["Mail:Imap:Port"] = imapPort.ToString(),
        ["Mail:Imap:UserName"] = DovecotServer.UserName,
        ["Mail:Imap:Password"] = DovecotServer.Password,
        ["Mail:Imap:Security"] = "None",
        // IMAP servers may tell of new mail late or not at all during IDLE; the reader then finds it at its next look.
        ["Mail:Imap:PollSeconds"] = "2",
    }.Concat(settings ?? []).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Last().Value));

    private async Task<(Guid Id, MimeMessage Mail)> SubmitAsync()
    {
        var id = await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        return (id, (await Smtp.WaitForMessagesAsync(1)).Single());
    }

    private static MimeMessage ReplyTo(MimeMessage mail, string text, string from = "editors@news.example.org", string? to = null, params string[] authenticationResults)
    {
        var reply = new MimeMessage();
        foreach (var header in authenticationResults.Length > 0 ? authenticationResults : [VouchedFor])
            reply.Headers.Add("Authentication-Results", header);
        reply.From.Add(MailboxAddress.Parse(from));
        reply.To.Add(to is null ? mail.ReplyTo.Mailboxes.Single() : MailboxAddress.Parse(to));
        reply.Subject = "Re: " + mail.Subject;
        reply.InReplyTo = mail.MessageId;
        reply.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("editor.example");
        reply.Body = new TextPart("plain") { Text = $"{text}\r\n\r\nOn Mon, Nov 25, 2024 at 10:00 AM Corrections <corrections@example.org> wrote:\r\n> {mail.TextBody?.Split('\n')[0]}\r\n" };
        return reply;
    }

    /// <summary>
    /// Waits for the reply reader while moving the service's clock, so that a reader whose first connection failed
    /// (a loaded machine, an IMAP server still starting) reconnects after its back-off, as it would on a real clock.
    /// </summary>
    private Task WaitForReaderAsync(Func<Task<bool>> condition) =>
        app.AdvanceUntilAsync(condition, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));

    private Task WaitUntilProcessedAsync(int count) =>
        WaitForReaderAsync(async () => (await imap.CountAsync()) == (0, count));

    [Fact]
    public async Task The_editors_mail_asks_for_replies_at_the_reports_own_address()
    {
        var (_, mail) = await SubmitAsync();

        var replyTo = mail.ReplyTo.Mailboxes.Single().Address;
        Assert.Matches("^corrections\\+[a-z2-7]{32}@example\\.org$", replyTo);
        Assert.Contains("reply with one word", mail.TextBody, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_reply_with_a_command_from_an_editor_triages_the_report_and_is_moved_to_processed()
    {
        var (id, mail) = await SubmitAsync();

        await imap.DeliverAsync(ReplyTo(mail, "Fixed"));
        await WaitForReaderAsync(async () => (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status == ReportStatus.Fixed);
        await WaitUntilProcessedAsync(1);

        var change = Assert.Single(await app.QueryAsync(db => db.ReportEvents.ToListAsync()));
        Assert.Equal(TriageChannel.Reply, change.Channel);
        Assert.Equal("editors@news.example.org", change.Actor);
        Assert.Equal("fixed", change.Action);
    }

    [Fact]
    public async Task A_reject_reply_keeps_its_reason_and_other_text_becomes_a_note()
    {
        var (id, mail) = await SubmitAsync();

        await imap.DeliverAsync(ReplyTo(mail, "Will check with the author."));
        await WaitUntilProcessedAsync(1);
        await imap.DeliverAsync(ReplyTo(mail, "reject the author spelled it so"));
        await WaitUntilProcessedAsync(2);

        var history = await app.QueryAsync(db => db.ReportEvents.OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(["note", "reject"], history.Select(e => e.Action));
        Assert.Equal("Will check with the author.", history[0].Note);
        Assert.Equal("the author spelled it so", history[1].Note);
        Assert.Equal(ReportStatus.Rejected, (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
    }

    [Fact]
    public async Task A_reply_from_someone_who_is_not_an_editor_is_ignored()
    {
        var (id, mail) = await SubmitAsync();

        await imap.DeliverAsync(ReplyTo(mail, "spam", from: "intruder@example.com"));
        await WaitUntilProcessedAsync(1);

        Assert.Equal(ReportStatus.New, (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
        Assert.Empty(await app.QueryAsync(db => db.ReportEvents.ToListAsync()));
    }

    [Fact]
    public async Task A_forged_editor_sender_without_the_reports_token_cannot_triage()
    {
        var (id, mail) = await SubmitAsync();

        await imap.DeliverAsync(ReplyTo(mail, "spam", to: "corrections@example.org"));
        await WaitUntilProcessedAsync(1);

        Assert.Equal(ReportStatus.New, (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
    }

    [Theory]
    [InlineData(ReceivingServer + "; dkim=fail header.d=news.example.org; dmarc=fail header.from=news.example.org")]
    [InlineData(ReceivingServer + "; spf=pass smtp.mailfrom=news.example.org; dkim=pass header.d=mailer.example.com; dmarc=none header.from=news.example.org")]
    [InlineData("mx.elsewhere.example.com; dkim=pass header.d=news.example.org; dmarc=pass header.from=news.example.org")]
    [InlineData(ReceivingServer + "; dmarc=fail header.from=news.example.org", VouchedFor)]
    public async Task A_reply_whose_sender_the_receiving_server_does_not_vouch_for_changes_nothing_and_the_editor_is_pointed_to_the_signed_links(params string[] authenticationResults)
    {
        var (id, mail) = await SubmitAsync();

        await imap.DeliverAsync(ReplyTo(mail, "Fixed", authenticationResults: authenticationResults));
        await WaitForReaderAsync(() => Task.FromResult(Smtp.Messages.Count >= 2));
        await WaitUntilProcessedAsync(1);

        Assert.Equal(ReportStatus.New, (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
        Assert.Empty(await app.QueryAsync(db => db.ReportEvents.ToListAsync()));
        var answer = Smtp.Messages.Single(m => m.MessageId != mail.MessageId);
        Assert.Equal("editors@news.example.org", answer.To.Mailboxes.Single().Address);
        Assert.Empty(answer.ReplyTo);
        Assert.Contains("use the links in the report's mail", answer.TextBody);
        Assert.Contains(app.Logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("is not vouched for by the receiving server"));
    }

    [Fact]
    public async Task Without_a_trusted_receiving_server_triage_by_reply_stays_off_and_the_start_up_log_says_how_to_turn_it_on()
    {
        app = NewAppReadingImap(imap.Port, new() { ["Mail:Replies:TrustedAuthServId"] = "" });
        var (id, mail) = await SubmitAsync();

        await imap.DeliverAsync(ReplyTo(mail, "Fixed", to: "corrections@example.org"));
        await app.WaitUntilAsync(() => Task.FromResult(app.Logs.Lines.Any(l => l.Message.Contains("Triage by reply is off"))));
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Contains(app.Logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("Mail:Replies:TrustedAuthServId"));
        Assert.Empty(mail.ReplyTo);
        Assert.DoesNotContain("reply with one word", mail.TextBody, StringComparison.OrdinalIgnoreCase);
        Assert.Equal((1, 0), await imap.CountAsync());
        Assert.Equal(ReportStatus.New, (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
    }

    [Fact]
    public async Task With_unauthenticated_replies_allowed_a_reply_triages_without_a_verdict_and_the_start_up_log_names_the_risk()
    {
        app = NewAppReadingImap(imap.Port, new() { ["Mail:Replies:TrustedAuthServId"] = "", ["Mail:Replies:AllowUnauthenticated"] = "true" });
        var (id, mail) = await SubmitAsync();

        await imap.DeliverAsync(ReplyTo(mail, "Fixed", authenticationResults: ["mx.elsewhere.example.com; none"]));
        await WaitForReaderAsync(async () => (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status == ReportStatus.Fixed);

        Assert.Contains(app.Logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("Mail:Replies:AllowUnauthenticated is true") && l.Message.Contains("forging"));
    }

    [Fact]
    public async Task An_unknown_command_gets_a_short_reply_listing_the_commands()
    {
        var (id, mail) = await SubmitAsync();

        await imap.DeliverAsync(ReplyTo(mail, "fixd"));
        await WaitForReaderAsync(() => Task.FromResult(Smtp.Messages.Count >= 2));

        var help = Smtp.Messages.Single(m => m.MessageId != mail.MessageId);
        Assert.Equal("editors@news.example.org", help.To.Mailboxes.Single().Address);
        Assert.Contains("“fixd”", help.TextBody);
        Assert.Contains("reject [reason]", help.TextBody);
        Assert.StartsWith("Re: ", help.Subject);
        Assert.Equal(ReportStatus.New, (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
    }

    [Fact]
    public async Task The_same_reply_read_twice_is_applied_once()
    {
        var (_, mail) = await SubmitAsync();
        var reply = ReplyTo(mail, "Noted, checking.");

        await imap.DeliverAsync(reply);
        await WaitUntilProcessedAsync(1);
        await imap.DeliverAsync(reply);
        await WaitUntilProcessedAsync(2);

        Assert.Single(await app.QueryAsync(db => db.ReportEvents.ToListAsync()));
    }

    [Fact]
    public async Task A_reply_without_a_Message_ID_and_with_a_long_subject_is_applied_once()
    {
        var (id, mail) = await SubmitAsync();
        var reply = ReplyTo(mail, "Fixed");
        reply.Subject = "Re: " + new string('x', 600);
        reply.Headers.Remove(HeaderId.MessageId);

        await imap.DeliverAsync(reply);
        await WaitUntilProcessedAsync(1);
        await imap.DeliverAsync(reply);
        await WaitUntilProcessedAsync(2);

        Assert.Equal(ReportStatus.Fixed, (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
        Assert.Single(await app.QueryAsync(db => db.ReportEvents.ToListAsync()));
    }

    [Fact]
    public async Task Replies_that_arrive_while_others_are_being_handled_are_all_read()
    {
        var (_, mail) = await SubmitAsync();

        for (var i = 0; i < 6; i++)
            await imap.DeliverAsync(ReplyTo(mail, $"Note {i}: checking with the desk."));

        await WaitUntilProcessedAsync(6);
        Assert.Equal(6, (await app.QueryAsync(db => db.ReportEvents.ToListAsync())).Count);
    }

    [Fact]
    public async Task A_reader_that_could_not_reach_the_IMAP_server_reconnects_and_reads_the_replies()
    {
        await app.DisposeAsync();
        await imap.DisposeAsync();
        var port = TestPorts.Next();
        app = NewAppReadingImap(port);
        var (id, mail) = await SubmitAsync();
        await app.WaitUntilAsync(() => Task.FromResult(app.Logs.Lines.Any(l => l.Category == typeof(ReplyReader).FullName && l.Level == LogLevel.Warning)));

        imap = Track(await DovecotServer.StartAsync(port));
        await imap.DeliverAsync(ReplyTo(mail, "Fixed"));

        await WaitUntilProcessedAsync(1);
        Assert.Equal(ReportStatus.Fixed, (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
    }

    [Fact]
    public async Task While_another_instance_holds_the_reply_readers_lease_replies_wait_for_it_to_expire()
    {
        await using (var db = Data.CreateDb())
        {
            await db.Database.MigrateAsync();
            db.Leases.Add(new Lease { Name = ReplyReader.LeaseName, Owner = "another-instance", ExpiresAt = app.Time.GetUtcNow() + ReplyReader.LeaseDuration });
            await db.SaveChangesAsync();
        }
        var (id, mail) = await SubmitAsync();

        await imap.DeliverAsync(ReplyTo(mail, "Fixed"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal((1, 0), await imap.CountAsync());

        // The other instance stops renewing: once its lease has expired, this one reads the mailbox.
        await app.AdvanceUntilAsync(async () => (await imap.CountAsync()) == (0, 1), ReplyReader.LeaseCheck, TimeSpan.FromMinutes(5));
        Assert.Equal(ReportStatus.Fixed, (await app.QueryAsync(db => db.Reports.SingleAsync(r => r.Id == id))).Status);
        Assert.NotEqual("another-instance", (await app.QueryAsync(db => db.Leases.SingleAsync(l => l.Name == ReplyReader.LeaseName))).Owner);
    }
}
