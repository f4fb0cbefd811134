using Corrections.Data;
using Corrections.Pipeline;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Reports.Admin;

public sealed record ListReports(ReportStatus? Status, string? Site, int Page, int PageSize) : IQuery<ReportPage>;

public sealed record ReportSummary(
    Guid Id, string Site, string Url, string? Title, string Exact, string? Suggestion,
    ReportStatus Status, int ReaderCount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record ReportPage(IReadOnlyList<ReportSummary> Items, int Page, int PageSize, int Total);

public sealed class ListReportsValidator : IValidator<ListReports>
{
    public const int MaxPageSize = 200;

    public ValueTask ValidateAsync(ListReports query, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (query.Page < 1)
            errors.Add("page", "The page must be 1 or more.");
        if (query.PageSize is < 1 or > MaxPageSize)
            errors.Add("pageSize", $"The page size must be between 1 and {MaxPageSize}.");
        return ValueTask.CompletedTask;
    }
}

public sealed class ListReportsHandler(CorrectionsDb db) : IQueryHandler<ListReports, ReportPage>
{
    public async ValueTask<ReportPage> Handle(ListReports query, CancellationToken cancellationToken)
    {
        var reports = db.Reports.AsNoTracking();
        if (query.Status is { } status)
            reports = reports.Where(r => r.Status == status);
        if (!string.IsNullOrEmpty(query.Site))
            reports = reports.Where(r => r.SiteKey == query.Site);

        var total = await reports.CountAsync(cancellationToken);
        var items = await reports
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id)
            .Skip((query.Page - 1) * query.PageSize)
            .Take(query.PageSize)
            .Select(r => new ReportSummary(r.Id, r.SiteKey, r.Url, r.Title, r.Exact, r.Suggestion, r.Status, r.ReaderCount, r.CreatedAt, r.UpdatedAt))
            .ToListAsync(cancellationToken);
        return new ReportPage(items, query.Page, query.PageSize, total);
    }
}
