using Corrections.Features.Notifications;
using Corrections.Data;
using Corrections.Features.Reports.Submit;
using Corrections.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Bench;

/// <summary>Benchmark 2: stored reports turned into mails accepted by a local SMTP server, with 1 and with N dispatcher connections.</summary>
public static class MailBenchmark
{
    public static async Task RunAsync(BenchArgs args, TextWriter output)
    {
        var reports = args.Int("reports", 3000);
        var parallel = args.Ints("parallel", "1,4");
        output.WriteLine($"## Mail: {reports} stored reports, one mail each, to a local SMTP server");
        output.WriteLine($"Machine: {Machine.Describe()}");
        output.WriteLine();
        output.WriteLine("| SMTP connections (Outbox:Parallelism) | mails/s | accepted | SMTP sessions | load average before → after |");
        output.WriteLine("| ---: | ---: | ---: | ---: | --- |");
        foreach (var connections in parallel)
        {
            using var folder = new TempFolder();
            await InsertReportsAsync(folder.Path, reports);
            await using var sink = TestSmtpServer.StartNew(keepMessages: false);
            var before = Machine.LoadAverage();
            var settings = new Dictionary<string, string>(args.ServiceSettings)
            {
                ["Mail:Smtp:Host"] = "127.0.0.1",
                ["Mail:Smtp:Port"] = sink.Port.ToString(),
                ["Mail:Smtp:Security"] = "None",
                ["Outbox:Parallelism"] = connections.ToString(),
            };
            await using var service = await TargetProcess.StartServiceAsync(folder.Path, settings);
            await sink.WaitForAcceptedAsync(reports, TimeSpan.FromMinutes(5));
            var perSecond = sink.Accepted / sink.Span.TotalSeconds;
            output.WriteLine($"| {connections} | {perSecond:F0} | {sink.Accepted} of {reports} | {sink.Sessions} | {before} → {Machine.LoadAverage()} |");
        }
        output.WriteLine();
        output.WriteLine("Mails/s: from the first mail accepted to the last (target ≥ 200).");
    }

    /// <summary>Reports as the service stores them, each with its outbox row due now, in a fresh database.</summary>
    public static async Task InsertReportsAsync(string folder, int count)
    {
        var options = new DbContextOptionsBuilder<CorrectionsDb>()
            .UseSqlite($"Data Source={Path.Combine(folder, "corrections.db")}", sqlite => sqlite.MigrationsAssembly("Corrections.Migrations.Sqlite"))
            .Options;
        await using var db = new CorrectionsDb(options);
        await db.Database.MigrateAsync();
        var bodies = new ReportBodies(ReportBodies.NewRunId());
        var now = DateTimeOffset.UtcNow;
        var keys = new ReportKeys();
        for (var i = 0; i < count; i++)
        {
            var errors = new Corrections.Pipeline.ValidationErrors();
            var command = SubmitReportEndpoint.Read(bodies.Next(), errors)!;
            var id = Guid.CreateVersion7(now);
            db.Reports.Add(new Report
            {
                Id = id, SiteKey = command.Site, Url = command.Url, Title = command.Title, Language = command.Lang,
                DuplicateKey = SubmitReportHandler.DuplicateKey(command.Site, new Uri(command.Url), command.Prefix, command.Exact, command.Suffix),
                Exact = command.Exact, Prefix = command.Prefix, Suffix = command.Suffix, Suggestion = command.Suggestion, Comment = command.Comment,
                Status = ReportStatus.New, ReaderCount = 1, CreatedAt = now, UpdatedAt = now, ReplyToken = keys.NewReplyToken(now),
            });
            db.Outbox.Add(OutboxNotifications.Create(new ReportSubmitted(id, "editors@news.example.org"), now));
        }
        await db.SaveChangesAsync();
    }
}
