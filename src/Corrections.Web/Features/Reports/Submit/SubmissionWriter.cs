using System.Diagnostics;
using System.Threading.Channels;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;
using Corrections.Telemetry;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Features.Reports.Submit;

/// <summary>
/// Group commit: submissions that arrive together are written by one writer in one transaction, and each request is
/// answered only after that transaction is committed and on disk. A commit waits for the disk; one commit for many
/// reports is what lets a small machine take a viral article's reports durably.
/// On SQLite the disk is not waited for by the commit itself: the writer commits without a sync and goes on with the
/// next group, while the log is synced beside it, once for all groups committed meanwhile; a group's requests are
/// answered after a sync that began after its commit.
/// </summary>
public sealed class SubmissionWriter(
    IServiceScopeFactory scopes,
    SubmissionRecorder recorder,
    SqliteLogSync logSync,
    OutboxSignal outbox,
    SubmissionsInFlight inFlight,
    IOptions<DatabaseOptions> database,
    CorrectionsMetrics metrics,
    ILogger<SubmissionWriter> logger) : BackgroundService
{
    // On SQLite the writer's own connection; on a database server a pooled context a group. Set as the writer starts,
    // after the configuration has been checked.
    private SqliteWriterConnection? sqlite;

    public const int MaxBatch = 128;

    // Bounded: when the disk cannot keep up, requests wait here instead of piling up in memory.
    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(4 * MaxBatch)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    // Groups committed on SQLite whose log is not yet synced to disk.
    private readonly Channel<Committed> unsynced = Channel.CreateUnbounded<Committed>(new UnboundedChannelOptions
    {
        SingleReader = true,
        SingleWriter = true,
    });

    /// <summary>Submissions waiting for the writer.</summary>
    internal int Queued => queue.Reader.Count;

    /// <summary>Queues the submission and completes once it is committed, or with the error that kept it from being committed.</summary>
    public async ValueTask<SubmitReportResult> WriteAsync(PreparedSubmission submission, CancellationToken cancellationToken)
    {
        var pending = new Pending(submission, cancellationToken);
        inFlight.Add();
        try
        {
            await queue.Writer.WriteAsync(pending, cancellationToken);
            return await pending.Result.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            inFlight.Remove();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Value.Provider == DatabaseProvider.Sqlite)
            sqlite = new SqliteWriterConnection(scopes);
        var batch = new List<Pending>(MaxBatch);
        var syncing = SyncCommittedAsync();
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken))
            {
                // The answers of the last batch send their readers' next reports at once; let them queue up, or the
                // first would be committed alone and the rest wait a whole commit more.
                await Task.Yield();
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var next))
                {
                    // A request given up before its batch began leaves nothing behind; one given up later is written whole.
                    if (next.CancellationToken.IsCancellationRequested)
                        next.Result.TrySetCanceled(next.CancellationToken);
                    else
                        batch.Add(next);
                }
                if (batch.Count == 1)
                    await WriteAloneAsync(batch[0]);
                else if (batch.Count > 1)
                    await WriteBatchAsync(batch);
                batch.Clear();
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
            // What was committed is synced and answered before the writer stops.
            unsynced.Writer.TryComplete();
            await syncing;
            if (sqlite is not null)
                await sqlite.DisposeAsync();
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        Committed committed;
        try
        {
            committed = await CommitAsync([.. batch]);
        }
        catch (Exception ex)
        {
            // Rolled back as a whole; each alone, so that one submission that cannot be stored fails only its own request.
            logger.LogWarning(ex, "A batch of {Count} submissions failed; writing each alone", batch.Count);
            foreach (var pending in batch)
                await WriteAloneAsync(pending);
            return;
        }
        await AnswerWhenDurableAsync(committed);
    }

    private async Task WriteAloneAsync(Pending pending)
    {
        // Another instance on the same database can win a unique key (the same client request id) between our read
        // and our write; the second run then finds its row and answers as a repeat.
        for (var attempt = 1; ; attempt++)
        {
            Committed committed;
            try
            {
                committed = await CommitAsync([pending]);
            }
            catch (DbUpdateException ex) when (attempt == 1 && DatabaseErrors.IsUniqueViolation(ex))
            {
                continue;
            }
            catch (Exception ex)
            {
                pending.Result.TrySetException(ex); // the request fails with it, and is logged there
                return;
            }
            await AnswerWhenDurableAsync(committed);
            return;
        }
    }

    /// <summary>One transaction, one commit; the database work is not cancelled half-way.</summary>
    private async Task<Committed> CommitAsync(Pending[] group)
    {
        if (sqlite is null)
        {
            await using var scope = scopes.CreateAsyncScope();
            return await CommitAsync(scope.ServiceProvider.GetRequiredService<CorrectionsDb>(), group, log: null);
        }
        try
        {
            var db = await sqlite.OpenAsync();
            return await CommitAsync(db, group, SqliteLogSync.PathOf((SqliteConnection)db.Database.GetDbConnection()));
        }
        catch
        {
            // Whatever state the failure left the connection in, the next group starts on a new one.
            await sqlite.DisposeAsync();
            throw;
        }
    }

    private async Task<Committed> CommitAsync(CorrectionsDb db, Pending[] group, string? log)
    {
        var started = Stopwatch.GetTimestamp();
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var (results, rows) = await recorder.RecordAsync(db, Array.ConvertAll(group, p => p.Submission), CancellationToken.None);
        await rows.WriteAsync(db, CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        metrics.WriterCommitted(group.Length, Stopwatch.GetElapsedTime(started));
        return new Committed(group, results, rows.Outbox.Count > 0, log);
    }

    /// <summary>Answers a committed group now on a database server, whose commit is durable; on SQLite once its log is synced.</summary>
    private async ValueTask AnswerWhenDurableAsync(Committed committed)
    {
        if (committed.Log is null)
            committed.Answer(outbox, failure: null);
        else
            await unsynced.Writer.WriteAsync(committed);
    }

    /// <summary>
    /// Syncs SQLite's log for the groups committed since the last sync, then answers them. While it syncs, the writer
    /// commits the next groups, which the next sync takes together.
    /// </summary>
    private async Task SyncCommittedAsync()
    {
        await Task.Yield(); // the writer's loop starts meanwhile
        var ready = new List<Committed>();
        while (await unsynced.Reader.WaitToReadAsync())
        {
            while (unsynced.Reader.TryRead(out var committed))
                ready.Add(committed);
            Exception? failure = null;
            try
            {
                var started = Stopwatch.GetTimestamp();
                foreach (var log in ready.Select(c => c.Log!).Distinct(StringComparer.Ordinal))
                    logSync.SyncToDisk(log);
                metrics.WriterSynced(Stopwatch.GetElapsedTime(started));
            }
            catch (Exception ex)
            {
                // Committed, but not known to be on disk: the requests fail, and a repeat of one finds its report.
                logger.LogError(ex, "Syncing the SQLite log to disk failed; {Count} submissions are answered with an error", ready.Sum(c => c.Group.Length));
                failure = new NotSyncedException(ex);
            }
            foreach (var committed in ready)
                committed.Answer(outbox, failure);
            ready.Clear();
        }
    }

    private sealed record Pending(PreparedSubmission Submission, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<SubmitReportResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <param name="Log">SQLite's log file, to sync before the answers; null on a database server.</param>
    private sealed record Committed(Pending[] Group, SubmitReportResult[] Results, bool WroteOutbox, string? Log)
    {
        public void Answer(OutboxSignal outbox, Exception? failure)
        {
            if (failure is null && WroteOutbox)
                outbox.Wake();
            for (var i = 0; i < Group.Length; i++)
            {
                if (failure is null)
                    Group[i].Result.TrySetResult(Results[i]);
                else
                    Group[i].Result.TrySetException(failure);
            }
        }
    }
}

public static class SubmissionWriterSetup
{
    public static IServiceCollection AddSubmissionWriter(this IServiceCollection services)
    {
        services.AddSingleton<SubmissionRecorder>();
        services.AddSingleton<SubmissionWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<SubmissionWriter>());
        return services;
    }
}
