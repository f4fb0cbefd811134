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
/// answered after a sync that began after its commit. During a burst the writer takes each group on SQLite into the
/// intake (<see cref="SubmissionIntake"/>), one row a group, and sorts the groups into their reports after the burst.
/// </summary>
public sealed class SubmissionWriter(
    IServiceScopeFactory scopes,
    SubmissionRecorder recorder,
    SubmissionIntake intake,
    TimeProvider time,
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

    // Those waiting for every submission taken so far to be sorted into its report.
    private readonly Lock sortedGate = new();
    private TaskCompletionSource? sorted;

    /// <summary>Submissions waiting for the writer.</summary>
    internal int Queued => queue.Reader.Count;

    /// <summary>
    /// Completes once every submission answered before the call is in the tables, sorted from the intake if a burst
    /// left it there; the writer sorts them at once, without waiting for the burst to end.
    /// </summary>
    public Task WhenSortedAsync(CancellationToken cancellationToken)
    {
        lock (sortedGate)
        {
            if (intake.Unsorted == 0)
                return Task.CompletedTask;
            sorted ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return sorted.Task.WaitAsync(cancellationToken);
        }
    }

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
        {
            sqlite = new SqliteWriterConnection(scopes);
            await intake.LoadAsync(await sqlite.OpenAsync(), stoppingToken);
        }
        var batch = new List<Pending>(MaxBatch);
        var syncing = SyncCommittedAsync();
        try
        {
            while (await WaitForSubmissionsAsync(stoppingToken))
            {
                // The answers of the last batch send their readers' next reports at once; let them queue up, or the
                // first would be committed alone and the rest wait a whole commit more.
                await Task.Yield();
                while (batch.Count < MaxBatch && queue.Reader.TryRead(out var next))
                {
                    // A request given up before its batch began leaves nothing behind; one given up later is written whole.
                    if (next.CancellationToken.IsCancellationRequested)
                        next.Cancel();
                    else
                        batch.Add(next);
                }
                if (batch.Count == 1)
                    await WriteAloneAsync(batch[0]);
                else if (batch.Count > 1)
                    await WriteBatchAsync(batch);
                batch.Clear();
                // Past its limits the intake is sorted a little after each group even while the burst goes on.
                if (intake.Unsorted > 0 && intake.Overdue(time.GetUtcNow()))
                    await SortIntakeAsync(SubmissionIntake.OverdueSortChunk);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            queue.Writer.TryComplete();
            while (queue.Reader.TryRead(out var left))
                left.Fail(new OperationCanceledException("The service is stopping; the report was not stored."));
            // What was committed is synced and answered before the writer stops.
            unsynced.Writer.TryComplete();
            await syncing;
            if (sqlite is not null)
                await sqlite.DisposeAsync();
        }
    }

    /// <summary>
    /// Waits for submissions. While there are none and no burst goes on, or someone waits for it, it sorts what the
    /// intake took, a chunk at a time, looking for submissions between chunks.
    /// </summary>
    /// <returns>False once no more submissions will come.</returns>
    private async Task<bool> WaitForSubmissionsAsync(CancellationToken stoppingToken)
    {
        while (intake.Unsorted > 0 && queue.Reader.Count == 0)
        {
            if (!inFlight.InBurst || SortWaitedFor)
            {
                await SortIntakeAsync(SubmissionIntake.SortChunk);
                continue;
            }
            if (intake.Overdue(time.GetUtcNow()))
            {
                await SortIntakeAsync(SubmissionIntake.OverdueSortChunk);
                continue;
            }
            // A burst goes on: look again when it may have ended, unless submissions come first.
            using var lull = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            lull.CancelAfter(SubmissionsInFlight.Lull);
            try
            {
                return await queue.Reader.WaitToReadAsync(lull.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
            }
        }
        return await queue.Reader.WaitToReadAsync(stoppingToken);
    }

    private bool SortWaitedFor
    {
        get
        {
            lock (sortedGate)
                return sorted is not null;
        }
    }

    /// <summary>Sorts the oldest groups of the intake; when the database itself fails, they wait for another try.</summary>
    private async Task SortIntakeAsync(int chunk)
    {
        try
        {
            var groups = await OnWriterConnectionAsync(db => intake.OldestAsync(db, chunk, CancellationToken.None));
            if (groups.Count == 0)
            {
                // What is kept in memory has no readable row behind it any more (one was set aside as unreadable).
                logger.LogWarning("The intake holds no readable group for the {Count} submissions kept of it; they are forgotten", intake.Unsorted);
                intake.ForgetAll();
            }
            else
            {
                await SortOrSetAsideAsync(groups);
            }
        }
        catch (Exception ex)
        {
            // The database itself fails: the intake keeps its groups, and the writer tries again after a pause.
            logger.LogError(ex, "Sorting the intake failed; it is tried again in a second");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        if (intake.Unsorted == 0)
        {
            await sqlite!.SetCacheAsync(SqliteWriterConnection.CacheKibibytes);
            TaskCompletionSource? waiting;
            lock (sortedGate)
                (waiting, sorted) = (sorted, null);
            waiting?.TrySetResult();
        }
    }

    /// <summary>
    /// Sorts the groups in one transaction. If that fails, each group alone, so that one that cannot be sorted is set
    /// aside, with the reason, and keeps no other from its report.
    /// </summary>
    private async Task SortOrSetAsideAsync(List<UnsortedGroup> groups)
    {
        try
        {
            await SortAsync(groups);
        }
        catch (Exception ex) when (groups.Count > 1)
        {
            logger.LogWarning(ex, "Sorting {Count} groups of submissions from the intake failed; sorting each alone", groups.Count);
            foreach (var group in groups)
            {
                try
                {
                    await SortAsync([group]);
                }
                catch (Exception alone)
                {
                    logger.LogError(alone, "Intake group {GroupId} of {Count} submissions cannot be sorted into its reports; it is kept in the intake, set aside",
                        group.Id, group.Rows.Submissions.Count);
                    await OnWriterConnectionAsync(db => SubmissionIntake.SetAsideAsync(db, group.Id, alone, CancellationToken.None));
                    intake.Forget(group);
                }
            }
        }
    }

    private async Task SortAsync(IReadOnlyList<UnsortedGroup> groups)
    {
        var started = Stopwatch.GetTimestamp();
        var (rows, log) = await OnWriterConnectionAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            var rows = await SubmissionIntake.SortAsync(db, groups, CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            return (rows, SqliteLogSync.PathOf((SqliteConnection)db.Database.GetDbConnection()));
        });
        foreach (var group in groups)
            intake.Forget(group);
        metrics.IntakeSorted(rows.Submissions.Count, Stopwatch.GetElapsedTime(started));
        // The mail of the sorted reports goes out once they are on disk.
        await unsynced.Writer.WriteAsync(new Committed([], [], rows.Outbox.Count > 0, log));
    }

    /// <summary>Runs <paramref name="work"/> on the writer's SQLite connection.</summary>
    private async Task<T> OnWriterConnectionAsync<T>(Func<CorrectionsDb, Task<T>> work)
    {
        try
        {
            return await work(await sqlite!.OpenAsync());
        }
        catch
        {
            // Whatever state the failure left the connection in, the next group starts on a new one.
            await sqlite!.DisposeAsync();
            throw;
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
                pending.Fail(ex); // the request fails with it, and is logged there
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
        return await OnWriterConnectionAsync(db => CommitAsync(db, group, SqliteLogSync.PathOf((SqliteConnection)db.Database.GetDbConnection())));
    }

    private async Task<Committed> CommitAsync(CorrectionsDb db, Pending[] group, string? log)
    {
        var started = Stopwatch.GetTimestamp();
        // On SQLite a group written during a burst (as the outbox dispatcher sees one) goes into the intake, and so does
        // every group while the intake holds some, so that they are sorted in the order they came; once the intake is
        // full or being sorted during the burst, only those whose readers join a report in it.
        var onSqlite = log is not null;
        var intoIntake = onSqlite && (intake.Unsorted > 0 || (database.Value.IntakeDuringBursts && inFlight.InBurst));
        if (intoIntake)
            await sqlite!.SetCacheAsync(SqliteWriterConnection.IntakeCacheKibibytes);
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var (results, rows) = await recorder.RecordAsync(db, Array.ConvertAll(group, p => p.Submission), onSqlite ? intake : null, CancellationToken.None);
        var now = time.GetUtcNow();
        intoIntake = intoIntake && (rows.JoinsIntake || !intake.TakesOnlyJoiners(now));
        var taken = intoIntake && await SubmissionIntake.TakeAsync(db, rows, now, CancellationToken.None);
        if (!intoIntake)
            await rows.WriteAsync(db, CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        if (taken)
        {
            intake.Remember(rows.Reports, rows.Submissions, rows.SubmissionKeys, now);
            metrics.IntakeTaken(rows.Submissions.Count);
        }
        metrics.WriterCommitted(group.Length, Stopwatch.GetElapsedTime(started));
        return new Committed(group, results, !intoIntake && rows.Outbox.Count > 0, log);
    }

    /// <summary>Answers a committed group now on a database server, whose commit is durable; on SQLite once its log is synced.</summary>
    private async ValueTask AnswerWhenDurableAsync(Committed committed)
    {
        if (committed.Log is null)
            committed.AnswerOnPool(outbox, failure: null);
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
                committed.AnswerOnPool(outbox, failure);
            ready.Clear();
        }
    }

    /// <summary>
    /// A submission waiting for its answer. The requests' continuations run where the answer is given, so it is given on
    /// a pool thread, never on the writer's or the sync's: a group's answers as one work item, one after the other,
    /// rather than a work item (and a thread woken) each.
    /// </summary>
    private sealed record Pending(PreparedSubmission Submission, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<SubmitReportResult> Result { get; } = new();

        public void Cancel() => ThreadPool.UnsafeQueueUserWorkItem(static p => p.Result.TrySetCanceled(p.CancellationToken), this, preferLocal: false);

        public void Fail(Exception failure) =>
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Pending.Result.TrySetException(s.Failure), (Pending: this, Failure: failure), preferLocal: false);
    }

    /// <param name="Log">SQLite's log file, to sync before the answers; null on a database server.</param>
    private sealed record Committed(Pending[] Group, SubmitReportResult[] Results, bool WroteOutbox, string? Log)
    {
        public void AnswerOnPool(OutboxSignal outbox, Exception? failure) =>
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Committed.Answer(s.Outbox, s.Failure), (Committed: this, Outbox: outbox, Failure: failure), preferLocal: false);

        private void Answer(OutboxSignal outbox, Exception? failure)
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
        services.AddSingleton<ReportKeys>();
        services.AddSingleton<SubmissionRecorder>();
        services.AddSingleton<SubmissionIntake>();
        services.AddSingleton<SubmissionWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<SubmissionWriter>());
        return services;
    }
}
