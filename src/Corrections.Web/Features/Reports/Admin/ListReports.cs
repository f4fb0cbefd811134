using System.Buffers.Binary;
using Corrections.Admin;
using Corrections.Data;
using Corrections.Pipeline;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Reports.Admin;

/// <summary>Reports newest first, optionally of one status, one site, one result on the live page and one desk, from just after <paramref name="After"/>.</summary>
public sealed record ListReports(ReportStatus? Status, string? Site, ReportCursor? After, int PageSize, PassageState? Passage = null, string? Desk = null) : IQuery<ReportPage>;

public sealed record ReportSummary(
    Guid Id, string Site, string Url, string? Title, string Exact, string? Suggestion,
    ReportStatus Status, int ReaderCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? Desk, PassageState? Passage = null);

/// <param name="Next">The cursor of the following page; null on the last.</param>
public sealed record ReportPage(IReadOnlyList<ReportSummary> Items, int PageSize, string? Next);

/// <summary>A report's place in the list: by creation time, newest first, and by id among reports created at the same moment.</summary>
public readonly record struct ReportCursor(DateTimeOffset CreatedAt, Guid Id)
{
    private const char List = 'r';
    private const int KeyLength = 24;

    public string Encode()
    {
        Span<byte> key = stackalloc byte[KeyLength];
        BinaryPrimitives.WriteInt64BigEndian(key, CreatedAt.UtcTicks);
        Id.TryWriteBytes(key[8..], bigEndian: true, out _);
        return Paging.EncodeCursor(List, key);
    }

    public static ReportCursor? Decode(string? cursor, ValidationErrors errors) =>
        Paging.DecodeCursor(cursor, List, KeyLength, key =>
        {
            var ticks = BinaryPrimitives.ReadInt64BigEndian(key);
            return ticks >= 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? new ReportCursor(new DateTimeOffset(ticks, TimeSpan.Zero), new Guid(key.AsSpan(8), bigEndian: true))
                : (ReportCursor?)null;
        }, errors);
}

/// <remarks>
/// Each filter has an index that ends with the list's order (created at, id), so a page is read from where the cursor
/// points, whatever the number of reports.
/// </remarks>
public sealed class ListReportsHandler(CorrectionsDb db) : IQueryHandler<ListReports, ReportPage>
{
    public async ValueTask<ReportPage> Handle(ListReports query, CancellationToken cancellationToken)
    {
        var items = await PageQuery(db, query).ToListAsync(cancellationToken);
        if (items.Count <= query.PageSize)
            return new ReportPage(items, query.PageSize, null);
        items.RemoveAt(query.PageSize);
        return new ReportPage(items, query.PageSize, new ReportCursor(items[^1].CreatedAt, items[^1].Id).Encode());
    }

    /// <summary>The page's reports and, if there is one, the first of the next page.</summary>
    public static IQueryable<ReportSummary> PageQuery(CorrectionsDb db, ListReports query)
    {
        var reports = db.Reports.AsNoTracking();
        if (query.Status is { } status)
            reports = reports.Where(r => r.Status == status);
        if (!string.IsNullOrEmpty(query.Site))
            reports = reports.Where(r => r.SiteKey == query.Site);
        if (query.Passage is { } passage)
            reports = reports.Where(r => r.Passage == passage);
        if (!string.IsNullOrEmpty(query.Desk))
            reports = reports.Where(r => r.Desk == query.Desk);
        if (query.After is { } after)
            // The first term bounds the range of the index to read; the second leaves out what the last page showed.
            reports = reports.Where(r => r.CreatedAt <= after.CreatedAt && (r.CreatedAt < after.CreatedAt || r.Id.CompareTo(after.Id) < 0));
        return reports
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Take(query.PageSize + 1)
            .Select(r => new ReportSummary(r.Id, r.SiteKey, r.Url, r.Title, r.Exact, r.Suggestion, r.Status, r.ReaderCount, r.CreatedAt, r.UpdatedAt, r.Desk, r.Passage));
    }
}
