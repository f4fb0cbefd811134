using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Triage;
using Corrections.Outbox;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Features.PageCheck;

/// <summary>
/// Reads the articles of open reports whose passage was found again, on each report's schedule
/// (<see cref="PageCheckOptions.NextCheck"/>), and closes a report as fixed when its passage is gone and the reader's
/// correction is there, through <see cref="TriageReport"/> like an editor's "Fixed": the history records it, readers are
/// thanked once, and no editor is mailed. A passage gone without the correction is noted once in the history.
/// Every instance runs rounds; each page's due reports are claimed together, like outbox rows, so that a page is read
/// once a round however many reports and instances there are.
/// </summary>
public sealed class PageRechecks(
    IServiceScopeFactory scopes,
    PageFetcher fetcher,
    PassageChecks checks,
    SiteDirectory sites,
    InstanceIdentity instance,
    IOptions<PageCheckOptions> options,
    TimeProvider time,
    ILogger<PageRechecks> logger) : BackgroundService
{
    public const string Actor = "live page";
    public const string FixedNote = "fixed on the live page";
    public const string ChangedNote = "the passage changed";

    /// <summary>Reports looked at per round at most; the rest are due at the next.</summary>
    private const int RoundSize = 500;

    /// <summary>Pages read at once in a round, across origins; each origin has its own limit besides.</summary>
    private const int PagesAtOnce = 8;

    /// <summary>
    /// How long a claim holds: a page is read within <see cref="PageCheckOptions.TimeoutSeconds"/>, and its reports are
    /// due again after this if the instance stopped before it recorded them.
    /// </summary>
    private static readonly TimeSpan ClaimDuration = TimeSpan.FromMinutes(10);

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
                    await RunRoundAsync(stoppingToken);
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
    }

    /// <summary>Reads the pages of the reports that are due and this instance claims; returns the number of pages.</summary>
    public async Task<int> RunRoundAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<(string SiteKey, string Url)> pages;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
            var due = await db.Reports.AsNoTracking()
                .Where(r => r.NextPageCheckAt != null && r.NextPageCheckAt <= now)
                .OrderBy(r => r.NextPageCheckAt)
                .Take(RoundSize)
                .Select(r => new { r.SiteKey, r.Url })
                .ToListAsync(cancellationToken);
            pages = due.Select(r => (r.SiteKey, r.Url)).Distinct().ToList();
        }
        var read = 0;
        await Parallel.ForEachAsync(pages, new ParallelOptions { MaxDegreeOfParallelism = PagesAtOnce, CancellationToken = cancellationToken }, async (page, ct) =>
        {
            try
            {
                if (await CheckPageAsync(page.SiteKey, page.Url, now, ct))
                    Interlocked.Increment(ref read);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                // Its reports stay claimed, and are due again when the claim runs out.
                logger.LogWarning(ex, "Checking the live page {Url} failed; its reports are checked again in {Minutes} minutes", page.Url, ClaimDuration.TotalMinutes);
            }
        });
        return read;
    }

    private sealed record Due(Guid Id, ReportStatus Status, DateTimeOffset CreatedAt, DateTimeOffset? CheckedAt, string? ETag, DateTimeOffset? LastModified);

    /// <summary>Claims the page's due reports and checks them; false when another instance had claimed them.</summary>
    private async Task<bool> CheckPageAsync(string siteKey, string url, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var claim = OutboxClaims.New(instance.Name);
        // Whole seconds, so that every database gives back the instant it was given, to find the claimed rows by.
        var claimedUntil = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero) + ClaimDuration;
        List<Due> reports;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
            // The conditional update is the claim: of two instances racing for a page, only one moves its reports on.
            var claimed = await db.Reports
                .Where(r => r.SiteKey == siteKey && r.Url == url && r.NextPageCheckAt != null && r.NextPageCheckAt <= now)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.PageCheckClaim, claim).SetProperty(r => r.NextPageCheckAt, claimedUntil), cancellationToken);
            if (claimed == 0)
                return false;
            reports = await db.Reports.AsNoTracking()
                .Where(r => r.NextPageCheckAt == claimedUntil && r.PageCheckClaim == claim)
                .Select(r => new Due(r.Id, r.Status, r.CreatedAt, r.PassageCheckedAt, r.PageETag, r.PageLastModified))
                .ToListAsync(cancellationToken);
        }

        var site = sites.Find(siteKey);
        var reading = site is not null && checks.ChecksPagesOf(site);
        // Closed since, or on a site whose pages are no longer read: off the schedule.
        var off = reports.Where(r => r.Status != ReportStatus.New || !reading).Select(r => r.Id).ToList();
        if (off.Count > 0)
            await UpdateAsync(off, claim, r => r.SetProperty(x => x.NextPageCheckAt, (DateTimeOffset?)null), cancellationToken);
        reports = reports.Where(r => r.Status == ReportStatus.New && reading).ToList();
        if (reports.Count == 0)
            return false;

        // The validators of the latest read: every report of the page was read together since.
        var latest = reports.MaxBy(r => r.CheckedAt)!;
        var validators = latest.ETag is null && latest.LastModified is null ? null : new PageValidators(latest.ETag, latest.LastModified);
        var page = await fetcher.FetchAsync(site!, url, validators, cancellationToken);
        var checkedAt = time.GetUtcNow();
        if (page.Outcome != FetchOutcome.Page)
        {
            if (page.Outcome == FetchOutcome.Failed)
                logger.LogInformation("The live page {Url} could not be read: {Reason}; its {Count} report(s) wait for their next check", url, page.Reason, reports.Count);
            foreach (var report in reports)
            {
                var next = settings.NextCheck(report.CreatedAt, checkedAt);
                await UpdateAsync([report.Id], claim, r => r.SetProperty(x => x.NextPageCheckAt, next), cancellationToken);
            }
            return true;
        }

        var text = PageText.Parse(page.Body!, page.Charset);
        foreach (var report in reports)
            await CheckReportAsync(report.Id, claim, text, page.Validators, checkedAt, cancellationToken);
        return true;
    }

    private async Task CheckReportAsync(Guid id, string claim, PageText text, PageValidators? validators, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var report = await db.Reports.AsNoTracking().SingleAsync(r => r.Id == id, cancellationToken);
        if (text.Contains(report.Prefix, report.Exact, report.Suffix))
        {
            await RecordAsync(report, claim, PassageState.Found, settings.NextCheck(report.CreatedAt, now), validators, now, cancellationToken);
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
            await RecordAsync(report, claim, PassageState.NotFound, next: null, validators, now, cancellationToken);
            return;
        }

        // Gone, but not as the reader suggested: an editor decides. Still checked, in case the correction follows.
        var noted = await db.ReportEvents.AnyAsync(e => e.ReportId == report.Id && e.Channel == TriageChannel.LivePage && e.Note == ChangedNote, cancellationToken);
        if (!noted)
            await mediator.Send(new TriageReport(report.Id, TriageAction.Note, Actor, TriageChannel.LivePage, ChangedNote, OnlyFrom: ReportStatus.New), cancellationToken);
        await RecordAsync(report, claim, PassageState.NotFound, settings.NextCheck(report.CreatedAt, now), validators, now, cancellationToken);
    }

    private Task RecordAsync(
        Report report, string claim, PassageState passage, DateTimeOffset? next, PageValidators? validators, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var etag = validators?.ETag;
        var lastModified = validators?.LastModified;
        return UpdateAsync([report.Id], claim, r => r
            .SetProperty(x => x.Passage, passage)
            .SetProperty(x => x.PassageReason, (string?)null)
            .SetProperty(x => x.PassageCheckedAt, now)
            .SetProperty(x => x.NextPageCheckAt, next)
            .SetProperty(x => x.PageETag, etag)
            .SetProperty(x => x.PageLastModified, lastModified), cancellationToken);
    }

    /// <summary>Records the outcome and ends the claim, unless it ran out and another instance holds the report now.</summary>
    private async Task UpdateAsync(
        IReadOnlyList<Guid> ids,
        string claim,
        Action<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<Report>> set,
        CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        await db.Reports
            .Where(r => ids.Contains(r.Id) && r.PageCheckClaim == claim)
            .ExecuteUpdateAsync(r =>
            {
                set(r);
                r.SetProperty(x => x.PageCheckClaim, (string?)null);
            }, cancellationToken);
    }
}
