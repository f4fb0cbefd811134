using System.Diagnostics;
using System.Threading.Channels;
using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Corrections.Storage;

/// <summary>
/// Group commit: submissions that arrive together are decided and written by one writer in one transaction, and each
/// caller is answered after that commit. A durable commit waits for the disk; one commit for many reports is what lets a
/// small machine take a viral article's reports (docs/decisions/0001-one-write-path.md,
/// docs/decisions/0005-one-writer-takes-what-waits.md). The database makes each commit durable itself (on SQLite,
/// <c>synchronous=FULL</c> in WAL mode syncs the log as part of the commit).
/// </summary>
public sealed class GroupCommitStore(IServiceScopeFactory scopes, StorageMetrics metrics, ILogger<GroupCommitStore> logger)
    : BackgroundService, ISubmissionStore
{
    public const int MaxGroup = 128;

    // Bounded: when the disk cannot keep up, callers wait here instead of piling up in memory.
    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(4 * MaxGroup)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Submissions waiting for the writer.</summary>
    internal int Queued => queue.Reader.Count;

    public async ValueTask<StoredSubmission> StoreAsync(PreparedSubmission submission, CancellationToken cancellationToken)
    {
        var pending = new Pending(submission, cancellationToken);
        await queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Result.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var group = new List<Pending>(MaxGroup);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                // The answers of the last group send their readers' next reports at once; let them queue up, or the
                // first would be committed alone and the rest wait a whole commit more.
                await Task.Yield();
                while (group.Count < MaxGroup && queue.Reader.TryRead(out var next))
                {
                    // A caller that gave up before its group began leaves nothing behind; one that gives up later is written whole.
                    if (next.CancellationToken.IsCancellationRequested)
                        next.Result.TrySetCanceled(next.CancellationToken);
                    else
                        group.Add(next);
                }
                if (group.Count > 0)
                    await WriteAsync(group);
                group.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            queue.Writer.TryComplete();
            while (queue.Reader.TryRead(out var left))
                left.Result.TrySetException(new OperationCanceledException("The service is stopping; the report was not stored."));
        }
    }

    private async Task WriteAsync(List<Pending> group)
    {
        if (group.Count > 1)
        {
            try
            {
                Answer(group, await CommitAsync(group));
                return;
            }
            catch (Exception ex)
            {
                // Rolled back as a whole; each alone, so that a submission that cannot be stored fails only its own caller.
                logger.LogWarning(ex, "A group of {Count} submissions failed; writing each alone", group.Count);
            }
        }
        foreach (var pending in group)
            await WriteAloneAsync(pending);
    }

    private async Task WriteAloneAsync(Pending pending)
    {
        // Another instance on the same database can store the same client request id between the look-ups and the
        // insert; written again, the submission finds that row and is answered as a repeat.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Answer([pending], await CommitAsync([pending]));
                return;
            }
            catch (DbUpdateException ex) when (attempt == 1 && DatabaseErrors.IsUniqueViolation(ex))
            {
            }
            catch (Exception ex)
            {
                pending.Result.TrySetException(ex);
                return;
            }
        }
    }

    /// <summary>One transaction: the look-ups, the decision and the writes. The database work is not cancelled half-way.</summary>
    private async Task<StoredSubmission[]> CommitAsync(IReadOnlyList<Pending> group)
    {
        var started = Stopwatch.GetTimestamp();
        var submissions = group.Select(p => p.Submission).ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var stored = await FindStoredAsync(db, submissions);
        var (results, rows) = SubmissionDecision.Decide(submissions, stored);
        await WriteAsync(db, rows);
        await transaction.CommitAsync(CancellationToken.None);
        metrics.GroupCommitted(group.Count, Stopwatch.GetElapsedTime(started));
        return results;
    }

    private static async Task<StoredBefore> FindStoredAsync(CorrectionsDb db, IReadOnlyList<PreparedSubmission> group)
    {
        var repeats = new Dictionary<(string, string), StoredSubmission>();
        foreach (var site in group.GroupBy(s => s.Submission.SiteKey, StringComparer.Ordinal))
        {
            var clientRequestIds = site.Select(s => s.Submission.ClientRequestId).Distinct(StringComparer.Ordinal).ToList();
            await foreach (var (clientRequestId, repeat) in Repeats(db, site.Key, clientRequestIds).AsAsyncEnumerable())
                repeats[(site.Key, clientRequestId)] = repeat;
        }

        var duplicateKeys = group.Where(s => s.Report.Status == ReportStatus.New && s.Passage is not null)
            .Select(s => s.Report.DuplicateKey).Distinct(StringComparer.Ordinal).ToList();
        if (duplicateKeys.Count == 0)
            return new StoredBefore(repeats, []);
        var open = await OpenReports(db, duplicateKeys).ToListAsync(CancellationToken.None);
        // Oldest first, should two open reports share a passage (two instances may each have opened one): both join the
        // older. Sorted here, not in the query, which the index over open reports' keys must answer.
        return new StoredBefore(repeats, open.OrderBy(r => r.Id).ToList());
    }

    /// <summary>The stored submissions of a site with any of the client request ids, per site so that the unique index on both answers.</summary>
    internal static IQueryable<(string ClientRequestId, StoredSubmission Stored)> Repeats(CorrectionsDb db, string siteKey, List<string> clientRequestIds) =>
        db.ReportSubmissions
            .Where(s => s.SiteKey == siteKey && clientRequestIds.Contains(s.ClientRequestId))
            .Join(db.Reports, s => s.ReportId, r => r.Id, (s, r) => ValueTuple.Create(s.ClientRequestId, new StoredSubmission(r.Id, r.Status, SubmissionOutcome.Repeat, false)));

    /// <summary>
    /// The open reports with any of the keys. The status is a constant, so that the index over open reports' keys,
    /// filtered on it, answers.
    /// </summary>
    internal static IQueryable<OpenReport> OpenReports(CorrectionsDb db, List<string> duplicateKeys) => db.Reports
        .Where(r => duplicateKeys.Contains(r.DuplicateKey) && r.Status == ReportStatus.New)
        .Select(r => new OpenReport(r.Id, new Passage(r.SiteKey, Passage.PageOf(r.Url), r.Prefix, r.Exact, r.Suffix)));

    internal static async Task WriteAsync(CorrectionsDb db, GroupRows rows)
    {
        // Keys the database gave in a failed attempt were rolled back with it.
        foreach (var submission in rows.Submissions)
            submission.Id = 0;
        foreach (var change in rows.History)
            change.Id = 0;
        foreach (var message in rows.Outbox)
            message.Id = 0;
        db.Reports.AddRange(rows.Reports);
        db.ReportSubmissions.AddRange(rows.Submissions);
        db.ReportEvents.AddRange(rows.History);
        db.Outbox.AddRange(rows.Outbox);
        await db.SaveChangesAsync(CancellationToken.None);
        // Added to the stored count rather than written over it, so that readers another instance adds meanwhile count too.
        foreach (var (reportId, (readers, at)) in rows.Joined)
            await db.Reports.Where(r => r.Id == reportId).ExecuteUpdateAsync(set => set
                .SetProperty(r => r.ReaderCount, r => r.ReaderCount + readers)
                .SetProperty(r => r.UpdatedAt, at), CancellationToken.None);
    }

    private static void Answer(IReadOnlyList<Pending> group, StoredSubmission[] results)
    {
        for (var i = 0; i < group.Count; i++)
            group[i].Result.TrySetResult(results[i]);
    }

    private sealed record Pending(PreparedSubmission Submission, CancellationToken CancellationToken)
    {
        // Callers continue on the pool, never on the writer's thread.
        public TaskCompletionSource<StoredSubmission> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
