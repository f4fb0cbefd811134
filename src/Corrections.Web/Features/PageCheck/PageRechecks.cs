using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Triage;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Features.PageCheck;

/// <summary>
/// Reads the articles of open reports whose passage was found again, on each report's schedule
/// (<see cref="PageCheckOptions.NextCheck"/>), and closes a report as fixed when its passage is gone and the reader's
/// correction is there, through <see cref="TriageReport"/> like an editor's "Fixed": the history records it, readers are
/// thanked once, and no editor is mailed. A passage gone without the correction is noted once in the history.
/// Each round reads each page once however many reports it has, and runs on the one instance that holds the lease.
/// </summary>
public sealed class PageRechecks(
    IServiceScopeFactory scopes,
    DatabaseLease lease,
    PageFetcher fetcher,
    PassageChecks checks,
    SiteDirectory sites,
    IOptions<PageCheckOptions> options,
    TimeProvider time,
    ILogger<PageRechecks> logger) : BackgroundService
{
    public const string LeaseName = "page-recheck";
    public const string Actor = "live page";
    public const string FixedNote = "fixed on the live page";
    public const string ChangedNote = "the passage changed";

    /// <summary>Reports read per round at most; the rest are due at the next.</summary>
    private const int RoundSize = 500;

    /// <summary>Pages read at once in a round, across origins; each origin has its own limit besides.</summary>
    private const int PagesAtOnce = 8;

    private readonly PageCheckOptions settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Enabled)
            return;
        var interval = TimeSpan.FromSeconds(settings.RoundSeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunOnThisInstanceAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "Checking the live pages of open reports failed; trying again in {Seconds} s", interval.TotalSeconds);
                }
                await Task.Delay(interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            try
            {
                await lease.ReleaseAsync(LeaseName, CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Releasing the live page checks' lease failed; another instance takes them over when it expires");
            }
        }
    }

    /// <summary>
    /// Runs a round unless another instance holds the lease, which lasts a few rounds: the holder renews it with each,
    /// another instance takes the checks over once the holder has missed them.
    /// </summary>
    public async Task<bool> RunOnThisInstanceAsync(CancellationToken cancellationToken)
    {
        var duration = TimeSpan.FromSeconds(settings.RoundSeconds * 3 + settings.TimeoutSeconds);
        if (!await lease.TryAcquireAsync(LeaseName, duration, cancellationToken))
            return false;
        await RunRoundAsync(cancellationToken);
        return true;
    }

    /// <summary>Checks every report that is due; returns the number of pages read.</summary>
    public async Task<int> RunRoundAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<Due> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
            due = await db.Reports.AsNoTracking()
                .Where(r => r.NextPageCheckAt != null && r.NextPageCheckAt <= now)
                .OrderBy(r => r.NextPageCheckAt)
                .Take(RoundSize)
                .Select(r => new Due(r.Id, r.SiteKey, r.Url, r.Status, r.CreatedAt, r.PageETag, r.PageLastModified, r.PassageCheckedAt))
                .ToListAsync(cancellationToken);
        }
        var pages = due.GroupBy(r => (r.SiteKey, r.Url)).ToList();
        await Parallel.ForEachAsync(pages, new ParallelOptions { MaxDegreeOfParallelism = PagesAtOnce, CancellationToken = cancellationToken },
            async (page, ct) => await CheckPageAsync(page.Key.SiteKey, page.Key.Url, [.. page], ct));
        return pages.Count;
    }

    private sealed record Due(
        Guid Id, string SiteKey, string Url, ReportStatus Status, DateTimeOffset CreatedAt,
        string? ETag, DateTimeOffset? LastModified, DateTimeOffset? CheckedAt);

    private async Task CheckPageAsync(string siteKey, string url, List<Due> reports, CancellationToken cancellationToken)
    {
        var site = sites.Find(siteKey);
        var reading = site is not null && checks.ChecksPagesOf(site);
        // Closed since, or on a site whose pages are no longer read: off the schedule.
        var off = reports.Where(r => r.Status != ReportStatus.New || !reading).Select(r => r.Id).ToList();
        if (off.Count > 0)
            await UpdateAsync(off, r => r.SetProperty(x => x.NextPageCheckAt, (DateTimeOffset?)null), cancellationToken);
        reports = reports.Where(r => r.Status == ReportStatus.New && reading).ToList();
        if (reports.Count == 0)
            return;

        // The validators of the latest read: every report of the page was read together since.
        var latest = reports.MaxBy(r => r.CheckedAt)!;
        var validators = latest.ETag is null && latest.LastModified is null ? null : new PageValidators(latest.ETag, latest.LastModified);
        var page = await fetcher.FetchAsync(site!, url, validators, cancellationToken);
        var now = time.GetUtcNow();
        if (page.Outcome != FetchOutcome.Page)
        {
            if (page.Outcome == FetchOutcome.Failed)
                logger.LogInformation("The live page {Url} could not be read: {Reason}; its {Count} report(s) wait for their next check", url, page.Reason, reports.Count);
            foreach (var report in reports)
                await ScheduleAsync(report, now, cancellationToken);
            return;
        }

        var text = PageText.Parse(page.Body!, page.Charset);
        foreach (var report in reports)
            await CheckReportAsync(report, text, page.Validators, now, cancellationToken);
    }

    private async Task CheckReportAsync(Due due, PageText text, PageValidators? validators, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var report = await db.Reports.AsNoTracking().SingleAsync(r => r.Id == due.Id, cancellationToken);
        var etag = validators?.ETag;
        var lastModified = validators?.LastModified;
        if (text.Contains(report.Prefix, report.Exact, report.Suffix))
        {
            var next = settings.NextCheck(report.CreatedAt, now);
            await UpdateAsync([report.Id], r => r
                .SetProperty(x => x.Passage, PassageState.Found)
                .SetProperty(x => x.PassageCheckedAt, now)
                .SetProperty(x => x.NextPageCheckAt, next)
                .SetProperty(x => x.PageETag, etag)
                .SetProperty(x => x.PageLastModified, lastModified), cancellationToken);
            return;
        }

        var corrections = await db.ReportSubmissions
            .Where(s => s.ReportId == report.Id && s.Suggestion != null)
            .Select(s => s.Suggestion!)
            .ToListAsync(cancellationToken);
        if (report.Suggestion is { } first)
            corrections.Add(first);
        var corrected = corrections.Count == 0 || corrections.Distinct().Any(c => text.ContainsCorrection(report.Prefix, c, report.Suffix));
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        if (corrected)
        {
            var outcome = await mediator.Send(new TriageReport(report.Id, TriageAction.Fixed, Actor, TriageChannel.LivePage, FixedNote, OnlyFrom: ReportStatus.New), cancellationToken);
            if (outcome.Applied)
                logger.LogInformation("Report {ReportId} fixed on the live page {Url}", report.Id, report.Url);
            await UpdateAsync([report.Id], r => r
                .SetProperty(x => x.Passage, PassageState.NotFound)
                .SetProperty(x => x.PassageCheckedAt, now)
                .SetProperty(x => x.NextPageCheckAt, (DateTimeOffset?)null)
                .SetProperty(x => x.PageETag, etag)
                .SetProperty(x => x.PageLastModified, lastModified), cancellationToken);
            return;
        }

        // Gone, but not as the reader suggested: an editor decides. Still checked, in case the correction follows.
        var noted = await db.ReportEvents.AnyAsync(e => e.ReportId == report.Id && e.Channel == TriageChannel.LivePage && e.Note == ChangedNote, cancellationToken);
        if (!noted)
            await mediator.Send(new TriageReport(report.Id, TriageAction.Note, Actor, TriageChannel.LivePage, ChangedNote, OnlyFrom: ReportStatus.New), cancellationToken);
        var later = settings.NextCheck(report.CreatedAt, now);
        await UpdateAsync([report.Id], r => r
            .SetProperty(x => x.Passage, PassageState.NotFound)
            .SetProperty(x => x.PassageCheckedAt, now)
            .SetProperty(x => x.NextPageCheckAt, later)
            .SetProperty(x => x.PageETag, etag)
            .SetProperty(x => x.PageLastModified, lastModified), cancellationToken);
    }

    /// <summary>Unchanged or unreadable: the report waits for the next time of its schedule.</summary>
    private Task ScheduleAsync(Due report, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var next = settings.NextCheck(report.CreatedAt, now);
        return UpdateAsync([report.Id], r => r.SetProperty(x => x.NextPageCheckAt, next), cancellationToken);
    }

    private async Task UpdateAsync(
        IEnumerable<Guid> ids,
        Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Report>> set,
        CancellationToken cancellationToken)
    {
        var list = ids.ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        await db.Reports.Where(r => list.Contains(r.Id)).ExecuteUpdateAsync(set, cancellationToken);
    }
}
