using Corrections.Data;

namespace Corrections.Storage;

/// <summary>What was stored before a group, as far as its submissions need to know.</summary>
/// <param name="Repeats">By site and client request id: the stored submissions the group's ids repeat.</param>
/// <param name="Open">Open reports whose duplicate key a submission of the group shares.</param>
public sealed record StoredBefore(
    IReadOnlyDictionary<(string SiteKey, string ClientRequestId), StoredSubmission> Repeats,
    IReadOnlyList<OpenReport> Open)
{
    public static readonly StoredBefore Nothing = new(new Dictionary<(string, string), StoredSubmission>(), []);
}

public sealed record OpenReport(Guid Id, Passage Passage);

/// <summary>What a group writes: new rows, and readers added to reports stored before it.</summary>
public sealed class GroupRows
{
    public List<Report> Reports { get; } = [];
    public List<ReportSubmission> Submissions { get; } = [];
    public List<ReportEvent> History { get; } = [];
    public List<OutboxMessage> Outbox { get; } = [];

    /// <summary>By stored report: how many readers of the group joined it, and when the last one came.</summary>
    public Dictionary<Guid, (int Readers, DateTimeOffset At)> Joined { get; } = [];
}

/// <summary>
/// Decides, for each submission of a group in order, whether it repeats one stored before (same site and client
/// request id), joins an open report about the same passage (never one without context), or makes its report; later submissions of the group see
/// what earlier ones made. Pure: what was stored comes in, rows to write go out.
/// </summary>
public static class SubmissionDecision
{
    public static (StoredSubmission[] Results, GroupRows Rows) Decide(IReadOnlyList<PreparedSubmission> group, StoredBefore stored)
    {
        var rows = new GroupRows();
        var results = new StoredSubmission[group.Count];
        var answered = new Dictionary<(string, string), StoredSubmission>(stored.Repeats);
        var open = new Dictionary<Passage, (Guid Id, Report? MadeByGroup)>();
        foreach (var report in stored.Open)
            open.TryAdd(report.Passage, (report.Id, null));

        for (var i = 0; i < group.Count; i++)
        {
            var prepared = group[i];
            var submission = prepared.Submission;
            var key = (submission.SiteKey, submission.ClientRequestId);
            if (answered.TryGetValue(key, out var earlier))
            {
                results[i] = earlier with { Outcome = SubmissionOutcome.Repeat, WroteOutbox = false };
                continue;
            }

            var report = prepared.Report;
            StoredSubmission result;
            if (report.Status == ReportStatus.New && prepared.Passage is { } passage && open.TryGetValue(passage, out var joined))
            {
                if (joined.MadeByGroup is { } made)
                {
                    made.ReaderCount++;
                    made.UpdatedAt = Later(made.UpdatedAt, submission.ReceivedAt);
                }
                else
                {
                    var (readers, at) = rows.Joined.GetValueOrDefault(joined.Id);
                    rows.Joined[joined.Id] = (readers + 1, Later(at, submission.ReceivedAt));
                }
                submission.ReportId = joined.Id;
                result = new StoredSubmission(joined.Id, ReportStatus.New, SubmissionOutcome.Joined);
            }
            else
            {
                // Counted afresh: a group that failed is decided again, submission by submission.
                report.ReaderCount = 1;
                report.UpdatedAt = report.CreatedAt;
                submission.ReportId = report.Id;
                rows.Reports.Add(report);
                rows.History.AddRange(prepared.History);
                rows.Outbox.AddRange(prepared.Outbox);
                if (report.Status == ReportStatus.New && prepared.Passage is { } made)
                    open[made] = (report.Id, report);
                result = new StoredSubmission(report.Id, report.Status, SubmissionOutcome.Created, WroteOutbox: prepared.Outbox.Count > 0);
            }
            rows.Submissions.Add(submission);
            results[i] = result;
            answered[key] = result;
        }
        return (results, rows);
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
