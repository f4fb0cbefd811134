using Corrections.Data;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Reports.Admin;

public sealed record GetReportStats : IQuery<ReportStats>;

public sealed record SiteStats(string Site, IReadOnlyDictionary<string, int> ByStatus, int Total, double? MedianHoursToFix);

public sealed record ReportStats(IReadOnlyList<SiteStats> Sites, IReadOnlyDictionary<string, int> ByStatus, int Total, double? MedianHoursToFix);

public sealed class GetReportStatsHandler(CorrectionsDb db) : IQueryHandler<GetReportStats, ReportStats>
{
    public async ValueTask<ReportStats> Handle(GetReportStats query, CancellationToken cancellationToken)
    {
        var counts = await db.Reports.AsNoTracking()
            .GroupBy(r => new { r.SiteKey, r.Status })
            .Select(g => new { g.Key.SiteKey, g.Key.Status, Count = g.Count() })
            .ToListAsync(cancellationToken);
        // Durations are computed here rather than in SQL: date arithmetic differs between the providers.
        var fixes = await db.Reports.AsNoTracking()
            .Where(r => r.Status == ReportStatus.Fixed && r.ClosedAt != null)
            .Select(r => new { r.SiteKey, r.CreatedAt, ClosedAt = r.ClosedAt!.Value })
            .ToListAsync(cancellationToken);

        var sites = counts.Select(c => c.SiteKey).Distinct().Order()
            .Select(site => new SiteStats(
                site,
                ByStatus(counts.Where(c => c.SiteKey == site).Select(c => (c.Status, c.Count))),
                counts.Where(c => c.SiteKey == site).Sum(c => c.Count),
                MedianHours(fixes.Where(f => f.SiteKey == site).Select(f => f.ClosedAt - f.CreatedAt))))
            .ToList();
        return new ReportStats(
            sites,
            ByStatus(counts.GroupBy(c => c.Status).Select(g => (g.Key, g.Sum(c => c.Count)))),
            counts.Sum(c => c.Count),
            MedianHours(fixes.Select(f => f.ClosedAt - f.CreatedAt)));
    }

    private static Dictionary<string, int> ByStatus(IEnumerable<(ReportStatus Status, int Count)> counts)
    {
        var all = Enum.GetValues<ReportStatus>().ToDictionary(s => s.ToString().ToLowerInvariant(), _ => 0);
        foreach (var (status, count) in counts)
            all[status.ToString().ToLowerInvariant()] += count;
        return all;
    }

    private static double? MedianHours(IEnumerable<TimeSpan> durations)
    {
        var sorted = durations.Select(d => d.TotalHours).Order().ToArray();
        if (sorted.Length == 0)
            return null;
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return Math.Round(median, 2);
    }
}
