using Corrections.Data;
using Corrections.Pipeline;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Reports.Admin;

public sealed record GetReport(Guid Id) : IQuery<ReportDetails>;

public sealed record ReportChange(DateTimeOffset At, string Actor, TriageChannel Channel, string Action, ReportStatus From, ReportStatus To, string? Note);

/// <summary>
/// A report as the admin API shows it. Readers' addresses stay out: only whether a thank-you can be sent. Passage: whether
/// the passage was on the article when the service last read it (found, not_found, or unknown with the reason); null
/// until it has.
/// </summary>
public sealed record ReportDetails(
    Guid Id, string Site, string Url, string? Title, string? Lang,
    TextQuote Selection, string? Suggestion, string? Comment,
    ReportStatus Status, int ReaderCount, int ReadersWithEmail, Guid? DuplicateOf,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? ClosedAt,
    IReadOnlyList<ReportChange> History, string? Desk, string? Author, string? Section,
    PassageState? Passage = null, string? PassageReason = null, DateTimeOffset? PassageCheckedAt = null, DateTimeOffset? NextPageCheckAt = null);

public sealed record TextQuote(string Exact, string Prefix, string Suffix);

public sealed class GetReportHandler(CorrectionsDb db) : IQueryHandler<GetReport, ReportDetails>
{
    public async ValueTask<ReportDetails> Handle(GetReport query, CancellationToken cancellationToken)
    {
        var report = await db.Reports.AsNoTracking()
            .Include(r => r.History.OrderBy(e => e.Id))
            .AsSplitQuery()
            .FirstOrDefaultAsync(r => r.Id == query.Id, cancellationToken)
            ?? throw new NotFoundException("Unknown report.", $"There is no report {query.Id}.");
        var withEmail = await db.ReportSubmissions.CountAsync(s => s.ReportId == report.Id && s.ReaderEmail != null, cancellationToken);
        return new ReportDetails(
            report.Id, report.SiteKey, report.Url, report.Title, report.Language,
            new TextQuote(report.Exact, report.Prefix, report.Suffix), report.Suggestion, report.Comment,
            report.Status, report.ReaderCount, withEmail, report.DuplicateOfId,
            report.CreatedAt, report.UpdatedAt, report.ClosedAt,
            report.History.Select(e => new ReportChange(e.At, e.Actor, e.Channel, e.Action, e.FromStatus, e.ToStatus, e.Note)).ToList(),
            report.Desk, report.Author, report.Section,
            report.Passage, report.PassageReason, report.PassageCheckedAt, report.NextPageCheckAt);
    }
}
