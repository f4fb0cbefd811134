using System.Collections.Concurrent;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Features.PageCheck;

/// <summary>What reading the article said about a report's passage.</summary>
public sealed record PassageResult(PassageState State, string? Reason);

/// <summary>
/// Checks that a new report's passage is on its article, once: the editors' mail starts the check and waits for it a while
/// (<see cref="PageCheckOptions.MailWaitSeconds"/>), and the outbox row written with the report, due after that wait,
/// makes sure it is done (docs/decisions/0017-passage-check-starts-with-the-mail.md). Whoever asks while it is under
/// way joins it. The result is stored on the report.
/// </summary>
public sealed class PassageChecks(
    IServiceScopeFactory scopes,
    PageFetcher fetcher,
    SiteDirectory sites,
    TimeProvider time,
    IOptions<PageCheckOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<PassageChecks> logger)
{
    private readonly PageCheckOptions settings = options.Value;
    private readonly ConcurrentDictionary<Guid, Task<PassageResult?>> underway = new();

    /// <summary>
    /// The outbox row that makes sure a new report's passage is checked. Due once its editors' mail has waited for the
    /// check, which the mail starts itself: the row then finds the result stored, instead of holding the outbox up for
    /// a slow page before the mail; it checks the page itself only when the mail did not.
    /// </summary>
    public OutboxMessage ArrivalCheck(Guid reportId, DateTimeOffset now)
    {
        var message = OutboxNotifications.Create(new PassageToCheck(reportId), now);
        message.DueAt = now.AddSeconds(settings.MailWaitSeconds);
        return message;
    }

    /// <summary>Whether the service reads the articles of <paramref name="site"/>.</summary>
    public bool ChecksPagesOf(Site site) => settings.Enabled && site.ChecksPages;

    /// <summary>
    /// The result of the report's check at arrival, checking now unless it was stored or is under way; null when the
    /// report is gone, its site's pages are not read, or it was never checked (it arrived while checks were off).
    /// </summary>
    public Task<PassageResult?> CheckAtArrivalAsync(Guid reportId, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (underway.TryGetValue(reportId, out var running))
                return running.WaitAsync(cancellationToken);
            var check = new TaskCompletionSource<PassageResult?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!underway.TryAdd(reportId, check.Task))
                continue;
            // Not the caller's token: a mail that stops waiting leaves the check to finish and be stored.
            _ = RunSharedAsync(check, reportId);
            return check.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Puts the result of the report's check at arrival on <paramref name="report"/> for its editors' mail, waiting for
    /// the check at most <see cref="PageCheckOptions.MailWaitSeconds"/>; after that the mail goes out without it.
    /// </summary>
    public async Task WaitForMailAsync(Report report, Site site, CancellationToken cancellationToken)
    {
        if (report.Passage is not null || !ChecksPagesOf(site) || settings.MailWaitSeconds == 0)
            return;
        try
        {
            var result = await CheckAtArrivalAsync(report.Id, cancellationToken)
                .WaitAsync(TimeSpan.FromSeconds(settings.MailWaitSeconds), time, cancellationToken);
            if (result is not null)
            {
                report.Passage = result.State;
                report.PassageReason = result.Reason;
            }
        }
        catch (TimeoutException)
        {
            logger.LogInformation("The check of report {ReportId}'s passage took longer than {Seconds} s; its mail goes out without it", report.Id, settings.MailWaitSeconds);
        }
    }

    /// <summary>Whether the article shows the passage now, read afresh; false when it cannot be read or its site's pages are not.</summary>
    public async Task<bool> IsOnPageNowAsync(Report report, CancellationToken cancellationToken)
    {
        if (sites.Find(report.SiteKey) is not { } site || !ChecksPagesOf(site))
            return false;
        var page = await fetcher.FetchAsync(site, report.Url, validators: null, cancellationToken);
        return page.Outcome == FetchOutcome.Page && PageText.Parse(page.Body!, page.Charset).Contains(report.Prefix, report.Exact, report.Suffix);
    }

    private async Task RunSharedAsync(TaskCompletionSource<PassageResult?> check, Guid reportId)
    {
        try
        {
            check.SetResult(await RunAsync(reportId, lifetime.ApplicationStopping));
        }
        catch (Exception ex)
        {
            check.SetException(ex);
        }
        finally
        {
            underway.TryRemove(reportId, out _);
        }
    }

    private async Task<PassageResult?> RunAsync(Guid reportId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var report = await db.Reports.AsNoTracking().FirstOrDefaultAsync(r => r.Id == reportId, cancellationToken);
        if (report is null)
            return null;
        if (report.Passage is { } stored)
            return new PassageResult(stored, report.PassageReason);
        if (sites.Find(report.SiteKey) is not { } site || !ChecksPagesOf(site))
            return null;

        var page = await fetcher.FetchAsync(site, report.Url, validators: null, cancellationToken);
        var result = page.Outcome == FetchOutcome.Page
            ? new PassageResult(PageText.Parse(page.Body!, page.Charset).Contains(report.Prefix, report.Exact, report.Suffix) ? PassageState.Found : PassageState.NotFound, null)
            : new PassageResult(PassageState.Unknown, page.Reason);
        var now = time.GetUtcNow();
        // Only a passage that is there can be seen corrected later.
        var next = result.State == PassageState.Found && report.Status == ReportStatus.New ? settings.NextCheck(report.CreatedAt, now) : null;
        var etag = page.Validators?.ETag;
        var lastModified = page.Validators?.LastModified;
        await db.Reports
            .Where(r => r.Id == reportId && r.Passage == null)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Passage, result.State)
                .SetProperty(r => r.PassageReason, result.Reason)
                .SetProperty(r => r.PassageCheckedAt, now)
                .SetProperty(r => r.NextPageCheckAt, next)
                .SetProperty(r => r.PageETag, etag)
                .SetProperty(r => r.PageLastModified, lastModified), cancellationToken);
        logger.LogInformation("Report {ReportId}'s passage on {Url}: {Passage}{Reason}", reportId, report.Url, result.State, result.Reason is null ? "" : $" ({result.Reason})");
        return result;
    }
}
