using System.Globalization;
using System.Text;
using Corrections.Data;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Reports.Admin;

public sealed record ExportReports(ReportStatus? Status, string? Site) : IQuery<IReadOnlyList<ReportExportRow>>;

public sealed record ReportExportRow(
    Guid Id, string Site, string Url, string? Title, string? Lang, string Exact, string Prefix, string Suffix,
    string? Suggestion, string? Comment, ReportStatus Status, int ReaderCount,
    DateTimeOffset CreatedAt, DateTimeOffset? ClosedAt, Guid? DuplicateOf);

public sealed class ExportReportsHandler(CorrectionsDb db) : IQueryHandler<ExportReports, IReadOnlyList<ReportExportRow>>
{
    public async ValueTask<IReadOnlyList<ReportExportRow>> Handle(ExportReports query, CancellationToken cancellationToken)
    {
        var reports = db.Reports.AsNoTracking();
        if (query.Status is { } status)
            reports = reports.Where(r => r.Status == status);
        if (!string.IsNullOrEmpty(query.Site))
            reports = reports.Where(r => r.SiteKey == query.Site);
        return await reports
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
            .Select(r => new ReportExportRow(r.Id, r.SiteKey, r.Url, r.Title, r.Language, r.Exact, r.Prefix, r.Suffix,
                r.Suggestion, r.Comment, r.Status, r.ReaderCount, r.CreatedAt, r.ClosedAt, r.DuplicateOfId))
            .ToListAsync(cancellationToken);
    }
}

/// <summary>RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with an apostrophe.</summary>
public static class ReportCsv
{
    private static readonly string[] Header =
        ["id", "site", "url", "title", "lang", "exact", "prefix", "suffix", "suggestion", "comment", "status", "readers", "created_at", "closed_at", "duplicate_of"];

    public static string Write(IEnumerable<ReportExportRow> rows)
    {
        var csv = new StringBuilder();
        csv.Append(string.Join(',', Header)).Append("\r\n");
        foreach (var r in rows)
        {
            string?[] cells =
            [
                r.Id.ToString(), r.Site, r.Url, r.Title, r.Lang, r.Exact, r.Prefix, r.Suffix, r.Suggestion, r.Comment,
                r.Status.ToString().ToLowerInvariant(), r.ReaderCount.ToString(CultureInfo.InvariantCulture),
                r.CreatedAt.ToString("O"), r.ClosedAt?.ToString("O"), r.DuplicateOf?.ToString(),
            ];
            csv.Append(string.Join(',', cells.Select(Cell))).Append("\r\n");
        }
        return csv.ToString();
    }

    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
