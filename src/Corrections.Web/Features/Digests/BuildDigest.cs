using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Reports.Submit;
using Corrections.Outbox;
using Corrections.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Digests;

/// <summary>A digest time came for a site's editors (<paramref name="Desk"/> null) or a desk's; one row per time, by its unique key.</summary>
public sealed record DigestDue(string SiteKey, string? Desk, DateTimeOffset SlotAt) : IOutboxNotification
{
    public static string OutboxType => "DigestDue";

    public static string KeyOf(string siteKey, string? desk, DateTimeOffset slot) =>
        $"digest:{siteKey.ToLowerInvariant()}:{desk?.ToLowerInvariant()}:{slot.ToUnixTimeSeconds()}";
}

/// <summary>One editor's copy of a digest; its triage links are signed for that editor.</summary>
public sealed record DigestReady(long DigestId, string Editor) : IOutboxNotification
{
    public static string OutboxType => "DigestMail";
}

/// <summary>
/// Numbers the reports that became new since the last digest of the site or desk, grouped by article, and queues one
/// mail per editor, all in one transaction. A report closed meanwhile is left out; nothing new, no digest. Run again
/// (the outbox delivers at least once), it finds the reports already numbered and makes nothing.
/// </summary>
public sealed class BuildDigest(
    CorrectionsDb db,
    SiteDirectory sites,
    ReportKeys keys,
    TimeProvider time,
    OutboxSignal signal,
    ILogger<BuildDigest> logger) : INotificationHandler<DigestDue>
{
    public async ValueTask Handle(DigestDue due, CancellationToken cancellationToken)
    {
        var site = sites.Find(due.SiteKey);
        if (site is null || (due.Desk is not null && site.FindDesk(due.Desk) is null) || !site.MailOf(due.Desk).IsDigest)
        {
            logger.LogInformation("Digest of {Site} {Desk} for {Slot:O} not made: the site or desk is no longer configured for digests", due.SiteKey, due.Desk, due.SlotAt);
            return;
        }
        var desks = site.Desks.Select(d => d.Name).ToList();
        var reports = db.Reports.Where(r => r.SiteKey == site.Key && r.Status == ReportStatus.New && r.DigestId == null);
        // The site's digest also takes the reports of desks that are no longer configured, or nobody would see them.
        reports = due.Desk is { } desk ? reports.Where(r => r.Desk == desk) : reports.Where(r => r.Desk == null || !desks.Contains(r.Desk));

        try
        {
            await BuildAsync(site, due, reports, cancellationToken);
        }
        finally
        {
            // The dispatcher's other messages share this context: nothing of this one may be saved with theirs.
            db.ChangeTracker.Clear();
        }
        signal.Wake();
    }

    private async Task BuildAsync(Site site, DigestDue due, IQueryable<Report> reports, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var listed = Order(await reports.ToListAsync(cancellationToken));
        if (listed.Count == 0)
        {
            logger.LogInformation("Digest of {Site} {Desk} for {Slot:O}: nothing new, no mail", site.Key, due.Desk ?? "(site editors)", due.SlotAt);
            return;
        }
        var now = time.GetUtcNow();
        var digest = new Digest
        {
            SiteKey = site.Key, Desk = due.Desk, SlotAt = due.SlotAt, CreatedAt = now, ReplyToken = keys.NewReplyToken(now),
            Items = listed.Select((r, i) => new DigestItem { Number = i + 1, ReportId = r.Id }).ToList(),
        };
        db.Digests.Add(digest);
        await db.SaveChangesAsync(cancellationToken);
        foreach (var report in listed)
            report.DigestId = digest.Id;
        foreach (var editor in site.EditorsOf(due.Desk))
            db.Outbox.Add(OutboxNotifications.Create(new DigestReady(digest.Id, editor), now));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Digest {DigestId} of {Site} {Desk} for {Slot:O}: {Count} report(s)", digest.Id, site.Key, due.Desk ?? "(site editors)", due.SlotAt, listed.Count);
    }

    /// <summary>By article, the article first reported first, and in each article the reports in the order they came.</summary>
    public static List<Report> Order(IEnumerable<Report> reports) => reports
        .GroupBy(r => Passage.PageOf(r.Url))
        .OrderBy(g => g.Min(r => r.CreatedAt))
        .SelectMany(g => g.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id))
        .ToList();
}
