using Corrections.Features.Notifications;
using Corrections.Data;
using Corrections.Features.Reports.Submit;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Bench;

/// <summary>
/// The textbook EF Core path, for comparison: each request reads and parses the report as the service does, adds its
/// report, submission and outbox row to a pooled context and commits them with one <c>SaveChanges</c>, in SQLite's WAL
/// mode with <c>synchronous=FULL</c> (a durable commit a request), then answers.
/// </summary>
public static class TextbookEndpoint
{
    public static async Task<WebApplication> BuildAsync(string url, string database)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        builder.Services.AddDbContextPool<CorrectionsDb>(options => options.UseSqlite(
            $"Data Source={database};Default Timeout=30", sqlite => sqlite.MigrationsAssembly("Corrections.Migrations.Sqlite")));
        var app = builder.Build();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
            await db.Database.MigrateAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL");
        }
        app.MapPost("/api/reports", async (HttpRequest request, CorrectionsDb db, CancellationToken cancellationToken) =>
        {
            var (command, refused) = await BareEndpoint.ReadAsync(request, cancellationToken);
            if (command is null)
                return refused!;
            var now = DateTimeOffset.UtcNow;
            var url = new Uri(command.Url);
            var report = new Report
            {
                Id = Guid.CreateVersion7(), SiteKey = command.Site, Url = SubmitReportHandler.StoredUrl(url),
                DuplicateKey = SubmitReportHandler.DuplicateKey(command.Site, url, command.Prefix, command.Exact, command.Suffix),
                Title = command.Title, Language = command.Lang, Exact = command.Exact, Prefix = command.Prefix, Suffix = command.Suffix,
                Suggestion = command.Suggestion, Comment = command.Comment, Status = ReportStatus.New, ReaderCount = 1,
                CreatedAt = now, UpdatedAt = now, ReplyToken = Guid.NewGuid().ToString("N"),
            };
            db.Reports.Add(report);
            db.ReportSubmissions.Add(new ReportSubmission
            {
                ReportId = report.Id, SiteKey = command.Site, ClientRequestId = command.ClientRequestId ?? Guid.NewGuid().ToString(),
                Suggestion = command.Suggestion, Comment = command.Comment, ReaderEmail = command.ReaderEmail, ReceivedAt = now,
            });
            db.Outbox.Add(new OutboxMessage { Type = "ReportSubmitted", Payload = $$"""{"reportId":"{{report.Id}}"}""", CreatedAt = now, DueAt = now });
            await db.SaveChangesAsync(cancellationToken);
            return Results.Accepted($"/api/reports/{report.Id}", new { id = report.Id, status = "new" });
        });
        app.MapGet("/", () => "textbook");
        return app;
    }
}
