using System.Globalization;
using System.Text;
using Corrections.Data;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Reports.Admin;

/// <summary>
/// Every report, oldest first, optionally of one status, one site, one result on the live page, and made from
/// <paramref name="From"/> (inclusive) until <paramref name="To"/> (exclusive); read as it is written out, so memory stays
/// flat at any size.
/// </summary>
public sealed record ExportReports(
    ReportStatus? Status, string? Site, DateTimeOffset? From = null, DateTimeOffset? To = null, PassageState? Passage = null, string? Desk = null)
    : IStreamQuery<ReportExportRow>;

public sealed record ReportExportRow(
    Guid Id, string Site, string Url, string? Title, string? Lang, string Exact, string Prefix, string Suffix,
    string? Suggestion, string? Comment, ReportStatus Status, int ReaderCount,
    DateTimeOffset CreatedAt, DateTimeOffset? ClosedAt, Guid? DuplicateOf, PassageState? Passage, string? Desk, string? Author, string? Section);

public sealed class ExportReportsHandler(CorrectionsDb db) : IStreamQueryHandler<ExportReports, ReportExportRow>
{
    public IAsyncEnumerable<ReportExportRow> Handle(ExportReports query, CancellationToken cancellationToken)
    {
        var reports = db.Reports.AsNoTracking();
        if (query.Status is { } status)
            reports = reports.Where(r => r.Status == status);
        if (!string.IsNullOrEmpty(query.Site))
            reports = reports.Where(r => r.SiteKey == query.Site);
        if (!string.IsNullOrEmpty(query.Desk))
            reports = reports.Where(r => r.Desk == query.Desk);
        if (query.From is { } from)
            reports = reports.Where(r => r.CreatedAt >= from);
        if (query.To is { } to)
            reports = reports.Where(r => r.CreatedAt < to);
        if (query.Passage is { } passage)
            reports = reports.Where(r => r.Passage == passage);
        return reports
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
            .Select(r => new ReportExportRow(r.Id, r.SiteKey, r.Url, r.Title, r.Language, r.Exact, r.Prefix, r.Suffix,
                r.Suggestion, r.Comment, r.Status, r.ReaderCount, r.CreatedAt, r.ClosedAt, r.DuplicateOfId, r.Passage, r.Desk, r.Author, r.Section))
            .AsAsyncEnumerable();
    }
}

/// <summary>RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with an apostrophe.</summary>
public static class ReportCsv
{
    private static readonly string[] Header =
        ["id", "site", "url", "title", "lang", "exact", "prefix", "suffix", "suggestion", "comment", "status", "readers", "created_at", "closed_at", "duplicate_of", "passage", "desk", "author", "section"];

    public static async Task WriteAsync(IAsyncEnumerable<ReportExportRow> rows, Stream body, CancellationToken cancellationToken)
    {
        await using var csv = new StreamWriter(body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024);
        await csv.WriteAsync(string.Join(',', Header) + "\r\n");
        await foreach (var r in rows.WithCancellation(cancellationToken))
        {
            string?[] cells =
            [
                r.Id.ToString(), r.Site, r.Url, r.Title, r.Lang, r.Exact, r.Prefix, r.Suffix, r.Suggestion, r.Comment,
                r.Status.ToString().ToLowerInvariant(), r.ReaderCount.ToString(CultureInfo.InvariantCulture),
                r.CreatedAt.ToString("O"), r.ClosedAt?.ToString("O"), r.DuplicateOf?.ToString(), PassageName(r.Passage), r.Desk, r.Author, r.Section,
            ];
            await csv.WriteAsync(string.Join(',', cells.Select(Cell)) + "\r\n");
        }
    }

    private static string? PassageName(PassageState? passage) => passage switch
    {
        PassageState.Found => "found",
        PassageState.NotFound => "not_found",
        PassageState.Unknown => "unknown",
        _ => null,
    };

    private static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
