using System.Threading.Channels;
using Corrections.Data;
using Corrections.Outbox;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Reports.Submit;

/// <summary>
/// Group commit: submissions that arrive together are written by one writer in one transaction, and each request is
/// answered only after that transaction's commit. A commit waits for the disk; one commit for many reports is what lets
/// a small machine take a viral article's reports durably.
/// </summary>
public sealed class SubmissionWriter(
    IServiceScopeFactory scopes,
    SubmissionRecorder recorder,
    OutboxSignal outbox,
    ILogger<SubmissionWriter> logger) : BackgroundService
{
    public const int MaxBatch = 128;

    // Bounded: when the disk cannot keep up, requests wait here instead of piling up in memory.
    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(4 * MaxBatch)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    /// <summary>Submissions waiting for the writer.</summary>
    internal int Queued => queue.Reader.Count;

    /// <summary>Queues the submission and completes once it is committed, or with the error that kept it from being committed.</summary>
    public async ValueTask<SubmitReportResult> WriteAsync(PreparedSubmission submission, CancellationToken cancellationToken)
    {
        var pending = new Pending(submission, cancellationToken);
        await queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Result.Task.WaitAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
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
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        SubmitReportResult[] results;
        var wroteOutbox = false;
        try
        {
            (results, wroteOutbox) = await CommitAsync(batch.ConvertAll(p => p.Submission));
        }
        catch (Exception ex)
        {
            // Rolled back as a whole; each alone, so that one submission that cannot be stored fails only its own request.
            logger.LogWarning(ex, "A batch of {Count} submissions failed; writing each alone", batch.Count);
            foreach (var pending in batch)
                await WriteAloneAsync(pending);
            return;
        }
        if (wroteOutbox)
            outbox.Wake();
        for (var i = 0; i < batch.Count; i++)
            batch[i].Result.TrySetResult(results[i]);
    }

    private async Task WriteAloneAsync(Pending pending)
    {
        // Another instance on the same database can win a unique key (the same client request id) between our read
        // and our write; the second run then finds its row and answers as a repeat.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (results, wroteOutbox) = await CommitAsync([pending.Submission]);
                if (wroteOutbox)
                    outbox.Wake();
                pending.Result.TrySetResult(results[0]);
                return;
            }
            catch (DbUpdateException ex) when (attempt == 1 && DatabaseErrors.IsUniqueViolation(ex))
            {
            }
            catch (Exception ex)
            {
                pending.Result.TrySetException(ex); // the request fails with it, and is logged there
                return;
            }
        }
    }

    /// <summary>One transaction, one commit; the database work is not cancelled half-way.</summary>
    private async Task<(SubmitReportResult[] Results, bool WroteOutbox)> CommitAsync(List<PreparedSubmission> submissions)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        var (results, rows) = await recorder.RecordAsync(db, submissions, CancellationToken.None);
        await rows.InsertAsync(db, CancellationToken.None);
        await db.SaveChangesAsync(CancellationToken.None); // the reader counts of open reports that were joined
        await transaction.CommitAsync(CancellationToken.None);
        return (results, rows.Outbox.Count > 0);
    }

    private sealed record Pending(PreparedSubmission Submission, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<SubmitReportResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
