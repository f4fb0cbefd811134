using Corrections.Data;
using Corrections.Features.Reports.Admin;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Inbox;

/// <summary>How far back the inbox looks.</summary>
public enum InboxAge
{
    Any,
    Day,
    Week,
    Month,

    /// <summary>Received more than a month ago.</summary>
    Older,
}

/// <summary>A site whose reports the editor sees: all of them (<paramref name="Desks"/> null), or those of some of its desks.</summary>
public sealed record InboxScope(string Site, IReadOnlyList<string>? Desks);

/// <summary>
/// The reports in <paramref name="Scopes"/> (what the editor may triage, or one site of it), newest first, from just
/// after <paramref name="After"/>; <paramref name="Status"/> null means every status.
/// </summary>
public sealed record ListInbox(
    IReadOnlyList<InboxScope> Scopes, ReportStatus? Status, InboxAge Age, string? Search, ReportCursor? After, int PageSize, string? Desk = null) : IQuery<InboxReports>;

public sealed record InboxItem(
    Guid Id, string Site, string Url, string? Title, string Prefix, string Exact, string Suffix, string? Suggestion, string? Comment,
    ReportStatus Status, int ReaderCount, DateTimeOffset CreatedAt, ReportEvent? LastChange, PassageState? Passage, string? PassageReason, string? Desk);

/// <param name="Next">The cursor of the following page; null on the last.</param>
public sealed record InboxReports(IReadOnlyList<InboxItem> Items, string? Next);

public sealed class ListInboxHandler(CorrectionsDb db, TimeProvider time) : IQueryHandler<ListInbox, InboxReports>
{
    public async ValueTask<InboxReports> Handle(ListInbox query, CancellationToken cancellationToken)
    {
        var sites = query.Scopes.Where(s => s.Desks is null).Select(s => s.Site).ToList();
        // A desk's editor sees that desk's reports, named by site and desk together.
        var desks = query.Scopes.Where(s => s.Desks is not null).SelectMany(s => s.Desks!.Select(name => s.Site + "\n" + name)).ToList();
        var reports = db.Reports.AsNoTracking()
            .Where(r => sites.Contains(r.SiteKey) || (r.Desk != null && desks.Contains(r.SiteKey + "\n" + r.Desk)));
        if (query.Status is { } status)
            reports = reports.Where(r => r.Status == status);
        if (query.Desk is { } desk)
            reports = reports.Where(r => r.Desk == desk);
        var now = time.GetUtcNow();
        var dayAgo = now.AddDays(-1);
        var weekAgo = now.AddDays(-7);
        var monthAgo = now.AddDays(-30);
        reports = query.Age switch
        {
            InboxAge.Day => reports.Where(r => r.CreatedAt >= dayAgo),
            InboxAge.Week => reports.Where(r => r.CreatedAt >= weekAgo),
            InboxAge.Month => reports.Where(r => r.CreatedAt >= monthAgo),
            InboxAge.Older => reports.Where(r => r.CreatedAt < monthAgo),
            _ => reports,
        };
        if (query.Search is { Length: > 0 } search)
        {
            // Lower-cased on both sides: the same on every provider, whatever the collation.
            var text = search.ToLowerInvariant();
            reports = reports.Where(r => r.Exact.ToLower().Contains(text)
                || (r.Suggestion != null && r.Suggestion.ToLower().Contains(text))
                || (r.Comment != null && r.Comment.ToLower().Contains(text)));
        }
        if (query.After is { } after)
            reports = reports.Where(r => r.CreatedAt <= after.CreatedAt && (r.CreatedAt < after.CreatedAt || r.Id.CompareTo(after.Id) < 0));

        var rows = await reports
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Take(query.PageSize + 1)
            .ToListAsync(cancellationToken);
        string? next = null;
        if (rows.Count > query.PageSize)
        {
            rows.RemoveAt(query.PageSize);
            next = new ReportCursor(rows[^1].CreatedAt, rows[^1].Id).Encode();
        }

        // The change that closed each closed report, to say by whom.
        var closed = rows.Where(r => r.Status != ReportStatus.New).Select(r => r.Id).ToList();
        var changes = closed.Count == 0
            ? []
            : (await db.ReportEvents.AsNoTracking()
                .Where(e => closed.Contains(e.ReportId) && e.FromStatus != e.ToStatus)
                .ToListAsync(cancellationToken))
                .GroupBy(e => e.ReportId)
                .ToDictionary(g => g.Key, g => g.MaxBy(e => e.Id)!);
        return new InboxReports(
            rows.Select(r => new InboxItem(r.Id, r.SiteKey, r.Url, r.Title, r.Prefix, r.Exact, r.Suffix, r.Suggestion, r.Comment,
                r.Status, r.ReaderCount, r.CreatedAt, changes.GetValueOrDefault(r.Id), r.Passage, r.PassageReason, r.Desk)).ToList(),
            next);
    }
}
